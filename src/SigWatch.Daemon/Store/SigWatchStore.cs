using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using SigWatch.Core.Assessment;
using SigWatch.Core.Bundles;
using SigWatch.Core.FileSystem;

namespace SigWatch.Daemon.Store;

/// <summary>
/// The daemon's SQLite store: bundles, assessments and events (WAL, foreign keys, forward
/// migrations). It persists; it does not decide: which events follow from an assessment is Core's
/// <see cref="AssessmentComparison"/>, asked inside the write transaction with the stored facts, so
/// an event is written in the same transaction as the assessment or removal that caused it, and
/// published to live watchers only after that transaction commits. A new assessment row is written
/// only when the facts differ by value from the latest one; what an assessment cost is kept in its
/// own columns. Paths are kept in their display form (<see cref="FileNames.Display"/>), so names
/// that are not UTF-8 survive the database exactly. Writes are serialised in-process; reads use
/// their own pooled connections (WAL lets them run beside a writer).
/// </summary>
internal sealed partial class SigWatchStore : IDisposable
{
    private readonly string _connectionString;
    private readonly EventHub _hub;
    private readonly ILogger<SigWatchStore> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private bool _disposed;

    // Bumped after every commit: the status summary is recomputed only when something was written since.
    private long _writeVersion;
    private StoreSummary? _summary;

    public SigWatchStore(string databasePath, EventHub hub, ILogger<SigWatchStore> logger)
    {
        DatabasePath = databasePath;
        _hub = hub;
        _logger = logger;
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = 30,
        }.ToString();

