using Microsoft.Data.Sqlite;
using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;

namespace SigWatch.Daemon.Store;

/// <summary>Copy lineage in the store: sightings of valid bundles and the arrival links of copies and moves.</summary>
internal sealed partial class SigWatchStore
{
    /// <summary>Sightings read per lookup: the most recent first; older ones of the same code add nothing.</summary>
    private const int MaxSightings = 50;

    // A valid assessment becomes the bundle's sighting (its last valid one): an invalid one leaves the last valid in place,
    // since "valid there at T" stays true of that time.
    private static void RecordSighting(SqliteConnection connection, SqliteTransaction tx, long bundleId, BundleFacts facts, long assessmentId,
        DateTimeOffset now, FileIdentity? directory)
    {
        if (facts.Signature is not { IsValid: true } || BundleIdentity.Of(facts) is not { } identity)
        {
            return;
        }

        Execute(connection,
            "INSERT OR REPLACE INTO sightings (bundle_id, identifier, team, cdhash, resources_digest, assessment_id, valid_at, device, inode) " +
            "VALUES ($b, $i, $t, $c, $r, $a, $v, $d, $n);", tx,
            ("$b", bundleId), ("$i", identity.Identifier), ("$t", identity.TeamId ?? string.Empty), ("$c", identity.CdHash), ("$r", identity.ResourcesDigest),
            ("$a", assessmentId), ("$v", Format(now)),
            // SQLite integers are signed 64-bit: device and inode numbers are kept as their two's-complement bits.
            ("$d", directory is { } id ? unchecked((long)id.Device) : null), ("$n", directory is { } ino ? unchecked((long)ino.Inode) : null));
    }

    private static void RecordArrival(SqliteConnection connection, SqliteTransaction tx, long bundleId, Arrival arrival) =>
        Execute(connection,
            "UPDATE bundles SET lineage_relation = $rel, lineage_bundle_id = $sb, lineage_path = $sp, lineage_assessment_id = $sa, lineage_valid_at = $sv " +
            "WHERE id = $id;", tx,
            ("$rel", arrival.Kind == ArrivalKind.Copy ? "copy" : "move"), ("$sb", arrival.Source.BundleId), ("$sp", FileNames.Display(arrival.Source.Path)),
            ("$sa", arrival.Source.AssessmentId), ("$sv", Format(arrival.Source.ValidAt)), ("$id", bundleId));

    private const string SightingColumns =
        "s.bundle_id, b.path, b.root, s.assessment_id, s.valid_at, s.identifier, s.team, s.cdhash, s.resources_digest, s.device, s.inode, b.removed_at, b.source";

    private static List<ValidSighting> SightingsOf(SqliteConnection connection, SqliteTransaction? tx, BundleIdentity identity, long self) =>
        ReadSightings(connection, tx,
            $"SELECT {SightingColumns} FROM sightings s JOIN bundles b ON b.id = s.bundle_id " +
            "WHERE s.identifier = $i AND s.team = $t AND s.bundle_id != $self AND (s.cdhash = $c OR s.resources_digest = $r) " +
            "ORDER BY s.valid_at DESC LIMIT $limit;",
            ("$i", identity.Identifier), ("$t", identity.TeamId ?? string.Empty), ("$self", self), ("$c", identity.CdHash), ("$r", identity.ResourcesDigest),
            ("$limit", MaxSightings));

    /// <summary>Where bundle <paramref name="bundleId"/> was last seen valid; null when it never was.</summary>
    public ValidSighting? SightingOf(long bundleId)
    {
        using var connection = Open();
        return ReadSightings(connection, null,
            $"SELECT {SightingColumns} FROM sightings s JOIN bundles b ON b.id = s.bundle_id WHERE s.bundle_id = $b;", ("$b", bundleId)).FirstOrDefault();
    }

    private static List<ValidSighting> ReadSightings(SqliteConnection connection, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var list = new List<ValidSighting>();
        while (reader.Read())
        {
            var team = reader.GetString(6);
            list.Add(new ValidSighting(
                reader.GetInt64(0),
                FileNames.FromDisplay(reader.GetString(1)),
                FileNames.FromDisplay(reader.GetString(2)),
                reader.GetInt64(3),
                Parse(reader.GetString(4)),
                new BundleIdentity(reader.GetString(5), team.Length == 0 ? null : team, reader.IsDBNull(7) ? null : reader.GetString(7),
                    reader.IsDBNull(8) ? null : reader.GetString(8)),
                reader.IsDBNull(9) || reader.IsDBNull(10) ? null : new FileIdentity(unchecked((ulong)reader.GetInt64(9)), unchecked((ulong)reader.GetInt64(10))),
                reader.IsDBNull(11) ? null : Parse(reader.GetString(11)),
                reader.GetInt64(12) != 0));
        }

        return list;
    }
}
