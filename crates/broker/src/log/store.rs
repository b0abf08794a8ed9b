//! The event log handle: appends through the writer thread, reads on a connection of its own.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{oneshot, watch};

use super::batch::{self, BatchStart};
use super::checkpoint;
use super::event::{AppendedEvent, NewEvent, ReadBudget, StoredEvent};
use super::position::{StartPoint, StartPosition};
use super::schema::{self, Commits};
use super::search::{self, Column};
use super::size;
use super::sync::{self, Counters, Notifiers, Published};
use super::tail::{TailRead, Tails};
use super::writer::{self, Clock, Command};
use super::LogError;

/// Reads a partition's batches from a first sequence number, below an end, in order. It has no
/// LIMIT, because SQLite compiles a statement whose LIMIT is a bound parameter again each time
/// the parameter is bound. Rows come in primary key order as they are stepped, so a caller that
/// takes some of them reads no more.
const READ_BATCHES: &str = "SELECT first_sequence, first_offset, enqueued_ms, events
     FROM batches WHERE hub = ?1 AND partition = ?2 AND first_sequence >= ?3 AND first_sequence < ?4
     ORDER BY first_sequence";

/// The events of a read bounded by a byte count, and whether the bound ended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundedRead {
    /// The events read, in order.
    pub events: Vec<StoredEvent>,
    /// True when the next event did not fit the byte bound, so more may follow at once. False
    /// when the read stopped at its event count or at the end of the durable events.
    pub stopped_at_bytes: bool,
}

/// A partition's runtime properties, in the terms of the `$management` READ reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// The first retained sequence number; -1 for a partition that never had an event.
    pub begin_sequence_number: i64,
    /// The last enqueued sequence number; -1 for a partition that never had an event.
    pub last_enqueued_sequence_number: i64,
    /// The last enqueued offset; `"-1"` for a partition that never had an event.
    pub last_enqueued_offset: String,
    /// The last enqueued time in milliseconds since the Unix epoch; 0 when there is none.
    pub last_enqueued_time_ms: i64,
    /// Whether no event is retained.
    pub is_empty: bool,
    /// Events removed by retention so far.
    pub removed_by_retention: u64,
}

/// Counters of the group commit, for diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogStats {
    /// Transactions committed.
    pub commits: u64,
    /// Requests (appends, retention runs, hub deletions) committed in them.
    pub requests: u64,
    /// Syncs of the WAL to disk, each covering one or more committed transactions.
    pub syncs: u64,
    /// Checkpoints that copied the WAL into the database file, or tried to.
    pub checkpoints: u64,
}

/// The event log of one namespace, stored in one SQLite file.
///
/// Hub names are compared case-insensitively. Reads of recent events come from memory. Reads of
/// older ones run a SQLite query on the caller's thread and block it meanwhile, so async callers
/// with large reads of old events should use `tokio::task::spawn_blocking`.
#[derive(Debug)]
pub struct EventLog {
    path: PathBuf,
    commands: Option<mpsc::Sender<Command>>,
    reader: Mutex<Connection>,
    tails: Arc<Tails>,
    notifiers: Notifiers,
    counters: Arc<Counters>,
    writer: Option<JoinHandle<()>>,
    syncer: Option<JoinHandle<()>>,
    checkpointer: Option<JoinHandle<()>>,
}

impl EventLog {
    /// Opens or creates the log at `path`, stamping events with the system clock.
    pub fn open(path: &Path) -> Result<Self, LogError> {
        Self::open_with_clock(path, Arc::new(system_time_ms))
    }

