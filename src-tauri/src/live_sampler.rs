//! The live flow page's own subscriber: one reader per partition of every hub, on the
//! `$Default` consumer group, starting at the newest event and reading with the hub's listen
//! rule, as any other subscriber would. It reads the events the teams exchange without touching
//! their consumer groups or checkpoints.
//!
//! An update animates at most three events, so a busy partition is sampled: its reader reads
//! at most [`EVENTS_PER_WINDOW`] events in each [`BUDGET_WINDOW`], then closes, and opens again
//! at the newest event when the window ends. At the course's pace no partition comes near that,
//! so every event is read. A search finds each event the instructor injects
//! ([`Sampler::find_injected`]), so the page shows it at any pace.

use std::sync::Arc;
use std::time::Duration;

use course::flow::HUBS;
use flow::cloudevents::CloudEvent;
use flow::transport::{
    EventTransport, HubRuntime, PartitionRuntime, ReaderRequest, ReceivedEvent, StartPosition,
    TransportError,
};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::live_sample::SampleBuffer;

/// The consumer group the page reads through; every hub has it and no team service uses it.
pub(crate) const SAMPLER_GROUP: &str = "$Default";

/// The maximum number of events one partition's reader reads in one [`BUDGET_WINDOW`].
pub(crate) const EVENTS_PER_WINDOW: usize = 10;

/// The time over which a reader's events are counted against [`EVENTS_PER_WINDOW`].
pub(crate) const BUDGET_WINDOW: Duration = Duration::from_secs(1);

/// The events the client fetches ahead of a budgeted reader. It is one window's budget, so a
/// reader that closes leaves few events fetched for nothing.
const PREFETCH: u32 = EVENTS_PER_WINDOW as u32;

/// The maximum number of events one receive returns while looking for an injected event.
const SEARCH_BATCH: usize = 64;

/// How long one receive waits for the first event.
const RECEIVE_WAIT: Duration = Duration::from_millis(500);

/// How long a reader waits before it opens its partition again after a failure.
const REOPEN_DELAY: Duration = Duration::from_secs(1);

/// How long the search for an injected event may take before it gives up.
const SEARCH_LIMIT: Duration = Duration::from_secs(10);

/// The running subscriber. Dropping it stops every reader.
#[derive(Debug)]
pub(crate) struct Sampler {
    transport: Arc<dyn EventTransport>,
    buffer: Arc<SampleBuffer>,
    readers: JoinSet<()>,
    /// Lets one search for an injected event read at a time. A partition takes at most five
    /// readers without an owner level in one consumer group, so slow searches of several
    /// quick injections could otherwise be rejected.
    search_turn: Arc<Semaphore>,
}

impl Sampler {
    /// Opens a reader on every partition of every hub of the flow, starting after the newest
    /// event. A hub whose partitions cannot be listed is left out, with a warning.
    pub(crate) async fn start(transport: Arc<dyn EventTransport>) -> Sampler {
        let buffer = Arc::new(SampleBuffer::default());
        // The readers take no owner level, so an attendee's own script can read `$Default`
        // beside the page, as up to five readers without one may share a partition.
        let mut readers = JoinSet::new();
        for hub in HUBS.iter() {
            let runtime = match transport.hub_runtime(hub.name).await {
                Ok(runtime) => runtime,
                Err(error) => {
                    tracing::warn!(hub = hub.name, %error, "the live flow page cannot sample this hub");
                    continue;
                }
            };
            for partition in &runtime.partitions {
                let request = ReaderRequest {
                    prefetch: Some(PREFETCH),
                    ..sampler_request(hub.name, partition)
                };
                readers.spawn(read_partition(transport.clone(), buffer.clone(), request));
            }
        }
        tracing::info!(
            readers = readers.len(),
            "the live flow page's subscriber started"
        );
        Sampler {
            transport,
            buffer,
            readers,
            search_turn: Arc::new(Semaphore::new(1)),
        }
    }

    /// Returns the events read.
    pub(crate) fn buffer(&self) -> &Arc<SampleBuffer> {
        &self.buffer
    }

    /// Returns the newest event of every partition of `hub`. Read before an event is
    /// published and passed to [`Sampler::find_injected`] after, it bounds where to look.
    pub(crate) async fn newest(&self, hub: &str) -> Result<HubRuntime, TransportError> {
        self.transport.hub_runtime(hub).await
    }

