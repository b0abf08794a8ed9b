//! Removal of the Local target's files that outlive a teardown.
//!
//! Teardown deletes every resource through the local Resource Manager, which removes each
//! namespace's broker folder and each storage account's folder. What remains afterwards is the
//! parent `broker` folder and the registry's database, which the registry keeps open while it
//! runs. Once the services have stopped, both go when nothing is left in them, and so does the
//! data directory's lock file.

use std::path::Path;

use registry::service::DATABASE_FILE;
use registry::{Limits, Store};

use crate::lock::{DataDirLock, LockError};
use crate::BROKER_FOLDER;

/// Removes the empty `broker` folder, a registry database with no schema group and the lock
/// file, so a teardown on Local leaves no local data. Call it only after the services have
/// stopped. When another process serves the data directory again, it removes nothing. Returns
/// the paths removed.
pub fn remove_empty_state(data_dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut removed = Vec::new();
    if !data_dir.is_dir() {
        return Ok(removed);
    }
    let lock = match DataDirLock::acquire(data_dir) {
        Ok(lock) => lock,
        Err(LockError::InUse { .. }) => {
            tracing::info!(dir = %data_dir.display(), "local data kept: another process serves it");
            return Ok(removed);
        }
        Err(LockError::Io { source, .. }) => return Err(source),
    };

    let brokers = data_dir.join(BROKER_FOLDER);
    if brokers.is_dir() && std::fs::read_dir(&brokers)?.next().is_none() {
        std::fs::remove_dir(&brokers)?;
        removed.push(brokers);
    }

    let database = data_dir.join(DATABASE_FILE);
    if database.is_file() && registry_is_empty(&database) {
        for suffix in ["", "-wal", "-shm"] {
            let path = data_dir.join(format!("{DATABASE_FILE}{suffix}"));
            match std::fs::remove_file(&path) {
                Ok(()) => removed.push(path),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(error),
            }
        }
    }

    removed.push(lock.remove_file()?);
    Ok(removed)
}

/// Whether the registry database holds no schema group. A database that cannot be read is
/// kept, because it may hold schemas someone still needs.
fn registry_is_empty(database: &Path) -> bool {
    match Store::open(database, Limits::STANDARD).and_then(|store| store.list_groups()) {
        Ok(groups) => groups.is_empty(),
        Err(error) => {
            tracing::warn!(path = %database.display(), %error, "registry database kept: cannot read it");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::LOCK_FILE;

    #[test]
    fn empty_state_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(BROKER_FOLDER)).unwrap();
        drop(Store::open(&dir.path().join(DATABASE_FILE), Limits::STANDARD).unwrap());

        remove_empty_state(dir.path()).unwrap();

        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }

    #[test]
    fn nothing_is_removed_while_another_holder_serves() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(BROKER_FOLDER)).unwrap();
        let _serving = DataDirLock::acquire(dir.path()).unwrap();

        let removed = remove_empty_state(dir.path()).unwrap();

        assert_eq!(removed, Vec::<std::path::PathBuf>::new());
        assert!(dir.path().join(BROKER_FOLDER).is_dir());
        assert!(dir.path().join(LOCK_FILE).is_file());
    }

    #[test]
    fn missing_data_directory_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("never-served");

        let removed = remove_empty_state(&data_dir).unwrap();

        assert_eq!(removed, Vec::<std::path::PathBuf>::new());
        assert!(!data_dir.exists());
    }

    #[test]
    fn registry_with_group_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join(DATABASE_FILE), Limits::STANDARD).unwrap();
        store
            .put_group("myschemagroup", registry::CompatibilityMode::Backward)
            .unwrap();
        drop(store);

        remove_empty_state(dir.path()).unwrap();

        assert!(dir.path().join(DATABASE_FILE).is_file());
    }

    #[test]
    fn broker_folder_with_namespace_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(BROKER_FOLDER).join("ns")).unwrap();

        remove_empty_state(dir.path()).unwrap();

        assert!(dir.path().join(BROKER_FOLDER).join("ns").is_dir());
    }
}