    /// Opens or creates the log at `path` with a clock returning milliseconds since the Unix
    /// epoch, so that tests can stamp events on chosen days.
    pub fn open_with_clock(
        path: &Path,
        clock: Arc<dyn Fn() -> i64 + Send + Sync>,
    ) -> Result<Self, LogError> {
        let path_text = path.display().to_string();
        let storage = |error: rusqlite::Error| LogError::Storage {
            path: path_text.clone(),
            message: error.to_string(),
        };
        let writer_connection = schema::open(path, Commits::SyncedByCaller).map_err(storage)?;
        let reader = schema::open(path, Commits::Synced).map_err(storage)?;
        let checkpoint_connection = schema::open(path, Commits::Synced).map_err(storage)?;
        let tails: Arc<Tails> = Arc::default();
        let notifiers: Notifiers = Arc::default();
        let counters: Arc<Counters> = Arc::default();
        let (commands, receiver) = mpsc::channel();
        // A rendezvous: the writer hands over a committed group only when the sync thread takes
        // it, so it runs at most one group ahead of the syncs and collects requests meanwhile.
        let (committed, to_sync) = mpsc::sync_channel(0);
        let spawn_failed = |error: std::io::Error| LogError::Storage {
            path: path_text.clone(),
            message: format!("cannot start the event log's threads: {error}"),
        };
        let syncer = {
            let published = Published {
                tails: Arc::clone(&tails),
                notifiers: Arc::clone(&notifiers),
                counters: Arc::clone(&counters),
            };
            let database = path.to_owned();
            std::thread::Builder::new()
                .name("event-log-sync".to_owned())
                .spawn(move || sync::run(database, to_sync, published))
                .map_err(spawn_failed)?
        };
        let (checkpoints, checkpointer) = checkpoint::spawn(
            checkpoint_connection,
            path_text.clone(),
            Arc::clone(&counters),
        )
        .map_err(spawn_failed)?;
        let writer = {
            let clock: Clock = clock;
            let writer_path = path_text.clone();
            std::thread::Builder::new()
                .name("event-log-writer".to_owned())
                .spawn(move || {
                    writer::run(
                        writer_connection,
                        writer_path,
                        receiver,
                        committed,
                        clock,
                        checkpoints,
                    );
                })
                .map_err(spawn_failed)?
        };
        tracing::info!(path = %path_text, "event log opened");
        Ok(Self {
            path: path.to_owned(),
            commands: Some(commands),
            reader: Mutex::new(reader),
            tails,
            notifiers,
            counters,
            writer: Some(writer),
            syncer: Some(syncer),
            checkpointer: Some(checkpointer),
        })
    }

    /// Returns how many transactions the writer committed, how many requests they held, and
    /// how many syncs made them durable, counting only acknowledged transactions.
    pub fn stats(&self) -> LogStats {
        use std::sync::atomic::Ordering;
        LogStats {
            commits: self.counters.commits.load(Ordering::Relaxed),
            requests: self.counters.requests.load(Ordering::Relaxed),
            syncs: self.counters.syncs.load(Ordering::Relaxed),
            checkpoints: self.counters.checkpoints.load(Ordering::Relaxed),
        }
    }

    /// Returns the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a batch to one partition with consecutive sequence numbers, and returns once the
    /// transaction holding it is committed. A batch with an event over 1 MB, or over 1 MB in all,
    /// is rejected whole, so none of its events is stored.
    pub async fn append(
        &self,
        hub: &str,
        partition: u32,
        events: Vec<NewEvent>,
    ) -> Result<Vec<AppendedEvent>, LogError> {
        let reply = self.submit_append(hub, partition, events)?;
        reply.await.map_err(|_| self.closed())?
    }

    /// Queues a batch for the next group commit and returns at once, so that one producer can
    /// keep many batches in flight. Batches queued from one task are committed in the order
    /// they were queued, so their sequence numbers follow that order. The returned
    /// [`PendingAppend`] resolves once the transaction holding the batch is committed.
    pub fn begin_append(
        &self,
        hub: &str,
        partition: u32,
        events: Vec<NewEvent>,
    ) -> Result<PendingAppend, LogError> {
        let reply = self.submit_append(hub, partition, events)?;
        Ok(PendingAppend {
            reply,
            closed: self.closed(),
        })
    }

    /// Appends like [`EventLog::append`], blocking the calling thread. Must not be called from
    /// within an async runtime.
    pub fn append_blocking(
        &self,
        hub: &str,
        partition: u32,
        events: Vec<NewEvent>,
    ) -> Result<Vec<AppendedEvent>, LogError> {
        let reply = self.submit_append(hub, partition, events)?;
        reply.blocking_recv().map_err(|_| self.closed())?
    }

    fn submit_append(
        &self,
        hub: &str,
        partition: u32,
        events: Vec<NewEvent>,
    ) -> Result<oneshot::Receiver<Result<Vec<AppendedEvent>, LogError>>, LogError> {
        size::check(&events)?;
        let (reply, receiver) = oneshot::channel();
        self.send(Command::Append {
            hub: hub_key(hub),
            partition,
            events,
            reply,
        })?;
        Ok(receiver)
    }

