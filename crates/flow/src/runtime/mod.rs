//! The consumer runtime: one reader per partition for every consumer group of the flow, with
//! checkpoints, owner levels and the failure policy.
//!
//! A reader starts after its checkpoint, or at the earliest event without one. It
//! checkpoints an event only once the handler succeeded or the event was parked, so a crash
//! delivers the events after the last checkpoint again. Before any reader starts, the
//! group's checkpoints are compared with the hub as it is now. Stale ones (a recreated hub, a
//! changed partition count, a sequence number beyond the partition's end) are reset with a
//! notice, and readers open only for partitions that exist. While the group runs, a watcher and
//! every reader that reopens after its link failed apply the same rule again, because a hub
//! deleted and created again detaches its readers and may come back with other partitions. The
//! watcher then starts readers for partitions that have none, and the readers of partitions that
//! no longer exist stop. When retention already removed a group's next event, a notice gives how
//! many events the group missed.

mod group;
mod handler;
pub mod park;
mod partition;
mod policy;
mod retention;
mod watcher;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use course::Team;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use handler::{BatchFailure, EventHandler, HandlerError};
pub use policy::{Exhausted, FailurePolicy};

use crate::checkpoint::{find_stale, stale_summary, Checkpoint, CheckpointStore, StaleCheckpoint};
use crate::metrics::{Metrics, NOTICE_LOG_TARGET};
use crate::sqlite::StoreError;
use crate::transport::{
    EventTransport, HubRuntime, PartitionRuntime, StartPosition, TransportError,
};
use group::{GroupState, HubShape};
use partition::PartitionTask;
use retention::retention_gap;
use watcher::GroupWatcher;

/// A failure to start a consumer.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The hub's runtime information could not be read.
    #[error("cannot start consumer group `{consumer_group}` on `{hub}`: {source}")]
    Transport {
        /// The hub.
        hub: String,
        /// The consumer group.
        consumer_group: String,
        /// The transport's error.
        source: TransportError,
    },
    /// The checkpoint store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A consumer group to run: the hub, the group, the team it belongs to and its handler.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// The hub.
    pub hub: String,
    /// The consumer group.
    pub consumer_group: String,
    /// The team whose lane counts the group's events.
    pub team: Team,
    /// The handler.
    pub handler: Arc<dyn EventHandler>,
}

/// The outcome of starting a consumer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedConsumer {
    /// The partitions a reader was started for.
    pub partitions: Vec<String>,
    /// The checkpoints found stale and reset.
    pub reset: Vec<StaleCheckpoint>,
}

/// The reason a partition reader stopped before the flow did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionExit {
    /// The failure policy stopped the partition at an event that kept failing, or the parked
    /// hub did not accept the event's copy.
    Stopped {
        /// The hub.
        hub: String,
        /// The consumer group.
        consumer_group: String,
        /// The partition id.
        partition_id: String,
        /// The failing event's sequence number.
        sequence_number: i64,
        /// The handler's last error, or the parked hub's when parking failed.
        error: String,
    },
    /// A reader with a higher owner level took the partition.
    OwnershipLost {
        /// The hub.
        hub: String,
        /// The consumer group.
        consumer_group: String,
        /// The partition id.
        partition_id: String,
    },
}

impl PartitionExit {
    /// Returns the hub, consumer group and partition id whose reader ended.
    pub fn partition(&self) -> (&str, &str, &str) {
        match self {
            PartitionExit::Stopped {
                hub,
                consumer_group,
                partition_id,
                ..
            }
            | PartitionExit::OwnershipLost {
                hub,
                consumer_group,
                partition_id,
            } => (hub, consumer_group, partition_id),
        }
    }
}

/// Receive settings of a partition reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// The maximum number of events one receive call returns.
    pub max_batch: usize,
    /// How long one receive call waits for the first event.
    pub max_wait: Duration,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_batch: 50,
            max_wait: Duration::from_millis(200),
        }
    }
}

/// Starts and runs consumers over a transport and a checkpoint store.
#[derive(Debug, Clone)]
pub struct ConsumerRuntime {
    transport: Arc<dyn EventTransport>,
    checkpoints: Arc<CheckpointStore>,
    metrics: Arc<Metrics>,
    policy: FailurePolicy,
    read: ReadOptions,
    paused: watch::Receiver<bool>,
    exits: Arc<Mutex<Vec<PartitionExit>>>,
}

