//! The live flow inside the app: at most one running flow on an attendee's applied broker
//! namespace, its controls, the page's own subscriber that samples events, and the stream of
//! updates to the page.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use flow::local_target::{apply_timing, claim_state, FlowTiming, LocalFlow};
use flow::{EventCodec, FlowConfig, FlowHandle};
use local::LocalStack;
use tauri::ipc::Channel;
use tokio::task::JoinHandle;

use crate::live_details::{describe, EventDetails};
use crate::live_error::LiveFlowError;
use crate::live_pace::{pace_ms_of, DEFAULT_PACE_MS, MAX_PACE_MS, MIN_PACE_MS};
use crate::live_sample::{EventKey, SampleBuffer};
use crate::live_sampler::Sampler;
use crate::live_stream::{running_status, stream_updates, Subscriber, UpdateSources};
use crate::live_update::{FlowStatus, FlowUpdate, SaleTiming};

/// Checks a pace against the page's range and returns it as a duration.
pub(crate) fn pace_from_ms(pace_ms: f64) -> Result<Duration, LiveFlowError> {
    if (MIN_PACE_MS..=MAX_PACE_MS).contains(&pace_ms) {
        Ok(Duration::from_micros((pace_ms * 1000.0).round() as u64))
    } else {
        Err(LiveFlowError::PaceOutOfRange { pace_ms })
    }
}

/// A running flow with everything the page added to it.
#[derive(Debug)]
struct RunningFlow {
    prepared: LocalFlow,
    handle: FlowHandle,
    sampler: Sampler,
    stream: JoinHandle<()>,
}

impl RunningFlow {
    fn status(&self) -> FlowStatus {
        running_status(
            self.handle.controls(),
            SaleTiming::of(&self.prepared.config),
        )
    }
}

/// The events the details panel reads from, kept after a stop so the last ones stay open.
#[derive(Debug, Clone)]
struct DetailsSource {
    samples: Arc<SampleBuffer>,
    codec: EventCodec,
}

/// The app's live flow: stopped, or one running flow.
#[derive(Debug)]
pub(crate) struct LiveFlow {
    running: tokio::sync::Mutex<Option<RunningFlow>>,
    subscriber: Subscriber,
    details: Mutex<Option<DetailsSource>>,
    /// The pace of the last start or change in milliseconds, as `f64` bits, shown while the
    /// flow is stopped.
    pace_ms: AtomicU64,
}

impl Default for LiveFlow {
    fn default() -> Self {
        LiveFlow {
            running: tokio::sync::Mutex::new(None),
            subscriber: Subscriber::default(),
            details: Mutex::new(None),
            pace_ms: AtomicU64::new(DEFAULT_PACE_MS.to_bits()),
        }
    }
}

impl LiveFlow {
    fn details_source(&self) -> MutexGuard<'_, Option<DetailsSource>> {
        // Only whole values are stored, so a panic elsewhere cannot leave it half-changed.
        self.details
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn stopped_status(&self) -> FlowStatus {
        FlowStatus {
            running: false,
            paused: false,
            pace_ms: f64::from_bits(self.pace_ms.load(Ordering::Relaxed)),
            sales: None,
        }
    }

    /// Sends the updates to `channel` from now on and returns the status.
    pub(crate) async fn attach(&self, channel: Channel<FlowUpdate>) -> FlowStatus {
        self.subscriber.attach(channel);
        self.status().await
    }

    /// Stops sending updates, because the page closed. The flow keeps running.
    pub(crate) fn detach(&self) {
        self.subscriber.detach();
    }

    /// Returns whether the flow runs, and its settings.
    pub(crate) async fn status(&self) -> FlowStatus {
        match self.running.lock().await.as_ref() {
            Some(running) => running.status(),
            None => self.stopped_status(),
        }
    }

