//! Opening the flow's SQLite stores.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// A store that cannot be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database file cannot be opened or its tables created.
    #[error("cannot open the store `{path}`: {source}; {}", fix(.source, &.path.display().to_string()))]
    Open {
        /// The database file.
        path: PathBuf,
        /// SQLite's error.
        source: rusqlite::Error,
    },
    /// A statement failed.
    #[error("store `{store}` failed: {source}; {}", fix(.source, &format!("{store}.sqlite")))]
    Sql {
        /// The store's name.
        store: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// Returns what to do about a store's SQLite error, for the store's file `file`.
fn fix(error: &rusqlite::Error, file: &str) -> String {
    use rusqlite::ErrorCode;

    match error.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => format!(
            "`{file}` is not a flow store or is damaged: start the flow over (Reset on the live \
             flow page, or `eda-workshop flow --reset`), or move the file away"
        ),
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen) => {
            format!(
                "make `{file}`, its `-wal` and `-shm` files and their folder writable, then run \
                 the flow again"
            )
        }
        Some(ErrorCode::DiskFull) => "free some disk space, then run the flow again".to_string(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "another program holds the store: stop it, then run the flow again".to_string()
        }
        _ => "run the flow again; if this repeats, start it over (Reset on the live flow page, or \
              `eda-workshop flow --reset`)"
            .to_string(),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_file_names_reset() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("checkpoints.sqlite");
        std::fs::write(&path, vec![b'x'; 4096]).unwrap();
        let error = open(&path, "CREATE TABLE t (a);").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("is not a flow store or is damaged"),
            "{message}"
        );
        assert!(message.contains("`eda-workshop flow --reset`"), "{message}");
    }

    #[test]
    fn read_only_error_names_files() {
        let source = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            None,
        );
        let message = StoreError::Sql {
            store: "checkpoints",
            source,
        }
        .to_string();
        assert!(
            message.contains("make `checkpoints.sqlite`, its `-wal` and `-shm` files"),
            "{message}"
        );
    }
}