    /// Removes the hub's events enqueued before `cutoff_ms` (milliseconds since the Unix epoch)
    /// and returns how many were removed.
    pub async fn apply_retention(&self, hub: &str, cutoff_ms: i64) -> Result<u64, LogError> {
        let (reply, receiver) = oneshot::channel();
        self.send(Command::Retain {
            hub: hub_key(hub),
            cutoff_ms,
            reply,
        })?;
        let removed = receiver.await.map_err(|_| self.closed())??;
        if removed > 0 {
            tracing::info!(hub, removed, "retention removed events");
        }
        Ok(removed)
    }

    /// Removes every event and partition state of a hub.
    pub async fn delete_hub(&self, hub: &str) -> Result<(), LogError> {
        let (reply, receiver) = oneshot::channel();
        self.send(Command::DeleteHub {
            hub: hub_key(hub),
            reply,
        })?;
        receiver.await.map_err(|_| self.closed())?
    }

    /// Reads up to `max_events` durable events starting at a sequence number, in order:
    /// from the in-memory tail when it contains that position, otherwise from SQLite.
    pub fn read(
        &self,
        hub: &str,
        partition: u32,
        from_sequence: i64,
        max_events: usize,
    ) -> Result<Vec<StoredEvent>, LogError> {
        self.read_within(hub, partition, from_sequence, max_events, usize::MAX)
            .map(|read| read.events)
    }

    /// Reads like [`EventLog::read`], and also stops before the messages' bytes pass
    /// `max_bytes`. The first event is returned whatever its size, so a read always moves on.
    pub fn read_within(
        &self,
        hub: &str,
        partition: u32,
        from_sequence: i64,
        max_events: usize,
        max_bytes: usize,
    ) -> Result<BoundedRead, LogError> {
        let hub = hub_key(hub);
        let mut budget = ReadBudget::new(max_bytes);
        let tail_read = self
            .tails
            .read(&hub, partition, from_sequence, max_events, &mut budget);
        let durable_end = match tail_read {
            TailRead::Events(events) => {
                return Ok(BoundedRead {
                    events,
                    stopped_at_bytes: budget.exceeded(),
                })
            }
            TailRead::Older(head) => head.next_sequence,
            TailRead::Unknown => i64::MAX,
        };
        let reader = self.reader();
        let events = read_stored(
            &reader,
            &hub,
            partition,
            from_sequence..durable_end,
            max_events,
            &mut budget,
        )
        .map_err(|error| self.storage(error))?;
        Ok(BoundedRead {
            events,
            stopped_at_bytes: budget.exceeded(),
        })
    }

    /// Resolves a start position to the first sequence number to deliver. A position older
    /// than the first retained event starts at that event.
    pub fn resolve_start(
        &self,
        hub: &str,
        partition: u32,
        position: StartPosition,
    ) -> Result<StartPoint, LogError> {
        let reader = self.reader();
        let hub = hub_key(hub);
        let state = self
            .partition_state(&reader, &hub, partition)
            .map_err(|error| self.storage(error))?;
        let first_retained = state.first_retained.unwrap_or(state.next_sequence);
        let retained = first_retained..state.next_sequence;
        let search = |column: Column, matches: &dyn Fn(i64) -> bool| {
            search::first_matching(&reader, &hub, partition, retained.clone(), column, matches)
                .map_err(|error| self.storage(error))
        };
        let requested = match position {
            StartPosition::Earliest => {
                return Ok(StartPoint {
                    sequence_number: first_retained,
                    removed_by_retention: state.removed,
                    moved_by_retention: state.removed > 0,
                    next_sequence_number: state.next_sequence,
                })
            }
            StartPosition::Latest => state.next_sequence,
            StartPosition::SequenceNumber {
                sequence_number,
                inclusive,
            } => {
                if inclusive {
                    sequence_number
                } else {
                    sequence_number.saturating_add(1)
                }
            }
            StartPosition::Offset { offset, inclusive } if inclusive => {
                search(Column::Offset, &|value| value >= offset)?
            }
            StartPosition::Offset { offset, .. } => {
                search(Column::Offset, &|value| value > offset)?
            }
            StartPosition::EnqueuedAfter { time_ms } => {
                search(Column::EnqueuedTime, &|value| value > time_ms)?
            }
        };
        let moved = requested < first_retained && state.removed > 0;
        Ok(StartPoint {
            sequence_number: requested.max(first_retained),
            removed_by_retention: state.removed,
            moved_by_retention: moved,
            next_sequence_number: state.next_sequence,
        })
    }