    /// Looks for the event with the CloudEvents id `event_id` after the positions `before` and
    /// records it once found, so the page shows it even when its partition is sampled. The
    /// search waits for the searches before it, then reads every partition of the hub until
    /// one has the event, for at most [`SEARCH_LIMIT`].
    pub(crate) fn find_injected(&mut self, before: HubRuntime, event_id: String) {
        let transport = self.transport.clone();
        let buffer = self.buffer.clone();
        let turn = self.search_turn.clone();
        self.readers.spawn(async move {
            // Acquiring fails only on a closed semaphore, and nothing closes this one.
            let Ok(_permit) = turn.acquire_owned().await else {
                return;
            };
            find_event(transport, buffer, before, event_id).await;
        });
    }

    /// Stops every reader and waits for them to end.
    pub(crate) async fn stop(mut self) {
        self.readers.shutdown().await;
        tracing::info!("the live flow page's subscriber stopped");
    }
}

/// Builds the page's request to read `partition` of `hub` from after its newest event.
fn sampler_request(hub: &str, partition: &PartitionRuntime) -> ReaderRequest {
    ReaderRequest {
        hub: hub.to_string(),
        consumer_group: SAMPLER_GROUP.to_string(),
        partition_id: partition.partition_id.clone(),
        start: start_after_newest(partition),
        owner_level: None,
        prefetch: None,
    }
}

/// Returns the position after the newest event, or the start of an empty partition.
pub(crate) fn start_after_newest(partition: &PartitionRuntime) -> StartPosition {
    if partition.is_empty {
        // An empty partition may still have enqueued events that retention removed, so the
        // newest sequence number is not a position to start after.
        StartPosition::Earliest
    } else {
        StartPosition::AfterSequenceNumber(partition.last_enqueued_sequence_number)
    }
}

/// The events a reader has read in its current window.
#[derive(Debug)]
struct Budget {
    window_start: Instant,
    read: usize,
}

impl Budget {
    fn new(now: Instant) -> Self {
        Budget {
            window_start: now,
            read: 0,
        }
    }

    /// Returns how many more events the reader may read at `now`, starting a new window once
    /// the current one has ended.
    fn remaining(&mut self, now: Instant) -> usize {
        if now >= self.window_start + BUDGET_WINDOW {
            *self = Budget::new(now);
        }
        EVENTS_PER_WINDOW.saturating_sub(self.read)
    }

    /// Counts `events` more read, and returns the end of the window when that spends its
    /// budget.
    fn spend(&mut self, events: usize) -> Option<Instant> {
        self.read += events;
        (self.read >= EVENTS_PER_WINDOW).then_some(self.window_start + BUDGET_WINDOW)
    }
}

/// The reason a reader stopped reading.
#[derive(Debug)]
enum Stop {
    /// The reader read its budget and opens again at the newest event at this time.
    BudgetSpent(Instant),
    /// The transport failed.
    Failed(TransportError),
}

/// Reads one partition into the buffer until the task is aborted. After a failure it opens the
/// partition again after the last event it read; it ends when a newer reader takes the partition.
async fn read_partition(
    transport: Arc<dyn EventTransport>,
    buffer: Arc<SampleBuffer>,
    mut request: ReaderRequest,
) {
    let mut failures: u64 = 0;
    loop {
        let error = match read_window(transport.as_ref(), &buffer, &mut request).await {
            Stop::BudgetSpent(resume_at) => {
                failures = 0;
                tokio::time::sleep_until(resume_at).await;
                // The events enqueued until then are skipped, so the page shows a sample.
                request.start = StartPosition::Latest;
                continue;
            }
            Stop::Failed(error) => error,
        };
        if let TransportError::OwnershipLost { .. } = error {
            tracing::info!(
                hub = %request.hub,
                partition = %request.partition_id,
                "a newer subscriber took the partition from the live flow page's reader"
            );
            return;
        }
        failures += 1;
        // The first failure of a streak is a warning; repeats go to debug.
        if failures == 1 {
            tracing::warn!(
                hub = %request.hub,
                partition = %request.partition_id,
                %error,
                "the live flow page's reader failed; opening it again"
            );
        } else {
            tracing::debug!(
                hub = %request.hub,
                partition = %request.partition_id,
                failures,
                %error,
                "the live flow page's reader failed again"
            );
        }
        tokio::time::sleep(REOPEN_DELAY).await;
    }
}

