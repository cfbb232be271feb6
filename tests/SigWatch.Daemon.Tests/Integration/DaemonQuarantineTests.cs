using System.Text.Json;
using Microsoft.Data.Sqlite;
using SigWatch.Core.FileSystem;
using SigWatch.Platform;
using SigWatch.Platform.Quarantine;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Integration;

/// <summary>Quarantine through the real daemon: real user.* xattrs, a real QuarantineEventsV2 file, the real CLI.</summary>
public sealed class DaemonQuarantineTests
{
    private const string EventId = "02162070-0D2C-4A3B-9AE2-1234567890AB";
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task QuarantinedDownload_ShowsItsStory_ThenStrippingItIsAFlaggedCriticalEvent()
    {
        using var dir = new TempDirectory();
        var home = dir.Combine("home");
        CreateQuarantineDatabase(home);
        var downloads = Directory.CreateDirectory(Path.Combine(home, "Downloads")).FullName;
        var staging = AppTree.Create(dir.Combine("staging", "Fetched.app"), "com.example.fetched");
        var xattrs = ExtendedAttributes.Instance;
        xattrs.Set(staging, ExtendedAttributeNames.Quarantine, System.Text.Encoding.ASCII.GetBytes($"0083;6723b9fa;Safari;{EventId}"));
        xattrs.Set(Path.Combine(staging, "Contents", "Resources", "r0.txt"), ExtendedAttributeNames.Quarantine, "0083;6723b9fa;Safari;"u8);

        // The daemon runs as the test user, so the owner's database is the one under its HOME.
        await using var daemon = await DaemonProcess.StartAsync(dir, 0.3, new Dictionary<string, string> { ["HOME"] = home }, downloads);
        var app = Path.Combine(downloads, "Fetched.app");
        Directory.Move(staging, app);

        using (var shown = await daemon.PollJsonAsync(["show", app], j => j.GetProperty("bundle").GetProperty("latest").ValueKind == JsonValueKind.Object, s_wait))
        {
            var q = shown.RootElement.GetProperty("bundle").GetProperty("latest").GetProperty("quarantine");
            Assert.True(q.GetProperty("present").GetBoolean());
            Assert.Equal(0x83, q.GetProperty("flags").GetInt32());
            Assert.Equal("no", q.GetProperty("userApproved").GetString());
            Assert.Equal("found", q.GetProperty("provenance").GetProperty("status").GetString());
            Assert.Equal("https://dl.example.com/Fetched.zip", q.GetProperty("provenance").GetProperty("dataUrl").GetString());
            Assert.Equal(1, q.GetProperty("quarantinedFileCount").GetInt32());
            Assert.StartsWith("Downloaded by Safari (com.apple.Safari) from https://dl.example.com/Fetched.zip", q.GetProperty("story").GetString(), StringComparison.Ordinal);
        }

        var human = await daemon.CliAsync("show", app);
        Assert.Contains("quarantine:     Downloaded by Safari", human.Stdout, StringComparison.Ordinal);

        // `xattr -d com.apple.quarantine` on an app nobody approved: the Gatekeeper-bypass pattern.
        Assert.True(xattrs.Remove(app, ExtendedAttributeNames.Quarantine));
        using var events = await daemon.PollJsonAsync(["events"], j => DaemonEndToEndTests.Events(j).Any(e => DaemonEndToEndTests.Kind(e) == "quarantine-removed"), s_wait);
        var removed = DaemonEndToEndTests.Events(events.RootElement).Single(e => DaemonEndToEndTests.Kind(e) == "quarantine-removed");
        Assert.Equal("critical", removed.GetProperty("severity").GetString());
        Assert.Equal(["possible-gatekeeper-bypass"], removed.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(app, removed.GetProperty("bundlePath").GetString());
        Assert.Equal(0, await daemon.TerminateAsync());
    }

    private static void CreateQuarantineDatabase(string home)
    {
        var path = Path.Combine(home, QuarantineEventsDatabase.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE LSQuarantineEvent (LSQuarantineEventIdentifier TEXT PRIMARY KEY NOT NULL, LSQuarantineTimeStamp REAL,
                LSQuarantineAgentBundleIdentifier TEXT, LSQuarantineAgentName TEXT, LSQuarantineDataURLString TEXT,
                LSQuarantineSenderName TEXT, LSQuarantineSenderAddress TEXT, LSQuarantineTypeNumber INTEGER,
                LSQuarantineOriginTitle TEXT, LSQuarantineOriginURLString TEXT, LSQuarantineOriginAlias BLOB);
            INSERT INTO LSQuarantineEvent VALUES ('{EventId}', 752086810, 'com.apple.Safari', 'Safari',
                'https://dl.example.com/Fetched.zip', NULL, NULL, 0, NULL, 'https://example.com/', NULL);
            """;
        command.ExecuteNonQuery();
    }
}
