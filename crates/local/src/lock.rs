//! One process at a time serves the Local target over a data directory.
//!
//! Two processes that both started the brokers over one data directory would move each other's
//! ports, write the same capture files and resume the same checkpoints. So each process that
//! starts the services takes an exclusive lock on [`LOCK_FILE`] in the data directory first, and holds it
//! until the services have stopped.
//!
//! The lock is the operating system's advisory file lock (`flock` on Unix, `LockFileEx` on
//! Windows), which the operating system releases when the process exits, also after a crash
//! or a kill. So a lock file left behind never blocks a later start. On Unix the lock belongs
//! to the open file description, so a second [`DataDirLock::acquire`] in the same process fails
//! as well while the first lock is held.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// The file in the data directory that the process serving the Local target holds an exclusive
/// lock on. It contains that process's id, to help find it.
pub const LOCK_FILE: &str = "services.lock";

/// How many times [`DataDirLock::acquire`] opens the lock file again when another process
/// removed it between the open and the lock.
const REMOVED_RETRIES: usize = 3;

/// How long [`DataDirLock::acquire`] waits for a lock that this same process released, when a
/// thread that was starting a child process may still hold a copy of it.
const OWN_RELEASE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

/// A failure to claim a data directory for the Local services.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process serves the Local target over the directory.
    #[error(
        "the Local services already run over {} in another process{}: wait for it to finish, \
         or stop it (Ctrl-C in its `eda-workshop serve`, or close the desktop app), then try \
         again",
        dir.display(),
        holder_suffix(*pid)
    )]
    InUse {
        /// The data directory.
        dir: PathBuf,
        /// The id of the process holding the lock, when it wrote one.
        pid: Option<u32>,
    },
    /// The lock file cannot be created, read or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

fn holder_suffix(pid: Option<u32>) -> String {
    pid.map(|pid| format!(" (process id {pid})"))
        .unwrap_or_default()
}

/// The exclusive claim of this process on a data directory; dropping it releases the claim.
#[derive(Debug)]
pub struct DataDirLock {
    file: File,
    path: PathBuf,
}

impl DataDirLock {
    /// Creates the data directory and its [`LOCK_FILE`] if needed, takes the exclusive lock
    /// without waiting and writes this process's id into the file. Fails at once with
    /// [`LockError::InUse`] while another process holds the lock.
    pub fn acquire(data_dir: &Path) -> Result<Self, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io_error = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(data_dir).map_err(io_error)?;

        for _ in 0..REMOVED_RETRIES {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_error)?;
            lock_or_wait_for_own_release(&mut file).map_err(|error| match error {
                TryLockError::WouldBlock => LockError::InUse {
                    dir: data_dir.to_path_buf(),
                    pid: recorded_pid(&mut file),
                },
                TryLockError::Error(source) => io_error(source),
            })?;
            // A teardown removes the file while holding its lock, so a lock taken on a file
            // opened just before the removal guards nothing: open the new file and lock again.
            if !names_file(&path, &file) {
                continue;
            }
            file.set_len(0).map_err(io_error)?;
            file.rewind().map_err(io_error)?;
            write!(file, "{}", std::process::id()).map_err(io_error)?;
            return Ok(Self { file, path });
        }
        Err(io_error(std::io::Error::other(
            "the lock file was removed again after each lock",
        )))
    }

    /// Removes the lock file while still holding its lock, then releases the lock. A teardown
    /// calls it so that no file of the Local target stays behind.
    pub fn remove_file(self) -> std::io::Result<PathBuf> {
        let Self { file, path } = self;
        std::fs::remove_file(&path)?;
        drop(file);
        Ok(path)
    }
}

