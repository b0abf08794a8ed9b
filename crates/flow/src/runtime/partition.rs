//! The reader of one partition through one consumer group.

use std::sync::Arc;
use std::time::{Duration, Instant};

use course::flow::PARKED_HUB;

use super::group::{GroupState, ReaderEnd};
use super::park::{self, parked_event, ParkedInfo};
use super::{BatchFailure, ConsumerRuntime, ConsumerSpec, Exhausted, HandlerError, PartitionExit};
use crate::checkpoint::Checkpoint;
use crate::metrics::{NOTICE_LOG_TARGET, RETRY_LOG_TARGET};
use crate::retry::{cause_key, seconds, Backoff, FailureSeries};
use crate::transport::{
    PartitionReader, PropertyValue, PublishBatch, ReaderRequest, ReceivedEvent, StartPosition,
    TransportError,
};

/// The wait before reopening a reader or republishing to the parked hub after a transport
/// failure.
const TRANSPORT_RETRY: Duration = Duration::from_millis(500);

/// The maximum wait between two attempts to open or read a partition while they keep failing.
const MAX_REOPEN_WAIT: Duration = Duration::from_secs(10);

/// The failures in a row of one partition's reader, and the wait before its next attempt.
#[derive(Debug)]
struct Failing {
    backoff: Backoff,
    series: FailureSeries,
}

impl Default for Failing {
    fn default() -> Self {
        Failing {
            backoff: Backoff::new(TRANSPORT_RETRY, MAX_REOPEN_WAIT),
            series: FailureSeries::default(),
        }
    }
}

/// The number of attempts to publish an event's copy to the parked hub before the reader stops
/// at the event. The wait between two attempts doubles from [`TRANSPORT_RETRY`], so the waits
/// add up to 15.5 s. A broker that is back within that time takes the copy. A parked hub that
/// is missing or rejects the copy stops the partition with a notice.
const PARK_ATTEMPTS: u32 = 6;

/// How often saving a checkpoint is tried before the reader stops.
const CHECKPOINT_ATTEMPTS: u32 = 5;

/// The reader's next step after one event.
enum Next {
    Continue,
    Stop,
}

#[derive(Debug)]
pub(super) struct PartitionTask {
    pub(super) runtime: ConsumerRuntime,
    pub(super) spec: ConsumerSpec,
    pub(super) group: Arc<GroupState>,
    pub(super) partition_id: String,
    pub(super) partition_count: u32,
    pub(super) hub_created_at_ms: Option<i64>,
    pub(super) start: StartPosition,
    pub(super) owner_level: i64,
}

impl PartitionTask {
    /// Reads until the flow stops, the failure policy stops the partition, another reader
    /// takes it, or the partition no longer exists, then reports the end to the group.
    pub(super) async fn run(mut self) {
        let end = self.read().await;
        // A notice this reader gave no longer covers the group's other partitions.
        self.group.release_failure_notices(&self.partition_id);
        self.group.reader_ended(self.partition_id.clone(), end);
    }

