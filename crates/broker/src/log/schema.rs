//! The SQLite schema of the event log and the settings every connection gets.

use rusqlite::Connection;

/// Events, one row per appended batch ([`super::batch`]). Sequence numbers, offsets and enqueued
/// times all grow with the row order of a partition, so start positions by offset or time are
/// binary searches over the primary key. Logs created with one row per event are moved to this
/// table when they are opened ([`move_event_rows`]).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batches (
    hub TEXT NOT NULL,
    partition INTEGER NOT NULL,
    first_sequence INTEGER NOT NULL,
    last_sequence INTEGER NOT NULL,
    first_offset INTEGER NOT NULL,
    last_offset INTEGER NOT NULL,
    enqueued_ms INTEGER NOT NULL,
    events BLOB NOT NULL,
    PRIMARY KEY (hub, partition, first_sequence)
);
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
    move_event_rows(&connection)?;
    Ok(connection)
}

/// Moves the events of a log written with one row per event into the `batches` table, each as a
/// batch of one, and drops the old table, all in one transaction. Does nothing for a log
/// without the old table.
fn move_event_rows(connection: &Connection) -> rusqlite::Result<()> {
    let transaction = connection.unchecked_transaction()?;
    let has_old_table: bool = transaction.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'events')",
        [],
        |row| row.get(0),
    )?;
    if !has_old_table {
        return Ok(());
    }
    let mut moved = 0usize;
    {
        let mut select = transaction.prepare(
            "SELECT hub, partition, sequence, byte_offset, enqueued_ms, partition_key, message
             FROM events",
        )?;
        let mut insert = transaction.prepare(
            "INSERT INTO batches (hub, partition, first_sequence, last_sequence, first_offset,
                                  last_offset, enqueued_ms, events)
             VALUES (?1, ?2, ?3, ?3, ?4, ?4, ?5, ?6)",
        )?;
        let mut rows = select.query([])?;
        while let Some(row) = rows.next()? {
            let hub: String = row.get(0)?;
            let partition: i64 = row.get(1)?;
            let sequence: i64 = row.get(2)?;
            let offset: i64 = row.get(3)?;
            let enqueued_ms: i64 = row.get(4)?;
            let partition_key: Option<String> = row.get(5)?;
            let message: Vec<u8> = row.get(6)?;
            let blob = super::batch::encode_one(partition_key.as_deref(), &message);
            insert.execute(rusqlite::params![
                hub,
                partition,
                sequence,
                offset,
                enqueued_ms,
                blob
            ])?;
            moved += 1;
        }
    }
    transaction.execute_batch("DROP TABLE events")?;
    transaction.commit()?;
    tracing::info!(
        path = connection.path().unwrap_or_default(),
        events = moved,
        "event log moved to one row per batch"
    );
    Ok(())
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