/// Takes the lock on `file` without waiting, except when the holder wrote this process's id.
///
/// A child process starts as a copy of its parent, with copies of every open file, and closes
/// them only when it loads its own program. A lock released by this process while another of
/// its threads starts a child therefore stays held for that short time, and is waited for
/// here for at most [`OWN_RELEASE_WAIT`]. A lock this process really holds is reported after
/// that wait.
fn lock_or_wait_for_own_release(file: &mut File) -> Result<(), TryLockError> {
    let deadline = std::time::Instant::now() + OWN_RELEASE_WAIT;
    loop {
        match file.try_lock() {
            Err(TryLockError::WouldBlock)
                if recorded_pid(file) == Some(std::process::id())
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Reads the process id the lock's holder wrote, if it is there yet.
fn recorded_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

/// Returns whether `path` still names the open `file`.
#[cfg(unix)]
fn names_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;

    match (std::fs::metadata(path), file.metadata()) {
        (Ok(named), Ok(open)) => named.dev() == open.dev() && named.ino() == open.ino(),
        _ => false,
    }
}

/// Returns whether `path` still names the open `file`.
// NOTE: Windows gives no stable file id through std, so only the path's existence is checked
// there. A removal and a new file between the open and the lock are not distinguished.
#[cfg(not(unix))]
fn names_file(path: &Path, _file: &File) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    /// Set in the child process of [`lock_of_killed_process_is_released`].
    const HOLDER_DIR: &str = "EDA_WORKSHOP_TEST_LOCK_HOLDER_DIR";

    #[test]
    fn second_lock_is_rejected_with_holder() {
        let dir = tempfile::tempdir().unwrap();
        let _held = DataDirLock::acquire(dir.path()).unwrap();

        let error = DataDirLock::acquire(dir.path()).unwrap_err();

        match &error {
            LockError::InUse { dir: locked, pid } => {
                assert_eq!(locked, dir.path());
                assert_eq!(*pid, Some(std::process::id()));
            }
            other => panic!("expected InUse, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains("already run over"), "{message}");
        assert!(message.contains("Ctrl-C"), "{message}");
    }

    #[test]
    fn released_lock_can_be_taken_again() {
        let dir = tempfile::tempdir().unwrap();
        drop(DataDirLock::acquire(dir.path()).unwrap());

        let again = DataDirLock::acquire(dir.path());

        assert!(again.is_ok(), "{again:?}");
    }

    #[test]
    fn release_is_seen_while_another_thread_starts_children() {
        let dir = tempfile::tempdir().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let starter = std::thread::spawn({
            let stop = stop.clone();
            move || {
                for _ in 0..2_000 {
                    if stop.load(std::sync::atomic::Ordering::Relaxed) {
                        break;
                    }
                    Command::new(std::env::current_exe().unwrap())
                        .args(["--exact", "no such test", "--quiet"])
                        .stdout(Stdio::null())
                        .status()
                        .unwrap();
                }
            }
        });

        let until = std::time::Instant::now() + std::time::Duration::from_secs(1);
        let (mut taken, mut refused) = (0, 0);
        while std::time::Instant::now() < until {
            match DataDirLock::acquire(dir.path()) {
                Ok(_) => taken += 1,
                Err(_) => refused += 1,
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        starter.join().unwrap();

        assert_eq!(
            refused, 0,
            "{refused} locks were refused after their release, {taken} taken"
        );
    }

    #[test]
    fn removed_lock_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let lock = DataDirLock::acquire(dir.path()).unwrap();

        let removed = lock.remove_file().unwrap();

        assert_eq!(removed, dir.path().join(LOCK_FILE));
        assert!(!removed.exists());
        assert!(DataDirLock::acquire(dir.path()).is_ok());
    }

    /// The child's side of [`lock_of_killed_process_is_released`]: takes the lock, prints
    /// `locked` and waits to be killed. Does nothing when run on its own.
    #[test]
    fn lock_holder_child() {
        let Some(dir) = std::env::var_os(HOLDER_DIR) else {
            return;
        };
        let _held = DataDirLock::acquire(Path::new(&dir)).unwrap();
        println!("locked");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }

    #[test]
    fn lock_of_killed_process_is_released() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "lock::tests::lock_holder_child", "--nocapture"])
            .env(HOLDER_DIR, dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let locked = lines.any(|line| line.map(|line| line == "locked").unwrap_or(false));
        assert!(locked, "the child took no lock");

        let while_held = DataDirLock::acquire(dir.path());
        child.kill().unwrap();
        child.wait().unwrap();
        let after_kill = DataDirLock::acquire(dir.path());

        match while_held {
            Err(LockError::InUse { pid, .. }) => assert_eq!(pid, Some(child.id())),
            other => panic!("expected InUse while the child runs, got {other:?}"),
        }
        assert!(after_kill.is_ok(), "{after_kill:?}");
    }
}
