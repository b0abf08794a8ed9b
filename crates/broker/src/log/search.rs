//! Finding the first event at or after an offset or a time by binary search over sequence
//! numbers.
//!
//! Within a partition, offsets grow and enqueued times never decrease with the sequence
//! number, and the retained sequence numbers have no gaps (retention removes a prefix). So a
//! search over the primary key finds the first match in about 2·log2(n) row reads, and the log
//! needs no index on offsets or times, which would cost two more B-tree inserts per event.

use rusqlite::{params, Connection, OptionalExtension};

/// The column a search compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Column {
    /// `byte_offset`.
    Offset,
    /// `enqueued_ms`.
    EnqueuedTime,
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
    let sql = match column {
        Column::Offset => {
            "SELECT byte_offset FROM events WHERE hub = ?1 AND partition = ?2 AND sequence = ?3"
        }
        Column::EnqueuedTime => {
            "SELECT enqueued_ms FROM events WHERE hub = ?1 AND partition = ?2 AND sequence = ?3"
        }
    };
    let mut statement = connection.prepare_cached(sql)?;
    let (mut low, mut high) = (range.start, range.end);
    while low < high {
        let middle = low + (high - low) / 2;
        let value: Option<i64> = statement
            .query_row(params![hub, partition, middle], |row| row.get(0))
            .optional()?;
        match value {
            Some(value) if matches(value) => high = middle,
            Some(_) => low = middle + 1,
            // A missing row can only be past the end the caller gave.
            None => high = middle,
        }
    }
    Ok(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition_with_times(times: &[i64]) -> Connection {
        let connection = Connection::open_in_memory().unwrap();
        connection
            .execute_batch(
                "CREATE TABLE events (hub TEXT, partition INTEGER, sequence INTEGER,
                 byte_offset INTEGER, enqueued_ms INTEGER, PRIMARY KEY (hub, partition, sequence))",
            )
            .unwrap();
        for (index, time) in times.iter().enumerate() {
            let sequence = index as i64 + 3;
            connection
                .execute(
                    "INSERT INTO events VALUES ('orders', 0, ?1, ?2, ?3)",
                    params![sequence, sequence * 100, time],
                )
                .unwrap();
        }
        connection
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
    fn empty_range_returns_end() {
        let connection = partition_with_times(&[]);
        let found =
            first_matching(&connection, "orders", 0, 5..5, Column::Offset, |_| true).unwrap();
        assert_eq!(found, 5);
    }
}
