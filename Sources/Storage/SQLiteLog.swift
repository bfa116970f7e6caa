import Foundation
import GRDB

/// The on-disk shape of `SQLiteStore`, after k3s's kine: an append-only log with one row per
/// revision, plus a meta table holding the compaction point.
///
/// `log.value` is NULL for deletes and for empty values (GRDB binds an empty `Data` as NULL); both read
/// back as empty. `prev_revision` is the revision of the version a write replaced (0 when it created
/// the key); it is kept for inspection, the store rebuilds history by replaying rows in order.
enum SQLiteLog {
    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-log") { db in
            try db.execute(sql: """
                CREATE TABLE log (
                    revision INTEGER PRIMARY KEY,
                    key TEXT NOT NULL,
                    value BLOB,
                    create_revision INTEGER NOT NULL,
                    prev_revision INTEGER NOT NULL,
                    deleted INTEGER NOT NULL
                );
                CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO meta (name, value) VALUES ('compact_revision', 0);
                """)
        }
        return migrator
    }

    static let insertSQL = """
        INSERT INTO log (revision, key, value, create_revision, prev_revision, deleted) VALUES (?, ?, ?, ?, ?, ?)
        """

    /// Appends the rows of `events` (already checked and numbered) inside the caller's transaction.
    static func append(_ events: [WatchEvent], in db: Database) throws {
        let statement = try db.cachedStatement(sql: insertSQL)
        for event in events {
            let deleted = event.kind == .delete
            let value: Data? = deleted || event.kv.value.isEmpty ? nil : event.kv.value
            try statement.execute(arguments: [
                event.revision, event.kv.key, value, event.kv.createRevision,
                event.previous?.modRevision ?? 0, deleted ? 1 : 0,
            ])
        }
    }

    static func compactRevision(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'compact_revision'") ?? 0
    }

    /// Deletes the rows no read at `revision` or later needs (for each key, everything before its
    /// version live at `revision`, and that version too when it is a delete) and records the new
    /// compaction point. Rows after `revision` are all kept: they are the watch history.
    static func compact(to revision: Int64, in db: Database) throws {
        try db.execute(sql: """
            DELETE FROM log WHERE revision <= ?1 AND (deleted = 1 OR revision NOT IN (
                SELECT MAX(revision) FROM log WHERE revision <= ?1 GROUP BY key))
            """, arguments: [revision])
        try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'compact_revision'", arguments: [revision])
    }

    /// Every row, in revision order.
    static func records(in db: Database) throws -> [LogRecord] {
        var records: [LogRecord] = []
        let rows = try Row.fetchCursor(db, sql: """
            SELECT revision, key, value, create_revision, deleted FROM log ORDER BY revision
            """)
        while let row = try rows.next() {
            records.append(LogRecord(
                revision: row[0], key: row[1], value: (row[2] as Data?) ?? Data(),
                createRevision: row[3], deleted: row[4]))
        }
        return records
    }
}