        Initialize();
    }

    public const string StatusIncomplete = "incomplete";

    public string DatabasePath { get; }

    public int SchemaVersion { get; private set; }

    private void Initialize()
    {
        using var connection = Open();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, "PRAGMA synchronous = NORMAL;");
        var version = Convert.ToInt32(Scalar(connection, "PRAGMA user_version;"), CultureInfo.InvariantCulture);
        if (version > Migrations.LatestVersion)
        {
            throw new InvalidOperationException(
                $"{DatabasePath} has schema version {version}, newer than this sigwatchd knows ({Migrations.LatestVersion}); " +
                "refusing to open it so that a newer version's data is not damaged.");
        }

        for (var next = version; next < Migrations.LatestVersion; next++)
        {
            using var tx = connection.BeginTransaction();
            Execute(connection, Migrations.All[next], tx);
            // PRAGMA cannot take parameters; the value is our own integer.
            Execute(connection, $"PRAGMA user_version = {next + 1};", tx);
            tx.Commit();
            _logger.LogInformation("Store {Path}: migrated schema to version {Version}", DatabasePath, next + 1);
        }

        SchemaVersion = Migrations.LatestVersion;
    }

    /// <summary>
    /// Records a completed assessment of a bundle that is on disk. <paramref name="decide"/> is given the latest stored
    /// facts (null for a new bundle) and whether the bundle reappeared after removal, and returns the events; when the
    /// facts equal the latest stored ones by value, no row and no event is written: only last_seen, last_assessed and
    /// last_cost move. An incomplete status is cleared.
    /// </summary>
    public Task<RecordOutcome> RecordAssessmentAsync(string bundlePath, string root, BundleFacts facts, AssessmentCost cost, DateTimeOffset now,
        Func<BundleFacts?, bool, IReadOnlyList<AssessmentChange>> decide, CancellationToken cancellationToken = default) =>
        RecordAssessmentAsync(bundlePath, root, facts, cost, now, context => new RecordDecision(decide(context.Previous, context.Reappeared), null),
            new RecordOptions(), cancellationToken);

    /// <summary>
    /// Records a completed assessment, as above, with copy lineage: <paramref name="decide"/> can look up where the same
    /// signed code was last seen valid (<see cref="RecordContext.SightingsOf"/>, read in the same transaction) and
    /// returns, with the events, the arrival it traced, which the bundle keeps. A valid assessment becomes the bundle's
    /// sighting (with its directory's identity from <paramref name="options"/>).
    /// </summary>
    public Task<RecordOutcome> RecordAssessmentAsync(string bundlePath, string root, BundleFacts facts, AssessmentCost cost, DateTimeOffset now,
        Func<RecordContext, RecordDecision> decide, RecordOptions options, CancellationToken cancellationToken = default)
    {
        var factsJson = JsonSerializer.Serialize(facts, BundleFactsJson.Default.BundleFacts);
        var costJson = JsonSerializer.Serialize(cost, BundleFactsJson.Default.AssessmentCost);
        var path = FileNames.Display(bundlePath);
        var rootText = FileNames.Display(root);
        return WriteAsync((connection, tx) =>
        {
            var existing = FindBundleRow(connection, tx, path);
            var bundleId = existing?.Id ?? InsertBundle(connection, tx, path, rootText, now);
            Execute(connection, "UPDATE bundles SET last_seen = $now, last_assessed = $now, last_cost_json = $cost, removed_at = NULL, root = $root, " +
                "status = '', status_detail = '', source = $source WHERE id = $id;", tx,
                ("$now", Format(now)), ("$cost", costJson), ("$root", rootText), ("$source", options.Source ? 1 : 0), ("$id", bundleId));
            var latest = existing is null ? null : LatestAssessmentRow(connection, tx, bundleId);
            var reappeared = existing?.RemovedAt is not null;
            var previous = latest is { } row ? DeserializeFacts(row.FactsJson, row.Id) : null;
            if (previous is not null && !reappeared && previous.HasSameValues(facts))
            {
                RecordSighting(connection, tx, bundleId, facts, latest!.Value.Id, now, options.Directory);
                return (new RecordOutcome(null, []), []);
            }

            var assessmentId = InsertReturningId(connection, tx,
                "INSERT INTO assessments (bundle_id, assessed_at, fingerprint, facts_json, cost_json) VALUES ($b, $t, $f, $j, $c);",
                ("$b", bundleId), ("$t", Format(now)), ("$f", facts.TreeFingerprint), ("$j", factsJson), ("$c", costJson));
            var decision = decide(new RecordContext(reappeared ? null : previous, reappeared, identity => SightingsOf(connection, tx, identity, bundleId)));
            if (decision.Arrival is { } arrival)
            {
                RecordArrival(connection, tx, bundleId, arrival);
            }

            RecordSighting(connection, tx, bundleId, facts, assessmentId, now, options.Directory);
            var events = decision.Changes.Select(c => InsertEvent(connection, tx, now, c, bundleId, bundlePath, root, assessmentId)).ToArray();
            var outcome = new RecordOutcome(new AssessmentRecord(assessmentId, bundleId, now, facts, cost), events);
            return (outcome, outcome.Events);
        }, cancellationToken);
    }

    /// <summary>Marks a bundle removed; <paramref name="removed"/> is its event (null for a bundle under a source root: none).</summary>
    public Task<EventRecord?> RecordRemovalAsync(string bundlePath, DateTimeOffset now, AssessmentChange? removed, CancellationToken cancellationToken = default) =>
        WriteAsync<EventRecord?>((connection, tx) =>
        {
            var existing = FindBundleRow(connection, tx, FileNames.Display(bundlePath));
            if (existing is null || existing.Value.RemovedAt is not null)
            {
                return (null, []);
            }

            Execute(connection, "UPDATE bundles SET removed_at = $now, status = '', status_detail = '' WHERE id = $id;", tx,
                ("$now", Format(now)), ("$id", existing.Value.Id));
            if (removed is null)
            {
                return (null, []);
            }

            var ev = InsertEvent(connection, tx, now, removed, existing.Value.Id, bundlePath, FileNames.FromDisplay(existing.Value.Root), null);
            return (ev, [ev]);
        }, cancellationToken);

    /// <summary>
    /// Records that an assessment did not finish: the bundle (added if the store did not know it yet, so that it is listed)
    /// gets the incomplete status with <paramref name="detail"/>; <paramref name="incomplete"/> is recorded as an event only
    /// when the bundle was not already incomplete (one event per episode, not one per retry).
    /// </summary>
    public Task<EventRecord?> RecordIncompleteAsync(string bundlePath, string root, string detail, DateTimeOffset now, AssessmentChange? incomplete,
        CancellationToken cancellationToken = default) =>
        WriteAsync<EventRecord?>((connection, tx) =>
        {
            var path = FileNames.Display(bundlePath);
            var existing = FindBundleRow(connection, tx, path);
            var bundleId = existing?.Id ?? InsertBundle(connection, tx, path, FileNames.Display(root), now);
            var already = existing?.Status == StatusIncomplete;
            Execute(connection, "UPDATE bundles SET status = $s, status_detail = $d, removed_at = NULL WHERE id = $id;", tx,
                ("$s", StatusIncomplete), ("$d", detail), ("$id", bundleId));
            if (already || incomplete is null)
            {
                return (null, []);
            }

            var ev = InsertEvent(connection, tx, now, incomplete, bundleId, bundlePath, root, null);
            return (ev, [ev]);
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="body"/> in one write transaction (writers are serialised), commits it, and
    /// only then publishes the events it produced, so a watcher never sees an uncommitted event.
    /// </summary>
    private async Task<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, (T Result, IReadOnlyList<EventRecord> Events)> body, CancellationToken cancellationToken)
    {
        (T Result, IReadOnlyList<EventRecord> Events) done;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            using var connection = Open();
            using var tx = connection.BeginTransaction();
            done = body(connection, tx);
            tx.Commit();
            Interlocked.Increment(ref _writeVersion);
        }
        finally
        {
            _writeLock.Release();
        }

        _hub.Publish(done.Events);
        return done.Result;
    }

    public (IReadOnlyList<BundleRecord> Bundles, long Total) ListBundles(BundleQuery query)
    {
        using var connection = Open();
        var where = new List<string>();
        var parameters = new List<(string, object?)>();
        if (!string.IsNullOrEmpty(query.Root))
        {
            where.Add("root = $root");
            parameters.Add(("$root", FileNames.Display(FileNames.FromDisplay(query.Root))));
        }

        if (!string.IsNullOrEmpty(query.PathContains))
        {
            // instr() is an ordinal, case-sensitive substring test, unlike LIKE.
            where.Add("instr(path, $contains) > 0");
            parameters.Add(("$contains", query.PathContains));
        }

        if (!query.IncludeRemoved)
        {
            where.Add("removed_at IS NULL");
        }

        AddHiddenRoots(where, parameters, "root", query.HiddenRoots);

        var filter = where.Count == 0 ? string.Empty : "WHERE " + string.Join(" AND ", where);
        var total = Convert.ToInt64(Scalar(connection, $"SELECT COUNT(*) FROM bundles {filter};", null, [.. parameters]), CultureInfo.InvariantCulture);
        var pageFilter = (where.Count == 0 ? "WHERE " : filter + " AND ") + "id > $after";
        parameters.Add(("$after", query.AfterId));
        parameters.Add(("$limit", query.Limit));
        var bundles = ReadBundles(connection, $"SELECT {BundleColumns} FROM bundles {pageFilter} ORDER BY id LIMIT $limit;", [.. parameters]);
        return (bundles, total);
    }

    /// <summary>The bundle at <paramref name="path"/> (a name on disk, <see cref="FileNames"/>); null when unknown.</summary>
    public BundleRecord? GetBundle(string path)
    {
        using var connection = Open();
        return ReadBundles(connection, $"SELECT {BundleColumns} FROM bundles WHERE path = $p;", ("$p", FileNames.Display(path))).FirstOrDefault();
    }

    public BundleRecord? GetBundle(long id)
    {
        using var connection = Open();
        return ReadBundles(connection, $"SELECT {BundleColumns} FROM bundles WHERE id = $id;", ("$id", id)).FirstOrDefault();
    }

    private const string BundleColumns = "id, path, root, first_seen, last_seen, removed_at, status, status_detail, last_assessed, last_cost_json, " +
        "source, lineage_relation, lineage_bundle_id, lineage_path, lineage_assessment_id, lineage_valid_at";

    /// <summary>Assessments of a bundle, newest first.</summary>
    public IReadOnlyList<AssessmentRecord> GetAssessments(long bundleId, int limit) =>
        QueryAssessments("WHERE bundle_id = $b ORDER BY id DESC LIMIT $l", ("$b", bundleId), ("$l", limit));

    private List<AssessmentRecord> QueryAssessments(string filter, params (string Name, object Value)[] parameters)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT id, bundle_id, assessed_at, facts_json, cost_json FROM assessments {filter};";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var list = new List<AssessmentRecord>();
        while (reader.Read())
        {
            list.Add(ReadAssessment(reader, 0));
        }

        return list;
    }

    /// <param name="hiddenRoots">Roots whose events the caller may not see (other users' Downloads).</param>
    public IReadOnlyList<EventRecord> ListEvents(long afterId, int limit, long bundleId = 0, IReadOnlyCollection<string>? hiddenRoots = null)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var where = new List<string> { "e.id > $after", "($bundle = 0 OR e.bundle_id = $bundle)" };
        var parameters = new List<(string, object?)> { ("$after", afterId), ("$bundle", bundleId), ("$limit", limit) };
        AddHiddenRoots(where, parameters, "b.root", hiddenRoots);
        command.CommandText =
            "SELECT e.id, e.time, e.kind, e.bundle_id, b.path, e.assessment_id, e.summary, e.severity, e.flags, b.root FROM events e JOIN bundles b ON b.id = e.bundle_id " +
            $"WHERE {string.Join(" AND ", where)} ORDER BY e.id LIMIT $limit;";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var list = new List<EventRecord>();
        while (reader.Read())
        {
            list.Add(new EventRecord(
                reader.GetInt64(0),
                Parse(reader.GetString(1)),
                reader.GetString(2),
                reader.GetInt64(3),
                FileNames.FromDisplay(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.GetString(6),
                ParseSeverity(reader.GetString(7)),
                reader.GetString(8).Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                Root = FileNames.FromDisplay(reader.GetString(9)),
            });
        }

        return list;
    }

    private static void AddHiddenRoots(List<string> where, List<(string, object?)> parameters, string column, IReadOnlyCollection<string>? hidden)
    {
        if (hidden is not { Count: > 0 })
        {
            return;
        }

        var names = hidden.Select((root, i) => (Name: $"$hidden{i}", Value: FileNames.Display(root))).ToList();
        where.Add($"{column} NOT IN ({string.Join(", ", names.Select(n => n.Name))})");
        parameters.AddRange(names.Select(n => (n.Name, (object?)n.Value)));
    }

    public long LastEventId()
    {
        using var connection = Open();
        return Convert.ToInt64(Scalar(connection, "SELECT COALESCE(MAX(id), 0) FROM events;"), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Present bundles per root and the last event id, as of the last commit. GetStatus is the call every client makes
    /// (and the one a flood of callers would make): it is answered from memory until something is written.
    /// </summary>
    public StoreSummary Summary()
    {
        var version = Volatile.Read(ref _writeVersion);
        if (Volatile.Read(ref _summary) is { } cached && cached.Version == version)
        {
            return cached;
        }

        // Read after taking the version: a commit in between bumps it, and the next call reads again.
        var summary = new StoreSummary(version, CountPresentBundlesByRoot(), LastEventId());
        Volatile.Write(ref _summary, summary);
        return summary;
    }

    /// <summary>Present (not removed) bundles per root.</summary>
    public IReadOnlyDictionary<string, long> CountPresentBundlesByRoot()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT root, COUNT(*) FROM bundles WHERE removed_at IS NULL GROUP BY root;";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        while (reader.Read())
        {
            result[FileNames.FromDisplay(reader.GetString(0))] = reader.GetInt64(1);
        }

        return result;
    }

    /// <summary>Paths (names on disk) of present bundles at or under <paramref name="directory"/>.</summary>
    public IReadOnlyList<string> PresentBundlePathsUnder(string directory)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        var display = FileNames.Display(directory);
        var prefix = display.EndsWith('/') ? display : display + "/";
        // substr() keeps the prefix test ordinal and free of LIKE wildcards in path names.
        command.CommandText = "SELECT path FROM bundles WHERE removed_at IS NULL AND substr(path, 1, length($prefix)) = $prefix ORDER BY path;";
        command.Parameters.AddWithValue("$prefix", prefix);
        using var reader = command.ExecuteReader();
        var list = new List<string>();
        while (reader.Read())
        {
            list.Add(FileNames.FromDisplay(reader.GetString(0)));
        }

        return list;
    }

    public void Dispose()
    {
        _writeLock.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                using var connection = Open();
                // Fold the WAL back into the main file so the database is complete on its own.
                Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE);");
            }
            catch (SqliteException e)
            {
                _logger.LogWarning(e, "Store {Path}: final checkpoint failed", DatabasePath);
            }

            SqliteConnection.ClearAllPools();
            _logger.LogInformation("Store {Path} closed", DatabasePath);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset Parse(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private BundleFacts DeserializeFacts(string json, long assessmentId)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BundleFactsJson.Default.BundleFacts) ?? new BundleFacts();
        }
        catch (JsonException e)
        {
            // A damaged row must not take the whole query down: show it as unreadable.
            _logger.LogWarning(e, "Store {Path}: assessment {Id} has unreadable facts", DatabasePath, assessmentId);
            return new BundleFacts { WalkProblems = [$"stored facts unreadable: {e.Message}"] };
        }
    }

    private readonly record struct BundleRow(long Id, string? RemovedAt, string Status, string Root);

    private readonly record struct AssessmentRow(long Id, string FactsJson);

    private static BundleRow? FindBundleRow(SqliteConnection connection, SqliteTransaction tx, string path)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT id, removed_at, status, root FROM bundles WHERE path = $p;";
        command.Parameters.AddWithValue("$p", path);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new BundleRow(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3)) : null;
    }

    private static AssessmentRow? LatestAssessmentRow(SqliteConnection connection, SqliteTransaction tx, long bundleId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT id, facts_json FROM assessments WHERE bundle_id = $b ORDER BY id DESC LIMIT 1;";
        command.Parameters.AddWithValue("$b", bundleId);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new AssessmentRow(reader.GetInt64(0), reader.GetString(1)) : null;
    }

    private static long InsertBundle(SqliteConnection connection, SqliteTransaction tx, string path, string root, DateTimeOffset now) =>
        InsertReturningId(connection, tx,
            "INSERT INTO bundles (path, root, first_seen, last_seen) VALUES ($p, $r, $now, $now);",
            ("$p", path), ("$r", root), ("$now", Format(now)));

    private static EventRecord InsertEvent(SqliteConnection connection, SqliteTransaction tx, DateTimeOffset now, AssessmentChange change, long bundleId, string bundlePath,
        string root, long? assessmentId)
    {
        var id = InsertReturningId(connection, tx,
            "INSERT INTO events (time, kind, bundle_id, assessment_id, summary, severity, flags) VALUES ($t, $k, $b, $a, $s, $sev, $f);",
            ("$t", Format(now)), ("$k", change.KindName), ("$b", bundleId), ("$a", assessmentId), ("$s", change.Summary),
            ("$sev", SeverityName(change.Severity)), ("$f", string.Join(',', change.Flags)));
        return new EventRecord(id, now, change.KindName, bundleId, bundlePath, assessmentId, change.Summary, change.Severity, change.Flags) { Root = root };
    }

    private static string SeverityName(ChangeSeverity severity) => severity.ToString().ToLowerInvariant();

    private static ChangeSeverity ParseSeverity(string text) =>
        Enum.TryParse<ChangeSeverity>(text, ignoreCase: true, out var severity) ? severity : ChangeSeverity.Info;

    private static long InsertReturningId(SqliteConnection connection, SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql + " SELECT last_insert_rowid();";
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    // `bundlesQuery` selects bundle rows (BundleColumns); each comes back with its latest assessment from the same
    // statement (one query per page, not one per bundle).
    private List<BundleRecord> ReadBundles(SqliteConnection connection, string bundlesQuery, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT b.id, b.path, b.root, b.first_seen, b.last_seen, b.removed_at, b.status, b.status_detail, b.last_assessed, b.last_cost_json,
                   a.id, a.bundle_id, a.assessed_at, a.facts_json, a.cost_json,
                   b.source, b.lineage_relation, b.lineage_bundle_id, b.lineage_path, b.lineage_assessment_id, b.lineage_valid_at
            FROM ({bundlesQuery.TrimEnd(';')}) AS b
            LEFT JOIN assessments AS a ON a.id = (SELECT MAX(id) FROM assessments WHERE bundle_id = b.id)
            ORDER BY b.id;
            """;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var result = new List<BundleRecord>();
        while (reader.Read())
        {
            var latest = reader.IsDBNull(10) ? null : ReadAssessment(reader, 10);
            result.Add(new BundleRecord(reader.GetInt64(0), FileNames.FromDisplay(reader.GetString(1)), FileNames.FromDisplay(reader.GetString(2)),
                Parse(reader.GetString(3)), Parse(reader.GetString(4)), reader.IsDBNull(5) ? null : Parse(reader.GetString(5)), latest)
            {
                Status = reader.GetString(6),
                StatusDetail = reader.GetString(7),
                LastAssessedAt = reader.IsDBNull(8) ? null : Parse(reader.GetString(8)),
                LastCost = reader.IsDBNull(9) ? null : DeserializeCost(reader.GetString(9)),
                Source = reader.GetInt64(15) != 0,
                Lineage = reader.IsDBNull(16) ? null : new BundleLineage(reader.GetString(16), reader.GetInt64(17), FileNames.FromDisplay(reader.GetString(18)),
                    reader.GetInt64(19), Parse(reader.GetString(20))),
            });
        }

        return result;
    }

    // Columns: id, bundle_id, assessed_at, facts_json, cost_json.
    private AssessmentRecord ReadAssessment(SqliteDataReader reader, int first)
    {
        var id = reader.GetInt64(first);
        return new AssessmentRecord(id, reader.GetInt64(first + 1), Parse(reader.GetString(first + 2)), DeserializeFacts(reader.GetString(first + 3), id),
            reader.IsDBNull(first + 4) ? null : DeserializeCost(reader.GetString(first + 4)));
    }

    private static AssessmentCost? DeserializeCost(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, BundleFactsJson.Default.AssessmentCost);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Execute(SqliteConnection connection, string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql, SqliteTransaction? tx = null, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command.ExecuteScalar();
    }
}
