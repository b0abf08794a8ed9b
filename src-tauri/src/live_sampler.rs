//! The live flow page's own subscriber: one reader per partition of every hub, on the
//! `$Default` consumer group, starting at the newest event and reading with the hub's listen
//! rule, as any other subscriber would. It reads the events the teams exchange without touching
//! their consumer groups or checkpoints.

use std::sync::Arc;
use std::time::Duration;

use course::flow::HUBS;
use flow::transport::{
    EventTransport, PartitionRuntime, ReaderRequest, StartPosition, TransportError,
};
use tokio::task::JoinSet;

use crate::live_sample::SampleBuffer;

/// The consumer group the page reads through; every hub has it and no team service uses it.
pub(crate) const SAMPLER_GROUP: &str = "$Default";

/// The maximum number of events one receive returns.
const RECEIVE_BATCH: usize = 64;

/// How long one receive waits for the first event.
const RECEIVE_WAIT: Duration = Duration::from_millis(500);

/// How long a reader waits before it opens its partition again after a failure.
const REOPEN_DELAY: Duration = Duration::from_secs(1);

/// The running subscriber. Dropping it stops every reader.
#[derive(Debug)]
pub(crate) struct Sampler {
    buffer: Arc<SampleBuffer>,
    readers: JoinSet<()>,
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
                readers.spawn(read_partition(
                    transport.clone(),
                    buffer.clone(),
                    ReaderRequest {
                        hub: hub.name.to_string(),
                        consumer_group: SAMPLER_GROUP.to_string(),
                        partition_id: partition.partition_id.clone(),
                        start: start_after_newest(partition),
                        owner_level: None,
                    },
                ));
            }
        }
        tracing::info!(
            readers = readers.len(),
            "the live flow page's subscriber started"
        );
        Sampler { buffer, readers }
    }

    /// Returns the events read.
    pub(crate) fn buffer(&self) -> &Arc<SampleBuffer> {
        &self.buffer
    }

    /// Stops every reader and waits for them to end.
    pub(crate) async fn stop(mut self) {
        self.readers.shutdown().await;
        tracing::info!("the live flow page's subscriber stopped");
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

/// Reads one partition into the buffer until the task is aborted. After a failure it opens the
/// partition again after the last event it read; it ends when a newer reader takes the partition.
async fn read_partition(
    transport: Arc<dyn EventTransport>,
    buffer: Arc<SampleBuffer>,
    mut request: ReaderRequest,
) {
    let mut failures: u64 = 0;
    loop {
        let result = read_until_failure(transport.as_ref(), &buffer, &mut request).await;
        match result {
            TransportError::OwnershipLost { .. } => {
                tracing::info!(
                    hub = %request.hub,
                    partition = %request.partition_id,
                    "a newer subscriber took the partition from the live flow page's reader"
                );
                return;
            }
            error => {
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
            }
        }
        tokio::time::sleep(REOPEN_DELAY).await;
    }
}

/// Opens the reader and records events until it fails. Moves `request.start` past every event
/// read, so reopening continues where it stopped.
async fn read_until_failure(
    transport: &dyn EventTransport,
    buffer: &SampleBuffer,
    request: &mut ReaderRequest,
) -> TransportError {
    let mut reader = match transport.open_reader(request.clone()).await {
        Ok(reader) => reader,
        Err(error) => return error,
    };
    loop {
        match reader.receive(RECEIVE_BATCH, RECEIVE_WAIT).await {
            Ok(events) => {
                for event in events {
                    request.start = StartPosition::AfterSequenceNumber(event.sequence_number);
                    buffer.record(&request.hub, event);
                }
            }
            Err(error) => return error,
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
}
