using Microsoft.Data.Sqlite;

namespace SigWatch.Daemon.Store;

/// <summary>The result of <c>PRAGMA integrity_check</c>: ok, or the problems (or why the check could not finish).</summary>
internal sealed record StoreIntegrity(bool Ok, string Detail, DateTimeOffset CheckedAt, long Bytes);

internal sealed partial class SigWatchStore
{
    /// <summary>At most this many problems are asked for (integrity_check(N)); the first ones say enough.</summary>
    public const int MaxIntegrityProblems = 10;

    /// <summary>
    /// Runs <c>PRAGMA integrity_check</c> on a connection of its own (readers are not blocked in WAL mode) and stops it with
    /// <c>sqlite3_interrupt</c> when it runs past <paramref name="limit"/>: a huge or damaged file must not hold a thread.
    /// </summary>
    public StoreIntegrity CheckIntegrity(TimeSpan limit, DateTimeOffset now)
    {
        try
        {
            using var connection = Open();
            // The interrupt must never reach a closed handle: the callback and the end of the check share a lock.
            var gate = new Lock();
            var finished = false;
            using var timer = new Timer(_ =>
            {
                lock (gate)
                {
                    if (!finished)
                    {
                        SQLitePCL.raw.sqlite3_interrupt(connection.Handle);
                    }
                }
            }, null, limit, Timeout.InfiniteTimeSpan);
            using var done = new Finally(() =>
            {
                lock (gate)
                {
                    finished = true;
                }
            });
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA integrity_check({MaxIntegrityProblems})";
            var problems = new List<string>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    problems.Add(reader.GetString(0));
                }
            }

            var ok = problems is ["ok"];
            return new StoreIntegrity(ok, ok ? "ok" : string.Join("; ", problems), now, DatabaseBytes());
        }
        catch (SqliteException e) when (e.SqliteErrorCode == SQLitePCL.raw.SQLITE_INTERRUPT)
        {
            return new StoreIntegrity(false, $"integrity_check did not finish within {limit.TotalSeconds:0} s and was stopped", now, DatabaseBytes());
        }
        catch (SqliteException e)
        {
            // SQLITE_CORRUPT / SQLITE_NOTADB surface here rather than as rows.
            return new StoreIntegrity(false, $"integrity_check failed: {e.Message}", now, DatabaseBytes());
        }
    }

    private sealed class Finally(Action action) : IDisposable
    {
        public void Dispose() => action();
    }

    private long DatabaseBytes()
    {
        long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;
        return Size(DatabasePath) + Size(DatabasePath + "-wal");
    }
}
