//! Events that retention removed before a consumer group read them.
//!
//! A reader starts after its checkpoint, or at sequence number 0 when the group never read the
//! partition. When the partition's oldest retained event comes later, the events in between are
//! gone for this group, and a notice gives their count.

use crate::checkpoint::Checkpoint;
use crate::transport::PartitionRuntime;

/// The events of one partition that a group will never read, because retention removed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RetentionGap {
    /// The first sequence number the group would have read next.
    pub(super) first_missed: i64,
    /// The first sequence number still in the partition, where the group continues.
    pub(super) first_retained: i64,
}

impl RetentionGap {
    /// Returns how many events the group missed.
    pub(super) fn missed(&self) -> i64 {
        self.first_retained - self.first_missed
    }

    /// Describes the gap for a notice.
    pub(super) fn message(&self, hub: &str, consumer_group: &str, partition_id: &str) -> String {
        let place = format!("partition {partition_id} of event hub `{hub}`");
        let removed = if self.missed() == 1 {
            format!("event {}", self.first_missed)
        } else {
            format!(
                "events {} to {} ({} events)",
                self.first_missed,
                self.first_retained - 1,
                self.missed()
            )
        };
        format!(
            "retention removed {removed} of {place} before consumer group `{consumer_group}` \
             read them, so the group starts at the first retained event, {}. An event hub keeps \
             events only for its retention time",
            self.first_retained
        )
    }
}

/// Finds the events retention removed between a group's position and the partition's oldest
/// retained event, or `None` when the group misses nothing.
pub(super) fn retention_gap(
    partition: &PartitionRuntime,
    checkpoint: Option<&Checkpoint>,
) -> Option<RetentionGap> {
    let first_missed = checkpoint.map_or(0, |checkpoint| checkpoint.sequence_number + 1);
    // An empty partition that once had events keeps none of them.
    let first_retained = if partition.is_empty {
        partition.last_enqueued_sequence_number + 1
    } else {
        partition.beginning_sequence_number
    };
    (first_retained > first_missed).then_some(RetentionGap {
        first_missed,
        first_retained,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(beginning: i64, last: i64, is_empty: bool) -> PartitionRuntime {
        PartitionRuntime {
            partition_id: "2".to_owned(),
            beginning_sequence_number: beginning,
            last_enqueued_sequence_number: last,
            is_empty,
        }
    }

    fn checkpoint_at(sequence_number: i64) -> Checkpoint {
        Checkpoint {
            hub: "lead".to_owned(),
            consumer_group: "customer".to_owned(),
            partition_id: "2".to_owned(),
            sequence_number,
            offset: sequence_number.to_string(),
            partition_count: 4,
            hub_created_at_ms: None,
        }
    }

    #[test]
    fn nothing_removed_no_gap() {
        assert_eq!(retention_gap(&partition(0, 9, false), None), None);
        assert_eq!(retention_gap(&partition(0, -1, true), None), None);
        assert_eq!(
            retention_gap(&partition(5, 9, false), Some(&checkpoint_at(4))),
            None
        );
        assert_eq!(
            retention_gap(&partition(5, 9, false), Some(&checkpoint_at(7))),
            None
        );
    }

    #[test]
    fn earliest_after_retention_counts_removed() {
        let gap = retention_gap(&partition(57, 80, false), None).unwrap();
        assert_eq!(gap.missed(), 57);
        assert_eq!(
            gap.message("lead", "customer", "2"),
            "retention removed events 0 to 56 (57 events) of partition 2 of event hub `lead` \
             before consumer group `customer` read them, so the group starts at the first \
             retained event, 57. An event hub keeps events only for its retention time"
        );
    }

    #[test]
    fn checkpoint_behind_retention_counts_missed() {
        let gap = retention_gap(&partition(50, 80, false), Some(&checkpoint_at(10))).unwrap();
        assert_eq!(
            gap,
            RetentionGap {
                first_missed: 11,
                first_retained: 50
            }
        );
        assert_eq!(gap.missed(), 39);

        let one = retention_gap(&partition(12, 80, false), Some(&checkpoint_at(10))).unwrap();
        assert!(
            one.message("lead", "customer", "2")
                .starts_with("retention removed event 11 of partition 2"),
            "{one:?}"
        );
    }

    #[test]
    fn emptied_partition_counts_every_event() {
        let gap = retention_gap(&partition(0, 19, true), None).unwrap();
        assert_eq!(gap.missed(), 20);
        assert_eq!(gap.first_retained, 20);
    }
}
