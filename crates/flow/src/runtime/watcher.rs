//! The watcher of one consumer group: it keeps one reader on every partition that the hub has
//! now, also after the hub was recreated or its partition count changed.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use course::counted;
use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

use super::group::{GroupState, HubShape, ReaderEnd};
use super::partition::PartitionTask;
use super::{ConsumerRuntime, ConsumerSpec};
use crate::metrics::NOTICE_LOG_TARGET;
use crate::transport::HubRuntime;

/// How often the watcher compares the hub with what the group last saw.
///
/// A reader's failed link alone does not reveal every change. A hub deleted for longer than a
/// reader's reopen retries leaves readers that stopped, with no link left to fail when the hub
/// is created again. Azure's Premium and Dedicated tiers also add partitions to an existing
/// hub, and no reader exists yet for those. So the watcher reads the hub's `$management` runtime
/// information on this interval, one request and one checkpoint query per group, and a reader
/// whose link failed checks at once and wakes the watcher on a change.
const HUB_CHECK_INTERVAL: Duration = Duration::from_secs(5);

/// A reader started by the watcher, polled inside the watcher's task.
type ReaderFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts readers for partitions that have none and records how readers ended.
#[derive(Debug)]
pub(super) struct GroupWatcher {
    pub(super) runtime: ConsumerRuntime,
    pub(super) spec: ConsumerSpec,
    pub(super) state: Arc<GroupState>,
    pub(super) ended: mpsc::UnboundedReceiver<(String, ReaderEnd)>,
    /// The partitions with a running reader.
    pub(super) reading: BTreeSet<String>,
    /// The reason the last reader ended, for each partition without a running reader.
    pub(super) ends: HashMap<String, ReaderEnd>,
    /// The hub as the watcher saw it at its last check.
    pub(super) seen: HubShape,
}

impl GroupWatcher {
    /// Checks the hub every [`HUB_CHECK_INTERVAL`] and whenever a reader saw it change, until
    /// the flow stops.
    ///
    /// The readers that the watcher starts run inside its own task rather than as tasks of
    /// their own. Stopping the flow aborts the watcher, which drops them at once, so no reader
    /// outlives the stop, as for the readers that start with the group.
    pub(super) async fn run(mut self) {
        let mut readers: FuturesUnordered<ReaderFuture> = FuturesUnordered::new();
        let mut changes = self.state.subscribe();
        let mut interval =
            tokio::time::interval_at(Instant::now() + HUB_CHECK_INTERVAL, HUB_CHECK_INTERVAL);
        interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = interval.tick() => {}
                Ok(()) = changes.changed() => {}
                Some((partition_id, end)) = self.ended.recv() => {
                    self.record_end(partition_id, end);
                    continue;
                }
                Some(()) = readers.next(), if !readers.is_empty() => continue,
            }
            changes.borrow_and_update();

