//! The in-memory tail: each partition's most recent durable events, so that live consumers
//! read them without a SQLite query, and the durable head that bounds every read.
//!
//! The writer commits a group before it is synced, so SQLite may already hold events that are
//! not yet on disk. Reads stop at the durable head of the partition, which moves only after the
//! sync, so a consumer never receives an event that a power loss could still take back.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use super::event::{ReadBudget, StoredEvent};

/// A committed request's change to the in-memory tail, applied once it is durable.
#[derive(Debug)]
pub(super) enum TailChange {
    Append {
        hub: String,
        partition: u32,
        events: Vec<StoredEvent>,
    },
    Retain {
        hub: String,
        cutoff_ms: i64,
    },
    DeleteHub {
        hub: String,
    },
}

/// Events kept per partition at most.
const MAX_TAIL_EVENTS: usize = 16_384;

/// Bytes kept per log at most, over all its partitions, as counted by [`footprint`]. Beyond it
/// the largest partition tails lose their oldest events, which are then read from SQLite. An
/// estimate: a 500-byte message counts about 600 bytes, so the budget keeps about 28,000
/// events, several seconds of a broker that takes thousands of events a second.
const MAX_LOG_TAIL_BYTES: usize = 16 * 1024 * 1024;

/// Returns the bytes an event uses in the tail: its message, offset and partition key, and its
/// slot in the queue. Allocator overhead is not counted.
fn footprint(event: &StoredEvent) -> usize {
    std::mem::size_of::<StoredEvent>()
        + event.message.len()
        + event.offset.len()
        + event.partition_key.as_ref().map_or(0, String::len)
}

/// The durable end of a partition, as of the last sync that covered an append to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DurableHead {
    /// The sequence number the next event will get.
    pub(super) next_sequence: i64,
    /// The enqueued time of the last durable event, in milliseconds since the Unix epoch.
    pub(super) last_enqueued_ms: i64,
}

/// The result of a read from the tail.
#[derive(Debug)]
pub(super) enum TailRead {
    /// The events from the requested position, all from memory; empty when nothing durable
    /// follows the position yet.
    Events(Vec<StoredEvent>),
    /// The position is older than the tail: read SQLite up to the durable head.
    Older(DurableHead),
    /// Nothing was appended to the partition since the log was opened, so everything SQLite
    /// contains is durable.
    Unknown,
}

#[derive(Debug)]
struct PartitionTail {
    events: VecDeque<StoredEvent>,
    bytes: usize,
    head: DurableHead,
}

impl PartitionTail {
    fn first_sequence(&self) -> i64 {
        self.events
            .front()
            .map_or(self.head.next_sequence, |event| event.sequence_number)
    }

    fn push(&mut self, events: Vec<StoredEvent>) {
        if let Some(first) = events.first() {
            if first.sequence_number != self.head.next_sequence {
                // A gap (after a failed sync): the tail only contains consecutive events.
                self.events.clear();
                self.bytes = 0;
            }
        }
        for event in events {
            self.head = DurableHead {
                next_sequence: event.sequence_number + 1,
                last_enqueued_ms: event.enqueued_time_ms,
            };
            self.bytes += footprint(&event);
            self.events.push_back(event);
        }
        while self.events.len() > MAX_TAIL_EVENTS {
            self.pop_oldest();
        }
    }

    /// Removes the oldest event and returns its footprint, 0 when the tail is empty.
    fn pop_oldest(&mut self) -> usize {
        let Some(oldest) = self.events.pop_front() else {
            return 0;
        };
        let size = footprint(&oldest);
        self.bytes -= size;
        size
    }

    /// Removes the events enqueued before `cutoff_ms` and returns their footprint.
    fn remove_before(&mut self, cutoff_ms: i64) -> usize {
        let mut removed = 0;
        // Enqueued times never decrease within a partition, so removed events are a prefix.
        while let Some(oldest) = self.events.front() {
            if oldest.enqueued_time_ms >= cutoff_ms {
                break;
            }
            removed += self.pop_oldest();
        }
        removed
    }
}

/// The partition tails of one log and their summed footprint.
#[derive(Debug, Default)]
struct TailMap {
    partitions: HashMap<(String, u32), PartitionTail>,
    bytes: usize,
}

impl TailMap {
    /// Removes the oldest events of the largest partition tails until the log is within
    /// `budget` bytes. Taking from the largest tail first keeps the recent events of quiet
    /// partitions, which cost little, in memory.
    fn evict_to(&mut self, budget: usize) {
        while self.bytes > budget {
            let Some(largest) = self
                .partitions
                .values_mut()
                .max_by_key(|tail| tail.bytes)
                .filter(|tail| tail.bytes > 0)
            else {
                break;
            };
            self.bytes -= largest.pop_oldest();
        }
    }
}

