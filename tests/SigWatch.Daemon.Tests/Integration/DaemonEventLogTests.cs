using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>The NDJSON event log through the real daemon: what a log shipper reads (docs/event-log.md).</summary>
public sealed class DaemonEventLogTests
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task BundleAppearsBreaksIsRestoredAndGoes_EveryEventIsOneEcsLineMatchingTheDatabase()
    {
        using var dir = new TempDirectory("evlog");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Sealed.app").WithFile("Resources/license.txt", "MIT").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        var app = Path.Combine(root, "Sealed.app");
        Directory.Move(built, app);
        await WaitForEventAsync(daemon, "bundle-appeared");
        var added = Path.Combine(app, "Contents", "Resources", "license.key");
        await File.WriteAllTextAsync(added, "ABCD-1234");
        await WaitForEventAsync(daemon, "seal-broken");
        File.Delete(added);
        await WaitForEventAsync(daemon, "signature-restored");
        Directory.Delete(app, recursive: true);
        var last = await WaitForEventAsync(daemon, "bundle-removed");
        await WaitUntilLoggedAsync(daemon, last);

        var logPath = dir.Combine("logs", "events.ndjson");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(logPath));
        var lines = ReadLines(logPath);
        var stored = StoredEvents(daemon.DatabasePath);
        Assert.Equal(stored.Select(e => e.Id), lines.Select(l => l.GetProperty("sigwatch").GetProperty("event_id").GetInt64()));
        foreach (var (line, ev) in lines.Zip(stored))
        {
            Assert.Equal(ev.Kind, line.GetProperty("event").GetProperty("action").GetString());
            Assert.Equal(ev.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), line.GetProperty("event").GetProperty("id").GetString());
            Assert.Equal(ev.Summary, line.GetProperty("message").GetString());
            Assert.Equal(ev.Severity, line.GetProperty("log").GetProperty("level").GetString());
            Assert.Equal(ev.Time.ToUnixTimeMilliseconds(), line.GetProperty("@timestamp").GetDateTimeOffset().ToUnixTimeMilliseconds());
            Assert.Equal(app, line.GetProperty("file").GetProperty("path").GetString());
            Assert.Equal("Sealed.app", line.GetProperty("file").GetProperty("name").GetString());
            Assert.Equal("dir", line.GetProperty("file").GetProperty("type").GetString());
            Assert.Equal("com.example.sealed", line.GetProperty("package").GetProperty("name").GetString());
            Assert.Equal("sigwatch", line.GetProperty("agent").GetProperty("name").GetString());
            Assert.Equal(Environment.MachineName, line.GetProperty("host").GetProperty("name").GetString());
            if (File.Exists("/etc/machine-id"))
            {
                Assert.Equal(File.ReadAllText("/etc/machine-id").Trim(), line.GetProperty("host").GetProperty("id").GetString());
            }

            Assert.Equal(Platform.ProcessIdentity.EffectiveUserId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                line.GetProperty("user").GetProperty("id").GetString());
            Assert.Equal(["file"], line.GetProperty("event").GetProperty("category").EnumerateArray().Select(c => c.GetString()));
        }

        var appeared = lines[0];
        Assert.Equal("bundle-appeared", appeared.GetProperty("event").GetProperty("action").GetString());
        Assert.Equal(["creation"], appeared.GetProperty("event").GetProperty("type").EnumerateArray().Select(c => c.GetString()));
        var signature = appeared.GetProperty("file").GetProperty("code_signature");
        Assert.True(signature.GetProperty("exists").GetBoolean());
        Assert.True(signature.GetProperty("valid").GetBoolean());
        Assert.False(signature.GetProperty("trusted").GetBoolean()); // ad-hoc: no chain
        Assert.Equal("com.example.sealed", signature.GetProperty("signing_id").GetString());
        Assert.Equal("sha256", signature.GetProperty("digest_algorithm").GetString());
        Assert.Equal("valid", appeared.GetProperty("sigwatch").GetProperty("verdict").GetString());
        Assert.Equal("ad-hoc", appeared.GetProperty("sigwatch").GetProperty("classification").GetString());
        // The main executable as it was (the bundle was built with its executable at Contents/MacOS/Sealed).
        Assert.Equal(64, appeared.GetProperty("file").GetProperty("hash").GetProperty("sha256").GetString()!.Length);

        var broken = lines.Single(l => l.GetProperty("event").GetProperty("action").GetString() == "seal-broken");
        Assert.Equal("alert", broken.GetProperty("event").GetProperty("kind").GetString());
        Assert.Equal(99, broken.GetProperty("event").GetProperty("severity").GetInt32());
        Assert.False(broken.GetProperty("file").GetProperty("code_signature").GetProperty("valid").GetBoolean());
        Assert.Equal("file-added", broken.GetProperty("file").GetProperty("code_signature").GetProperty("status").GetString());
        Assert.Contains(broken.GetProperty("sigwatch").GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("kind").GetString() == "file-added" && f.GetProperty("path").GetString() == "Resources/license.key");
        Assert.Equal(["change"], broken.GetProperty("event").GetProperty("type").EnumerateArray().Select(c => c.GetString()));
        var removed = lines[^1];
        Assert.Equal(["deletion"], removed.GetProperty("event").GetProperty("type").EnumerateArray().Select(c => c.GetString()));

        // The shipper's view of status: the log's position is the last event.
        using var status = await daemon.PollJsonAsync(["status"], _ => true, s_wait);
        var log = status.RootElement.GetProperty("eventLog");
        Assert.Equal(logPath, log.GetProperty("path").GetString());
        Assert.Equal(last, log.GetProperty("lastEventId").GetInt64());
        Assert.Equal(new FileInfo(logPath).Length, log.GetProperty("fileBytes").GetInt64());
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    [Fact]
    public async Task MainExecutableHash_IsTheSha256OfTheFile()
    {
        using var dir = new TempDirectory("evhash");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var app = Path.Combine(root, "Plain.app");
        AppTree.Create(app, "com.example.plain");
        var executable = Path.Combine(app, "Contents", "MacOS", "Plain");
        await File.WriteAllTextAsync(executable, "#!/bin/sh\necho plain\n");
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root] });
        var last = await WaitForEventAsync(daemon, "bundle-appeared");
        await WaitUntilLoggedAsync(daemon, last);

        var line = Assert.Single(ReadLines(dir.Combine("logs", "events.ndjson")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(executable))),
            line.GetProperty("file").GetProperty("hash").GetProperty("sha256").GetString());
        Assert.False(line.GetProperty("file").GetProperty("code_signature").GetProperty("exists").GetBoolean());
        Assert.Equal("unsigned", line.GetProperty("sigwatch").GetProperty("verdict").GetString());
    }

    [Fact]
    public async Task KilledInTheMiddleOfABurst_AfterRestartEveryEventIsInTheLogExactlyOnce()
    {
        const int Bundles = 150;
        using var dir = new TempDirectory("evkill");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        for (var i = 0; i < Bundles; i++)
        {
            AppTree.Create(Path.Combine(staging, $"App{i:D3}.app"), $"com.example.app{i}");
        }

        var logPath = dir.Combine("logs", "events.ndjson");
        var start = new DaemonStart { QuietWindowSeconds = 0.1, Roots = [root], Arguments = ["--workers", "2"] };
        await using var first = await DaemonProcess.StartAsync(dir, start);
        // The burst: bundles arrive every few milliseconds; the first half before the kill (while the daemon is assessing
        // and logging them), the second half while it is dead and after it restarts.
        var killed = new TaskCompletionSource();
        var apps = Directory.GetDirectories(staging).Order(StringComparer.Ordinal).ToList();
        var burst = Task.Run(async () =>
        {
            for (var i = 0; i < apps.Count; i++)
            {
                if (i == apps.Count / 2)
                {
                    await killed.Task;
                }

                Directory.Move(apps[i], Path.Combine(root, Path.GetFileName(apps[i])));
                await Task.Delay(8);
            }
        });
        var clock = Stopwatch.StartNew();
        while (LineCount(logPath) < 5 && clock.Elapsed < s_wait)
        {
            await Task.Delay(5);
        }

        first.Kill();
        killed.SetResult();
        var atKill = LineCount(logPath);
        Assert.InRange(atKill, 5, Bundles / 2);
        // A write cut by the crash: a line without its newline, which the restart must remove, not continue.
        await File.AppendAllTextAsync(logPath, "{\"@timestamp\":\"2026-12-02T00:00:00.000Z\",\"message\":\"cut");
        await burst;

        await using var second = await DaemonProcess.StartAsync(dir, start);
        using (await second.PollJsonAsync(["status"], j => j.GetProperty("bundleCount").GetInt64() == Bundles && j.GetProperty("pendingAssessments").GetInt32() == 0, s_wait))
        {
        }

        var stored = StoredEvents(second.DatabasePath);
        Assert.Equal(Bundles, stored.Count(e => e.Kind == "bundle-appeared"));
        await WaitUntilLoggedAsync(second, stored[^1].Id);
        var logged = ReadLines(logPath).Select(l => l.GetProperty("sigwatch").GetProperty("event_id").GetInt64()).ToList();
        Assert.Equal(stored.Select(e => e.Id), logged);
    }

    [Fact]
    public async Task AReaderFollowingTheFileWithTailF_SeesEachEventAsItIsCommitted()
    {
        using var dir = new TempDirectory("evtail");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var logPath = dir.Combine("logs", "events.ndjson");
        await using var daemon = await DaemonProcess.StartAsync(dir, new DaemonStart { QuietWindowSeconds = 0.2, Roots = [root] });
        using var tail = Process.Start(new ProcessStartInfo("tail", ["-F", "-n", "+1", "-s", "0.1", logPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        tail.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { Length: > 0 } line)
            {
                seen.Enqueue(line);
            }
        };
        tail.BeginOutputReadLine();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                AppTree.Create(Path.Combine(root, $"Tail{i}.app"), $"com.example.tail{i}");
                var clock = Stopwatch.StartNew();
                while (seen.Count < i + 1 && clock.Elapsed < s_wait)
                {
                    await Task.Delay(20);
                }

                Assert.True(seen.Count == i + 1, $"tail -F saw {seen.Count} line(s) after bundle {i}:\n{daemon.Output}");
                using var line = JsonDocument.Parse(seen.Last());
                Assert.Equal($"Tail{i}.app", line.RootElement.GetProperty("file").GetProperty("name").GetString());
            }
        }
        finally
        {
            tail.Kill();
            await tail.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task EveryFieldWritten_IsDocumentedInEventLogMd()
    {
        using var dir = new TempDirectory("evdoc");
        var root = Directory.CreateDirectory(dir.Combine("root")).FullName;
        var staging = Directory.CreateDirectory(dir.Combine("staging")).FullName;
        var built = new BundleBuilder("Doc.app").WithFile("Resources/a.txt", "a").Build(staging);
        await using var daemon = await DaemonProcess.StartAsync(dir,
            new DaemonStart { QuietWindowSeconds = 0.3, Roots = [root], Environment = new Dictionary<string, string> { ["SIGWATCH_EventLog__IncludeAssessments"] = "true" } });
        var app = Path.Combine(root, "Doc.app");
        Directory.Move(built, app);
        await WaitForEventAsync(daemon, "bundle-appeared");
        await File.WriteAllTextAsync(Path.Combine(app, "Contents", "Resources", "b.txt"), "b");
        var last = await WaitForEventAsync(daemon, "seal-broken");
        await WaitUntilLoggedAsync(daemon, last);

        var lines = ReadLines(dir.Combine("logs", "events.ndjson"));
        Assert.Contains(lines, l => l.GetProperty("event").GetProperty("kind").GetString() == "state");
        var documented = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "event-log.md"));
        var missing = lines.SelectMany(l => FieldPaths(l, string.Empty)).Distinct(StringComparer.Ordinal)
            .Where(f => !documented.Contains($"`{f}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "not documented in docs/event-log.md: " + string.Join(", ", missing));
    }

    internal static IEnumerable<string> FieldPaths(JsonElement element, string prefix)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    var path = prefix.Length == 0 ? property.Name : $"{prefix}.{property.Name}";
                    foreach (var child in FieldPaths(property.Value, path))
                    {
                        yield return child;
                    }
                }

                break;
            case JsonValueKind.Array:
                var any = false;
                foreach (var item in element.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object))
                {
                    any = true;
                    foreach (var child in FieldPaths(item, prefix + "[]"))
                    {
                        yield return child;
                    }
                }

                if (!any)
                {
                    yield return prefix;
                }

                break;
            default:
                yield return prefix;
                break;
        }
    }

    internal sealed record StoredEvent(long Id, DateTimeOffset Time, string Kind, string Summary, string Severity);

    internal static List<StoredEvent> StoredEvents(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, time, kind, summary, severity FROM events ORDER BY id;";
        using var reader = command.ExecuteReader();
        var list = new List<StoredEvent>();
        while (reader.Read())
        {
            list.Add(new StoredEvent(reader.GetInt64(0), DateTimeOffset.Parse(reader.GetString(1), System.Globalization.CultureInfo.InvariantCulture),
                reader.GetString(2), reader.GetString(3), reader.GetString(4)));
        }

        return list;
    }

    internal static List<JsonElement> ReadLines(string path)
    {
        var text = File.ReadAllText(path);
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }

    private static int LineCount(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Count(c => c == '\n');
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Waits for an event of <paramref name="kind"/> and returns its id.</summary>
    internal static async Task<long> WaitForEventAsync(DaemonProcess daemon, string kind)
    {
        using var events = await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == kind), s_wait);
        return DaemonEndToEndTests.Events(events.RootElement).Last(e => DaemonEndToEndTests.Kind(e) == kind).GetProperty("id").GetInt64();
    }

    internal static async Task WaitUntilLoggedAsync(DaemonProcess daemon, long eventId)
    {
        using var _ = await daemon.PollJsonAsync(["status"], j => j.GetProperty("eventLog").GetProperty("lastEventId").GetInt64() >= eventId, s_wait);
    }
}