    async fn read(&mut self) -> ReaderEnd {
        let mut reader: Option<Box<dyn PartitionReader>> = None;
        let mut reopening = false;
        let mut failing = Failing::default();
        loop {
            self.wait_while_paused().await;
            if !self.group.has_partition(&self.partition_id) {
                tracing::info!(
                    hub = %self.spec.hub,
                    consumer_group = %self.spec.consumer_group,
                    partition = %self.partition_id,
                    "the partition no longer exists; its reader stops"
                );
                return ReaderEnd::Gone;
            }
            if reader.is_none() && reopening {
                if let Next::Stop = self.follow_recreated_hub().await {
                    return ReaderEnd::Gone;
                }
            }
            let open = match reader.as_mut() {
                Some(open) => open,
                None => match self.open(&mut failing).await {
                    Ok(open) => reader.insert(open),
                    Err(end) => return end,
                },
            };
            let received = open
                .receive(self.runtime.read.max_batch, self.runtime.read.max_wait)
                .await;
            match received {
                Ok(events) => {
                    self.report_reading(&mut failing);
                    if let Next::Stop = self.process_received(&events).await {
                        return ReaderEnd::Stopped;
                    }
                }
                Err(TransportError::OwnershipLost { .. }) => {
                    self.lose_ownership();
                    return ReaderEnd::OwnershipLost;
                }
                Err(error) => {
                    let wait = failing.backoff.next_wait();
                    self.report_failure(&mut failing, "receiving failed", &error, wait);
                    reader = None;
                    reopening = true;
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn wait_while_paused(&mut self) {
        let mut paused = self.runtime.paused.clone();
        // An error means the controls are gone, which leaves the flow running.
        let _ = paused.wait_for(|paused| !*paused).await;
    }

    /// Opens the reader at the current position, retrying with growing waits while the broker
    /// refuses or cannot be reached. Returns the reader's end when another reader took the
    /// partition or it no longer exists.
    async fn open(&mut self, failing: &mut Failing) -> Result<Box<dyn PartitionReader>, ReaderEnd> {
        loop {
            let request = ReaderRequest {
                hub: self.spec.hub.clone(),
                consumer_group: self.spec.consumer_group.clone(),
                partition_id: self.partition_id.clone(),
                start: self.start,
                owner_level: Some(self.owner_level),
                prefetch: None,
            };
            let error = match self.runtime.transport.open_reader(request).await {
                Ok(reader) => return Ok(reader),
                Err(TransportError::OwnershipLost { .. }) => {
                    self.lose_ownership();
                    return Err(ReaderEnd::OwnershipLost);
                }
                Err(error @ TransportError::PartitionNotFound { .. })
                | Err(error @ TransportError::HubNotFound { .. }) => {
                    tracing::warn!(
                        target: NOTICE_LOG_TARGET,
                        hub = %self.spec.hub,
                        partition = %self.partition_id,
                        %error,
                        "partition reader stopped"
                    );
                    self.runtime.metrics.notice(error.to_string());
                    return Err(ReaderEnd::Gone);
                }
                Err(error) => error,
            };
            let wait = failing.backoff.next_wait();
            self.report_failure(failing, "opening the reader failed", &error, wait);
            tokio::time::sleep(wait).await;
            // A position past the partition's end belongs to a hub that was deleted and created
            // again after the position was saved, so the reader follows the new hub.
            if let TransportError::InvalidStartPosition { .. } = error {
                if let Next::Stop = self.follow_recreated_hub().await {
                    return Err(ReaderEnd::Gone);
                }
            }
        }
    }

    /// Logs a failure to open or read the partition. When failures repeat, it also gives the
    /// attendee a notice with the cause, unless another reader of the group gave one already.
    fn report_failure(
        &self,
        failing: &mut Failing,
        action: &str,
        error: &TransportError,
        wait: Duration,
    ) {
        let cause = error.to_string();
        let Some(report) = failing.series.failed_with_gate(Instant::now(), &cause, || {
            self.group
                .claim_failure_notice(cause_key(&cause), &self.partition_id)
        }) else {
            return;
        };
        tracing::warn!(
            hub = %self.spec.hub,
            consumer_group = %self.spec.consumer_group,
            partition = %self.partition_id,
            failures = report.failures,
            %error,
            "{action}, trying again in {}",
            seconds(wait)
        );
        if report.notice {
            let message = format!(
                "consumer group `{}` cannot read partition `{}` of `{}`: {error}. Its events \
                 wait on the hub, and the reader tries again, waiting up to {} between \
                 attempts. Other partitions of the group that fail for the same cause give no \
                 notice of their own",
                self.spec.consumer_group,
                self.partition_id,
                self.spec.hub,
                seconds(MAX_REOPEN_WAIT)
            );
            tracing::info!(target: NOTICE_LOG_TARGET, "{message}");
            self.runtime.metrics.notice(message);
        }
    }

    /// Ends a series of failures after a receive that worked, with a notice when the series
    /// gave one.
    fn report_reading(&self, failing: &mut Failing) {
        failing.backoff.reset();
        let Some((failures, noticed)) = failing.series.succeeded() else {
            return;
        };
        tracing::info!(
            hub = %self.spec.hub,
            consumer_group = %self.spec.consumer_group,
            partition = %self.partition_id,
            failures,
            "the reader reads again"
        );
        if noticed {
            self.group.release_failure_notices(&self.partition_id);
            let message = format!(
                "consumer group `{}` reads partition `{}` of `{}` again, after {failures} \
                 failed attempts",
                self.spec.consumer_group, self.partition_id, self.spec.hub
            );
            tracing::info!(target: NOTICE_LOG_TARGET, "{message}");
            self.runtime.metrics.notice(message);
        }
    }

    /// Checks, before the reader reopens, whether the hub was deleted and created again since
    /// the reader started, as the broker detaches readers of a deleted hub. The group's check
    /// resets stale checkpoints with a notice and wakes the watcher, which starts readers for
    /// new partitions. This reader then reads the new hub from its earliest event, because its
    /// position belongs to the old hub and would skip the new hub's first events, or stops
    /// when its partition no longer exists.
    async fn follow_recreated_hub(&mut self) -> Next {
        // A hub that cannot be described now is left to `open`, which reports or retries.
        let Some(hub) = self.group.check_hub(&self.runtime, &self.spec).await else {
            return Next::Continue;
        };
        let Some(partition) = hub.partition(&self.partition_id) else {
            tracing::info!(
                hub = %self.spec.hub,
                consumer_group = %self.spec.consumer_group,
                partition = %self.partition_id,
                "the partition no longer exists; its reader stops"
            );
            return Next::Stop;
        };
        let partition_count = hub.partitions.len() as u32;
        let recreated = partition_count != self.partition_count
            || (self.hub_created_at_ms.is_some()
                && hub.created_at_ms.is_some()
                && hub.created_at_ms != self.hub_created_at_ms);
        let beyond_last = matches!(
            self.start,
            StartPosition::AfterSequenceNumber(sequence)
                if sequence > partition.last_enqueued_sequence_number
        );
        if recreated || beyond_last {
            self.partition_count = partition_count;
            self.hub_created_at_ms = hub.created_at_ms;
            self.start = StartPosition::Earliest;
        }
        Next::Continue
    }

    fn lose_ownership(&self) {
        tracing::info!(
            hub = %self.spec.hub,
            consumer_group = %self.spec.consumer_group,
            partition = %self.partition_id,
            owner_level = self.owner_level,
            "another reader took the partition; this reader stops"
        );
        self.runtime.record_exit(PartitionExit::OwnershipLost {
            hub: self.spec.hub.clone(),
            consumer_group: self.spec.consumer_group.clone(),
            partition_id: self.partition_id.clone(),
        });
    }

    /// Handles the events of one receive together, with one checkpoint after the last. After
    /// a failure it checkpoints past the events that took effect and handles the rest one at a
    /// time under the failure policy.
    async fn process_received(&mut self, events: &[ReceivedEvent]) -> Next {
        let (handled, failure) = match events {
            [] => return Next::Continue,
            [single] => return self.process_one(single, None).await,
            _ => match self.spec.handler.handle_batch(events).await {
                Ok(()) => (events.len(), None),
                Err(BatchFailure::Event { handled, error }) => {
                    (handled.min(events.len()), Some(error))
                }
                Err(BatchFailure::Whole(error)) => {
                    tracing::warn!(
                        hub = %self.spec.hub,
                        consumer_group = %self.spec.consumer_group,
                        partition = %self.partition_id,
                        events = events.len(),
                        %error,
                        "handling the received events together failed; handling them one at a time"
                    );
                    (0, None)
                }
            },
        };
        if handled > 0 {
            let last = &events[handled - 1];
            if !self.checkpoint(last).await {
                return Next::Stop;
            }
            self.runtime
                .metrics
                .consumed(self.spec.team, &self.spec.hub, handled as u64);
            self.start = StartPosition::AfterSequenceNumber(last.sequence_number);
        }
        let mut failure = failure;
        for event in &events[handled..] {
            if let Next::Stop = self.process_one(event, failure.take()).await {
                return Next::Stop;
            }
        }
        Next::Continue
    }

    /// Handles one event under the failure policy, counting `earlier_failure` as its first
    /// failed attempt, then checkpoints past it unless the partition stops.
    async fn process_one(
        &mut self,
        event: &ReceivedEvent,
        earlier_failure: Option<HandlerError>,
    ) -> Next {
        let next = self.process(event, earlier_failure).await;
        if let Next::Continue = next {
            self.start = StartPosition::AfterSequenceNumber(event.sequence_number);
        }
        next
    }

    /// Handles one event under the failure policy, then checkpoints past it unless the
    /// partition stops.
    async fn process(&self, event: &ReceivedEvent, earlier_failure: Option<HandlerError>) -> Next {
        let policy = self.runtime.policy;
        let max_attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        let mut outcome = match earlier_failure {
            Some(error) => Err(error),
            None => self.spec.handler.handle(event).await,
        };
        let error = loop {
            attempt += 1;
            match outcome {
                Ok(()) => {
                    if !self.checkpoint(event).await {
                        return Next::Stop;
                    }
                    self.runtime
                        .metrics
                        .consumed(self.spec.team, &self.spec.hub, 1);
                    return Next::Continue;
                }
                Err(error) if attempt < max_attempts => {
                    tracing::warn!(
                        target: RETRY_LOG_TARGET,
                        hub = %self.spec.hub,
                        consumer_group = %self.spec.consumer_group,
                        partition = %self.partition_id,
                        sequence = event.sequence_number,
                        attempt,
                        %error,
                        "handling failed; retrying"
                    );
                    tokio::time::sleep(policy.backoff(attempt)).await;
                }
                Err(error) => break error,
            }
            outcome = self.spec.handler.handle(event).await;
        };

        match policy.exhausted {
            Exhausted::Park => {
                if !self.park(event, &error.0, attempt).await {
                    return Next::Stop;
                }
                if !self.checkpoint(event).await {
                    return Next::Stop;
                }
                Next::Continue
            }
            Exhausted::StopPartition => {
                let message = format!(
                    "consumer group `{}` stopped reading partition `{}` of `{}` at sequence \
                     number {} after {attempt} failed {}: {error}",
                    self.spec.consumer_group,
                    self.partition_id,
                    self.spec.hub,
                    event.sequence_number,
                    attempts_noun(attempt)
                );
                self.stop_at(event.sequence_number, message, error.0);
                Next::Stop
            }
        }
    }

    /// Publishes the event to the parked hub in up to [`PARK_ATTEMPTS`] attempts, because the
    /// checkpoint may only move past an event that is safely parked. The first failure becomes
    /// a notice. Returns false when every attempt failed. The partition then stops at the
    /// event, with its checkpoint before it and a notice that names the event, the error and
    /// the fix.
    async fn park(&self, event: &ReceivedEvent, error: &str, attempts: u32) -> bool {
        let info = ParkedInfo {
            hub: self.spec.hub.clone(),
            consumer_group: self.spec.consumer_group.clone(),
            partition_id: self.partition_id.clone(),
            sequence_number: event.sequence_number,
            offset: event.offset.clone(),
            error: error.to_string(),
            attempts,
        };
        let copy = parked_event(event, &info);
        let omitted = copy.properties.get(park::BODY_OMITTED).cloned();
        let batch = PublishBatch {
            hub: PARKED_HUB.to_string(),
            // The copies of one key's events keep their order on the parked hub too.
            partition_key: event.partition_key.clone(),
            partition_id: None,
            events: vec![copy],
        };
        let mut wait = TRANSPORT_RETRY;
        let mut failures = 0u32;
        loop {
            let publish_error = match self.runtime.transport.publish(batch.clone()).await {
                Ok(_) => break,
                Err(publish_error) => publish_error,
            };
            failures += 1;
            if failures == PARK_ATTEMPTS {
                self.stop_unparked(event, publish_error);
                return false;
            }
            tracing::warn!(
                target: RETRY_LOG_TARGET,
                hub = %self.spec.hub,
                sequence = event.sequence_number,
                failures,
                error = %publish_error,
                "parking failed; retrying"
            );
            if failures == 1 {
                self.runtime.metrics.notice(format!(
                    "consumer group `{}` cannot park the event at sequence number {} of \
                     partition `{}` of `{}` yet, so its checkpoint stays before it: \
                     {publish_error}. It tries {} more times, waiting longer each time, then \
                     stops reading the partition",
                    self.spec.consumer_group,
                    event.sequence_number,
                    self.partition_id,
                    self.spec.hub,
                    PARK_ATTEMPTS - 1
                ));
            }
            tokio::time::sleep(wait).await;
            wait *= 2;
        }
        let omitted_note = match omitted {
            Some(PropertyValue::Long(size)) => format!(
                " Its body of {size} bytes left no room for the parking properties within the 1 MB \
                 limit, so the copy on `{PARKED_HUB}` carries no body: read the event from \
                 partition `{}` of `{}` at that sequence number before retention removes it.",
                self.partition_id, self.spec.hub
            ),
            _ => String::new(),
        };
        let message = format!(
            "consumer group `{}` parked the event at sequence number {} of partition `{}` of \
             `{}` after {attempts} {}: {error}.{omitted_note}",
            self.spec.consumer_group,
            event.sequence_number,
            self.partition_id,
            self.spec.hub,
            attempts_noun(attempts)
        );
        tracing::warn!(
            target: NOTICE_LOG_TARGET,
            hub = %self.spec.hub,
            consumer_group = %self.spec.consumer_group,
            partition = %self.partition_id,
            sequence = event.sequence_number,
            attempts,
            "{message}"
        );
        let metrics = &self.runtime.metrics;
        metrics.parked(self.spec.team, &self.spec.hub);
        metrics.published(self.spec.team, PARKED_HUB, 1);
        metrics.notice(message);
        true
    }

    /// Stops the partition at an event whose copy the parked hub did not accept, so that no
    /// later event is handled while this one is neither handled nor parked.
    fn stop_unparked(&self, event: &ReceivedEvent, publish_error: TransportError) {
        let fix = match publish_error {
            TransportError::HubNotFound { .. } => format!(
                "create the `{PARKED_HUB}` hub again (Apply on the Publishers step, or \
                 `eda-workshop apply`), then start the flow again"
            ),
            _ => format!(
                "check that the `{PARKED_HUB}` hub exists and accepts events, then start the \
                 flow again"
            ),
        };
        let message = format!(
            "consumer group `{}` stopped reading partition `{}` of `{}` at sequence number {}, \
             because the `{PARKED_HUB}` hub did not accept the event's copy in {PARK_ATTEMPTS} \
             attempts: {publish_error}. The checkpoint stays before the event, so no later \
             event is skipped. To go on, {fix}, which delivers the event again",
            self.spec.consumer_group, self.partition_id, self.spec.hub, event.sequence_number
        );
        self.stop_at(event.sequence_number, message, publish_error.to_string());
    }

    /// Records that the partition stops at the event `sequence_number`: logs `message`, adds it
    /// as a notice, and keeps `error` in the run's exits.
    fn stop_at(&self, sequence_number: i64, message: String, error: String) {
        tracing::error!(
            target: NOTICE_LOG_TARGET,
            hub = %self.spec.hub,
            consumer_group = %self.spec.consumer_group,
            partition = %self.partition_id,
            sequence = sequence_number,
            "{message}"
        );
        self.runtime.metrics.notice(message);
        self.runtime.record_exit(PartitionExit::Stopped {
            hub: self.spec.hub.clone(),
            consumer_group: self.spec.consumer_group.clone(),
            partition_id: self.partition_id.clone(),
            sequence_number,
            error,
        });
    }

    /// Saves the checkpoint at `event`, retrying a failing store a few times. Returns false,
    /// after logging, when the store keeps failing.
    async fn checkpoint(&self, event: &ReceivedEvent) -> bool {
        let checkpoint = Checkpoint {
            hub: self.spec.hub.clone(),
            consumer_group: self.spec.consumer_group.clone(),
            partition_id: self.partition_id.clone(),
            sequence_number: event.sequence_number,
            offset: event.offset.clone(),
            partition_count: self.partition_count,
            hub_created_at_ms: self.hub_created_at_ms,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let error = match self.runtime.checkpoints.save(&checkpoint) {
                Ok(()) => return true,
                Err(error) => error,
            };
            if attempt < CHECKPOINT_ATTEMPTS {
                tracing::warn!(
                    hub = %self.spec.hub,
                    consumer_group = %self.spec.consumer_group,
                    partition = %self.partition_id,
                    attempt,
                    %error,
                    "saving the checkpoint failed; retrying"
                );
                tokio::time::sleep(TRANSPORT_RETRY).await;
                continue;
            }
            let message = format!(
                "saving the checkpoint of consumer group `{}` on partition `{}` of `{}` \
                 failed {attempt} times, so the reader stops: {error}",
                self.spec.consumer_group, self.partition_id, self.spec.hub
            );
            tracing::error!(
                target: NOTICE_LOG_TARGET,
                hub = %self.spec.hub,
                partition = %self.partition_id,
                "{message}"
            );
            self.runtime.metrics.notice(message);
            return false;
        }
    }
}

/// Returns "attempt" for one attempt and "attempts" for any other count.
fn attempts_noun(attempts: u32) -> &'static str {
    if attempts == 1 {
        "attempt"
    } else {
        "attempts"
    }
}