    /// Starts the flow on the prepared namespace of `stack` with one customer every `pace`,
    /// the page's subscriber and the stream of updates. The `timing` is applied to the
    /// namespace's broker first, which restarts its captures when their windows change. Starting
    /// the flow that already runs changes nothing, not even its timing; a flow for another
    /// namespace must be stopped first.
    pub(crate) async fn start(
        &self,
        stack: &LocalStack,
        mut prepared: LocalFlow,
        pace: Duration,
        timing: FlowTiming,
    ) -> Result<FlowStatus, LiveFlowError> {
        let mut slot = self.running.lock().await;
        if let Some(running) = slot.as_ref() {
            return if running.prepared.namespace == prepared.namespace {
                Ok(running.status())
            } else {
                Err(LiveFlowError::OtherNamespace {
                    running: running.prepared.namespace.clone(),
                    requested: prepared.namespace,
                })
            };
        }

        prepared.config.pace = pace;
        claim_state(&prepared.config)?;
        apply_timing(stack, &mut prepared, timing).await?;
        let handle = prepared.start().await?;
        let sampler = Sampler::start(prepared.transport.clone()).await;

        *self.details_source() = Some(DetailsSource {
            samples: sampler.buffer().clone(),
            codec: prepared.codec.clone(),
        });
        let stream = self.spawn_stream(&handle, &sampler, SaleTiming::of(&prepared.config));
        self.pace_ms
            .store(pace_ms_of(pace).to_bits(), Ordering::Relaxed);

        tracing::info!(
            namespace = %prepared.namespace,
            pace_ms = pace_ms_of(pace),
            demo_timing = prepared.config.demo_timing,
            "the live flow started"
        );
        let status = running_status(handle.controls(), SaleTiming::of(&prepared.config));
        *slot = Some(RunningFlow {
            prepared,
            handle,
            sampler,
            stream,
        });
        Ok(status)
    }

    fn spawn_stream(
        &self,
        handle: &FlowHandle,
        sampler: &Sampler,
        sales: SaleTiming,
    ) -> JoinHandle<()> {
        let sources = UpdateSources {
            metrics: handle.metrics(),
            platform: handle.stores().platform.clone(),
            controls: handle.controls().clone(),
            samples: sampler.buffer().clone(),
            sales,
        };
        tokio::spawn(stream_updates(sources, self.subscriber.clone()))
    }

    /// Stops the flow, its subscriber and its stream. Stopping a stopped flow changes nothing.
    pub(crate) async fn stop(&self) -> FlowStatus {
        let running = self.running.lock().await.take();
        if let Some(running) = running {
            running.stream.abort();
            running.sampler.stop().await;
            running.handle.stop().await;
            tracing::info!(namespace = %running.prepared.namespace, "the live flow stopped");
        }
        self.stopped_status()
    }

    /// Pauses customer creation and every team's readers.
    pub(crate) async fn pause(&self) -> Result<FlowStatus, LiveFlowError> {
        self.with_running(|running| running.handle.controls().pause())
            .await
    }

    /// Resumes after a pause.
    pub(crate) async fn resume(&self) -> Result<FlowStatus, LiveFlowError> {
        self.with_running(|running| running.handle.controls().resume())
            .await
    }

    /// Sets the time between two new customers; it applies at once.
    pub(crate) async fn set_pace(&self, pace: Duration) -> Result<FlowStatus, LiveFlowError> {
        let status = self
            .with_running(|running| running.handle.controls().set_pace(pace))
            .await?;
        self.pace_ms
            .store(pace_ms_of(pace).to_bits(), Ordering::Relaxed);
        Ok(status)
    }

    async fn with_running(
        &self,
        change: impl FnOnce(&RunningFlow),
    ) -> Result<FlowStatus, LiveFlowError> {
        let slot = self.running.lock().await;
        let running = slot.as_ref().ok_or(LiveFlowError::NotRunning)?;
        change(running);
        Ok(running.status())
    }

    /// Publishes a poison event to `hub` and returns its CloudEvents id. The page's subscriber
    /// then looks for it, so the page shows it even while it samples a busy hub.
    pub(crate) async fn inject_poison(&self, hub: &str) -> Result<String, LiveFlowError> {
        let mut slot = self.running.lock().await;
        let running = slot.as_mut().ok_or(LiveFlowError::NotRunning)?;
        // Read before publishing, so the poison event comes after these positions.
        let before = running.sampler.newest(hub).await;
        let event_id = running.handle.controls().inject_poison(hub).await?;
        match before {
            Ok(before) => running.sampler.find_injected(before, event_id.clone()),
            Err(error) => tracing::warn!(
                hub,
                %error,
                "the live flow page cannot look for the injected event"
            ),
        }
        Ok(event_id)
    }

