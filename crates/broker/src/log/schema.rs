//! The SQLite schema of the event log and the settings every connection gets.

use rusqlite::Connection;

/// Events, one row each. Sequence numbers, offsets and enqueued times all grow with the row
/// order of a partition, so each start position is one indexed range scan.
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
CREATE INDEX IF NOT EXISTS events_by_offset ON events (hub, partition, byte_offset);
CREATE INDEX IF NOT EXISTS events_by_time ON events (hub, partition, enqueued_ms);
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

/// Opens a connection with WAL journaling and full synchronous commits, so that a committed
/// transaction survives a crash of the process or the machine.
pub(super) fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let connection = Connection::open(path)?;
    connection.pragma_update(None, "journal_mode", "WAL")?;
    connection.pragma_update(None, "synchronous", "FULL")?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    connection.execute_batch(SCHEMA)?;
    Ok(connection)
}
