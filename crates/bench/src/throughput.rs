//! Durable send-and-receive throughput: a producer keeps a fixed number of transfers in flight
//! for the run's duration while consumers on their own connection count what arrives.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fe2o3_amqp::types::messaging::Body;
use fe2o3_amqp::types::primitives::Value;
use fe2o3_amqp::{Receiver, Sender};
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::client::{close_receiver, close_sender, Client, Destination};
use crate::send::{check_accepted, submit, Acceptance, SendMode};

/// How long the producer waits for transfers still in flight after the run.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The outcome of one throughput run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Throughput {
    /// Events the broker accepted per second during the run.
    pub(crate) accepted_per_second: f64,
    /// Events consumers received per second during the run.
    pub(crate) received_per_second: f64,
}

/// Runs one throughput measurement of `duration` against `destination`.
pub(crate) async fn measure(
    destination: &Destination,
    mode: SendMode,
    in_flight: usize,
    duration: Duration,
) -> anyhow::Result<Throughput> {
    let mut producer = Client::connect(destination, "bench-producer").await?;
    let mut sender = producer.sender(destination, "bench-sender").await?;
    let mut consumer = Client::connect(destination, "bench-consumer").await?;
    let receivers = consumer.receivers(destination, "bench-receiver").await?;

    let received = Arc::new(AtomicU64::new(0));
    let (stop, stopped) = watch::channel(false);
    let mut counting = JoinSet::new();
    for receiver in receivers {
        counting.spawn(count_events(
            receiver,
            Arc::clone(&received),
            stopped.clone(),
        ));
    }

    let mut accepted: u64 = 0;
    let mut pending = FuturesUnordered::new();
    let start = Instant::now();
    let deadline = tokio::time::Instant::from_std(start + duration);
    let sending = keep_in_flight(&mut sender, mode, in_flight, &mut pending, &mut accepted);
    // Reaching the deadline is the normal end of sending, so only an error inside is a failure.
    let failure = match tokio::time::timeout_at(deadline, sending).await {
        Ok(Err(error)) => Some(error),
        Ok(Ok(())) | Err(_) => None,
    };
    let elapsed = start.elapsed().as_secs_f64();
    let received_in_run = received.load(Ordering::Relaxed);
    let accepted_in_run = accepted;

    // Transfers still in flight are settled before the links close, so no link detaches while
    // the broker is still storing its events.
    let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
        while pending.next().await.is_some() {}
    })
    .await;
    // A few transfers may never get their outcome, as in the latency runs, and the accepted
    // count leaves them out.
    if drained.is_err() {
        tracing::warn!(
            unsettled = pending.len(),
            "the broker did not settle the last transfers within 5 s"
        );
    }
    let _ = stop.send(true);
    while let Some(joined) = counting.join_next().await {
        if let Ok(receiver) = joined {
            close_receiver(receiver).await;
        }
    }
    close_sender(sender).await;
    producer.close().await;
    consumer.close().await;

    if let Some(error) = failure {
        return Err(error);
    }
    Ok(Throughput {
        accepted_per_second: accepted_in_run as f64 / elapsed,
        received_per_second: received_in_run as f64 / elapsed,
    })
}

/// Keeps `in_flight` transfers unsettled, counting accepted events, until an error or until
/// the caller drops the future.
async fn keep_in_flight(
    sender: &mut Sender,
    mode: SendMode,
    in_flight: usize,
    pending: &mut FuturesUnordered<Acceptance>,
    accepted: &mut u64,
) -> anyhow::Result<()> {
    let events_per_transfer = mode.events_per_transfer() as u64;
    loop {
        while pending.len() < in_flight {
            pending.push(submit(sender, mode, 0).await?);
        }
        if let Some(outcome) = pending.next().await {
            check_accepted(outcome)?;
            *accepted += events_per_transfer;
        }
    }
}

/// Counts deliveries until `stopped` changes, then returns the receiver for closing.
async fn count_events(
    mut receiver: Receiver,
    received: Arc<AtomicU64>,
    mut stopped: watch::Receiver<bool>,
) -> Receiver {
    loop {
        tokio::select! {
            delivery = receiver.recv::<Body<Value>>() => match delivery {
                Ok(_) => {
                    received.fetch_add(1, Ordering::Relaxed);
                }
                Err(error) => {
                    tracing::warn!(%error, "receiving failed");
                    return receiver;
                }
            },
            _ = stopped.changed() => return receiver,
        }
    }
}
