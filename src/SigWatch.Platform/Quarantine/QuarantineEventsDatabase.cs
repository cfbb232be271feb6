using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Quarantine;

namespace SigWatch.Platform.Quarantine;

/// <summary>
/// Reads users' QuarantineEventsV2 databases (<c>~/Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2</c>,
/// table LSQuarantineEvent; macos-integration.md §2.2) without ever locking or modifying them:
/// the database and its WAL are copied into a private (0700) directory, the copy is read whole into
/// memory, and the copy is deleted. The snapshot is reused until the originals' size or mtime change.
/// </summary>
public sealed class QuarantineEventsDatabase : IQuarantineEventLookup
{
    public const string RelativePath = "Library/Preferences/com.apple.LaunchServices.QuarantineEventsV2";

    /// <summary>Databases larger than this are not copied (real ones are a few MiB).</summary>
    public const long MaxDatabaseBytes = 256L * 1024 * 1024;

    /// <summary>CFAbsoluteTime epoch (CF CFDate.h kCFAbsoluteTimeIntervalSince1970 = 978307200).</summary>
    private static readonly DateTimeOffset s_cfEpoch = new(2001, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly Func<string, string?> _databaseForItem;
    private readonly string _scratchDirectory;
    private readonly ConcurrentDictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);

    /// <param name="databaseForItem">Maps an item to its owner's database path (null: no home). Default: <see cref="DefaultDatabaseForItem"/>.</param>
    /// <param name="scratchDirectory">Where private copies are made; created 0700. Default: a per-uid directory under the temp dir.</param>
    public QuarantineEventsDatabase(Func<string, string?>? databaseForItem = null, string? scratchDirectory = null)
    {
        _databaseForItem = databaseForItem ?? DefaultDatabaseForItem;
        _scratchDirectory = scratchDirectory ?? Path.Combine(Path.GetTempPath(), $"sigwatch-qe-{ProcessIdentity.EffectiveUserId}");
    }