    /// Returns a partition's runtime properties.
    pub fn partition_info(&self, hub: &str, partition: u32) -> Result<PartitionInfo, LogError> {
        let reader = self.reader();
        let hub = hub_key(hub);
        let state = self
            .partition_state(&reader, &hub, partition)
            .map_err(|error| self.storage(error))?;
        let last_offset = search::offset_of(&reader, &hub, partition, state.next_sequence - 1)
            .map_err(|error| self.storage(error))?;
        let ever_written = state.next_sequence > 0;
        Ok(PartitionInfo {
            begin_sequence_number: match state.first_retained {
                Some(first) => first,
                None if ever_written => state.next_sequence,
                None => -1,
            },
            last_enqueued_sequence_number: state.next_sequence - 1,
            // NOTE: once retention has removed the last event, its offset is no longer stored
            // and the reply carries the offset of the next event to be written.
            last_enqueued_offset: match last_offset {
                Some(offset) => offset.to_string(),
                None if ever_written => state.next_offset.to_string(),
                None => "-1".to_owned(),
            },
            last_enqueued_time_ms: state.last_enqueued_ms.unwrap_or(0),
            is_empty: state.first_retained.is_none(),
            removed_by_retention: state.removed,
        })
    }

    /// Returns a watch of the partition's next durable sequence number, updated after every
    /// sync that covers an append to it, so a receiver can wait for new events.
    pub fn subscribe(&self, hub: &str, partition: u32) -> Result<watch::Receiver<i64>, LogError> {
        let hub = hub_key(hub);
        let mut notifiers = self
            .notifiers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = notifiers.get(&(hub.clone(), partition)) {
            return Ok(sender.subscribe());
        }
        // Read the current value while holding the lock: the sync thread notifies under the
        // same lock after each sync, so no append can slip between this read and the insert.
        let state = self
            .partition_state(&self.reader(), &hub, partition)
            .map_err(|error| self.storage(error))?;
        let (sender, receiver) = watch::channel(state.next_sequence);
        notifiers.insert((hub, partition), sender);
        Ok(receiver)
    }

    /// Reads a partition's state from SQLite, cut back to its durable head: the writer
    /// commits before the sync, so SQLite may hold a few events that are not durable yet.
    fn partition_state(
        &self,
        reader: &Connection,
        hub: &str,
        partition: u32,
    ) -> rusqlite::Result<PartitionState> {
        let mut state = partition_state(reader, hub, partition)?;
        if let Some(durable) = self.tails.durable_head(hub, partition) {
            if durable.next_sequence < state.next_sequence {
                state.next_sequence = durable.next_sequence;
                state.last_enqueued_ms = Some(durable.last_enqueued_ms);
                if state
                    .first_retained
                    .is_some_and(|first| first >= durable.next_sequence)
                {
                    state.first_retained = None;
                }
            }
        }
        Ok(state)
    }

    fn send(&self, command: Command) -> Result<(), LogError> {
        self.commands
            .as_ref()
            .ok_or_else(|| self.closed())?
            .send(command)
            .map_err(|_| self.closed())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn storage(&self, error: rusqlite::Error) -> LogError {
        LogError::Storage {
            path: self.path.display().to_string(),
            message: error.to_string(),
        }
    }

    fn closed(&self) -> LogError {
        LogError::Closed {
            path: self.path.display().to_string(),
        }
    }
}

/// A batch queued by [`EventLog::begin_append`] whose commit has not been awaited yet.
#[derive(Debug)]
pub struct PendingAppend {
    reply: oneshot::Receiver<Result<Vec<AppendedEvent>, LogError>>,
    closed: LogError,
}

impl PendingAppend {
    /// Waits until the batch is committed and returns its events with their sequence numbers.
    pub async fn committed(self) -> Result<Vec<AppendedEvent>, LogError> {
        self.reply.await.map_err(|_| self.closed)?
    }
}

impl Drop for EventLog {
    fn drop(&mut self) {
        // Dropping the sender ends the writer loop after the requests already queued, and the
        // writer's end ends the sync loop after the groups already committed, and the
        // checkpoint loop after the checkpoint in progress.
        self.commands.take();
        let threads = [
            ("writer", self.writer.take()),
            ("sync", self.syncer.take()),
            ("checkpoint", self.checkpointer.take()),
        ];
        for (name, thread) in threads {
            if let Some(thread) = thread {
                if thread.join().is_err() {
                    tracing::error!(path = %self.path.display(), thread = name, "event log thread panicked");
                }
            }
        }
    }
}

struct PartitionState {
    next_sequence: i64,
    next_offset: i64,
    last_enqueued_ms: Option<i64>,
    removed: u64,
    first_retained: Option<i64>,
}

fn partition_state(
    reader: &Connection,
    hub: &str,
    partition: u32,
) -> rusqlite::Result<PartitionState> {
    let head = reader
        .prepare_cached(
            "SELECT next_sequence, next_offset, last_enqueued_ms, removed
             FROM partitions WHERE hub = ?1 AND partition = ?2",
        )?
        .query_row(params![hub, partition], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get::<_, i64>(3)?))
        })
        .optional()?;
    let (next_sequence, next_offset, last_enqueued_ms, removed) = head.unwrap_or((0, 0, None, 0));
    let first_retained: Option<i64> = reader
        .prepare_cached(
            "SELECT min(first_sequence) FROM batches WHERE hub = ?1 AND partition = ?2",
        )?
        .query_row(params![hub, partition], |row| row.get(0))?;
    Ok(PartitionState {
        next_sequence,
        next_offset,
        last_enqueued_ms,
        removed: u64::try_from(removed).unwrap_or(0),
        first_retained,
    })
}

