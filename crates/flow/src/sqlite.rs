//! Opening the flow's SQLite stores.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// A store that cannot be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file cannot be opened or its tables created.
    #[error("cannot open the store `{path}`: {source}; check that the folder is writable")]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A statement failed.
    #[error("store `{store}` failed: {source}")]
    Sql {
        /// The store's name.
        store: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// The WAL size, in pages, at which a commit copies the WAL into the database file: about
/// 40 MB, ten times SQLite's default. The stores' index pages change in every commit, and a
/// longer WAL copies each of them once per checkpoint instead of many times.
const WAL_AUTOCHECKPOINT_PAGES: i64 = 10_000;

/// Opens a database in WAL mode, so readers do not block the writer, and creates its tables.
pub(crate) fn open(path: &Path, schema: &str) -> Result<Connection, StoreError> {
    let open_error = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let connection = Connection::open(path).map_err(open_error)?;
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(open_error)?;
    // In WAL mode `NORMAL` loses no committed transaction on an application crash, only on
    // a power loss, which a workshop tolerates.
    connection
        .pragma_update(None, "synchronous", "NORMAL")
        .map_err(open_error)?;
    connection
        .pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
        .map_err(open_error)?;
    connection
        .busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open_error)?;
    connection.execute_batch(schema).map_err(open_error)?;
    Ok(connection)
}

/// Locks a connection; a poisoned lock is reused because SQLite rolls back any transaction a
/// panicking holder left open.
pub(crate) fn lock(
    connection: &std::sync::Mutex<Connection>,
) -> std::sync::MutexGuard<'_, Connection> {
    connection
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
