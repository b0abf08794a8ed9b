//! Finding events by sequence number, offset or enqueued time in the stored batches.
//!
//! Within a partition, offsets grow and enqueued times never decrease with the sequence
//! number, and the retained sequence numbers have no gaps (retention removes a prefix). So a
//! binary search over sequence numbers, each probe one primary key lookup of the batch that
//! contains the number, finds the first match in about log2(n) batch reads, and the log needs no
//! index on offsets or times.

use rusqlite::{params, Connection, OptionalExtension};

use super::batch::{self, BatchStart};

/// The columns a search compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    /// The event's offset.
    Offset,
    /// The event's enqueued time.
    EnqueuedTime,
}

/// The positions of a stored batch, without its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BatchRow {
    pub(super) first_sequence: i64,
    pub(super) last_sequence: i64,
    pub(super) first_offset: i64,
    pub(super) last_offset: i64,
    pub(super) enqueued_ms: i64,
}

impl BatchRow {
    fn start(&self) -> BatchStart {
        BatchStart {
            first_sequence: self.first_sequence,
            first_offset: self.first_offset,
            enqueued_ms: self.enqueued_ms,
        }
    }

    /// Returns the values of `column` at the batch's first and last events.
    fn bounds(&self, column: Column) -> (i64, i64) {
        match column {
            Column::Offset => (self.first_offset, self.last_offset),
            Column::EnqueuedTime => (self.enqueued_ms, self.enqueued_ms),
        }
    }
}

/// Returns the batch that contains the event with this sequence number, `None` when no stored
/// batch does.
pub(super) fn batch_containing(
    connection: &Connection,
    hub: &str,
    partition: u32,
    sequence: i64,
) -> rusqlite::Result<Option<BatchRow>> {
    let row = connection
        .prepare_cached(
            "SELECT first_sequence, last_sequence, first_offset, last_offset, enqueued_ms
             FROM batches WHERE hub = ?1 AND partition = ?2 AND first_sequence <= ?3
             ORDER BY first_sequence DESC LIMIT 1",
        )?
        .query_row(params![hub, partition, sequence], |row| {
            Ok(BatchRow {
                first_sequence: row.get(0)?,
                last_sequence: row.get(1)?,
                first_offset: row.get(2)?,
                last_offset: row.get(3)?,
                enqueued_ms: row.get(4)?,
            })
        })
        .optional()?;
    Ok(row.filter(|batch| batch.last_sequence >= sequence))
}

/// Returns the sequence number and offset of every event of a stored batch.
fn batch_positions(
    connection: &Connection,
    hub: &str,
    partition: u32,
    batch: &BatchRow,
) -> rusqlite::Result<Vec<(i64, i64)>> {
    let mut statement = connection.prepare_cached(
        "SELECT events FROM batches WHERE hub = ?1 AND partition = ?2 AND first_sequence = ?3",
    )?;
    let mut rows = statement.query(params![hub, partition, batch.first_sequence])?;
    let row = rows.next()?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    let blob = row.get_ref(0)?.as_blob()?;
    batch::positions(batch.start(), blob).map_err(damaged)
}

/// Turns a damaged batch into the error type of the queries around it.
pub(super) fn damaged(error: batch::DamagedBatch) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(error))
}

/// Returns the offset of the event with this sequence number, `None` when it is not stored.
pub(super) fn offset_of(
    connection: &Connection,
    hub: &str,
    partition: u32,
    sequence: i64,
) -> rusqlite::Result<Option<i64>> {
    let Some(batch) = batch_containing(connection, hub, partition, sequence)? else {
        return Ok(None);
    };
    if sequence == batch.last_sequence {
        return Ok(Some(batch.last_offset));
    }
    let positions = batch_positions(connection, hub, partition, &batch)?;
    Ok(positions
        .iter()
        .find(|(number, _)| *number == sequence)
        .map(|&(_, offset)| offset))
}