/// Opens the reader and records events until it fails or reads its budget. Moves
/// `request.start` past every event read, so reopening after a failure continues where it
/// stopped.
async fn read_window(
    transport: &dyn EventTransport,
    buffer: &SampleBuffer,
    request: &mut ReaderRequest,
) -> Stop {
    let mut reader = match transport.open_reader(request.clone()).await {
        Ok(reader) => reader,
        Err(error) => return Stop::Failed(error),
    };
    let mut budget = Budget::new(Instant::now());
    loop {
        let allowed = budget.remaining(Instant::now());
        let events = match reader.receive(allowed, RECEIVE_WAIT).await {
            Ok(events) => events,
            Err(error) => return Stop::Failed(error),
        };
        let read = events.len();
        for event in events {
            request.start = StartPosition::AfterSequenceNumber(event.sequence_number);
            buffer.record(&request.hub, event);
        }
        if let Some(window_end) = budget.spend(read) {
            return Stop::BudgetSpent(window_end);
        }
    }
}

/// Searches every partition of `before`'s hub for the event `event_id` and records it.
async fn find_event(
    transport: Arc<dyn EventTransport>,
    buffer: Arc<SampleBuffer>,
    before: HubRuntime,
    event_id: String,
) {
    let mut searches = JoinSet::new();
    for partition in &before.partitions {
        searches.spawn(search_partition(
            transport.clone(),
            sampler_request(&before.hub, partition),
            event_id.clone(),
        ));
    }
    let found = tokio::time::timeout(SEARCH_LIMIT, async {
        while let Some(result) = searches.join_next().await {
            if let Ok(Some(event)) = result {
                return Some(event);
            }
        }
        None
    })
    .await;
    // Dropping the set ends the searches of the other partitions.
    drop(searches);
    match found {
        Ok(Some(event)) => buffer.record(&before.hub, event),
        _ => tracing::warn!(
            hub = %before.hub,
            event_id,
            "the live flow page did not find the injected event to show it"
        ),
    }
}

/// Reads one partition until the event `event_id` arrives. Returns `None` when the reader
/// fails.
async fn search_partition(
    transport: Arc<dyn EventTransport>,
    request: ReaderRequest,
    event_id: String,
) -> Option<ReceivedEvent> {
    let mut reader = match transport.open_reader(request.clone()).await {
        Ok(reader) => reader,
        Err(error) => {
            tracing::debug!(hub = %request.hub, partition = %request.partition_id, %error, "searching the partition failed");
            return None;
        }
    };
    loop {
        let events = match reader.receive(SEARCH_BATCH, RECEIVE_WAIT).await {
            Ok(events) => events,
            Err(error) => {
                tracing::debug!(hub = %request.hub, partition = %request.partition_id, %error, "searching the partition failed");
                return None;
            }
        };
        let is_injected_event = |event: &ReceivedEvent| {
            CloudEvent::read_from(&event.properties)
                .is_ok_and(|cloud_event| cloud_event.id == event_id)
        };
        if let Some(event) = events.into_iter().find(is_injected_event) {
            return Some(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_starts_after_newest_event() {
        let partition = PartitionRuntime {
            partition_id: "0".to_string(),
            beginning_sequence_number: 3,
            last_enqueued_sequence_number: 41,
            is_empty: false,
        };
        assert_eq!(
            start_after_newest(&partition),
            StartPosition::AfterSequenceNumber(41)
        );
    }

    #[test]
    fn sampler_reads_empty_partition_from_start() {
        let partition = PartitionRuntime {
            partition_id: "0".to_string(),
            beginning_sequence_number: 0,
            last_enqueued_sequence_number: -1,
            is_empty: true,
        };
        assert_eq!(start_after_newest(&partition), StartPosition::Earliest);
    }

    #[test]
    fn budget_ends_window_once_spent() {
        let start = Instant::now();
        let mut budget = Budget::new(start);
        assert_eq!(budget.remaining(start), EVENTS_PER_WINDOW);
        assert_eq!(budget.spend(EVENTS_PER_WINDOW - 1), None);
        assert_eq!(budget.remaining(start + Duration::from_millis(10)), 1);
        assert_eq!(budget.spend(1), Some(start + BUDGET_WINDOW));
        assert_eq!(budget.remaining(start + Duration::from_millis(20)), 0);
    }

    #[test]
    fn budget_renews_after_window() {
        let start = Instant::now();
        let mut budget = Budget::new(start);
        assert_eq!(budget.spend(EVENTS_PER_WINDOW - 2), None);
        let later = start + BUDGET_WINDOW;
        assert_eq!(budget.remaining(later), EVENTS_PER_WINDOW);
        assert_eq!(budget.spend(EVENTS_PER_WINDOW), Some(later + BUDGET_WINDOW));
    }
}
