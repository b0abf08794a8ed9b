//! A team's own SQLite store: the team's tables, the events it has handled and its outbox.
//!
//! Every team keeps its facts in its own database file, as each team of the course kept its
//! own Cosmos DB. A handler records the event id it handled in the same transaction as the
//! facts it derived, so a repeated delivery finds the id and changes nothing.

use std::path::Path;
use std::sync::Mutex;

use course::Team;
use rusqlite::{params, Connection, Transaction};

use crate::sqlite::{self, StoreError};

const COMMON_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS handled_events (
    consumer_group TEXT NOT NULL,
    event_id TEXT NOT NULL,
    PRIMARY KEY (consumer_group, event_id)
);
CREATE TABLE IF NOT EXISTS outbox (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    hub TEXT NOT NULL,
    partition_key TEXT,
    event_json TEXT NOT NULL,
    time TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (position) WHERE published = 0;
";

/// A team's database.
#[derive(Debug)]
pub struct TeamStore {
    team: Team,
    connection: Mutex<Connection>,
}

impl TeamStore {
    /// Opens or creates the store of `team` with the team's own tables.
    pub fn open(path: &Path, team: Team, team_schema: &str) -> Result<Self, StoreError> {
        let schema = format!("{COMMON_SCHEMA}{team_schema}");
        Ok(TeamStore {
            team,
            connection: Mutex::new(sqlite::open(path, &schema)?),
        })
    }

    /// Returns the owning team.
    pub fn team(&self) -> Team {
        self.team
    }

    /// Runs `work` in one transaction, committed when it returns `Ok`.
    pub fn transaction<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut connection = sqlite::lock(&self.connection);
        // IMMEDIATE takes the write lock at the start, so a transaction that reads before it
        // writes waits for another connection's writer instead of failing with SQLITE_BUSY.
        let transaction = connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|source| self.error(source))?;
        let value = work(&transaction).map_err(|source| self.error(source))?;
        transaction.commit().map_err(|source| self.error(source))?;
        Ok(value)
    }

    /// Runs a read on the connection.
    pub fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let connection = sqlite::lock(&self.connection);
        work(&connection).map_err(|source| self.error(source))
    }

    /// Counts the rows of a table of this store.
    pub fn count(&self, table: &str) -> Result<u64, StoreError> {
        self.read(|connection| {
            connection.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                row.get::<_, i64>(0)
            })
        })
        .map(|count| count as u64)
    }

    fn error(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sql {
            store: self.team.name(),
            source,
        }
    }
}

/// Records that `consumer_group` handled `event_id`; returns false when it already had, in
/// which case the caller must change nothing.
pub fn first_delivery(
    transaction: &Transaction<'_>,
    consumer_group: &str,
    event_id: &str,
) -> rusqlite::Result<bool> {
    let inserted = transaction
        .prepare_cached(
            "INSERT OR IGNORE INTO handled_events (consumer_group, event_id) VALUES (?1, ?2)",
        )?
        .execute(params![consumer_group, event_id])?;
    Ok(inserted == 1)
}
