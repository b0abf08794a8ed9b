//! The writer thread: group commit of appends, retention and hub deletion.
//!
//! The writer's connection commits with `synchronous = OFF`, so a commit only hands the WAL
//! frames to the operating system. The sync thread ([`super::sync`]) then calls `fsync` on the
//! WAL and only after that acknowledges the group. While one group waits for its `fsync`, the
//! writer already commits the next one, and then waits for the sync thread to take it. So the
//! group size adapts to the load: the longer a sync takes, the more requests the next group
//! collects, and a lone request is committed and synced at once.
//!
//! Checkpoints run on a thread of their own ([`super::checkpoint`]). The writer only requests
//! them, by the number of frames its WAL contains after each commit.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::ffi::c_int;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::sync::Arc;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::oneshot;

use super::batch;
use super::checkpoint::{Checkpointer, WalBounds};
use super::event::{AppendedEvent, NewEvent, StoredEvent};
use super::search::{self, Column};
use super::sync::{Committed, Outcome};
use super::tail::TailChange;
use super::LogError;

/// Requests taken into one transaction at most, so one commit stays short under heavy load.
const MAX_GROUP_REQUESTS: usize = 1024;

/// Message bytes taken into one transaction at most. A group stops growing once it contains this
/// much, so one request of up to 1 MB per event still fits.
const MAX_GROUP_BYTES: usize = 32 * 1024 * 1024;

thread_local! {
    /// Frames in the WAL after the last commit on this thread, as SQLite's WAL hook reports
    /// them. Only the writer thread's connection registers the hook.
    static WAL_FRAMES: Cell<i64> = const { Cell::new(0) };
}

/// Records the WAL's size after a commit. SQLite calls it on the committing thread.
fn record_wal_frames(_wal: &rusqlite::hooks::Wal, frames: c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|cell| cell.set(i64::from(frames)));
    Ok(())
}

/// A clock returning milliseconds since the Unix epoch.
pub(super) type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// A request to the writer thread.
pub(super) enum Command {
    Append {
        hub: String,
        partition: u32,
        events: Vec<NewEvent>,
        reply: oneshot::Sender<Result<Vec<AppendedEvent>, LogError>>,
    },
    Retain {
        hub: String,
        cutoff_ms: i64,
        reply: oneshot::Sender<Result<u64, LogError>>,
    },
    DeleteHub {
        hub: String,
        reply: oneshot::Sender<Result<(), LogError>>,
    },
}

impl Command {
    fn message_bytes(&self) -> usize {
        match self {
            Command::Append { events, .. } => events.iter().map(|event| event.message.len()).sum(),
            Command::Retain { .. } | Command::DeleteHub { .. } => 0,
        }
    }
}

impl Outcome {
    pub(super) fn send(self) {
        // A requester that stopped waiting has nothing left to tell.
        match self {
            Outcome::Append(reply, result) => drop(reply.send(result)),
            Outcome::Retain(reply, result) => drop(reply.send(result)),
            Outcome::DeleteHub(reply, result) => drop(reply.send(result)),
        }
    }

    pub(super) fn fail(self, error: LogError) {
        match self {
            Outcome::Append(reply, _) => drop(reply.send(Err(error))),
            Outcome::Retain(reply, _) => drop(reply.send(Err(error))),
            Outcome::DeleteHub(reply, _) => drop(reply.send(Err(error))),
        }
    }
}

/// The state of one partition, kept in the `partitions` table.
#[derive(Debug, Clone, Copy, Default)]
struct Head {
    next_sequence: i64,
    next_offset: i64,
    last_enqueued_ms: Option<i64>,
    removed: i64,
}

/// The partition heads one transaction works on: read from the `partitions` table once, kept
/// in memory, and written back once per transaction for each partition that changed.
#[derive(Debug, Default)]
struct Heads {
    heads: HashMap<(String, u32), Head>,
    dirty: HashSet<(String, u32)>,
}