    public ProvenanceLookup Lookup(string itemPath, string eventId)
    {
        var database = _databaseForItem(itemPath);
        if (database is null)
        {
            return new ProvenanceLookup(ProvenanceLookupStatus.NoDatabase, null, $"no home directory found for the owner of {itemPath}");
        }

        var file = new FileInfo(database);
        if (!file.Exists)
        {
            return new ProvenanceLookup(ProvenanceLookupStatus.NoDatabase, null, $"{database} does not exist");
        }

        Snapshot snapshot;
        try
        {
            snapshot = GetSnapshot(database, file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or SqliteException or InvalidDataException)
        {
            // On macOS this is usually TCC: reading another user's ~/Library needs Full Disk Access.
            return new ProvenanceLookup(ProvenanceLookupStatus.Unreadable, null, $"{database}: {e.Message}");
        }

        return snapshot.Events.TryGetValue(eventId, out var ev)
            ? new ProvenanceLookup(ProvenanceLookupStatus.Found, ev, database)
            : new ProvenanceLookup(ProvenanceLookupStatus.NotFound, null, $"{database} has no event {eventId}");
    }

    /// <summary>
    /// The database of the user who owns <paramref name="itemPath"/>: the home named by the path
    /// (/Users/NAME/… or /home/NAME/…), else the home directory owned by the item's owner.
    /// </summary>
    public static string? DefaultDatabaseForItem(string itemPath)
    {
        var homesRoot = OperatingSystem.IsMacOS() ? "/Users" : "/home";
        var full = Path.GetFullPath(itemPath);
        var prefix = homesRoot + "/";
        if (full.StartsWith(prefix, StringComparison.Ordinal))
        {
            var name = full[prefix.Length..].Split('/')[0];
            if (name.Length > 0)
            {
                return Path.Combine(homesRoot, name, RelativePath);
            }
        }

        FileStatus owner;
        try
        {
            owner = FileKinds.Stat(full);
        }
        catch (IOException)
        {
            return null;
        }

        if (owner.Kind == FileTreeKind.Missing)
        {
            return null;
        }

        if (owner.OwnerUid == ProcessIdentity.EffectiveUserId && Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
        {
            return Path.Combine(home, RelativePath);
        }

        try
        {
            foreach (var candidate in Directory.Exists(homesRoot) ? Directory.GetDirectories(homesRoot) : [])
            {
                var status = FileKinds.Stat(candidate);
                if (status.Kind == FileTreeKind.Directory && status.OwnerUid == owner.OwnerUid)
                {
                    return Path.Combine(candidate, RelativePath);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private Snapshot GetSnapshot(string database, FileInfo file)
    {
        var wal = new FileInfo(database + "-wal");
        var stamp = (file.Length, file.LastWriteTimeUtc, wal.Exists ? wal.Length : -1, wal.Exists ? wal.LastWriteTimeUtc : default);
        if (_snapshots.TryGetValue(database, out var cached) && cached.Stamp == stamp)
        {
            return cached;
        }

        if (file.Length + Math.Max(0, stamp.Item3) > MaxDatabaseBytes)
        {
            throw new InvalidDataException($"{file.Length + stamp.Item3} bytes, larger than the {MaxDatabaseBytes}-byte limit");
        }

        var snapshot = new Snapshot(stamp, ReadCopy(database, wal.Exists));
        _snapshots[database] = snapshot;
        return snapshot;
    }

    private Dictionary<string, QuarantineEvent> ReadCopy(string database, bool hasWal)
    {
        Directory.CreateDirectory(_scratchDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(_scratchDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var copy = Path.Combine(_scratchDirectory, Guid.NewGuid().ToString("N") + ".db");
        try
        {
            File.Copy(database, copy);
            if (hasWal)
            {
                try
                {
                    File.Copy(database + "-wal", copy + "-wal");
                }
                catch (FileNotFoundException)
                {
                    // Checkpointed and removed between the two copies: the main file has it all.
                }
            }

            var events = new Dictionary<string, QuarantineEvent>(StringComparer.OrdinalIgnoreCase);
            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = copy, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString()))
            {
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText =
                    "SELECT LSQuarantineEventIdentifier, LSQuarantineTimeStamp, LSQuarantineAgentName, LSQuarantineAgentBundleIdentifier, " +
                    "LSQuarantineDataURLString, LSQuarantineOriginURLString, LSQuarantineOriginTitle, LSQuarantineSenderName, " +
                    "LSQuarantineSenderAddress, LSQuarantineTypeNumber FROM LSQuarantineEvent;";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    if (reader.IsDBNull(0))
                    {
                        continue;
                    }

                    var id = reader.GetString(0);
                    events[id] = new QuarantineEvent
                    {
                        EventId = id,
                        Time = reader.IsDBNull(1) ? null : FromCfAbsolute(reader.GetDouble(1)),
                        AgentName = Text(reader, 2),
                        AgentBundleIdentifier = Text(reader, 3),
                        DataUrl = Text(reader, 4),
                        OriginUrl = Text(reader, 5),
                        OriginTitle = Text(reader, 6),
                        SenderName = Text(reader, 7),
                        SenderAddress = Text(reader, 8),
                        TypeNumber = reader.IsDBNull(9) ? null : reader.GetInt64(9),
                    };
                }
            }

            return events;
        }
        finally
        {
            foreach (var leftover in new[] { copy, copy + "-wal", copy + "-shm", copy + "-journal" })
            {
                try
                {
                    File.Delete(leftover);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static DateTimeOffset? FromCfAbsolute(double seconds) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < 1e11 ? s_cfEpoch.AddSeconds(seconds) : null;

    private static string? Text(SqliteDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : Convert.ToString(reader.GetValue(column), CultureInfo.InvariantCulture) is { Length: > 0 } s ? s : null;

    private sealed record Snapshot((long, DateTime, long, DateTime) Stamp, Dictionary<string, QuarantineEvent> Events);
}
