using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SigWatch.Core.CodeSigning;
using SigWatch.Core.FileSystem;
using SigWatch.Core.Seal;

namespace SigWatch.Daemon.Store;

/// <summary>
/// The seal verifier's per-file digest cache, kept in the daemon's database (table file_hashes) so
/// that re-verifying an unchanged bundle hashes nothing, even across restarts. Lookups read the
/// table directly (safe from the verifier's parallel hashing: one pooled connection per call);
/// new digests are collected in memory and written in one transaction by <see cref="Flush"/>,
/// which the assessment worker calls after each bundle.
/// What a key trusts is documented on <see cref="FileHashKey"/>; a periodic full verification
/// (DaemonOptions.FullVerifyHours) ignores the cache for what it cannot see.
/// </summary>
internal sealed class SqliteFileHashCache(string databasePath) : IFileHashCache
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = databasePath,
        Mode = SqliteOpenMode.ReadWrite,
        Pooling = true,
        DefaultTimeout = 30,
    }.ToString();

    private readonly ConcurrentDictionary<(string Path, CodeHashType Type), (FileHashKey Key, byte[] Digest)> _pending = new();

    public bool TryGet(in FileHashKey key, out byte[] digest)
    {
        if (_pending.TryGetValue((key.Path, key.HashType), out var pending) && pending.Key == key)
        {
            digest = pending.Digest;
            return true;
        }

        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT digest FROM file_hashes WHERE path = $p AND hash_type = $t AND device = $d AND inode = $i " +
            "AND size = $s AND mtime_ns = $m AND ctime_ns = $c;";
        Bind(command, key);
        if (command.ExecuteScalar() is byte[] stored)
        {
            digest = stored;
            return true;
        }

        digest = [];
        return false;
    }

    public void Set(in FileHashKey key, byte[] digest) => _pending[(key.Path, key.HashType)] = (key, digest);

    /// <summary>Writes the digests collected since the last flush, replacing stale rows for the same paths.</summary>
    public int Flush()
    {
        if (_pending.IsEmpty)
        {
            return 0;
        }

        var batch = _pending.ToArray();
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var tx = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText =
            "INSERT OR REPLACE INTO file_hashes (path, hash_type, device, inode, size, mtime_ns, ctime_ns, digest) " +
            "VALUES ($p, $t, $d, $i, $s, $m, $c, $digest);";
        foreach (var (_, (key, digest)) in batch)
        {
            command.Parameters.Clear();
            Bind(command, key);
            command.Parameters.AddWithValue("$digest", digest);
            command.ExecuteNonQuery();
        }

        tx.Commit();
        foreach (var (slot, entry) in batch)
        {
            _pending.TryRemove(new KeyValuePair<(string, CodeHashType), (FileHashKey, byte[])>(slot, entry));
        }

        return batch.Length;
    }

    /// <summary>Drops the rows of a bundle that is gone, so the table does not grow without bound.</summary>
    public void Forget(string bundlePath)
    {
        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        var display = FileNames.Display(bundlePath);
        var prefix = display.EndsWith('/') ? display : display + "/";
        command.CommandText = "DELETE FROM file_hashes WHERE substr(path, 1, length($prefix)) = $prefix;";
        command.Parameters.AddWithValue("$prefix", prefix);
        command.ExecuteNonQuery();
    }

    private static void Bind(SqliteCommand command, in FileHashKey key)
    {
        // Paths in their display form: a name that is not UTF-8 keeps its own row (SQLite text is UTF-8).
        command.Parameters.AddWithValue("$p", FileNames.Display(key.Path));
        command.Parameters.AddWithValue("$t", (int)key.HashType);
        // SQLite integers are signed 64-bit: device and inode numbers are stored bit for bit.
        command.Parameters.AddWithValue("$d", unchecked((long)key.Device));
        command.Parameters.AddWithValue("$i", unchecked((long)key.Inode));
        command.Parameters.AddWithValue("$s", key.Size);
        command.Parameters.AddWithValue("$m", key.ModifiedNanoseconds);
        command.Parameters.AddWithValue("$c", key.ChangedNanoseconds);
    }
}
