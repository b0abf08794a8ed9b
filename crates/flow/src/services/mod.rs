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
use crate::runtime::HandlerError;
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

fn store_error(error: crate::sqlite::StoreError) -> HandlerError {
    HandlerError::from_error(&error)
}