impl ConsumerRuntime {
    /// Creates a runtime with the default failure policy, never paused.
    pub fn new(
        transport: Arc<dyn EventTransport>,
        checkpoints: Arc<CheckpointStore>,
        metrics: Arc<Metrics>,
    ) -> Self {
        let (_, paused) = watch::channel(false);
        ConsumerRuntime {
            transport,
            checkpoints,
            metrics,
            policy: FailurePolicy::default(),
            read: ReadOptions::default(),
            paused,
            exits: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Sets the failure policy.
    pub fn with_policy(mut self, policy: FailurePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets how readers receive.
    pub fn with_read_options(mut self, read: ReadOptions) -> Self {
        self.read = read;
        self
    }

    /// Makes readers wait while the channel's value is `true`.
    pub fn with_pause(mut self, paused: watch::Receiver<bool>) -> Self {
        self.paused = paused;
        self
    }

    /// Returns the partition readers that stopped so far, and why.
    pub fn exits(&self) -> Vec<PartitionExit> {
        self.exits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Checks the group's checkpoints against the hub, resets stale ones, and spawns one
    /// reader per existing partition into `tasks`, with the group's watcher, which keeps one
    /// reader per partition while the hub changes. Aborting `tasks` stops them all.
    pub async fn start(
        &self,
        spec: ConsumerSpec,
        tasks: &mut JoinSet<()>,
    ) -> Result<StartedConsumer, RuntimeError> {
        let runtime = self
            .transport
            .hub_runtime(&spec.hub)
            .await
            .map_err(|source| RuntimeError::Transport {
                hub: spec.hub.clone(),
                consumer_group: spec.consumer_group.clone(),
                source,
            })?;
        let mut checkpoints = self.checkpoints.load(&spec.hub, &spec.consumer_group)?;
        let stale = find_stale(&checkpoints, &runtime);
        if !stale.is_empty() {
            // One stale checkpoint means the hub changed under the group, so none of the
            // group's positions on it can be trusted.
            for finding in &stale {
                tracing::warn!(
                    target: NOTICE_LOG_TARGET,
                    hub = %spec.hub,
                    consumer_group = %spec.consumer_group,
                    partition = %finding.checkpoint.partition_id,
                    "{}",
                    finding.message()
                );
            }
            self.metrics
                .notice(stale_summary(&spec.hub, &spec.consumer_group, &stale));
            self.metrics.hub_changed(&spec.hub);
            self.checkpoints.clear(&spec.hub, &spec.consumer_group)?;
            checkpoints.clear();
        }

        let (state, ended) = GroupState::new(HubShape::of(&runtime));
        let state = Arc::new(state);
        let mut partitions = Vec::new();
        for partition in &runtime.partitions {
            let checkpoint = checkpoints
                .iter()
                .find(|checkpoint| checkpoint.partition_id == partition.partition_id);
            let task = self.reader_task(&spec, &state, &runtime, partition, checkpoint)?;
            tasks.spawn(task.run());
            partitions.push(partition.partition_id.clone());
        }
        let watcher = GroupWatcher {
            runtime: self.clone(),
            spec,
            state,
            ended,
            reading: partitions.iter().cloned().collect::<BTreeSet<_>>(),
            ends: HashMap::new(),
            seen: HubShape::of(&runtime),
        };
        tasks.spawn(watcher.run());
        Ok(StartedConsumer {
            partitions,
            reset: stale,
        })
    }

    /// Prepares the reader of one partition of `hub`: it starts after `checkpoint`, or at the
    /// earliest event without one, under a newly claimed owner level. When retention removed
    /// events the group has not read, a notice gives their count.
    fn reader_task(
        &self,
        spec: &ConsumerSpec,
        state: &Arc<GroupState>,
        hub: &HubRuntime,
        partition: &PartitionRuntime,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<PartitionTask, StoreError> {
        if let Some(gap) = retention_gap(partition, checkpoint) {
            let message = gap.message(&spec.hub, &spec.consumer_group, &partition.partition_id);
            tracing::warn!(
                target: NOTICE_LOG_TARGET,
                hub = %spec.hub,
                consumer_group = %spec.consumer_group,
                partition = %partition.partition_id,
                missed = gap.missed(),
                "{message}"
            );
            self.metrics.notice(message);
        }
        let start = checkpoint
            .map(|checkpoint| StartPosition::AfterSequenceNumber(checkpoint.sequence_number))
            .unwrap_or(StartPosition::Earliest);
        let owner_level = self.checkpoints.claim_owner_level(
            &spec.hub,
            &spec.consumer_group,
            &partition.partition_id,
        )?;
        tracing::info!(
            hub = %spec.hub,
            consumer_group = %spec.consumer_group,
            partition = %partition.partition_id,
            owner_level,
            start = ?start,
            "partition reader starting"
        );
        Ok(PartitionTask {
            runtime: self.clone(),
            spec: spec.clone(),
            group: state.clone(),
            partition_id: partition.partition_id.clone(),
            partition_count: hub.partitions.len() as u32,
            hub_created_at_ms: hub.created_at_ms,
            start,
            owner_level,
        })
    }

    /// Forgets how the last reader of a partition ended, because a new reader reads it.
    fn forget_exit(&self, hub: &str, consumer_group: &str, partition_id: &str) {
        self.exits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .retain(|exit| exit.partition() != (hub, consumer_group, partition_id));
    }

    fn record_exit(&self, exit: PartitionExit) {
        self.exits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(exit);
    }
}