impl Heads {
    fn get(
        &mut self,
        connection: &Connection,
        hub: &str,
        partition: u32,
    ) -> rusqlite::Result<&mut Head> {
        let key = (hub.to_owned(), partition);
        if !self.heads.contains_key(&key) {
            let head = load_head(connection, hub, partition)?;
            self.heads.insert(key.clone(), head);
        }
        self.dirty.insert(key.clone());
        Ok(self
            .heads
            .get_mut(&key)
            .expect("the head was just inserted"))
    }

    fn forget_hub(&mut self, hub: &str) {
        self.heads.retain(|(name, _), _| name != hub);
        self.dirty.retain(|(name, _)| name != hub);
    }

    fn store_dirty(&mut self, connection: &Connection) -> rusqlite::Result<()> {
        for key in self.dirty.drain() {
            if let Some(head) = self.heads.get(&key) {
                store_head(connection, &key.0, key.1, head)?;
            }
        }
        Ok(())
    }
}

/// The result of one request within its transaction.
enum StepResult {
    Append(Result<Vec<AppendedEvent>, LogError>),
    Retain(Result<u64, LogError>),
    DeleteHub(Result<(), LogError>),
}

impl StepResult {
    fn succeeded(&self) -> bool {
        match self {
            StepResult::Append(result) => result.is_ok(),
            StepResult::Retain(result) => result.is_ok(),
            StepResult::DeleteHub(result) => result.is_ok(),
        }
    }
}

/// The writer's connection and the state it keeps between groups.
struct Writer {
    connection: Connection,
    path: String,
    clock: Clock,
    /// Heads of the partitions written so far, valid as long as every transaction commits.
    heads: Heads,
    checkpointer: Checkpointer,
    wal_bounds: WalBounds,
}

