//! End-to-end latency at a paced rate: the producer sends one event per tick, each stamped
//! with its send time, and consumers on their own connection record when each arrives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fe2o3_amqp::types::messaging::Body;
use fe2o3_amqp::types::primitives::Value;
use fe2o3_amqp::Receiver;
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use futures_util::FutureExt as _;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::client::{close_receiver, close_sender, Client, Destination};
use crate::payload::sent_at_nanos;
use crate::send::{check_accepted, submit, SendMode};
use crate::stats::percentile;

/// The maximum number of transfers the producer leaves unsettled. With a broker slower than
/// the pace, the producer falls behind instead of piling up events without bound.
const MAX_IN_FLIGHT: usize = 100;
/// Events sent before measuring starts, to warm up connections and caches.
const WARM_UP: Duration = Duration::from_secs(1);
/// How long consumers may take to receive the last events after the producer stops.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the broker may take to settle the last transfers after the producer stops.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of one latency run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latency {
    /// Events measured (sent after the warm-up).
    pub(crate) events: usize,
    /// Median latency.
    pub(crate) p50: Duration,
    /// 99th percentile latency.
    pub(crate) p99: Duration,
    /// Highest latency.
    pub(crate) max: Duration,
    /// Events sent in the whole run that no consumer received within 5 s of the end.
    pub(crate) lost: u64,
    /// Transfers the broker had not settled 5 s after the last send.
    pub(crate) unsettled: usize,
}

/// Runs one latency measurement: a warm-up of 1 s, then `duration` at `rate` events per
/// second.
pub(crate) async fn measure(
    destination: &Destination,
    rate: u32,
    duration: Duration,
) -> anyhow::Result<Latency> {
    let mut producer = Client::connect(destination, "bench-producer").await?;
    let mut sender = producer.sender(destination, "bench-sender").await?;
    let mut consumer = Client::connect(destination, "bench-consumer").await?;
    let receivers = consumer.receivers(destination, "bench-receiver").await?;

    let base = Instant::now();
    let measured_from = WARM_UP.as_nanos() as u64;
    let samples = Arc::new(Mutex::new(Vec::new()));
    let received = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let mut recording = JoinSet::new();
    for receiver in receivers {
        recording.spawn(record_arrivals(
            receiver,
            base,
            measured_from,
            Arc::clone(&samples),
            Arc::clone(&received),
            stopped.clone(),
        ));
    }

    let interval = Duration::from_secs(1) / rate;
    let total = u64::from(rate) * (WARM_UP + duration).as_secs();
    let sent = pace(&mut sender, base, interval, total).await;

    let arrivals = async {
        while received.load(Ordering::Relaxed) < total {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    };
    let _ = tokio::time::timeout(ARRIVAL_TIMEOUT, arrivals).await;
    let _ = stop.send(true);
    while let Some(joined) = recording.join_next().await {
        if let Ok(receiver) = joined {
            close_receiver(receiver).await;
        }
    }
    close_sender(sender).await;
    producer.close().await;
    consumer.close().await;

    let unsettled = sent?;
    let mut samples = std::mem::take(
        &mut *samples
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()),
    );
    samples.sort_unstable();
    let lost = total.saturating_sub(received.load(Ordering::Relaxed));
    let nanos = |value: Option<u64>| Duration::from_nanos(value.unwrap_or(0));
    Ok(Latency {
        events: samples.len(),
        p50: nanos(percentile(&samples, 50.0)),
        p99: nanos(percentile(&samples, 99.0)),
        max: nanos(samples.last().copied()),
        lost,
        unsettled,
    })
}

/// Sends `total` single events, event `i` at `base + i * interval` (at once when behind), and
/// waits up to 5 s for the last acceptances. Returns the number of transfers still unsettled
/// then.
async fn pace(
    sender: &mut fe2o3_amqp::Sender,
    base: Instant,
    interval: Duration,
    total: u64,
) -> anyhow::Result<usize> {
    let mut pending = FuturesUnordered::new();
    for index in 0..total {
        let due = base + interval * u32::try_from(index).unwrap_or(u32::MAX);
        tokio::time::sleep_until(due.into()).await;
        while let Some(Some(outcome)) = pending.next().now_or_never() {
            check_accepted(outcome)?;
        }
        while pending.len() >= MAX_IN_FLIGHT {
            if let Some(outcome) = pending.next().await {
                check_accepted(outcome)?;
            }
        }
        let sent_at = base.elapsed().as_nanos() as u64;
        pending.push(submit(sender, SendMode::Single, sent_at).await?);
    }
    let settle_all = async {
        while let Some(outcome) = pending.next().await {
            check_accepted(outcome)?;
        }
        Ok::<(), anyhow::Error>(())
    };
    match tokio::time::timeout(SETTLE_TIMEOUT, settle_all).await {
        Ok(result) => result.map(|()| 0),
        Err(_) => {
            // NOTE: with both RabbitMQ and the local broker, 0 to 2 transfers per run never get
            // their outcome although consumers receive their events. The cause is unknown, so
            // they are counted and reported instead of failing the run.
            tracing::warn!(
                unsettled = pending.len(),
                "the broker did not settle the last transfers within 5 s"
            );
            Ok(pending.len())
        }
    }
}

/// Records the latency of every event sent at or after `measured_from` (nanoseconds since
/// `base`) until `stopped` changes, then returns the receiver for closing.
async fn record_arrivals(
    mut receiver: Receiver,
    base: Instant,
    measured_from: u64,
    samples: Arc<Mutex<Vec<u64>>>,
    received: Arc<AtomicU64>,
    mut stopped: watch::Receiver<bool>,
) -> Receiver {
    let mut local = Vec::new();
    loop {
        tokio::select! {
            delivery = receiver.recv::<Body<Value>>() => match delivery {
                Ok(delivery) => {
                    let now = base.elapsed().as_nanos() as u64;
                    received.fetch_add(1, Ordering::Relaxed);
                    match sent_at_nanos(delivery.body()) {
                        Some(sent_at) if sent_at >= measured_from => {
                            local.push(now.saturating_sub(sent_at));
                        }
                        Some(_) => {}
                        None => tracing::warn!("an event arrived without a send time"),
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "receiving failed");
                    break;
                }
            },
            _ = stopped.changed() => break,
        }
    }
    samples
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .extend(local);
    receiver
}
