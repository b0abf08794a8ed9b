//! The state that the readers of one consumer group share with the group's watcher: the hub as
//! the group last saw it, and the check that compares the group's checkpoints with the hub.

use std::collections::HashMap;

use tokio::sync::{mpsc, watch, Mutex};

use super::{ConsumerRuntime, ConsumerSpec};
use crate::checkpoint::find_stale;
use crate::metrics::NOTICE_LOG_TARGET;
use crate::transport::HubRuntime;

/// The partitions of a hub and its creation time. A change of either means that the hub was
/// recreated or changed its partition count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct HubShape {
    /// The partition ids, in id order.
    pub(super) partition_ids: Vec<String>,
    /// The creation time, when the transport reports one.
    pub(super) created_at_ms: Option<i64>,
}

impl HubShape {
    /// Returns the shape of the hub that `runtime` describes.
    pub(super) fn of(runtime: &HubRuntime) -> Self {
        HubShape {
            partition_ids: runtime
                .partitions
                .iter()
                .map(|partition| partition.partition_id.clone())
                .collect(),
            created_at_ms: runtime.created_at_ms,
        }
    }
}

/// The reason a partition reader ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ReaderEnd {
    /// The failure policy, parking or the checkpoint store stopped it at an event.
    Stopped,
    /// A reader with a higher owner level took the partition.
    OwnershipLost,
    /// The hub or the partition no longer exists.
    Gone,
}

/// The state shared by the readers and the watcher of one consumer group.
#[derive(Debug)]
pub(super) struct GroupState {
    /// The hub at the last check. The watcher wakes when it changes.
    shape: watch::Sender<HubShape>,
    /// Held during a check, so that each stale checkpoint is reset and reported once although
    /// the watcher and every reopening reader may check at the same time.
    checking: Mutex<()>,
    /// The sender of each reader's partition id and end, for the watcher.
    ends: mpsc::UnboundedSender<(String, ReaderEnd)>,
    /// The causes of the failures that the group's readers gave notices of, each with the
    /// partition of the reader that gave it. A cause that every partition shares, such as a key
    /// that no longer signs, so gives one notice instead of one per partition.
    failure_notices: std::sync::Mutex<HashMap<String, String>>,
}

impl GroupState {
    /// Creates the state for a group that started on a hub of shape `shape`, with the receiver
    /// of the readers' ends for the watcher.
    pub(super) fn new(shape: HubShape) -> (Self, mpsc::UnboundedReceiver<(String, ReaderEnd)>) {
        let (ends, ended) = mpsc::unbounded_channel();
        let state = GroupState {
            shape: watch::Sender::new(shape),
            checking: Mutex::new(()),
            ends,
            failure_notices: std::sync::Mutex::default(),
        };
        (state, ended)
    }

    /// Returns true when the reader of `partition_id` is the first of the group to fail with
    /// `cause`, so its notice covers every partition of the group.
    pub(super) fn claim_failure_notice(&self, cause: &str, partition_id: &str) -> bool {
        let mut notices = self
            .failure_notices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if notices.contains_key(cause) {
            return false;
        }
        notices.insert(cause.to_owned(), partition_id.to_owned());
        true
    }

    /// Forgets the failures whose notices the reader of `partition_id` gave, after it reads
    /// again, so that the same cause later gives a new notice.
    pub(super) fn release_failure_notices(&self, partition_id: &str) {
        self.failure_notices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|_, noticed_by| noticed_by != partition_id);
    }

    /// Returns true while the partition exists on the hub as last checked.
    pub(super) fn has_partition(&self, partition_id: &str) -> bool {
        self.shape
            .borrow()
            .partition_ids
            .iter()
            .any(|id| id == partition_id)
    }

    /// Returns a receiver of the hub's shape, which wakes on each change.
    pub(super) fn subscribe(&self) -> watch::Receiver<HubShape> {
        self.shape.subscribe()
    }

    /// Reports to the watcher that the reader of `partition_id` ended. The send fails only
    /// when the flow stops and the watcher is gone, so a failure is ignored.
    pub(super) fn reader_ended(&self, partition_id: String, end: ReaderEnd) {
        let _ = self.ends.send((partition_id, end));
    }

    /// Compares the group's checkpoints with the hub as it is now, the rule that applies when
    /// the group starts. Each stale checkpoint is deleted with a notice, so its partition is
    /// read from the earliest event, and a changed shape wakes the watcher. Returns the hub's
    /// runtime information, or `None` when the hub or the checkpoints cannot be read now.
    ///
    /// Only stale checkpoints are deleted, not every checkpoint of the group as at start,
    /// because readers that already read the changed hub wrote checkpoints that fit it.
    pub(super) async fn check_hub(
        &self,
        runtime: &ConsumerRuntime,
        spec: &ConsumerSpec,
    ) -> Option<HubRuntime> {
        let _checking = self.checking.lock().await;
        // The checkpoints are loaded before the hub is read. Every checkpoint loaded then names
        // an event that the hub's runtime information includes, so a checkpoint that a reader
        // writes meanwhile is never taken as beyond the partition's last event.
        let saved = match runtime.checkpoints.load(&spec.hub, &spec.consumer_group) {
            Ok(saved) => saved,
            Err(error) => {
                tracing::warn!(
                    hub = %spec.hub,
                    consumer_group = %spec.consumer_group,
                    %error,
                    "reading the checkpoints to compare them with the hub failed"
                );
                return None;
            }
        };
        let hub = match runtime.transport.hub_runtime(&spec.hub).await {
            Ok(hub) => hub,
            Err(error) => {
                tracing::debug!(
                    hub = %spec.hub,
                    consumer_group = %spec.consumer_group,
                    %error,
                    "reading the hub's runtime information failed"
                );
                return None;
            }
        };

        for finding in find_stale(&saved, &hub) {
            let partition_id = &finding.checkpoint.partition_id;
            if let Err(error) =
                runtime
                    .checkpoints
                    .delete(&spec.hub, &spec.consumer_group, partition_id)
            {
                tracing::warn!(
                    hub = %spec.hub,
                    consumer_group = %spec.consumer_group,
                    partition = %partition_id,
                    %error,
                    "deleting a stale checkpoint failed"
                );
            }
            let message = if hub.partition(partition_id).is_some() {
                finding.message()
            } else {
                finding.removed_message()
            };
            tracing::warn!(
                target: NOTICE_LOG_TARGET,
                hub = %spec.hub,
                consumer_group = %spec.consumer_group,
                partition = %partition_id,
                "{message}"
            );
            runtime.metrics.notice(message);
            runtime.metrics.hub_changed(&spec.hub);
        }

        let shape = HubShape::of(&hub);
        self.shape.send_if_modified(|known| {
            let changed = *known != shape;
            if changed {
                *known = shape;
            }
            changed
        });
        Some(hub)
    }
}
