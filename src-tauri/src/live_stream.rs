//! The stream of updates to the live flow page: every [`UPDATE_INTERVAL`] it combines the
//! flow's latest metrics snapshot, the parked events and the sampler's events into one
//! [`FlowUpdate`] and sends it on the page's `tauri::ipc::Channel`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use flow::metrics::MetricsSnapshot;
use flow::services::parked::{list_parked, ParkedEvent};
use flow::store::TeamStore;
use flow::FlowControls;
use tauri::ipc::Channel;
use tokio::sync::watch;

use crate::live_pace::pace_ms_of;
use crate::live_rates::RateWindow;
use crate::live_sample::SampleBuffer;
use crate::live_update::{build_update, FlowStatus, FlowUpdate, SaleTiming};

/// How often the page receives an update.
pub(crate) const UPDATE_INTERVAL: Duration = Duration::from_millis(100);

/// How many updates pass between two reads of the parked events from the Platform store.
const PARKED_EVERY: u32 = 5;

/// The page's channel, replaced each time the page opens, or none while no page listens.
#[derive(Clone, Default)]
pub(crate) struct Subscriber {
    channel: Arc<Mutex<Option<Channel<FlowUpdate>>>>,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // A channel has no `Debug`, so only whether a page listens is shown.
        f.debug_struct("Subscriber")
            .field("attached", &self.lock().is_some())
            .finish()
    }
}

impl Subscriber {
    fn lock(&self) -> MutexGuard<'_, Option<Channel<FlowUpdate>>> {
        // Every change replaces the whole value, so a panic elsewhere cannot leave it half-changed.
        self.channel
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends the updates to `channel` from now on, instead of to the previous page.
    pub(crate) fn attach(&self, channel: Channel<FlowUpdate>) {
        *self.lock() = Some(channel);
    }

    /// Stops sending updates until the next [`Subscriber::attach`].
    pub(crate) fn detach(&self) {
        *self.lock() = None;
    }

    /// Sends one update; a channel whose page is gone is dropped.
    pub(crate) fn send(&self, update: FlowUpdate) {
        let mut slot = self.lock();
        if let Some(channel) = slot.as_ref() {
            if let Err(error) = channel.send(update) {
                tracing::debug!(%error, "the live flow page stopped listening");
                *slot = None;
            }
        }
    }
}

/// The parts of one running flow that the stream reads.
#[derive(Debug, Clone)]
pub(crate) struct UpdateSources {
    /// The flow's metric snapshots.
    pub(crate) metrics: watch::Receiver<MetricsSnapshot>,
    /// The Platform team's store, which lists the parked events.
    pub(crate) platform: Arc<TeamStore>,
    /// The flow's controls, for the paused state and the pace.
    pub(crate) controls: FlowControls,
    /// The sampler's events.
    pub(crate) samples: Arc<SampleBuffer>,
    /// The flow's timers of sales.
    pub(crate) sales: SaleTiming,
}

/// Returns the status of a running flow from its controls and its timers of sales.
pub(crate) fn running_status(controls: &FlowControls, sales: SaleTiming) -> FlowStatus {
    FlowStatus {
        running: true,
        paused: controls.is_paused(),
        pace_ms: pace_ms_of(controls.pace()),
        sales: Some(sales),
    }
}

/// Sends an update every [`UPDATE_INTERVAL`] until the task is aborted.
pub(crate) async fn stream_updates(sources: UpdateSources, subscriber: Subscriber) {
    let mut interval = tokio::time::interval(UPDATE_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut parked: Vec<ParkedEvent> = Vec::new();
    let mut tick: u32 = 0;
    let mut reported_failure = false;
    let mut rates = RateWindow::default();
    loop {
        interval.tick().await;
        if tick.is_multiple_of(PARKED_EVERY) {
            match list_parked(&sources.platform) {
                Ok(listed) => {
                    parked = listed;
                    reported_failure = false;
                }
                Err(error) => {
                    // Said once until the read works again, not ten times a second.
                    if !reported_failure {
                        tracing::warn!(%error, "reading the parked events for the page failed");
                        reported_failure = true;
                    }
                }
            }
        }
        tick = tick.wrapping_add(1);

        let snapshot = sources.metrics.borrow().clone();
        let mut update = build_update(
            running_status(&sources.controls, sources.sales),
            &snapshot,
            &parked,
            sources.samples.take(),
        );
        rates.apply(&mut update, Instant::now());
        subscriber.send(update);
    }
}