/// Runs the writer loop until every sender is dropped: takes the requests waiting, up to
/// [`MAX_GROUP_REQUESTS`] and [`MAX_GROUP_BYTES`], commits them together and hands them to
/// the sync thread.
pub(super) fn run(
    connection: Connection,
    path: String,
    commands: Receiver<Command>,
    committed: SyncSender<Committed>,
    clock: Clock,
    checkpointer: Checkpointer,
) {
    connection.wal_hook(Some(record_wal_frames));
    let page_size = connection
        .pragma_query_value(None, "page_size", |row| row.get(0))
        .unwrap_or(4096);
    let mut writer = Writer {
        connection,
        path,
        clock,
        heads: Heads::default(),
        checkpointer,
        wal_bounds: WalBounds::for_page_size(page_size),
    };
    while let Ok(first) = commands.recv() {
        let mut bytes = first.message_bytes();
        let mut group = vec![first];
        while group.len() < MAX_GROUP_REQUESTS && bytes < MAX_GROUP_BYTES {
            match commands.try_recv() {
                Ok(command) => {
                    bytes += command.message_bytes();
                    group.push(command);
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        if let Some(batch) = writer.commit_group(group) {
            if committed.send(batch).is_err() {
                tracing::error!(path = writer.path, "event log sync thread stopped");
                break;
            }
        }
        writer.request_checkpoint();
    }
    // The connection that closes last checkpoints the WAL, and must sync while doing so.
    if let Err(error) = writer.connection.pragma_update(None, "synchronous", "FULL") {
        tracing::warn!(path = writer.path, %error, "event log writer could not restore synchronous commits");
    }
    tracing::debug!(path = writer.path, "event log writer stopped");
}

impl Writer {
    /// Commits one group of requests in one transaction and returns the committed ones for the
    /// sync thread. Requests that failed get their error at once.
    ///
    /// The group first runs as one transaction with no savepoints. If any request fails, that
    /// transaction is rolled back and the group runs again with one savepoint per request, so
    /// a failing request leaves the others intact.
    fn commit_group(&mut self, group: Vec<Command>) -> Option<Committed> {
        let size = group.len();
        let results = match self.apply_all(&group) {
            Some(results) => results,
            None => {
                // The cached heads may hold changes that were rolled back.
                self.heads = Heads::default();
                match self.apply_each(&group) {
                    Ok(results) => results,
                    Err(error) => {
                        tracing::error!(path = self.path, %error, requests = size, "event log commit failed");
                        for command in group {
                            outcome_of(command).fail(error.clone());
                        }
                        return None;
                    }
                }
            }
        };
        let mut outcomes = Vec::with_capacity(size);
        let mut changes = Vec::with_capacity(size);
        for (command, result) in group.into_iter().zip(results) {
            if !result.succeeded() {
                finish(command, result).0.send();
                continue;
            }
            let (outcome, change) = finish(command, result);
            outcomes.push(outcome);
            changes.extend(change);
        }
        tracing::trace!(
            path = self.path,
            requests = size,
            "event log group committed"
        );
        Some(Committed {
            outcomes,
            changes,
            requests: size,
        })
    }

    /// Runs the whole group in one transaction and commits it, or rolls it back and returns
    /// `None` when any request fails.
    fn apply_all(&mut self, group: &[Command]) -> Option<Vec<StepResult>> {
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ok()?;
        let mut results = Vec::with_capacity(group.len());
        for command in group {
            let result = apply(&transaction, &mut self.heads, &self.clock, command);
            if !result.succeeded() {
                // Dropping the transaction rolls it back.
                return None;
            }
            results.push(result);
        }
        self.heads.store_dirty(&transaction).ok()?;
        transaction.commit().ok()?;
        Some(results)
    }

    /// Runs each request of the group in a savepoint of its own within one transaction, and
    /// commits the requests that succeeded. Fails when the transaction cannot start or commit.
    fn apply_each(&mut self, group: &[Command]) -> Result<Vec<StepResult>, LogError> {
        let mut transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| storage_error(&self.path, error))?;
        let mut results = Vec::with_capacity(group.len());
        for command in group {
            let savepoint = match transaction.savepoint() {
                Ok(savepoint) => savepoint,
                Err(error) => {
                    results.push(failed_step(command, storage_error(&self.path, error)));
                    continue;
                }
            };
            let mut heads = Heads::default();
            let result = apply(&savepoint, &mut heads, &self.clock, command);
            if !result.succeeded() {
                // Dropping a savepoint without committing it rolls it back.
                drop(savepoint);
                results.push(result);
                continue;
            }
            let committed = heads
                .store_dirty(&savepoint)
                .and_then(|()| savepoint.commit());
            match committed {
                Ok(()) => results.push(result),
                Err(error) => results.push(failed_step(command, storage_error(&self.path, error))),
            }
        }
        transaction
            .commit()
            .map_err(|error| storage_error(&self.path, error))?;
        Ok(results)
    }

    /// Requests a passive checkpoint once the WAL reaches the first of its [`WalBounds`], and
    /// waits for a restart checkpoint once it reaches the second. The restart bounds the WAL
    /// when passive checkpoints never catch up with the commits.
    fn request_checkpoint(&self) {
        let frames = WAL_FRAMES.with(Cell::get);
        if frames >= self.wal_bounds.max_frames {
            tracing::debug!(
                path = self.path,
                frames,
                "event log WAL at its bound; restarting it"
            );
            self.checkpointer.restart();
            // The WAL's size is unknown until the next commit reports it.
            WAL_FRAMES.with(|cell| cell.set(0));
        } else if frames >= self.wal_bounds.checkpoint_frames {
            self.checkpointer.request_passive();
        }
    }
}

fn storage_error(path: &str, error: rusqlite::Error) -> LogError {
    LogError::Storage {
        path: path.to_owned(),
        message: error.to_string(),
    }
}

/// Applies one request within the current transaction or savepoint.
fn apply(
    connection: &Connection,
    heads: &mut Heads,
    clock: &Clock,
    command: &Command,
) -> StepResult {
    let storage = |error: rusqlite::Error| LogError::Storage {
        path: connection.path().unwrap_or_default().to_owned(),
        message: error.to_string(),
    };
    match command {
        Command::Append {
            hub,
            partition,
            events,
            ..
        } => StepResult::Append(
            append(connection, heads, hub, *partition, events, clock).map_err(storage),
        ),
        Command::Retain { hub, cutoff_ms, .. } => {
            StepResult::Retain(retain(connection, heads, hub, *cutoff_ms).map_err(storage))
        }
        Command::DeleteHub { hub, .. } => {
            let result = delete_hub(connection, hub).map_err(storage);
            heads.forget_hub(hub);
            StepResult::DeleteHub(result)
        }
    }
}

fn failed_step(command: &Command, error: LogError) -> StepResult {
    match command {
        Command::Append { .. } => StepResult::Append(Err(error)),
        Command::Retain { .. } => StepResult::Retain(Err(error)),
        Command::DeleteHub { .. } => StepResult::DeleteHub(Err(error)),
    }
}

/// Pairs a request with its result, and for a successful one describes the change to the
/// in-memory tail. An append's events move into that change.
fn finish(command: Command, result: StepResult) -> (Outcome, Option<TailChange>) {
    match (command, result) {
        (
            Command::Append {
                hub,
                partition,
                events,
                reply,
            },
            StepResult::Append(result),
        ) => {
            let change = result.as_ref().ok().map(|appended| TailChange::Append {
                hub,
                partition,
                events: stored_events(appended, events),
            });
            (Outcome::Append(reply, result), change)
        }
        (
            Command::Retain {
                hub,
                cutoff_ms,
                reply,
            },
            StepResult::Retain(result),
        ) => {
            let change = result
                .is_ok()
                .then_some(TailChange::Retain { hub, cutoff_ms });
            (Outcome::Retain(reply, result), change)
        }
        (Command::DeleteHub { hub, reply }, StepResult::DeleteHub(result)) => {
            let change = result.is_ok().then_some(TailChange::DeleteHub { hub });
            (Outcome::DeleteHub(reply, result), change)
        }
        _ => unreachable!("`apply` returns the result kind of its command"),
    }
}

fn stored_events(appended: &[AppendedEvent], events: Vec<NewEvent>) -> Vec<StoredEvent> {
    appended
        .iter()
        .zip(events)
        .map(|(appended, event)| StoredEvent {
            sequence_number: appended.sequence_number,
            offset: appended.offset.clone(),
            enqueued_time_ms: appended.enqueued_time_ms,
            partition_key: event.partition_key,
            message: event.message,
        })
        .collect()
}

fn outcome_of(command: Command) -> Outcome {
    let unused = || LogError::Closed {
        path: String::new(),
    };
    match command {
        Command::Append { reply, .. } => Outcome::Append(reply, Err(unused())),
        Command::Retain { reply, .. } => Outcome::Retain(reply, Err(unused())),
        Command::DeleteHub { reply, .. } => Outcome::DeleteHub(reply, Err(unused())),
    }
}

fn load_head(connection: &Connection, hub: &str, partition: u32) -> rusqlite::Result<Head> {
    let head = connection
        .prepare_cached(
            "SELECT next_sequence, next_offset, last_enqueued_ms, removed
             FROM partitions WHERE hub = ?1 AND partition = ?2",
        )?
        .query_row(params![hub, partition], |row| {
            Ok(Head {
                next_sequence: row.get(0)?,
                next_offset: row.get(1)?,
                last_enqueued_ms: row.get(2)?,
                removed: row.get(3)?,
            })
        })
        .optional()?;
    Ok(head.unwrap_or_default())
}

fn store_head(
    connection: &Connection,
    hub: &str,
    partition: u32,
    head: &Head,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO partitions (hub, partition, next_sequence, next_offset, last_enqueued_ms, removed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (hub, partition) DO UPDATE SET
                next_sequence = excluded.next_sequence,
                next_offset = excluded.next_offset,
                last_enqueued_ms = excluded.last_enqueued_ms,
                removed = excluded.removed",
        )?
        .execute(params![
            hub,
            partition,
            head.next_sequence,
            head.next_offset,
            head.last_enqueued_ms,
            head.removed
        ])?;
    Ok(())
}

/// Appends a batch with consecutive sequence numbers, as one row, and returns them. The
/// partition's head changes in `heads` only; the caller stores it before committing.
fn append(
    connection: &Connection,
    heads: &mut Heads,
    hub: &str,
    partition: u32,
    events: &[NewEvent],
    clock: &Clock,
) -> rusqlite::Result<Vec<AppendedEvent>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let head = heads.get(connection, hub, partition)?;
    let mut next = *head;
    // Enqueued times never go backwards within a partition, even if the system clock does.
    let enqueued_ms = next
        .last_enqueued_ms
        .map_or(clock(), |last| clock().max(last));
    let first_sequence = next.next_sequence;
    let first_offset = next.next_offset;
    let mut last_offset = first_offset;
    let mut appended = Vec::with_capacity(events.len());
    for event in events {
        appended.push(AppendedEvent {
            sequence_number: next.next_sequence,
            offset: next.next_offset.to_string(),
            enqueued_time_ms: enqueued_ms,
        });
        last_offset = next.next_offset;
        next.next_sequence += 1;
        next.next_offset = batch::next_offset(next.next_offset, event.message.len());
    }
    next.last_enqueued_ms = Some(enqueued_ms);
    connection
        .prepare_cached(
            "INSERT INTO batches (hub, partition, first_sequence, last_sequence, first_offset,
                                  last_offset, enqueued_ms, events)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            hub,
            partition,
            first_sequence,
            next.next_sequence - 1,
            first_offset,
            last_offset,
            enqueued_ms,
            batch::encode(events)
        ])?;
    // Only a stored batch moves the head.
    *head = next;
    Ok(appended)
}

