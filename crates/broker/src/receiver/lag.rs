//! Consumer lag and the last-enqueued-event metrics delivered to receivers that ask for them.

use crate::log::PartitionInfo;

/// The desired capability a receiver link sets to get [`RuntimeMetrics`] with each delivery.
pub const ENABLE_RUNTIME_METRIC_CAPABILITY: &str = "com.microsoft:enable-receiver-runtime-metric";

/// Returns how many events of a partition a consumer group has not yet checkpointed: the last
/// enqueued sequence number minus the last checkpointed one.
///
/// Offsets never enter the computation: they are opaque strings, and their differences count
/// bytes, not events. Without a checkpoint every retained event counts; an empty partition has
/// no lag.
pub fn consumer_lag(info: &PartitionInfo, last_checkpointed_sequence: Option<i64>) -> u64 {
    if info.last_enqueued_sequence_number < 0 {
        return 0;
    }
    let consumed_up_to = match last_checkpointed_sequence {
        Some(sequence) => sequence,
        None if info.is_empty => info.last_enqueued_sequence_number,
        None => info.begin_sequence_number - 1,
    };
    u64::try_from(info.last_enqueued_sequence_number - consumed_up_to).unwrap_or(0)
}

/// The last enqueued event of a partition, as of one moment.
///
/// With the [`ENABLE_RUNTIME_METRIC_CAPABILITY`] the server adds these to the delivery
/// annotations of each event as `last_enqueued_sequence_number` (long),
/// `last_enqueued_offset` (string), `last_enqueued_time_utc` (timestamp) and
/// `runtime_info_retrieval_time_utc` (timestamp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeMetrics {
    /// The last enqueued sequence number.
    pub last_enqueued_sequence_number: i64,
    /// The last enqueued offset.
    pub last_enqueued_offset: String,
    /// The last enqueued time in milliseconds since the Unix epoch.
    pub last_enqueued_time_ms: i64,
    /// When these figures were read, in milliseconds since the Unix epoch.
    pub retrieval_time_ms: i64,
}

impl RuntimeMetrics {
    /// Takes the figures from a partition's runtime properties read at `retrieval_time_ms`.
    pub fn from_partition(info: &PartitionInfo, retrieval_time_ms: i64) -> Self {
        Self {
            last_enqueued_sequence_number: info.last_enqueued_sequence_number,
            last_enqueued_offset: info.last_enqueued_offset.clone(),
            last_enqueued_time_ms: info.last_enqueued_time_ms,
            retrieval_time_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(begin: i64, last: i64, last_offset: &str) -> PartitionInfo {
        PartitionInfo {
            begin_sequence_number: begin,
            last_enqueued_sequence_number: last,
            last_enqueued_offset: last_offset.to_owned(),
            last_enqueued_time_ms: 0,
            is_empty: last < begin,
            removed_by_retention: 0,
        }
    }

    #[test]
    fn lag_from_sequence_numbers_not_offsets() {
        // Offsets count bytes: 10 events of 1 KB end at offset 9216, but the lag is in events.
        let partition = info(0, 9, "9216");
        assert_eq!(consumer_lag(&partition, Some(4)), 5);
        assert_eq!(consumer_lag(&partition, Some(9)), 0);
    }

    #[test]
    fn lag_without_checkpoint_counts_retained_events() {
        assert_eq!(consumer_lag(&info(6, 29, "100"), None), 24);
        assert_eq!(consumer_lag(&info(-1, -1, "-1"), None), 0);
    }

    #[test]
    fn checkpoint_ahead_gives_zero() {
        assert_eq!(consumer_lag(&info(0, 3, "30"), Some(7)), 0);
    }
}
