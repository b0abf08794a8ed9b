//! The writer thread: group commit of appends, retention and hub deletion.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::{oneshot, watch};

use super::event::{AppendedEvent, NewEvent};
use super::LogError;

/// Requests taken into one transaction at most, so one commit stays short under heavy load.
const MAX_GROUP: usize = 256;

/// A clock returning milliseconds since the Unix epoch.
pub(super) type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Watch senders carrying each partition's next sequence number, for receivers that wait for
/// new events.
pub(super) type Notifiers = Arc<Mutex<HashMap<(String, u32), watch::Sender<i64>>>>;

/// Counters of the writer's work, shared with the log handle.
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) commits: AtomicU64,
    pub(super) requests: AtomicU64,
}

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

/// The outcome of one request, held until the group's transaction commits.
enum Outcome {
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

impl Outcome {
    fn send(self) {
        // A requester that stopped waiting has nothing left to tell.
        match self {
            Outcome::Append(reply, result) => drop(reply.send(result)),
            Outcome::Retain(reply, result) => drop(reply.send(result)),
            Outcome::DeleteHub(reply, result) => drop(reply.send(result)),
        }
    }

    fn fail(self, error: LogError) {
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

/// Runs the writer loop until every sender is dropped: takes the requests waiting, up to
/// [`MAX_GROUP`], and commits them together.
pub(super) fn run(
    mut connection: Connection,
    path: String,
    commands: Receiver<Command>,
    notifiers: Notifiers,
    clock: Clock,
    counters: Arc<Counters>,
) {
    while let Ok(first) = commands.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match commands.try_recv() {
                Ok(command) => group.push(command),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        commit_group(&mut connection, &path, group, &notifiers, &clock, &counters);
    }
    tracing::debug!(path, "event log writer stopped");
}

/// Commits one group of requests in one transaction, then acknowledges each request.
fn commit_group(
    connection: &mut Connection,
    path: &str,
    group: Vec<Command>,
    notifiers: &Notifiers,
    clock: &Clock,
    counters: &Counters,
) {
    let storage = |error: rusqlite::Error| LogError::Storage {
        path: path.to_owned(),
        message: error.to_string(),
    };
    let size = group.len();
    let mut outcomes = Vec::with_capacity(size);
    let mut heads: Vec<((String, u32), i64)> = Vec::new();

    let mut transaction = match connection.transaction_with_behavior(TransactionBehavior::Immediate)
    {
        Ok(transaction) => transaction,
        Err(error) => {
            let error = storage(error);
            tracing::error!(path, %error, "event log could not start a transaction");
            for command in group {
                outcome_of(command).fail(error.clone());
            }
            return;
        }
    };

    for command in group {
        // Each request runs in its own savepoint, so a failing one leaves the others intact.
        let savepoint = match transaction.savepoint() {
            Ok(savepoint) => savepoint,
            Err(error) => {
                outcome_of(command).fail(storage(error));
                continue;
            }
        };
        let outcome = match command {
            Command::Append {
                hub,
                partition,
                events,
                reply,
            } => {
                let result = append(&savepoint, &hub, partition, &events, clock).map_err(storage);
                if let Ok((_, next_sequence)) = &result {
                    heads.push(((hub, partition), *next_sequence));
                }
                Outcome::Append(reply, result.map(|(appended, _)| appended))
            }
            Command::Retain {
                hub,
                cutoff_ms,
                reply,
            } => Outcome::Retain(reply, retain(&savepoint, &hub, cutoff_ms).map_err(storage)),
            Command::DeleteHub { hub, reply } => {
                Outcome::DeleteHub(reply, delete_hub(&savepoint, &hub).map_err(storage))
            }
        };
        let succeeded = match &outcome {
            Outcome::Append(_, result) => result.is_ok(),
            Outcome::Retain(_, result) => result.is_ok(),
            Outcome::DeleteHub(_, result) => result.is_ok(),
        };
        // Dropping a savepoint without committing it rolls it back.
        let finished = if succeeded {
            savepoint.commit()
        } else {
            drop(savepoint);
            Ok(())
        };
        if let Err(error) = finished {
            outcome.fail(storage(error));
            continue;
        }
        outcomes.push(outcome);
    }

    if let Err(error) = transaction.commit() {
        let error = storage(error);
        tracing::error!(path, %error, requests = size, "event log commit failed");
        for outcome in outcomes {
            outcome.fail(error.clone());
        }
        return;
    }
    tracing::trace!(path, requests = size, "event log group committed");

    // Count before acknowledging, so a producer that sees its acknowledgement sees it counted.
    counters.commits.fetch_add(1, Ordering::Relaxed);
    counters.requests.fetch_add(size as u64, Ordering::Relaxed);
    notify(notifiers, heads);
    for outcome in outcomes {
        outcome.send();
    }
}

fn notify(notifiers: &Notifiers, heads: Vec<((String, u32), i64)>) {
    let notifiers = notifiers
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    for (key, next_sequence) in heads {
        if let Some(sender) = notifiers.get(&key) {
            sender.send_replace(next_sequence);
        }
    }
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

/// Appends a batch with consecutive sequence numbers and returns them with the partition's
/// next sequence number.
fn append(
    connection: &Connection,
    hub: &str,
    partition: u32,
    events: &[NewEvent],
    clock: &Clock,
) -> rusqlite::Result<(Vec<AppendedEvent>, i64)> {
    let mut head = load_head(connection, hub, partition)?;
    // Enqueued times never go backwards within a partition, even if the system clock does.
    let enqueued_ms = head
        .last_enqueued_ms
        .map_or(clock(), |last| clock().max(last));
    let mut insert = connection.prepare_cached(
        "INSERT INTO events (hub, partition, sequence, byte_offset, enqueued_ms, partition_key, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut appended = Vec::with_capacity(events.len());
    for event in events {
        insert.execute(params![
            hub,
            partition,
            head.next_sequence,
            head.next_offset,
            enqueued_ms,
            event.partition_key,
            event.message
        ])?;
        appended.push(AppendedEvent {
            sequence_number: head.next_sequence,
            offset: head.next_offset.to_string(),
            enqueued_time_ms: enqueued_ms,
        });
        head.next_sequence += 1;
        // The offset is the event's byte position in the partition; an empty event still
        // advances it by one so that offsets stay strictly increasing.
        head.next_offset += i64::try_from(event.message.len().max(1)).unwrap_or(i64::MAX);
    }
    if !events.is_empty() {
        head.last_enqueued_ms = Some(enqueued_ms);
    }
    store_head(connection, hub, partition, &head)?;
    Ok((appended, head.next_sequence))
}

/// Removes every event of the hub enqueued before `cutoff_ms` and returns how many.
fn retain(connection: &Connection, hub: &str, cutoff_ms: i64) -> rusqlite::Result<u64> {
    let partitions: Vec<u32> = connection
        .prepare_cached("SELECT partition FROM partitions WHERE hub = ?1")?
        .query_map(params![hub], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut total = 0u64;
    for partition in partitions {
        let removed = connection
            .prepare_cached(
                "DELETE FROM events WHERE hub = ?1 AND partition = ?2 AND enqueued_ms < ?3",
            )?
            .execute(params![hub, partition, cutoff_ms])?;
        if removed == 0 {
            continue;
        }
        let mut head = load_head(connection, hub, partition)?;
        head.removed += i64::try_from(removed).unwrap_or(i64::MAX);
        store_head(connection, hub, partition, &head)?;
        total += removed as u64;
    }
    Ok(total)
}

fn delete_hub(connection: &Connection, hub: &str) -> rusqlite::Result<()> {
    connection.execute("DELETE FROM events WHERE hub = ?1", params![hub])?;
    connection.execute("DELETE FROM partitions WHERE hub = ?1", params![hub])?;
    Ok(())
}
