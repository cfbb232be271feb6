namespace SigWatch.Daemon.Store;

/// <summary>What the fleet outputs (event log, OTLP exporter) read: assessments and events by id, and their cursors.</summary>
internal sealed partial class SigWatchStore
{
    public AssessmentRecord? GetAssessment(long id) => QueryAssessments("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>Assessments with an id above <paramref name="afterId"/>, oldest first.</summary>
    public IReadOnlyList<AssessmentRecord> ListAssessments(long afterId, int limit) =>
        QueryAssessments("WHERE id > $after ORDER BY id LIMIT $limit", ("$after", afterId), ("$limit", limit));

    /// <summary>The last id delivered by the output <paramref name="name"/>; null when it never delivered anything.</summary>
    public long? DeliveryCursor(string name)
    {
        using var connection = Open();
        return Scalar(connection, "SELECT last_id FROM delivery_cursors WHERE name = $n;", null, ("$n", name)) is long id ? id : null;
    }

    /// <summary>Moves the cursor of <paramref name="name"/> forward (never back: a late writer cannot undo a later one).</summary>
    public Task SetDeliveryCursorAsync(string name, long lastId, CancellationToken cancellationToken = default) =>
        WriteAsync<bool>((connection, tx) =>
        {
            Execute(connection, "INSERT INTO delivery_cursors (name, last_id) VALUES ($n, $id) " +
                "ON CONFLICT(name) DO UPDATE SET last_id = MAX(last_id, excluded.last_id);", tx, ("$n", name), ("$id", lastId));
            return (true, []);
        }, cancellationToken);

    private sealed record VerdictCounts(long Version, IReadOnlyDictionary<string, long> Counts);

    private VerdictCounts? _verdicts;

    /// <summary>
    /// Present bundles and downloads (not under source roots) by the verdict of their latest assessment ("not-assessed"
    /// when none has completed); recomputed only after a write.
    /// </summary>
    public IReadOnlyDictionary<string, long> CountPresentBundlesByVerdict()
    {
        var version = Volatile.Read(ref _writeVersion);
        if (Volatile.Read(ref _verdicts) is { } cached && cached.Version == version)
        {
            return cached.Counts;
        }

        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT COALESCE(json_extract(a.facts_json, '$.signature.verdict'), 'not-assessed'), COUNT(*) FROM bundles b " +
            "LEFT JOIN assessments a ON a.id = (SELECT MAX(id) FROM assessments WHERE bundle_id = b.id) " +
            "WHERE b.removed_at IS NULL AND b.source = 0 GROUP BY 1;";
        using var reader = command.ExecuteReader();
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        Volatile.Write(ref _verdicts, new VerdictCounts(version, counts));
        return counts;
    }
}