/// Reads up to `max_events` stored events in `range` from SQLite, starting with the batch
/// that contains the range's first sequence number.
fn read_stored(
    reader: &Connection,
    hub: &str,
    partition: u32,
    range: std::ops::Range<i64>,
    max_events: usize,
    budget: &mut ReadBudget,
) -> rusqlite::Result<Vec<StoredEvent>> {
    let first_batch = search::batch_containing(reader, hub, partition, range.start)?
        .map_or(range.start, |batch| batch.first_sequence);
    let mut statement = reader.prepare_cached(READ_BATCHES)?;
    let mut rows = statement.query(params![hub, partition, first_batch, range.end])?;
    let mut events = Vec::new();
    while events.len() < max_events {
        let Some(row) = rows.next()? else {
            break;
        };
        let start = BatchStart {
            first_sequence: row.get(0)?,
            first_offset: row.get(1)?,
            enqueued_ms: row.get(2)?,
        };
        let blob = row.get_ref(3)?.as_blob()?;
        let room = i64::try_from(max_events - events.len()).unwrap_or(i64::MAX);
        let first = range.start.max(start.first_sequence);
        let selected = first..range.end.min(first.saturating_add(room));
        let decoded = batch::decode(start, blob, selected).map_err(search::damaged)?;
        for event in decoded {
            if !budget.admit(&event) {
                return Ok(events);
            }
            events.push(event);
        }
    }
    Ok(events)
}

fn hub_key(hub: &str) -> String {
    hub.to_ascii_lowercase()
}

