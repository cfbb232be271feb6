using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using SigWatch.Core.Quarantine;
using SigWatch.Platform.Quarantine;
using SigWatch.TestSupport;

namespace SigWatch.Platform.Tests.Quarantine;

/// <summary>A QuarantineEventsV2 file made with the real schema (macos-integration.md §2.2), read the way the daemon reads it.</summary>
public sealed class QuarantineEventsDatabaseTests : IDisposable
{
    private const string EventId = "02162070-0D2C-4A3B-9AE2-1234567890AB";
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    internal static string CreateDatabase(string home, bool walMode = false)
    {
        var path = Path.Combine(home, QuarantineEventsDatabase.RelativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = (walMode ? "PRAGMA journal_mode = WAL;" : string.Empty) + """
            CREATE TABLE LSQuarantineEvent (
                LSQuarantineEventIdentifier TEXT PRIMARY KEY NOT NULL,
                LSQuarantineTimeStamp REAL,
                LSQuarantineAgentBundleIdentifier TEXT,
                LSQuarantineAgentName TEXT,
                LSQuarantineDataURLString TEXT,
                LSQuarantineSenderName TEXT,
                LSQuarantineSenderAddress TEXT,
                LSQuarantineTypeNumber INTEGER,
                LSQuarantineOriginTitle TEXT,
                LSQuarantineOriginURLString TEXT,
                LSQuarantineOriginAlias BLOB);
            CREATE INDEX LSQuarantineEventIndex ON LSQuarantineEvent (LSQuarantineEventIdentifier);
            INSERT INTO LSQuarantineEvent VALUES
                ('02162070-0D2C-4A3B-9AE2-1234567890AB', 752086810.5, 'com.apple.Safari', 'Safari',
                 'https://dl.example.com/App.zip', NULL, NULL, 0, 'Example', 'https://example.com/download', NULL);
            """;
        command.ExecuteNonQuery();
        return path;
    }

    [Fact]
    public void Lookup_KnownEvent_ReturnsEveryColumn()
    {
        var home = _dir.Combine("home", "alice");
        var database = CreateDatabase(home);
        var lookup = new QuarantineEventsDatabase(_ => database, _dir.Combine("scratch")).Lookup("/x", EventId);

        Assert.Equal(ProvenanceLookupStatus.Found, lookup.Status);
        var ev = lookup.Event!;
        Assert.Equal("Safari", ev.AgentName);
        Assert.Equal("com.apple.Safari", ev.AgentBundleIdentifier);
        Assert.Equal("https://dl.example.com/App.zip", ev.DataUrl);
        Assert.Equal("https://example.com/download", ev.OriginUrl);
        Assert.Equal("web download", ev.TypeName);
        // CFAbsoluteTime 752086810.5 = 2001-01-01 + 752086810.5 s.
        Assert.Equal(new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(752086810.5), ev.Time);
    }

    [Fact]
    public void Lookup_LowerCaseId_StillFound_UnknownIdNotFound()
    {
        var database = CreateDatabase(_dir.Combine("home", "bob"));
        var reader = new QuarantineEventsDatabase(_ => database, _dir.Combine("scratch"));
        Assert.Equal(ProvenanceLookupStatus.Found, reader.Lookup("/x", EventId.ToLowerInvariant()).Status);
        Assert.Equal(ProvenanceLookupStatus.NotFound, reader.Lookup("/x", "00000000-0000-0000-0000-000000000000").Status);
    }

    [Fact]
    public void Lookup_NoHomeOrNoDatabase_IsReportedNotThrown()
    {
        Assert.Equal(ProvenanceLookupStatus.NoDatabase, new QuarantineEventsDatabase(_ => null, _dir.Combine("s")).Lookup("/x", EventId).Status);
        Assert.Equal(ProvenanceLookupStatus.NoDatabase, new QuarantineEventsDatabase(_ => _dir.Combine("nope.db"), _dir.Combine("s")).Lookup("/x", EventId).Status);
    }

    [Fact]
    public void Lookup_DamagedDatabase_IsUnreadableWithReason()
    {
        var database = _dir.Combine("damaged.db");
        File.WriteAllText(database, "this is not sqlite");
        var lookup = new QuarantineEventsDatabase(_ => database, _dir.Combine("s")).Lookup("/x", EventId);
        Assert.Equal(ProvenanceLookupStatus.Unreadable, lookup.Status);
        Assert.Contains(database, lookup.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Lookup_NeverModifiesOrLocksTheUsersDatabase_AndSeesItsWal()
    {
        var database = CreateDatabase(_dir.Combine("home", "carol"), walMode: true);
        // The owner (lsd on a Mac) holds a write transaction open and has rows only in its WAL.
        using var owner = new SqliteConnection($"Data Source={database};Pooling=False");
        owner.Open();
        using (var insert = owner.CreateCommand())
        {
            insert.CommandText = "PRAGMA wal_autocheckpoint = 0; INSERT INTO LSQuarantineEvent (LSQuarantineEventIdentifier, LSQuarantineAgentName) VALUES ('AAAAAAAA-0000-0000-0000-000000000001', 'Chrome');";
            insert.ExecuteNonQuery();
        }

        using var hold = owner.BeginTransaction();
        using (var write = owner.CreateCommand())
        {
            write.Transaction = hold;
            write.CommandText = "UPDATE LSQuarantineEvent SET LSQuarantineSenderName = 'x' WHERE 0;";
            write.ExecuteNonQuery();
        }

        var before = (Hash(database), File.GetLastWriteTimeUtc(database), Hash(database + "-wal"));
        var lookup = new QuarantineEventsDatabase(_ => database, _dir.Combine("scratch")).Lookup("/x", "AAAAAAAA-0000-0000-0000-000000000001");

        Assert.Equal(ProvenanceLookupStatus.Found, lookup.Status);
        Assert.Equal("Chrome", lookup.Event!.AgentName);
        Assert.Equal(before, (Hash(database), File.GetLastWriteTimeUtc(database), Hash(database + "-wal")));
        Assert.Empty(Directory.GetFiles(_dir.Combine("scratch")));
        hold.Commit();
    }

    [Fact]
    public void DefaultDatabaseForItem_UnderAHome_UsesThatUsersDatabase()
    {
        var homes = OperatingSystem.IsMacOS() ? "/Users" : "/home";
        Assert.Equal(
            $"{homes}/dana/{QuarantineEventsDatabase.RelativePath}",
            QuarantineEventsDatabase.DefaultDatabaseForItem($"{homes}/dana/Downloads/App.app"));
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
