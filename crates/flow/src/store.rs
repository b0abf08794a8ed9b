//! A team's own SQLite store: the team's tables, the events it has handled and its outbox.
//!
//! Every team keeps its facts in its own database file, as each team of the course kept its
//! own Cosmos DB. A handler records the event id it handled in the same transaction as the
//! facts it derived, so a repeated delivery finds the id and changes nothing.

use std::path::Path;
use std::sync::Mutex;

use course::Team;
use rusqlite::{params, Connection};

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
        work: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let connection = sqlite::lock(&self.connection);
        let transaction = Immediate::begin(&connection).map_err(|source| self.error(source))?;
        let value = work(&connection).map_err(|source| self.error(source))?;
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

/// A write transaction open on a store's connection. Dropping it before [`Immediate::commit`],
/// as an error or a panic in the work does, rolls it back.
///
/// It begins with `BEGIN IMMEDIATE`, which takes the write lock at the start, so a transaction
/// that reads before it writes waits for another connection's writer instead of failing with
/// `SQLITE_BUSY`. Its statements are prepared once per connection, because every handled batch
/// opens one, and preparing them each time took about 2 % of the flow's CPU time (`perf`).
struct Immediate<'c> {
    connection: &'c Connection,
    open: bool,
}

impl<'c> Immediate<'c> {
    fn begin(connection: &'c Connection) -> rusqlite::Result<Self> {
        connection.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(Immediate {
            connection,
            open: true,
        })
    }

    fn commit(mut self) -> rusqlite::Result<()> {
        self.connection.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl Drop for Immediate<'_> {
    fn drop(&mut self) {
        if self.open {
            if let Err(error) = self.connection.execute_batch("ROLLBACK") {
                tracing::warn!(%error, "rolling back a store transaction failed");
            }
        }
    }
}

/// Records that `consumer_group` handled `event_id`; returns false when it already had, in
/// which case the caller must change nothing.
pub fn first_delivery(
    transaction: &Connection,
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

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS notes (text TEXT NOT NULL);";

    fn notes(store: &TeamStore) -> u64 {
        store.count("notes").unwrap()
    }

    /// Opens a team store in a new temporary folder, which lives as long as the returned guard.
    fn temporary_store() -> (tempfile::TempDir, TeamStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = TeamStore::open(&dir.path().join("team.db"), Team::Customer, SCHEMA).unwrap();
        (dir, store)
    }

    fn insert(connection: &Connection) -> rusqlite::Result<()> {
        connection
            .prepare_cached("INSERT INTO notes (text) VALUES ('kept')")?
            .execute([])?;
        Ok(())
    }

    #[test]
    fn failed_work_is_rolled_back() {
        let (_dir, store) = temporary_store();

        store.transaction(insert).unwrap();
        let failed = store.transaction(|connection| {
            insert(connection)?;
            connection.execute("INSERT INTO missing_table VALUES (1)", [])
        });
        assert!(failed.is_err());
        assert_eq!(notes(&store), 1);

        store.transaction(insert).unwrap();
        assert_eq!(notes(&store), 2);
    }

    #[test]
    fn panicking_work_is_rolled_back() {
        let (_dir, store) = temporary_store();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = store.transaction(|connection| -> rusqlite::Result<()> {
                insert(connection)?;
                panic!("work failed halfway");
            });
        }));
        assert!(panicked.is_err());
        store.transaction(insert).unwrap();
        assert_eq!(notes(&store), 1);
    }

    #[test]
    fn repeated_delivery_is_found() {
        let (_dir, store) = temporary_store();
        let first = |store: &TeamStore| {
            store
                .transaction(|connection| first_delivery(connection, "customer", "event-1"))
                .unwrap()
        };
        assert!(first(&store));
        assert!(!first(&store));
    }
}