            // The started readers keep reading while the check waits for the broker.
            let check = self.check();
            tokio::pin!(check);
            let started = loop {
                tokio::select! {
                    started = &mut check => break started,
                    Some(()) = readers.next(), if !readers.is_empty() => {}
                }
            };
            for task in started {
                readers.push(Box::pin(task.run()));
            }
        }
    }

    fn record_end(&mut self, partition_id: String, end: ReaderEnd) {
        self.reading.remove(&partition_id);
        self.ends.insert(partition_id, end);
    }

    /// Checks the hub and returns a reader for each partition that should have one and has
    /// none.
    async fn check(&mut self) -> Vec<PartitionTask> {
        let Some(hub) = self.state.check_hub(&self.runtime, &self.spec).await else {
            return Vec::new();
        };
        while let Ok((partition_id, end)) = self.ended.try_recv() {
            self.record_end(partition_id, end);
        }
        let shape = HubShape::of(&hub);
        let changed = shape != self.seen;
        self.seen = shape;

        let missing: Vec<String> = hub
            .partitions
            .iter()
            .map(|partition| partition.partition_id.clone())
            .filter(|id| !self.reading.contains(id) && self.restarts(id, changed))
            .collect();
        if missing.is_empty() {
            return Vec::new();
        }
        self.start_readers(&hub, &missing)
    }

    /// Decides whether a partition without a running reader gets one. A new partition does,
    /// and so does one whose reader ended because the hub or partition was gone. A reader that
    /// stopped at a failing event stays stopped until the hub changes, because the event is
    /// still there. A partition that another reader took is left to it.
    fn restarts(&self, partition_id: &str, hub_changed: bool) -> bool {
        match self.ends.get(partition_id) {
            None | Some(ReaderEnd::Gone) => true,
            Some(ReaderEnd::Stopped) => hub_changed,
            Some(ReaderEnd::OwnershipLost) => false,
        }
    }

    fn start_readers(&mut self, hub: &HubRuntime, partition_ids: &[String]) -> Vec<PartitionTask> {
        let saved = match self
            .runtime
            .checkpoints
            .load(&self.spec.hub, &self.spec.consumer_group)
        {
            Ok(saved) => saved,
            Err(error) => {
                tracing::warn!(
                    hub = %self.spec.hub,
                    consumer_group = %self.spec.consumer_group,
                    %error,
                    "reading the checkpoints for new readers failed; trying at the next check"
                );
                return Vec::new();
            }
        };
        let mut tasks = Vec::new();
        for partition in hub
            .partitions
            .iter()
            .filter(|partition| partition_ids.contains(&partition.partition_id))
        {
            let checkpoint = saved
                .iter()
                .find(|checkpoint| checkpoint.partition_id == partition.partition_id);
            match self
                .runtime
                .reader_task(&self.spec, &self.state, hub, partition, checkpoint)
            {
                Ok(task) => {
                    // A partition that stopped at a failing event is read again after the hub
                    // changed, so it no longer counts as stopped.
                    if self.ends.remove(&partition.partition_id).is_some() {
                        self.runtime.forget_exit(
                            &self.spec.hub,
                            &self.spec.consumer_group,
                            &partition.partition_id,
                        );
                    }
                    self.reading.insert(partition.partition_id.clone());
                    tasks.push(task);
                }
                Err(error) => {
                    tracing::warn!(
                        hub = %self.spec.hub,
                        consumer_group = %self.spec.consumer_group,
                        partition = %partition.partition_id,
                        %error,
                        "claiming the partition for a new reader failed; trying at the next check"
                    );
                    // The next check tries again also for a partition that had stopped, whose
                    // restart waits for a hub change otherwise.
                    if self.ends.contains_key(&partition.partition_id) {
                        self.ends
                            .insert(partition.partition_id.clone(), ReaderEnd::Gone);
                    }
                }
            }
        }
        if !tasks.is_empty() {
            let started: Vec<&str> = tasks
                .iter()
                .map(|task| task.partition_id.as_str())
                .collect();
            let message = started_message(&self.spec, &started, hub.partitions.len());
            tracing::warn!(
                target: NOTICE_LOG_TARGET,
                hub = %self.spec.hub,
                consumer_group = %self.spec.consumer_group,
                "{message}"
            );
            self.runtime.metrics.notice(message);
        }
        tasks
    }
}

/// Describes the readers the watcher started for a notice.
fn started_message(spec: &ConsumerSpec, partition_ids: &[&str], partition_count: usize) -> String {
    let (readers, partitions) = if partition_ids.len() == 1 {
        ("a reader", "partition")
    } else {
        ("readers", "partitions")
    };
    let count = counted(partition_count, "partition", "partitions");
    format!(
        "consumer group `{}` started {readers} for {partitions} {} of `{}`, which has {count} \
         now",
        spec.consumer_group,
        partition_ids.join(", "),
        spec.hub
    )
}
