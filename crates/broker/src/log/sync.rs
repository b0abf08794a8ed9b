//! The sync thread: makes committed groups durable with one `fsync` of the WAL, then publishes
//! their events and acknowledges their requests.
//!
//! The writer commits the next group while a sync runs and hands it over when the sync thread
//! is ready for it, so each sync covers one group, and every group is committed while the
//! previous one syncs. Nothing a group changed is visible to consumers or acknowledged before
//! the sync that covers it has returned.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};

use tokio::sync::{oneshot, watch};

use super::event::AppendedEvent;
use super::tail::{TailChange, Tails};
use super::LogError;

/// Watch senders carrying each partition's next sequence number, for receivers that wait for
/// new events.
pub(super) type Notifiers = Arc<Mutex<HashMap<(String, u32), watch::Sender<i64>>>>;

/// Counters of the log's work, shared with the log handle.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) commits: AtomicU64,
    pub(super) requests: AtomicU64,
    pub(super) syncs: AtomicU64,
    pub(super) checkpoints: AtomicU64,
}

/// The outcome of one request, held until the group's transaction is committed and synced.
pub(super) enum Outcome {
    Append(
        oneshot::Sender<Result<Vec<AppendedEvent>, LogError>>,
        Result<Vec<AppendedEvent>, LogError>,
    ),
    Retain(
        oneshot::Sender<Result<u64, LogError>>,
        Result<u64, LogError>,
    ),
    DeleteHub(oneshot::Sender<Result<(), LogError>>, Result<(), LogError>),
}

/// One transaction the writer committed, waiting for its sync.
pub(super) struct Committed {
    pub(super) outcomes: Vec<Outcome>,
    pub(super) changes: Vec<TailChange>,
    pub(super) requests: usize,
}

/// The shared state the sync thread publishes durable changes to.
pub(super) struct Published {
    pub(super) tails: Arc<Tails>,
    pub(super) notifiers: Notifiers,
    pub(super) counters: Arc<Counters>,
}

/// Runs the sync loop until the writer stops: takes every committed group waiting, syncs the
/// WAL once, then publishes and acknowledges them in commit order.
pub(super) fn run(database: PathBuf, committed: Receiver<Committed>, published: Published) {
    let path = database.display().to_string();
    let mut wal = WalFile::new(&database);
    while let Ok(first) = committed.recv() {
        let mut groups = vec![first];
        groups.extend(committed.try_iter());
        match wal.sync() {
            Ok(()) => publish(&published, groups),
            Err(error) => {
                let error = LogError::Storage {
                    path: path.clone(),
                    message: format!("syncing the WAL to disk failed: {error}"),
                };
                tracing::error!(path, %error, "event log sync failed; the events are not acknowledged");
                // The tail stays behind, so consumers read these events from SQLite once a
                // later sync succeeds.
                for group in groups {
                    for outcome in group.outcomes {
                        outcome.fail(error.clone());
                    }
                }
            }
        }
    }
    tracing::debug!(path, "event log sync thread stopped");
}

fn publish(published: &Published, groups: Vec<Committed>) {
    let counters = &published.counters;
    counters.syncs.fetch_add(1, Ordering::Relaxed);
    let mut heads: HashMap<(String, u32), i64> = HashMap::new();
    let mut outcomes = Vec::new();
    for group in groups {
        // Count before acknowledging, so the counters include every acknowledged request.
        counters.commits.fetch_add(1, Ordering::Relaxed);
        counters
            .requests
            .fetch_add(group.requests as u64, Ordering::Relaxed);
        for change in group.changes {
            if let Some((key, next_sequence)) = published.tails.apply(change) {
                heads.insert(key, next_sequence);
            }
        }
        outcomes.extend(group.outcomes);
    }
    notify(&published.notifiers, heads);
    for outcome in outcomes {
        outcome.send();
    }
}

fn notify(notifiers: &Notifiers, heads: HashMap<(String, u32), i64>) {
    let notifiers = notifiers
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (key, next_sequence) in heads {
        if let Some(sender) = notifiers.get(&key) {
            sender.send_replace(next_sequence);
        }
    }
}

/// The database's WAL file, opened on the first sync because SQLite creates it with the first
/// transaction.
struct WalFile {
    path: PathBuf,
    file: Option<File>,
}

impl WalFile {
    fn new(database: &std::path::Path) -> Self {
        let mut name = database.as_os_str().to_owned();
        name.push("-wal");
        Self {
            path: PathBuf::from(name),
            file: None,
        }
    }

    /// Flushes the WAL's data to the disk. `fsync` acts on the file, not on one descriptor, so
    /// it covers the frames SQLite wrote through its own descriptor.
    fn sync(&mut self) -> std::io::Result<()> {
        if self.file.is_none() {
            // Write access, because Windows flushes only handles opened for writing.
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(&self.path)?;
            self.file = Some(file);
        }
        match &self.file {
            Some(file) => file.sync_data(),
            None => Ok(()),
        }
    }
}
