using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Daemon.Store;
using SigWatch.TestSupport;

namespace SigWatch.Daemon.Tests.Store;

/// <summary>The store against a real SQLite file in a temp directory.</summary>
public sealed class SigWatchStoreTests : IDisposable
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.Combine("sigwatch.db");

    private SigWatchStore OpenStore(EventHub? hub = null) => new(DbPath, hub ?? new EventHub(), NullLogger<SigWatchStore>.Instance);

    private static readonly AssessmentCost s_cost = new(false, 0, 1, 0, 3, 100, 0, 5);

    // What the worker does: the store asks Core which events follow, inside its transaction.
    private static Task<RecordOutcome> Record(SigWatchStore store, string path, string root, BundleFacts facts, DateTimeOffset now) =>
        store.RecordAssessmentAsync(path, root, facts, s_cost, now, (before, reappeared) => before is null
            ? AssessmentComparison.Appeared(facts, reappeared, AssessmentComparison.KindOfRoot(root))
            : AssessmentComparison.Compare(before, facts));

    private static BundleFacts Facts(string version = "1.0", long files = 3, string fingerprint = "f1") =>
        new() { BundleIdentifier = "com.example.app", ShortVersion = version, FileCount = files, TotalSize = 100, HasInfoPlist = true, TreeFingerprint = fingerprint };

    [Fact]
    public void Open_NewFile_MigratesToLatestSchema_InWalMode()
    {
        using (var store = OpenStore())
        {
            Assert.Equal(Migrations.LatestVersion, store.SchemaVersion);
        }

        Assert.Equal(Migrations.LatestVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), Pragma("user_version"));
        Assert.Equal("wal", Pragma("journal_mode"));
    }

    [Fact]
    public void Open_DatabaseFromNewerVersion_IsRefusedAndLeftUntouched()
    {
        using (OpenStore())
        {
        }

        Pragma($"user_version = {Migrations.LatestVersion + 5}");
        var e = Assert.Throws<InvalidOperationException>(() => OpenStore());
        Assert.Contains("newer", e.Message, StringComparison.Ordinal);
        Assert.Equal((Migrations.LatestVersion + 5).ToString(System.Globalization.CultureInfo.InvariantCulture), Pragma("user_version"));
    }

    [Fact]
    public void Open_Version1Database_MigratesForwardKeepingItsEvents()
    {
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Migrations.All[0] + """
                PRAGMA user_version = 1;
                INSERT INTO bundles (path, root, first_seen, last_seen) VALUES ('/r/Old.app', '/r', '2025-01-01T00:00:00.0000000Z', '2025-01-01T00:00:00.0000000Z');
                INSERT INTO events (time, kind, bundle_id, assessment_id, summary) VALUES ('2025-01-01T00:00:00.0000000Z', 'bundle-appeared', 1, NULL, 'old');
                """;
            command.ExecuteNonQuery();
        }

        using var store = OpenStore();
        Assert.Equal(Migrations.LatestVersion, store.SchemaVersion);
        var old = Assert.Single(store.ListEvents(0, 10));
        Assert.Equal("old", old.Summary);
        Assert.Equal(ChangeSeverity.Info, old.Severity);
        Assert.Empty(old.Flags);
    }

    [Fact]
    public async Task RecordAssessment_NewThenSameThenDifferent_AppearedThenNothingThenChanged()
    {
        using var store = OpenStore();
        var first = await Record(store, "/r/A.app", "/r", Facts(), s_t0);
        Assert.Equal(EventKind.BundleAppeared.Name(), Assert.Single(first.Events).Kind);
        Assert.NotNull(first.Assessment);

        var same = await Record(store, "/r/A.app", "/r", Facts(), s_t0.AddMinutes(1));
        Assert.Null(same.Assessment);
        Assert.Empty(same.Events);
        Assert.Equal(s_t0.AddMinutes(1), store.GetBundle("/r/A.app")!.LastSeen);

        var changed = await Record(store, "/r/A.app", "/r", Facts("2.0", files: 4, fingerprint: "f2"), s_t0.AddMinutes(2));
        var ev = Assert.Single(changed.Events);
        Assert.Equal(EventKind.BundleChanged.Name(), ev.Kind);
        Assert.Contains("CFBundleShortVersionString \"1.0\" -> \"2.0\"", ev.Summary, StringComparison.Ordinal);
        Assert.Contains("files 3 -> 4", ev.Summary, StringComparison.Ordinal);
        Assert.Equal(changed.Assessment!.Id, ev.AssessmentId);
        Assert.Equal(2, store.GetAssessments(ev.BundleId, 10).Count);
    }

    [Fact]
    public async Task RecordRemoval_ThenReappear_RemovedThenAppearedAgain_SameBundleId()
    {
        using var store = OpenStore();
        var appeared = (await Record(store, "/r/A.app", "/r", Facts(), s_t0)).Events[0];
        var removed = await store.RecordRemovalAsync("/r/A.app", s_t0.AddMinutes(1), AssessmentComparison.Removed());
        Assert.NotNull(removed);
        Assert.Equal(EventKind.BundleRemoved.Name(), removed.Kind);
        Assert.Null(await store.RecordRemovalAsync("/r/A.app", s_t0.AddMinutes(2), AssessmentComparison.Removed()));
        Assert.Equal(s_t0.AddMinutes(1), store.GetBundle("/r/A.app")!.RemovedAt);
        Assert.Empty(store.ListBundles(new BundleQuery(null, null, false, 0, 10)).Bundles);

        var back = Assert.Single((await Record(store, "/r/A.app", "/r", Facts(), s_t0.AddMinutes(3))).Events);
        Assert.Equal(EventKind.BundleAppeared.Name(), back.Kind);
        Assert.StartsWith("reappeared", back.Summary, StringComparison.Ordinal);
        Assert.Equal(appeared.BundleId, back.BundleId);
        Assert.Null(store.GetBundle("/r/A.app")!.RemovedAt);
        Assert.Equal([appeared.Id, removed.Id, back.Id], store.ListEvents(0, 10).Select(e => e.Id));
    }

    [Fact]
    public async Task RecordRemoval_UnknownBundle_RecordsNothing()
    {
        using var store = OpenStore();
        Assert.Null(await store.RecordRemovalAsync("/r/Never.app", s_t0, AssessmentComparison.Removed()));
        Assert.Equal(0, store.LastEventId());
    }

    [Fact]
    public async Task EventIds_StrictlyIncrease_AcrossReopen()
    {
        long before;
        using (var store = OpenStore())
        {
            await Record(store, "/r/A.app", "/r", Facts(), s_t0);
            await store.RecordRemovalAsync("/r/A.app", s_t0, AssessmentComparison.Removed());
            before = store.LastEventId();
        }

        using (var store = OpenStore())
        {
            var ev = (await Record(store, "/r/B.app", "/r", Facts(), s_t0)).Events[0];
            Assert.True(ev.Id > before);
            Assert.Equal(3, store.ListEvents(0, 100).Count);
            Assert.Equal([ev.Id], store.ListEvents(before, 100).Select(e => e.Id));
        }
    }

    [Fact]
    public async Task Summary_IsAnsweredFromMemoryUntilAWriteCommits_ThenReadAgain()
    {
        using var store = OpenStore();
        var empty = store.Summary();
        Assert.Same(empty, store.Summary());
        Assert.Empty(empty.BundlesByRoot);

        await Record(store, "/r/A.app", "/r", Facts(), s_t0);
        await Record(store, "/s/B.app", "/s", Facts(), s_t0);
        var two = store.Summary();
        Assert.NotSame(empty, two);
        Assert.Equal(1, two.BundlesByRoot["/r"]);
        Assert.Equal(1, two.BundlesByRoot["/s"]);
        Assert.Equal(store.LastEventId(), two.LastEventId);

        await store.RecordRemovalAsync("/r/A.app", s_t0, AssessmentComparison.Removed());
        var one = store.Summary();
        Assert.False(one.BundlesByRoot.ContainsKey("/r"));
        Assert.Equal(store.LastEventId(), one.LastEventId);
    }

    [Fact]
    public async Task Publish_HappensAfterCommit_SubscribersSeeCommittedEvents()
    {
        var hub = new EventHub();
        using var store = OpenStore(hub);
        using var subscription = hub.Subscribe(uid: 501);
        await Record(store, "/r/A.app", "/r", Facts(), s_t0);
        Assert.True(subscription.Reader.TryRead(out var published));
        // Visible to another connection, i.e. committed, by the time it was published.
        Assert.Equal(published.Id, store.ListEvents(0, 10).Single().Id);
    }

    [Fact]
    public async Task ListBundles_PagesByIdAndCountsAll_FiltersByRootAndText()
    {
        using var store = OpenStore();
        for (var i = 0; i < 5; i++)
        {
            await Record(store, $"/a/App{i}.app", "/a", Facts(), s_t0);
        }

        await Record(store, "/b/Other.app", "/b", Facts(), s_t0);
        var page1 = store.ListBundles(new BundleQuery("/a", null, false, 0, 2));
        Assert.Equal(5, page1.Total);
        Assert.Equal(["/a/App0.app", "/a/App1.app"], page1.Bundles.Select(b => b.Path));
        var page2 = store.ListBundles(new BundleQuery("/a", null, false, page1.Bundles[^1].Id, 2));
        Assert.Equal(["/a/App2.app", "/a/App3.app"], page2.Bundles.Select(b => b.Path));
        Assert.Equal(["/b/Other.app"], store.ListBundles(new BundleQuery(null, "Other", false, 0, 10)).Bundles.Select(b => b.Path));
        Assert.NotNull(page1.Bundles[0].Latest);
    }

    [Fact]
    public async Task ListBundles_EachBundleComesWithItsNewestAssessment_RemovedOnesToo()
    {
        using var store = OpenStore();
        await Record(store, "/a/One.app", "/a", Facts("1.0"), s_t0);
        await Record(store, "/a/Two.app", "/a", Facts("5.0"), s_t0);
        await Record(store, "/a/One.app", "/a", Facts("1.1"), s_t0.AddMinutes(1));
        await Record(store, "/a/Two.app", "/a", Facts("5.1"), s_t0.AddMinutes(2));
        await store.RecordRemovalAsync("/a/Two.app", s_t0.AddMinutes(3), AssessmentComparison.Removed());
        await Record(store, "/a/Three.app", "/a", Facts("3.0"), s_t0.AddMinutes(4));

        var listed = store.ListBundles(new BundleQuery(null, null, true, 0, 10)).Bundles;
        Assert.Equal(["/a/One.app 1.1", "/a/Two.app 5.1", "/a/Three.app 3.0"], listed.Select(b => $"{b.Path} {b.Latest!.Facts.ShortVersion}"));
        Assert.NotNull(listed[1].RemovedAt);
        Assert.Equal(store.GetAssessments(listed[0].Id, 1).Single().Id, listed[0].Latest!.Id);
        Assert.Equal("1.1", store.GetBundle("/a/One.app")!.Latest!.Facts.ShortVersion);
    }

    [Fact]
    public async Task PresentBundlePathsUnder_TreatsLikeWildcardsLiterally()
    {
        using var store = OpenStore();
        await Record(store, "/r/a_b/X.app", "/r", Facts(), s_t0);
        await Record(store, "/r/axb/Y.app", "/r", Facts(), s_t0);
        await Record(store, "/r/100%/Z.app", "/r", Facts(), s_t0);
        Assert.Equal(["/r/a_b/X.app"], store.PresentBundlePathsUnder("/r/a_b"));
        Assert.Equal(["/r/100%/Z.app"], store.PresentBundlePathsUnder("/r/100%"));
        Assert.Equal(3, store.PresentBundlePathsUnder("/r").Count);
    }

    [Fact]
    public async Task Dispose_CheckpointsWal_DatabaseIsCompleteAndIntact()
    {
        using (var store = OpenStore())
        {
            await Record(store, "/r/A.app", "/r", Facts(), s_t0);
        }

        Assert.True(!File.Exists(DbPath + "-wal") || new FileInfo(DbPath + "-wal").Length == 0);
        Assert.Equal("ok", Pragma("integrity_check"));
    }

    [Fact]
    public async Task CheckIntegrity_HealthyFile_IsOkWithItsSize()
    {
        using var store = OpenStore();
        await Record(store, "/Applications/A.app", "/Applications", Facts(), s_t0);

        var integrity = store.CheckIntegrity(TimeSpan.FromSeconds(20), s_t0);

        Assert.True(integrity.Ok, integrity.Detail);
        Assert.Equal("ok", integrity.Detail);
        Assert.True(integrity.Bytes >= new FileInfo(DbPath).Length);
    }

    [Fact]
    public async Task CheckIntegrity_IndexPageOverwritten_IsNotOkAndSaysWhere()
    {
        using (var store = OpenStore())
        {
            for (var i = 0; i < 50; i++)
            {
                await Record(store, $"/Applications/App{i}.app", "/Applications", Facts(), s_t0);
            }
        }

        SqliteConnection.ClearAllPools();
        var pageSize = long.Parse(Pragma("page_size"), System.Globalization.CultureInfo.InvariantCulture);
        long rootPage;
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // Everything into the main file, so that the bytes overwritten below are the ones SQLite reads.
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            command.ExecuteNonQuery();
            command.CommandText = "SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bundles' AND rootpage > 1 ORDER BY rootpage LIMIT 1";
            rootPage = (long)command.ExecuteScalar()!;
        }

        Assert.False(File.Exists(DbPath + "-wal") && new FileInfo(DbPath + "-wal").Length > 0, "the write-ahead log was not checkpointed");
        Assert.True(rootPage * pageSize <= new FileInfo(DbPath).Length, $"page {rootPage} of {pageSize} bytes is past the end of the file");
        // Garbage over an index's root page, past its page header: the tables and the schema stay readable.
        using (var file = new FileStream(DbPath, FileMode.Open, FileAccess.Write))
        {
            file.Position = ((rootPage - 1) * pageSize) + 16;
            file.Write(Enumerable.Repeat((byte)0xA5, (int)pageSize - 32).ToArray());
        }

        using var reopened = OpenStore();
        var integrity = reopened.CheckIntegrity(TimeSpan.FromSeconds(20), s_t0);

        Assert.False(integrity.Ok);
        Assert.NotEqual("ok", integrity.Detail);
        Assert.NotEmpty(integrity.Detail);
    }

    [Fact]
    public async Task HealthMonitor_AskedTwiceWithinTheInterval_RunsIntegrityCheckOnceAndSharesIt()
    {
        using var store = OpenStore();
        var monitor = new HealthMonitor(store, _dir.Path, TimeProvider.System);

        var first = await monitor.IntegrityAsync(CancellationToken.None);
        var second = await monitor.IntegrityAsync(CancellationToken.None);

        Assert.True(first.Ok, first.Detail);
        Assert.Same(first, second);
        Assert.Null(monitor.LogProblem());
    }

    [Fact]
    public void HealthMonitor_LogDirectoryIsAFile_SaysWhyItCannotWrite()
    {
        using var store = OpenStore();
        var notADirectory = _dir.Combine("logs");
        File.WriteAllText(notADirectory, "x");

        var problem = new HealthMonitor(store, notADirectory, TimeProvider.System).LogProblem();

        Assert.NotNull(problem);
        Assert.Contains("logs", problem, StringComparison.Ordinal);
    }

    private string Pragma(string pragma)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {pragma};";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
