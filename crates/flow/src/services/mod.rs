//! The team services of the flow.

pub mod conversions;
pub mod customer;
pub mod datalake;
pub mod parked;
pub mod partner;
pub mod product;
pub mod sale;

use crate::cloudevents::CloudEvent;
use crate::events::{EventCodec, FlowEvent};
use std::future::Future;

use crate::runtime::{BatchFailure, HandlerError};
use crate::transport::ReceivedEvent;

/// A received event with its CloudEvents attributes and decoded payload.
#[derive(Debug, Clone)]
pub(crate) struct Decoded {
    pub(crate) cloud_event: CloudEvent,
    pub(crate) event: FlowEvent,
}

/// Reads the CloudEvents attributes and decodes the body as the hub's event type, with that
/// type's reader schema.
pub(crate) async fn decode(
    codec: &EventCodec,
    hub: &str,
    event: &ReceivedEvent,
) -> Result<Decoded, HandlerError> {
    let cloud_event = CloudEvent::read_from(&event.properties)
        .map_err(|error| HandlerError::from_error(&error))?;
    let expected = course::flow::hub(hub)
        .and_then(|definition| definition.event_type)
        .ok_or_else(|| HandlerError(format!("hub `{hub}` carries no single event type")))?;
    if cloud_event.event_type != expected {
        return Err(HandlerError(format!(
            "event `{}` on hub `{hub}` has type `{}`, expected `{expected}`",
            cloud_event.id, cloud_event.event_type
        )));
    }
    let payload = codec
        .decode(expected, event.content_type.as_deref(), &event.body)
        .await
        .map_err(|error| {
            HandlerError(format!(
                "decoding event `{}` as `{expected}` failed: {error}",
                cloud_event.id
            ))
        })?;
    Ok(Decoded {
        cloud_event,
        event: payload,
    })
}

/// Returns the current time in RFC 3339 with milliseconds, UTC.
pub(crate) fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Handles a batch for handlers that prepare each event (decoding it, deciding what to store)
/// and then store everything prepared in one transaction. The events before the first that
/// cannot be prepared are stored, and that event is reported as the failure.
pub(crate) async fn prepare_then_store<'a, W, Prepare, Prepared>(
    events: &'a [ReceivedEvent],
    prepare: Prepare,
    store: impl FnOnce(&[W]) -> Result<(), HandlerError>,
) -> Result<(), BatchFailure>
where
    Prepare: Fn(&'a ReceivedEvent) -> Prepared,
    Prepared: Future<Output = Result<W, HandlerError>>,
{
    let mut prepared = Vec::with_capacity(events.len());
    let mut failure = None;
    for event in events {
        match prepare(event).await {
            Ok(item) => prepared.push(item),
            Err(error) => {
                failure = Some(error);
                break;
            }
        }
    }
    if !prepared.is_empty() {
        store(&prepared).map_err(BatchFailure::Whole)?;
    }
    match failure {
        Some(error) => Err(BatchFailure::Event {
            handled: prepared.len(),
            error,
        }),
        None => Ok(()),
    }
}

fn store_error(error: crate::sqlite::StoreError) -> HandlerError {
    HandlerError::from_error(&error)
}
