//! The SQLite schema of the event log and the settings every connection gets.

use rusqlite::Connection;

/// Events, one row each. Sequence numbers, offsets and enqueued times all grow with the row
/// order of a partition, so start positions by offset or time are binary searches over the
/// primary key. Logs created before that dropped their two secondary indexes; dropping them
/// here saves two B-tree inserts per appended event.
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    hub TEXT NOT NULL,
    partition INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    enqueued_ms INTEGER NOT NULL,
    partition_key TEXT,
    message BLOB NOT NULL,
    PRIMARY KEY (hub, partition, sequence)
);
DROP INDEX IF EXISTS events_by_offset;
DROP INDEX IF EXISTS events_by_time;
CREATE TABLE IF NOT EXISTS partitions (
    hub TEXT NOT NULL,
    partition INTEGER NOT NULL,
    next_sequence INTEGER NOT NULL,
    next_offset INTEGER NOT NULL,
    last_enqueued_ms INTEGER,
    removed INTEGER NOT NULL,
    PRIMARY KEY (hub, partition)
);
";

/// The durability mode of a connection's commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Commits {
    /// Every commit syncs the WAL (`synchronous = FULL`), so a committed transaction survives
    /// a crash of the process or the machine.
    Synced,
    /// Commits only write the WAL (`synchronous = OFF`) and SQLite never checkpoints on its
    /// own, because the caller syncs the WAL after each commit and the checkpoint thread
    /// copies the WAL with [`checkpoint`]. Only the writer thread's connection uses this.
    SyncedByCaller,
}

/// The page size of a new log. With 1 KB events and 16 KiB pages instead of 4 KiB, batch appends
/// in `cargo bench -p broker --bench event_log` went from about 141,000 to 220,000 events/s, and
/// the broker stored about 40 % more events/s in the batch runs of `make bench`.
const PAGE_SIZE: i64 = 16 * 1024;

/// The WAL size SQLite truncates the file to after a checkpoint, in bytes.
const JOURNAL_SIZE_LIMIT: i64 = 64 * 1024 * 1024;

/// Opens a connection with WAL journaling and creates the schema.
pub(super) fn open(path: &std::path::Path, commits: Commits) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    // Takes effect only while the file is still empty, so logs created earlier keep 4 KiB.
    connection.pragma_update(None, "page_size", PAGE_SIZE)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    match commits {
        Commits::Synced => connection.pragma_update(None, "synchronous", "FULL")?,
        Commits::SyncedByCaller => {
            connection.pragma_update(None, "synchronous", "OFF")?;
            connection.pragma_update(None, "wal_autocheckpoint", 0)?;
            connection.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
            // Negative: a size in KiB. The pages of the partitions being appended to stay
            // cached instead of being read back from the WAL. Appends ran as fast with 4 MiB as
            // with 16 MiB (`cargo bench -p broker --bench event_log`), and it saves 12 MiB per log.
            connection.pragma_update(None, "cache_size", -4_096)?;
        }
    }
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.execute_batch(SCHEMA)?;
    Ok(connection)
}

/// The SQLite `wal_checkpoint` mode of a checkpoint, which decides whether it waits for the
/// writer and readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CheckpointMode {
    /// Copies the frames that no reader or writer needs, without waiting for either.
    Passive,
    /// Blocks new writers, copies every frame and waits until no reader uses the WAL, so the
    /// next transaction starts the WAL over from its beginning.
    Restart,
}

/// Frames in the WAL and frames copied into the database file, after a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct CheckpointProgress {
    pub(super) wal_frames: i64,
    pub(super) copied_frames: i64,
}

/// Copies the WAL into the database file. The connection must sync its commits
/// ([`Commits::Synced`]) so that SQLite syncs the WAL before copying and the database file
/// before the WAL may start over.
pub(super) fn checkpoint(
    connection: &Connection,
    mode: CheckpointMode,
) -> rusqlite::Result<CheckpointProgress> {
    let statement = match mode {
        CheckpointMode::Passive => "PRAGMA wal_checkpoint(PASSIVE)",
        CheckpointMode::Restart => "PRAGMA wal_checkpoint(RESTART)",
    };
    connection.query_row(statement, [], |row| {
        Ok(CheckpointProgress {
            wal_frames: row.get(1)?,
            copied_frames: row.get(2)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page_size(connection: &Connection) -> i64 {
        connection
            .pragma_query_value(None, "page_size", |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn new_log_gets_large_pages() {
        let dir = tempfile::tempdir().unwrap();
        let connection = open(&dir.path().join("events.db"), Commits::Synced).unwrap();
        assert_eq!(page_size(&connection), PAGE_SIZE);
    }

    #[test]
    fn existing_log_keeps_its_page_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        {
            let old = Connection::open(&path).unwrap();
            old.pragma_update(None, "page_size", 4096).unwrap();
            old.pragma_update(None, "journal_mode", "WAL").unwrap();
            old.execute_batch(SCHEMA).unwrap();
        }
        let connection = open(&path, Commits::SyncedByCaller).unwrap();
        assert_eq!(page_size(&connection), 4096);
    }
}
