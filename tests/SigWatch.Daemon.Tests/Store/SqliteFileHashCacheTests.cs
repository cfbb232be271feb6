using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using SigWatch.Core.Seal;
using SigWatch.Daemon.Store;
using SigWatch.Platform;
using SigWatch.TestSupport;
using SigWatch.TestSupport.Builders;

namespace SigWatch.Daemon.Tests.Store;

/// <summary>The daemon's digest cache in a real SQLite file, driving the real seal verifier on a real bundle.</summary>
public sealed class SqliteFileHashCacheTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    [Fact]
    public void Reverify_Unchanged_HashesNothing_EvenAfterRestart_OneChangedFileHashesOne()
    {
        var db = _dir.Combine("sigwatch.db");
        using (new SigWatchStore(db, new EventHub(), NullLogger<SigWatchStore>.Instance))
        {
        }

        var builder = new BundleBuilder("Cached.app");
        for (var i = 0; i < 20; i++)
        {
            builder.WithFile($"Resources/file{i}.txt", $"content {i}");
        }

        var app = builder.Build(Directory.CreateDirectory(_dir.Combine("apps")).FullName);
        var first = Verify(new SqliteFileHashCache(db), app, flush: true);
        Assert.True(first.Statistics.FilesHashed >= 20);

        // A new cache instance over the same file: what a daemon restart sees.
        var unchanged = Verify(new SqliteFileHashCache(db), app, flush: true);
        Assert.Equal(0, unchanged.Statistics.FilesHashed);
        Assert.Equal("Valid", unchanged.Verdict.ToString());

        File.WriteAllText(Path.Combine(app, "Contents", "Resources", "file3.txt"), "tampered");
        var oneChanged = Verify(new SqliteFileHashCache(db), app, flush: true);
        Assert.Equal(1, oneChanged.Statistics.FilesHashed);
        Assert.Contains(oneChanged.Findings, f => f.KindName == "file-modified" && f.Path == "Resources/file3.txt");
    }

    [Fact]
    public void Forget_RemovesOnlyThatBundlesRows()
    {
        var db = _dir.Combine("sigwatch.db");
        using (new SigWatchStore(db, new EventHub(), NullLogger<SigWatchStore>.Instance))
        {
        }

        var apps = Directory.CreateDirectory(_dir.Combine("apps")).FullName;
        var a = new BundleBuilder("A.app").WithFile("Resources/x", "1").Build(apps);
        var ab = new BundleBuilder("AB.app").WithFile("Resources/x", "1").Build(apps);
        var cache = new SqliteFileHashCache(db);
        Verify(cache, a, flush: true);
        Verify(cache, ab, flush: true);

        cache.Forget(a);
        Assert.True(Verify(new SqliteFileHashCache(db), a, flush: false).Statistics.FilesHashed > 0);
        Assert.Equal(0, Verify(new SqliteFileHashCache(db), ab, flush: false).Statistics.FilesHashed);
    }

    private static BundleVerificationReport Verify(SqliteFileHashCache cache, string app, bool flush)
    {
        var report = new BundleVerifier(LstatFileTree.Instance, new BundleVerifierOptions { Cache = cache }).Verify(app);
        if (flush)
        {
            cache.Flush();
        }

        return report;
    }
}
