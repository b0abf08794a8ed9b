//! Writing a file whole or not at all.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers temporary files, so that two writers of one path never share a temporary file.
static TEMPORARY_NUMBER: AtomicU64 = AtomicU64::new(0);

/// Writes `bytes` to `path` through a temporary file in the same folder that is synced and
/// then renamed, so a reader sees the old file or the whole new one. Creates the folder.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent)?;
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default();
    let number = TEMPORARY_NUMBER.fetch_add(1, Ordering::Relaxed);
    let temporary = parent.join(format!("{name}.{}-{number}.partial", std::process::id()));
    let mut file = fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&temporary, path)
}