/// The tails of every partition of one log that got appends since the log was opened, within
/// one byte budget for the whole log.
#[derive(Debug)]
pub(super) struct Tails {
    map: Mutex<TailMap>,
    /// The maximum bytes the tails keep together, as counted by [`footprint`].
    budget: usize,
}

impl Default for Tails {
    fn default() -> Self {
        Self::with_budget(MAX_LOG_TAIL_BYTES)
    }
}

impl Tails {
    fn with_budget(budget: usize) -> Self {
        Self {
            map: Mutex::default(),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TailMap> {
        self.map
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Applies a durable change. For an append, returns the partition and its new next
    /// sequence number.
    pub(super) fn apply(&self, change: TailChange) -> Option<((String, u32), i64)> {
        let mut map = self.lock();
        match change {
            TailChange::Append {
                hub,
                partition,
                events,
            } => {
                let first = events.first()?.sequence_number;
                let key = (hub, partition);
                let tail = map
                    .partitions
                    .entry(key.clone())
                    .or_insert_with(|| PartitionTail {
                        events: VecDeque::new(),
                        bytes: 0,
                        head: DurableHead {
                            next_sequence: first,
                            last_enqueued_ms: 0,
                        },
                    });
                let before = tail.bytes;
                tail.push(events);
                let (after, next_sequence) = (tail.bytes, tail.head.next_sequence);
                map.bytes = map.bytes - before + after;
                map.evict_to(self.budget);
                Some((key, next_sequence))
            }
            TailChange::Retain { hub, cutoff_ms } => {
                let mut removed = 0;
                for ((name, _), tail) in map.partitions.iter_mut() {
                    if *name == hub {
                        removed += tail.remove_before(cutoff_ms);
                    }
                }
                map.bytes -= removed;
                None
            }
            TailChange::DeleteHub { hub } => {
                let mut removed = 0;
                map.partitions.retain(|(name, _), tail| {
                    let keep = *name != hub;
                    if !keep {
                        removed += tail.bytes;
                    }
                    keep
                });
                map.bytes -= removed;
                None
            }
        }
    }

    /// Reads up to `max_events` durable events from `from_sequence`, from memory when the tail
    /// contains that position.
    pub(super) fn read(
        &self,
        hub: &str,
        partition: u32,
        from_sequence: i64,
        max_events: usize,
        budget: &mut ReadBudget,
    ) -> TailRead {
        let map = self.lock();
        let Some(tail) = map.partitions.get(&(hub.to_owned(), partition)) else {
            return TailRead::Unknown;
        };
        let first = tail.first_sequence();
        if from_sequence < first {
            return TailRead::Older(tail.head);
        }
        let skip = usize::try_from(from_sequence - first).unwrap_or(usize::MAX);
        let events = tail
            .events
            .iter()
            .skip(skip)
            .take(max_events)
            .take_while(|event| budget.admit(event))
            .cloned()
            .collect();
        TailRead::Events(events)
    }

    /// Returns the durable head of a partition, `None` when nothing was appended to it since
    /// the log was opened.
    pub(super) fn durable_head(&self, hub: &str, partition: u32) -> Option<DurableHead> {
        self.lock()
            .partitions
            .get(&(hub.to_owned(), partition))
            .map(|tail| tail.head)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads from the tail without a byte bound.
    fn read_all(tails: &Tails, hub: &str, partition: u32, from: i64, max: usize) -> TailRead {
        tails.read(hub, partition, from, max, &mut ReadBudget::new(usize::MAX))
    }

    fn stored(sequence_number: i64, enqueued_time_ms: i64, size: usize) -> StoredEvent {
        StoredEvent {
            sequence_number,
            // A fixed width, so that events of one message size have one footprint.
            offset: format!("{:08}", sequence_number * 10),
            enqueued_time_ms,
            partition_key: None,
            message: vec![0; size],
        }
    }

    fn append(tails: &Tails, partition: u32, events: Vec<StoredEvent>) -> Option<i64> {
        tails
            .apply(TailChange::Append {
                hub: "orders".to_owned(),
                partition,
                events,
            })
            .map(|(_, next)| next)
    }

    fn sequences(read: TailRead) -> Vec<i64> {
        match read {
            TailRead::Events(events) => events.iter().map(|e| e.sequence_number).collect(),
            other => panic!("expected events, got {other:?}"),
        }
    }

    #[test]
    fn reads_from_memory_at_live_edge() {
        let tails = Tails::default();
        assert_eq!(
            append(&tails, 0, vec![stored(5, 1, 10), stored(6, 1, 10)]),
            Some(7)
        );
        assert_eq!(sequences(read_all(&tails, "orders", 0, 5, 10)), vec![5, 6]);
        assert_eq!(sequences(read_all(&tails, "orders", 0, 6, 10)), vec![6]);
        assert_eq!(
            sequences(read_all(&tails, "orders", 0, 7, 10)),
            Vec::<i64>::new()
        );
        assert_eq!(sequences(read_all(&tails, "orders", 0, 5, 1)), vec![5]);
    }

    #[test]
    fn older_positions_fall_back_with_durable_head() {
        let tails = Tails::default();
        append(&tails, 0, vec![stored(5, 42, 10)]);
        match read_all(&tails, "orders", 0, 4, 10) {
            TailRead::Older(head) => {
                assert_eq!(head.next_sequence, 6);
                assert_eq!(head.last_enqueued_ms, 42);
            }
            other => panic!("expected an older position, got {other:?}"),
        }
        assert!(matches!(
            read_all(&tails, "orders", 1, 0, 10),
            TailRead::Unknown
        ));
    }

    #[test]
    fn evicts_oldest_beyond_log_budget() {
        let event_bytes = footprint(&stored(0, 1, 1000));
        let tails = Tails::with_budget(2 * event_bytes);
        append(
            &tails,
            0,
            vec![stored(0, 1, 1000), stored(1, 1, 1000), stored(2, 1, 1000)],
        );
        assert!(matches!(
            read_all(&tails, "orders", 0, 0, 10),
            TailRead::Older(_)
        ));
        assert_eq!(sequences(read_all(&tails, "orders", 0, 1, 10)), vec![1, 2]);
        assert_eq!(tails.lock().bytes, 2 * event_bytes);
    }

    #[test]
    fn budget_evicts_from_largest_partition() {
        let event_bytes = footprint(&stored(0, 1, 1000));
        let tails = Tails::with_budget(4 * event_bytes);
        append(&tails, 0, vec![stored(0, 1, 1000)]);
        append(
            &tails,
            1,
            vec![stored(0, 1, 1000), stored(1, 1, 1000), stored(2, 1, 1000)],
        );
        // Partition 1 contains three of the five events, so it loses its oldest one.
        append(&tails, 1, vec![stored(3, 1, 1000)]);
        assert_eq!(sequences(read_all(&tails, "orders", 0, 0, 10)), vec![0]);
        assert!(matches!(
            read_all(&tails, "orders", 1, 0, 10),
            TailRead::Older(_)
        ));
        assert_eq!(
            sequences(read_all(&tails, "orders", 1, 1, 10)),
            vec![1, 2, 3]
        );
        assert_eq!(tails.lock().bytes, 4 * event_bytes);
    }

    #[test]
    fn event_limit_bounds_partition() {
        let tails = Tails::default();
        let events = (0..=MAX_TAIL_EVENTS as i64)
            .map(|sequence| stored(sequence, 1, 1))
            .collect();
        append(&tails, 0, events);
        assert!(matches!(
            read_all(&tails, "orders", 0, 0, 1),
            TailRead::Older(_)
        ));
        assert_eq!(sequences(read_all(&tails, "orders", 0, 1, 1)), vec![1]);
        assert_eq!(
            tails.lock().bytes,
            MAX_TAIL_EVENTS * footprint(&stored(0, 1, 1))
        );
    }

    #[test]
    fn gap_clears_tail() {
        let tails = Tails::default();
        append(&tails, 0, vec![stored(0, 1, 10)]);
        append(&tails, 0, vec![stored(3, 1, 10)]);
        assert!(matches!(
            read_all(&tails, "orders", 0, 0, 10),
            TailRead::Older(_)
        ));
        assert_eq!(sequences(read_all(&tails, "orders", 0, 3, 10)), vec![3]);
        assert_eq!(tails.lock().bytes, footprint(&stored(3, 1, 10)));
    }

    #[test]
    fn retention_and_deletion_drop_events() {
        let tails = Tails::default();
        append(&tails, 0, vec![stored(0, 100, 10), stored(1, 200, 10)]);
        tails.apply(TailChange::Retain {
            hub: "orders".to_owned(),
            cutoff_ms: 150,
        });
        assert!(matches!(
            read_all(&tails, "orders", 0, 0, 10),
            TailRead::Older(_)
        ));
        assert_eq!(sequences(read_all(&tails, "orders", 0, 1, 10)), vec![1]);
        assert_eq!(tails.lock().bytes, footprint(&stored(1, 200, 10)));
        tails.apply(TailChange::DeleteHub {
            hub: "orders".to_owned(),
        });
        assert!(matches!(
            read_all(&tails, "orders", 0, 1, 10),
            TailRead::Unknown
        ));
        assert_eq!(tails.lock().bytes, 0);
    }
}