    /// Deletes the flow's state on the prepared namespace (team stores, lake and leads-sold
    /// files, run record) and moves every consumer group to the end of every partition. A
    /// running flow is stopped first and started again afterwards with the same pace and
    /// subscriber; a stopped one stays stopped.
    pub(crate) async fn reset(&self, mut prepared: LocalFlow) -> Result<FlowStatus, LiveFlowError> {
        let mut slot = self.running.lock().await;
        let Some(running) = slot.take() else {
            prepared.reset().await?;
            tracing::info!(namespace = %prepared.namespace, "the stopped live flow was reset");
            return Ok(self.stopped_status());
        };
        if running.prepared.namespace != prepared.namespace {
            let error = LiveFlowError::OtherNamespace {
                running: running.prepared.namespace.clone(),
                requested: prepared.namespace,
            };
            *slot = Some(running);
            return Err(error);
        }

        let RunningFlow {
            prepared: running_prepared,
            handle,
            sampler,
            stream,
        } = running;
        let pace = handle.controls().pace();
        stream.abort();
        handle.stop().await;
        prepared.config.pace = pace;
        keep_timing(&running_prepared.config, &mut prepared.config);
        let restarted = async {
            prepared.reset().await?;
            claim_state(&prepared.config)?;
            Ok::<FlowHandle, LiveFlowError>(prepared.start().await?)
        }
        .await;
        let handle = match restarted {
            Ok(handle) => handle,
            Err(error) => {
                sampler.stop().await;
                tracing::warn!(%error, "the live flow did not start again after its reset");
                return Err(error);
            }
        };
        let stream = self.spawn_stream(&handle, &sampler, SaleTiming::of(&prepared.config));
        tracing::info!(namespace = %prepared.namespace, "the live flow was reset");
        let status = running_status(handle.controls(), SaleTiming::of(&prepared.config));
        *slot = Some(RunningFlow {
            prepared,
            handle,
            sampler,
            stream,
        });
        Ok(status)
    }

    /// Returns the details of a sampled event, with its payload decoded through the registry.
    pub(crate) async fn event_details(
        &self,
        key: &EventKey,
    ) -> Result<EventDetails, LiveFlowError> {
        let source = self
            .details_source()
            .clone()
            .ok_or(LiveFlowError::NotRunning)?;
        let not_kept = || LiveFlowError::EventNotKept {
            hub: key.hub.clone(),
            partition_id: key.partition_id.clone(),
            sequence_number: key.sequence_number,
            kept: source.samples.capacity(),
        };
        let event = source.samples.find(key).ok_or_else(not_kept)?;
        Ok(describe(&key.hub, &event, &source.codec).await)
    }
}

/// Copies the timers of a running flow to the flow that replaces it, because the broker keeps
/// the demo capture window of the running flow's start.
fn keep_timing(running: &FlowConfig, next: &mut FlowConfig) {
    next.capture_window = running.capture_window;
    next.partner_interval = running.partner_interval;
    next.demo_timing = running.demo_timing;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pace_within_range_is_accepted() {
        assert_eq!(pace_from_ms(10_000.0).unwrap(), Duration::from_secs(10));
        assert_eq!(
            pace_from_ms(MIN_PACE_MS).unwrap(),
            Duration::from_micros(100)
        );
        assert_eq!(pace_from_ms(0.2).unwrap(), Duration::from_micros(200));
        assert_eq!(pace_from_ms(MAX_PACE_MS).unwrap(), Duration::from_secs(60));
        assert_eq!(pace_ms_of(Duration::from_micros(100)), 0.1);
    }

    #[test]
    fn pace_out_of_range_names_the_range() {
        let error = pace_from_ms(0.05).unwrap_err();
        assert_eq!(
            error.to_string(),
            "a pace of 0.05 ms between two customers is out of range: use 0.1 to 60000 ms"
        );
        assert!(pace_from_ms(60_001.0).is_err());
        assert!(pace_from_ms(f64::NAN).is_err());
        assert!(pace_from_ms(f64::INFINITY).is_err());
    }

    #[tokio::test]
    async fn stopped_flow_rejects_controls() {
        let live = LiveFlow::default();
        assert_eq!(
            live.status().await,
            FlowStatus {
                running: false,
                paused: false,
                pace_ms: DEFAULT_PACE_MS,
                sales: None,
            }
        );
        assert!(matches!(live.pause().await, Err(LiveFlowError::NotRunning)));
        assert!(matches!(
            live.inject_poison("customer").await,
            Err(LiveFlowError::NotRunning)
        ));
        assert!(!live.stop().await.running);
    }
}