/// Removes every event of the hub enqueued before `cutoff_ms` and returns how many.
fn retain(
    connection: &Connection,
    heads: &mut Heads,
    hub: &str,
    cutoff_ms: i64,
) -> rusqlite::Result<u64> {
    let partitions: Vec<u32> = connection
        .prepare_cached("SELECT partition FROM partitions WHERE hub = ?1")?
        .query_map(params![hub], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut total = 0u64;
    for partition in partitions {
        let first: Option<i64> = connection
            .prepare_cached(
                "SELECT min(first_sequence) FROM batches WHERE hub = ?1 AND partition = ?2",
            )?
            .query_row(params![hub, partition], |row| row.get(0))?;
        let Some(first) = first else {
            continue;
        };
        let head = heads.get(connection, hub, partition)?;
        let end = head.next_sequence;
        // Enqueued times never decrease within a partition, so the expired events are the
        // ones before the first event enqueued at or after the cutoff. The events of one batch
        // share their enqueued time, so that event starts a batch and whole batches go.
        let keep_from = search::first_matching(
            connection,
            hub,
            partition,
            first..end,
            Column::EnqueuedTime,
            |enqueued_ms| enqueued_ms >= cutoff_ms,
        )?;
        if keep_from == first {
            continue;
        }
        connection
            .prepare_cached(
                "DELETE FROM batches WHERE hub = ?1 AND partition = ?2 AND first_sequence < ?3",
            )?
            .execute(params![hub, partition, keep_from])?;
        // Retained sequence numbers have no gaps, so the removed events are the ones between.
        let removed = keep_from - first;
        let head = heads.get(connection, hub, partition)?;
        head.removed += removed;
        total += u64::try_from(removed).unwrap_or(0);
    }
    Ok(total)
}

fn delete_hub(connection: &Connection, hub: &str) -> rusqlite::Result<()> {
    connection.execute("DELETE FROM batches WHERE hub = ?1", params![hub])?;
    connection.execute("DELETE FROM partitions WHERE hub = ?1", params![hub])?;
    Ok(())
}
