//! Sending events: one event per transfer or an Event Hubs batch per transfer, with the
//! broker's acceptance awaited separately so that many transfers can be in flight.

use anyhow::{bail, Context as _};
use fe2o3_amqp::link::delivery::{DeliveryFut, Sendable};
use fe2o3_amqp::link::SendError;
use fe2o3_amqp::types::messaging::Outcome;
use fe2o3_amqp::Sender;

use crate::payload::{batch_message, event_body, event_message};

/// The packing of events into transfers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SendMode {
    /// One event per transfer, a plain message.
    Single,
    /// This many events per transfer, in one message of format `0x80013700`.
    Batch(usize),
}

impl SendMode {
    /// Returns the number of events in one transfer.
    pub(crate) fn events_per_transfer(self) -> usize {
        match self {
            SendMode::Single => 1,
            SendMode::Batch(size) => size,
        }
    }

    /// Returns the name used in reports.
    pub(crate) fn label(self) -> String {
        match self {
            SendMode::Single => "single events".to_owned(),
            SendMode::Batch(size) => format!("batches of {size}"),
        }
    }
}

/// The pending outcome of one transfer.
pub(crate) type Acceptance = DeliveryFut<Result<Outcome, SendError>>;

/// Sends one transfer stamped with `sent_at_nanos` and returns its pending outcome. Waits
/// only for link credit, not for the broker's disposition.
pub(crate) async fn submit(
    sender: &mut Sender,
    mode: SendMode,
    sent_at_nanos: u64,
) -> anyhow::Result<Acceptance> {
    let acceptance = match mode {
        SendMode::Single => {
            let message = event_message(event_body(sent_at_nanos));
            sender.send_batchable(message).await
        }
        SendMode::Batch(size) => {
            let bodies = (0..size).map(|_| event_body(sent_at_nanos)).collect();
            let message = batch_message(bodies).context("encoding a batch failed")?;
            let sendable = Sendable::builder()
                .message(message)
                .message_format(amqp::BATCH_MESSAGE_FORMAT)
                .build();
            sender.send_batchable(sendable).await
        }
    };
    acceptance.context("sending a transfer failed")
}

/// Checks that the broker accepted a transfer.
pub(crate) fn check_accepted(outcome: Result<Outcome, SendError>) -> anyhow::Result<()> {
    match outcome {
        Ok(Outcome::Accepted(_)) => Ok(()),
        Ok(other) => bail!("the broker did not accept a transfer: {other:?}"),
        Err(error) => bail!("the broker did not settle a transfer: {error}"),
    }
}
