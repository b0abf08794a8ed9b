//! The checkpoint thread: copies the WAL into the database file on a connection of its own, so
//! the writer does not stop for checkpoints and the WAL stays small.
//!
//! The writer requests a passive checkpoint once its WAL contains [`CHECKPOINT_BYTES`].
//! A passive checkpoint copies the frames committed so far while the writer goes on
//! committing. Once every frame is copied, the writer's next transaction starts the WAL over
//! from its beginning, so the WAL keeps rewriting the blocks of one small file. On ext4 an
//! `fdatasync` of rewritten blocks needs no journal commit, while one that grows the file
//! does: the sync thread's median `fsync` took about half as long with a rewritten WAL as with
//! a growing one on a KVM guest with a virtio disk.
//!
//! Under a steady load the writer commits while a checkpoint copies, so the WAL may never be
//! copied completely. Once it contains [`MAX_WAL_BYTES`], the writer waits for a restart
//! checkpoint, which copies the rest and waits for readers to leave the WAL, so that the next
//! transaction starts it over.

use std::cell::Cell;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;

use rusqlite::Connection;

use super::schema::{self, CheckpointMode};
use super::sync::Counters;

/// WAL bytes after which the writer requests a passive checkpoint.
const CHECKPOINT_BYTES: i64 = 4 * 1024 * 1024;

/// WAL bytes after which the writer waits for a restart checkpoint. It equals the writer
/// connection's `journal_size_limit`, the size SQLite truncates the WAL to after a checkpoint.
const MAX_WAL_BYTES: i64 = 64 * 1024 * 1024;

/// The WAL sizes, in frames of one page each, at which the writer requests checkpoints. They
/// follow the log's page size, because logs created with 4 KiB pages keep them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct WalBounds {
    /// Frames after which the writer requests a passive checkpoint.
    pub(super) checkpoint_frames: i64,
    /// Frames after which the writer waits for a restart checkpoint.
    pub(super) max_frames: i64,
}

impl WalBounds {
    pub(super) fn for_page_size(page_size: i64) -> WalBounds {
        let page_size = page_size.max(512);
        WalBounds {
            checkpoint_frames: CHECKPOINT_BYTES / page_size,
            max_frames: MAX_WAL_BYTES / page_size,
        }
    }
}

/// A request to the checkpoint thread.
#[derive(Debug)]
enum Request {
    /// Copy what can be copied without blocking the writer.
    Passive,
    /// Copy everything and wait for readers to leave the WAL, then reply.
    Restart(SyncSender<()>),
}

/// The writer's handle to the checkpoint thread.
#[derive(Debug)]
pub(super) struct Checkpointer {
    requests: SyncSender<Request>,
    /// Whether the stop of the checkpoint thread was logged, so that it is logged once.
    stop_logged: Cell<bool>,
}

impl Checkpointer {
    /// Requests a passive checkpoint and returns at once. A request already waiting covers
    /// this one, because a checkpoint copies every frame committed before it starts that no
    /// reader still needs.
    pub(super) fn request_passive(&self) {
        match self.requests.try_send(Request::Passive) {
            Ok(()) | Err(TrySendError::Full(_)) => {}
            Err(TrySendError::Disconnected(_)) => self.log_stop(),
        }
    }

    /// Runs a restart checkpoint and waits until it has finished, so that the next
    /// transaction starts the WAL over unless a reader still uses it.
    // NOTE: the restart waits for readers through the connection's busy timeout (5 s), so a
    // long read of old events on the log's reader connection can stall the writer that long.
    pub(super) fn restart(&self) {
        let (done, wait) = mpsc::sync_channel(1);
        if self.requests.send(Request::Restart(done)).is_err() {
            self.log_stop();
            return;
        }
        // The thread replies after the checkpoint, or drops the sender when it stops.
        let _ = wait.recv();
    }

    fn log_stop(&self) {
        if !self.stop_logged.replace(true) {
            tracing::error!("event log checkpoint thread stopped; the WAL is no longer copied");
        }
    }
}

/// Starts the checkpoint thread on `connection`, which must be opened with synchronous
/// commits so that each checkpoint syncs the WAL before copying it and the database file
/// before the WAL may start over. The thread stops when the returned `Checkpointer` is dropped.
pub(super) fn spawn(
    connection: Connection,
    path: String,
    counters: Arc<Counters>,
) -> std::io::Result<(Checkpointer, std::thread::JoinHandle<()>)> {
    let (requests, receiver) = mpsc::sync_channel(1);
    let thread = std::thread::Builder::new()
        .name("event-log-checkpoint".to_owned())
        .spawn(move || run(&connection, &path, &receiver, &counters))?;
    let checkpointer = Checkpointer {
        requests,
        stop_logged: Cell::new(false),
    };
    Ok((checkpointer, thread))
}

fn run(connection: &Connection, path: &str, requests: &Receiver<Request>, counters: &Counters) {
    while let Ok(request) = requests.recv() {
        let (mode, done) = match request {
            Request::Passive => (CheckpointMode::Passive, None),
            Request::Restart(done) => (CheckpointMode::Restart, Some(done)),
        };
        match schema::checkpoint(connection, mode) {
            Ok(progress) => {
                counters.checkpoints.fetch_add(1, Ordering::Relaxed);
                tracing::trace!(
                    path,
                    ?mode,
                    frames = progress.wal_frames,
                    copied = progress.copied_frames,
                    "event log checkpointed"
                );
            }
            Err(error) => {
                tracing::warn!(path, ?mode, %error, "event log checkpoint failed; retrying later");
            }
        }
        if let Some(done) = done {
            let _ = done.send(());
        }
    }
    tracing::debug!(path, "event log checkpoint thread stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_bounds_follow_page_size() {
        for page_size in [4096, 16_384] {
            let bounds = WalBounds::for_page_size(page_size);
            assert_eq!(bounds.checkpoint_frames * page_size, CHECKPOINT_BYTES);
            assert_eq!(bounds.max_frames * page_size, MAX_WAL_BYTES);
        }
        assert_eq!(WalBounds::for_page_size(0), WalBounds::for_page_size(512));
    }
}
