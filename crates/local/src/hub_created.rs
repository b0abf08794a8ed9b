//! The creation time of each hub of a namespace, kept in the namespace's broker folder.
//!
//! The local Resource Manager creates every hub again when the Local target starts. Without a
//! record, each start would give every hub a new creation time, and consumers that compare a
//! checkpoint's hub creation time with the hub's would treat all their checkpoints as stale.
//! A hub keeps its time until it is deleted, so a hub deleted and created again is new.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file in a namespace's broker folder with each hub's creation time.
const CREATED_FILE: &str = "hubs-created.json";

/// Returns the recorded creation time of `hub` in milliseconds since the Unix epoch, or records
/// `now_ms` as its creation time when it has none.
pub(crate) fn creation_time(folder: &Path, hub: &str, now_ms: i64) -> i64 {
    let path = folder.join(CREATED_FILE);
    let mut times = read(&path);
    if let Some(recorded) = times.get(&hub.to_ascii_lowercase()) {
        return *recorded;
    }
    times.insert(hub.to_ascii_lowercase(), now_ms);
    write(&path, &times);
    now_ms
}

/// Forgets the creation time of a deleted hub.
pub(crate) fn forget(folder: &Path, hub: &str) {
    let path = folder.join(CREATED_FILE);
    let mut times = read(&path);
    if times.remove(&hub.to_ascii_lowercase()).is_some() {
        write(&path, &times);
    }
}

fn read(path: &Path) -> BTreeMap<String, i64> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    serde_json::from_str(&text).unwrap_or_else(|error| {
        tracing::warn!(
            path = %path.display(),
            %error,
            "invalid hub creation times; hubs get new creation times"
        );
        BTreeMap::new()
    })
}

/// Writes the times through a temporary file and a rename. A failure is logged and leaves the
/// hub with an unrecorded time, which costs only a stale-checkpoint reset after a restart.
fn write(path: &Path, times: &BTreeMap<String, i64>) {
    let temporary: PathBuf = path.with_extension("json.partial");
    let text = serde_json::to_string(times).expect("a map of strings to numbers serializes");
    let written = std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .and_then(|()| std::fs::write(&temporary, text))
        .and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        tracing::warn!(path = %path.display(), %error, "failed to record hub creation times");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_time_survives_later_calls() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(creation_time(dir.path(), "orders", 1_000), 1_000);
        assert_eq!(creation_time(dir.path(), "Orders", 2_000), 1_000);
    }

    #[test]
    fn forgotten_hub_gets_new_time() {
        let dir = tempfile::tempdir().unwrap();
        creation_time(dir.path(), "orders", 1_000);
        forget(dir.path(), "orders");
        assert_eq!(creation_time(dir.path(), "orders", 2_000), 2_000);
    }

    #[test]
    fn unreadable_file_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CREATED_FILE), "not json").unwrap();
        assert_eq!(creation_time(dir.path(), "orders", 3_000), 3_000);
        assert_eq!(creation_time(dir.path(), "orders", 4_000), 3_000);
    }
}
