namespace SigWatch.Daemon.Store;

/// <summary>
/// Forward-only schema migrations. The database's <c>PRAGMA user_version</c> is the number of
/// migrations applied. A migration is never edited once released; changes are new entries.
/// </summary>
internal static class Migrations
{
    public static IReadOnlyList<string> All { get; } =
    [
        // 1: inventory, assessments and events. Ids use AUTOINCREMENT so that an id is never reused,
        // even after deletes: event ids are client cursors and must only grow.
        """
        CREATE TABLE bundles (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            path        TEXT NOT NULL UNIQUE,
            root        TEXT NOT NULL,
            first_seen  TEXT NOT NULL,
            last_seen   TEXT NOT NULL,
            removed_at  TEXT NULL
        );
        CREATE INDEX bundles_root ON bundles(root, id);

        CREATE TABLE assessments (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            bundle_id    INTEGER NOT NULL REFERENCES bundles(id) ON DELETE CASCADE,
            assessed_at  TEXT NOT NULL,
            fingerprint  TEXT NOT NULL,
            facts_json   TEXT NOT NULL
        );
        CREATE INDEX assessments_bundle ON assessments(bundle_id, id);

        CREATE TABLE events (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            time           TEXT NOT NULL,
            kind           TEXT NOT NULL,
            bundle_id      INTEGER NOT NULL REFERENCES bundles(id) ON DELETE CASCADE,
            assessment_id  INTEGER NULL REFERENCES assessments(id) ON DELETE SET NULL,
            summary        TEXT NOT NULL
        );
        CREATE INDEX events_bundle ON events(bundle_id, id);
        """,

        // 2: event severity and flags (quarantine-removed from a never-approved app is critical and
        // flagged possible-gatekeeper-bypass). Existing events are informational.
        """
        ALTER TABLE events ADD COLUMN severity TEXT NOT NULL DEFAULT 'info';
        ALTER TABLE events ADD COLUMN flags TEXT NOT NULL DEFAULT '';
        """,

        // 3: the per-file digest cache of incremental seal re-verification (one row per path and
        // hash type; the key columns say which state of the file the digest belongs to).
        """
        CREATE TABLE file_hashes (
            path        TEXT NOT NULL,
            hash_type   INTEGER NOT NULL,
            device      INTEGER NOT NULL,
            inode       INTEGER NOT NULL,
            size        INTEGER NOT NULL,
            mtime_ns    INTEGER NOT NULL,
            ctime_ns    INTEGER NOT NULL,
            digest      BLOB NOT NULL,
            PRIMARY KEY (path, hash_type)
        ) WITHOUT ROWID;
        """,

        // 4: what an assessment cost is kept apart from its facts (a re-assessment that finds the same facts adds no
        // row, it only refreshes the bundle's last_assessed/last_cost_json), and an assessment that did not finish is
        // the bundle's status ('incomplete', with its reason) until one does.
        """
        ALTER TABLE assessments ADD COLUMN cost_json TEXT NULL;
        ALTER TABLE bundles ADD COLUMN last_assessed TEXT NULL;
        ALTER TABLE bundles ADD COLUMN last_cost_json TEXT NULL;
        ALTER TABLE bundles ADD COLUMN status TEXT NOT NULL DEFAULT '';
        ALTER TABLE bundles ADD COLUMN status_detail TEXT NOT NULL DEFAULT '';
        """,

        // 5: copy lineage. A sighting is a bundle's last valid assessment with the identity of its signed code and of its
        // directory on disk (device, inode: a move keeps them); a bundle that arrived as a copy or a move of another
        // keeps the link; bundles under source roots (mounted volumes) are inventoried but raise no events.
        """
        CREATE TABLE sightings (
            bundle_id        INTEGER PRIMARY KEY REFERENCES bundles(id),
            identifier       TEXT NOT NULL,
            team             TEXT NOT NULL,
            cdhash           TEXT NULL,
            resources_digest TEXT NULL,
            assessment_id    INTEGER NOT NULL REFERENCES assessments(id),
            valid_at         TEXT NOT NULL,
            device           INTEGER NULL,
            inode            INTEGER NULL
        );
        CREATE INDEX sightings_identity ON sightings(identifier, team);
        ALTER TABLE bundles ADD COLUMN source INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE bundles ADD COLUMN lineage_relation TEXT NULL;
        ALTER TABLE bundles ADD COLUMN lineage_bundle_id INTEGER NULL;
        ALTER TABLE bundles ADD COLUMN lineage_path TEXT NULL;
        ALTER TABLE bundles ADD COLUMN lineage_assessment_id INTEGER NULL;
        ALTER TABLE bundles ADD COLUMN lineage_valid_at TEXT NULL;
        """,

        // 6: how far the fleet outputs got (the NDJSON event log: 'event' and 'assessment'; the OTLP exporter:
        // 'otlp-event'): the last id each has delivered, so a restart neither repeats nor skips what was committed.
        """
        CREATE TABLE delivery_cursors (
            name    TEXT PRIMARY KEY,
            last_id INTEGER NOT NULL
        );
        """,
    ];

    public static int LatestVersion => All.Count;
}