fn system_time_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use rusqlite::StatementStatus;

    use super::*;
    use crate::log::NewEvent;

    fn event(body: &[u8]) -> NewEvent {
        NewEvent {
            message: amqp::Message::with_data(body.to_vec()).encode(),
            body_size: body.len(),
            properties_size: 0,
            partition_key: None,
        }
    }

    #[test]
    fn reads_from_sqlite_reuse_compiled_statement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let log = EventLog::open(&path).unwrap();
        let events: Vec<NewEvent> = (0..5).map(|index| event(&[index])).collect();
        log.append_blocking("orders", 0, events).unwrap();
        drop(log);

        // A log opened again has no tail yet, so every read goes to SQLite.
        let log = EventLog::open(&path).unwrap();
        for (from, max, expected) in [(0, 2, 2), (2, 64, 3), (1, 1, 1), (4, 10, 1), (5, 3, 0)] {
            let read = log.read("orders", 0, from, max).unwrap();
            assert_eq!(read.len(), expected, "from {from}, at most {max}");
            assert!(read.iter().all(|stored| stored.sequence_number >= from));
        }
        let reader = log.reader();
        let statement = reader.prepare_cached(READ_BATCHES).unwrap();
        assert_eq!(statement.get_status(StatementStatus::RePrepare), 0);
        let plan: String = reader
            .query_row(
                &format!("EXPLAIN QUERY PLAN {READ_BATCHES}"),
                params!["orders", 0, 0, 5],
                |row| row.get(3),
            )
            .unwrap();
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    #[test]
    fn event_rows_moved_to_batches() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        {
            let old = Connection::open(&path).unwrap();
            old.execute_batch(
                "CREATE TABLE events (hub TEXT NOT NULL, partition INTEGER NOT NULL,
                     sequence INTEGER NOT NULL, byte_offset INTEGER NOT NULL,
                     enqueued_ms INTEGER NOT NULL, partition_key TEXT, message BLOB NOT NULL,
                     PRIMARY KEY (hub, partition, sequence));
                 CREATE TABLE partitions (hub TEXT NOT NULL, partition INTEGER NOT NULL,
                     next_sequence INTEGER NOT NULL, next_offset INTEGER NOT NULL,
                     last_enqueued_ms INTEGER, removed INTEGER NOT NULL,
                     PRIMARY KEY (hub, partition));
                 INSERT INTO events VALUES ('orders', 0, 4, 900, 1000, 'key-a', x'0102');
                 INSERT INTO events VALUES ('orders', 0, 5, 902, 1000, NULL, x'03');
                 INSERT INTO events VALUES ('orders', 1, 0, 0, 2000, NULL, x'04');
                 INSERT INTO partitions VALUES ('orders', 0, 6, 903, 1000, 4);
                 INSERT INTO partitions VALUES ('orders', 1, 1, 1, 2000, 0);",
            )
            .unwrap();
        }
        let log = EventLog::open(&path).unwrap();
        let read = log.read("orders", 0, 0, 10).unwrap();
        let summary: Vec<_> = read
            .iter()
            .map(|event| {
                (
                    event.sequence_number,
                    event.offset.as_str(),
                    event.enqueued_time_ms,
                    event.partition_key.as_deref(),
                    event.message.as_slice(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (4, "900", 1000, Some("key-a"), &[1, 2][..]),
                (5, "902", 1000, None, &[3][..]),
            ]
        );
        let info = log.partition_info("orders", 0).unwrap();
        assert_eq!(
            (
                info.begin_sequence_number,
                info.last_enqueued_offset.as_str()
            ),
            (4, "902")
        );
        let appended = log.append_blocking("orders", 0, vec![event(&[9])]).unwrap();
        assert_eq!(appended[0].sequence_number, 6);
        assert_eq!(log.read("orders", 1, 0, 10).unwrap()[0].message, [4]);
        drop(log);

        let tables: Vec<String> = Connection::open(&path)
            .unwrap()
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(tables, ["batches", "partitions"]);
    }

    #[test]
    fn read_within_stops_at_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let log = EventLog::open(&path).unwrap();
        let events: Vec<NewEvent> = (0..10).map(|index| event(&[index; 100])).collect();
        let message_len = events[0].message.len();
        log.append_blocking("orders", 0, events).unwrap();

        // (events read, whether the byte bound stopped the read) for each (from, bytes).
        let counts = |log: &EventLog| -> Vec<(usize, bool)> {
            [
                (0, 2 * message_len),
                (0, 2 * message_len + 1),
                (0, 1),
                (8, 10 * message_len),
            ]
            .iter()
            .map(|&(from, bytes)| {
                let read = log.read_within("orders", 0, from, 100, bytes).unwrap();
                (read.events.len(), read.stopped_at_bytes)
            })
            .collect()
        };
        let expected = [(2, true), (2, true), (1, true), (2, false)];
        // The first read comes from the in-memory tail, the second from SQLite after a reopen.
        assert_eq!(counts(&log), expected);
        drop(log);
        let log = EventLog::open(&path).unwrap();
        assert_eq!(counts(&log), expected);
    }

    #[test]
    fn read_starts_inside_batch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.db");
        let log = EventLog::open(&path).unwrap();
        for batch in 0..3u8 {
            let events: Vec<NewEvent> = (0..4).map(|index| event(&[batch * 4 + index])).collect();
            log.append_blocking("orders", 0, events).unwrap();
        }
        drop(log);
        let log = EventLog::open(&path).unwrap();
        let sequence_numbers = |from: i64, max: usize| -> Vec<i64> {
            let read = log.read("orders", 0, from, max).unwrap();
            assert!(read
                .iter()
                .all(|stored| stored.message.ends_with(&[stored.sequence_number as u8])));
            read.iter().map(|stored| stored.sequence_number).collect()
        };
        assert_eq!(sequence_numbers(2, 5), [2, 3, 4, 5, 6]);
        assert_eq!(sequence_numbers(7, 100), [7, 8, 9, 10, 11]);
        assert_eq!(sequence_numbers(11, 100), [11]);
        assert!(sequence_numbers(12, 100).is_empty());
    }
}