/// Returns the first sequence number in `first..end` whose value in `column` satisfies
/// `matches`, or `end` when none does. `matches` must be false up to some sequence number and
/// true from there on, as `value >= x` or `value > x` is on a column that never decreases.
pub(super) fn first_matching(
    connection: &Connection,
    hub: &str,
    partition: u32,
    range: std::ops::Range<i64>,
    column: Column,
    matches: impl Fn(i64) -> bool,
) -> rusqlite::Result<i64> {
    let (mut low, mut high) = (range.start, range.end);
    while low < high {
        let middle = low + (high - low) / 2;
        let Some(batch) = batch_containing(connection, hub, partition, middle)? else {
            // A missing batch can only be past the end the caller gave.
            high = middle;
            continue;
        };
        let (first_value, last_value) = batch.bounds(column);
        if matches(first_value) {
            high = batch.first_sequence.max(low);
        } else if !matches(last_value) {
            low = batch.last_sequence + 1;
        } else {
            // The first match is inside this batch, after its first event. The events of a
            // batch share their enqueued time, so only an offset search gets here.
            let positions = batch_positions(connection, hub, partition, &batch)?;
            let found = positions.iter().find(|&&(_, offset)| match column {
                Column::Offset => matches(offset),
                Column::EnqueuedTime => matches(batch.enqueued_ms),
            });
            let found = found.map_or(batch.last_sequence, |&(sequence, _)| sequence);
            return Ok(found.max(range.start));
        }
    }
    Ok(low)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::NewEvent;

    /// Creates a partition whose batches start at sequence number 3, with the given enqueued time and
    /// message sizes per batch. Offsets start at 300.
    fn partition_of_batches(batches: &[(i64, &[usize])]) -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(super::super::schema::SCHEMA)
            .unwrap();
        let (mut sequence, mut offset) = (3i64, 300i64);
        for (time, sizes) in batches {
            let events: Vec<NewEvent> = sizes
                .iter()
                .map(|&size| NewEvent {
                    message: vec![7; size],
                    body_size: size,
                    properties_size: 0,
                    partition_key: None,
                })
                .collect();
            let first = (sequence, offset);
            let mut last_offset = offset;
            for &size in *sizes {
                last_offset = offset;
                offset = batch::next_offset(offset, size);
                sequence += 1;
            }
            connection
                .execute(
                    "INSERT INTO batches VALUES ('orders', 0, ?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        first.0,
                        sequence - 1,
                        first.1,
                        last_offset,
                        time,
                        batch::encode(&events)
                    ],
                )
                .unwrap();
        }
        connection
    }

    /// Creates a partition of one 100-byte event per batch, sequence numbers 3 onwards.
    fn partition_with_times(times: &[i64]) -> Connection {
        let batches: Vec<(i64, &[usize])> = times.iter().map(|&time| (time, &[100][..])).collect();
        partition_of_batches(&batches)
    }

    #[test]
    fn finds_first_time_after() {
        // Sequence numbers 3 to 9 with repeated times.
        let connection = partition_with_times(&[10, 10, 20, 20, 20, 30, 40]);
        let after = |t: i64| {
            first_matching(&connection, "orders", 0, 3..10, Column::EnqueuedTime, |v| {
                v > t
            })
            .unwrap()
        };
        assert_eq!(after(0), 3);
        assert_eq!(after(10), 5);
        assert_eq!(after(19), 5);
        assert_eq!(after(20), 8);
        assert_eq!(after(39), 9);
        assert_eq!(after(40), 10);
    }

    #[test]
    fn finds_offsets_inclusive_and_exclusive() {
        let connection = partition_with_times(&[1, 2, 3, 4]);
        let search = |matches: &dyn Fn(i64) -> bool| {
            first_matching(&connection, "orders", 0, 3..7, Column::Offset, matches).unwrap()
        };
        assert_eq!(search(&|offset| offset >= 400), 4);
        assert_eq!(search(&|offset| offset > 400), 5);
        assert_eq!(search(&|offset| offset >= 350), 4);
        assert_eq!(search(&|offset| offset > 600), 7);
    }

    #[test]
    fn finds_offsets_inside_batches() {
        // Sequence numbers 3 to 5 in one batch at offsets 300, 310, 330; 6 and 7 in the next at
        // 335 and 336 (an empty event still takes one byte); 8 alone at 436.
        let connection = partition_of_batches(&[(1, &[10, 20, 5]), (2, &[0, 100]), (3, &[1])]);
        let search = |matches: &dyn Fn(i64) -> bool| {
            first_matching(&connection, "orders", 0, 3..9, Column::Offset, matches).unwrap()
        };
        let cases = [
            (300, true, 3),
            (300, false, 4),
            (310, true, 4),
            (311, true, 5),
            (330, false, 6),
            (335, true, 6),
            (335, false, 7),
            (336, false, 8),
            (436, true, 8),
            (436, false, 9),
        ];
        for (offset, inclusive, expected) in cases {
            let found = if inclusive {
                search(&|value| value >= offset)
            } else {
                search(&|value| value > offset)
            };
            assert_eq!(found, expected, "offset {offset}, inclusive {inclusive}");
        }
        let offsets: Vec<_> = (3..9)
            .map(|sequence| offset_of(&connection, "orders", 0, sequence).unwrap())
            .collect();
        assert_eq!(
            offsets,
            [
                Some(300),
                Some(310),
                Some(330),
                Some(335),
                Some(336),
                Some(436)
            ]
        );
        assert_eq!(offset_of(&connection, "orders", 0, 9).unwrap(), None);
        assert_eq!(offset_of(&connection, "orders", 0, 2).unwrap(), None);
    }

    #[test]
    fn finds_times_across_batches_of_several_events() {
        // Sequence numbers 3 to 5 at time 10, 6 and 7 at 20, 8 at 30.
        let connection = partition_of_batches(&[(10, &[1, 1, 1]), (20, &[1, 1]), (30, &[1])]);
        let at_or_after = |t: i64| {
            first_matching(&connection, "orders", 0, 3..9, Column::EnqueuedTime, |v| {
                v >= t
            })
            .unwrap()
        };
        assert_eq!(
            [5, 10, 11, 20, 25, 30, 31].map(at_or_after),
            [3, 3, 6, 6, 8, 8, 9]
        );
    }

    #[test]
    fn empty_range_returns_end() {
        let connection = partition_with_times(&[]);
        let found =
            first_matching(&connection, "orders", 0, 5..5, Column::Offset, |_| true).unwrap();
        assert_eq!(found, 5);
    }
}
