//! Changing a hub's capture time window with a PUT of the hub, as on Azure.

use std::ops::RangeInclusive;

use course::{Attendee, ResourceKind, StepId};
use local::LocalStack;
use serde_json::{json, Value};

use super::applied::apply_command;
use super::LocalTargetError;

/// Azure's range of capture time windows, in seconds.
pub const CAPTURE_WINDOW_SECONDS: RangeInclusive<u32> = 60..=900;

/// Hub properties that ARM returns but a PUT does not set.
const READ_ONLY_PROPERTIES: [&str; 4] = ["createdAt", "updatedAt", "partitionIds", "status"];

/// A hub's capture time window before and after [`set_capture_window`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureWindowChange {
    /// The hub.
    pub hub: String,
    /// The window ARM returned before, in seconds.
    pub before_seconds: u32,
    /// The window now, in seconds.
    pub after_seconds: u32,
}

impl CaptureWindowChange {
    /// Returns whether the window changed.
    pub fn changed(&self) -> bool {
        self.before_seconds != self.after_seconds
    }
}

/// Sets the capture time window of one of the attendee's hubs to `seconds` (60 to 900) with
/// a PUT of the hub through the stack's Resource Manager, leaving every other setting as ARM
/// returns it. Nothing is sent when the window is already `seconds`. The local broker
/// restarts the hub's capture with the new window and keeps its connections open.
///
/// The plan's window is 300 s, so `eda-workshop verify` reports a changed window as drift
/// and `eda-workshop apply` sets it back.
pub async fn set_capture_window(
    stack: &LocalStack,
    attendee: &Attendee,
    hub: &str,
    seconds: u32,
) -> Result<CaptureWindowChange, LocalTargetError> {
    if !CAPTURE_WINDOW_SECONDS.contains(&seconds) {
        return Err(LocalTargetError::CaptureWindowOutOfRange { seconds });
    }
    let plan = course::plan(attendee);
    let planned = plan
        .resources()
        .find(|resource| resource.kind() == ResourceKind::EventHub && resource.name == hub)
        .ok_or_else(|| LocalTargetError::UnknownHub {
            hub: hub.to_owned(),
        })?;
    let client = stack.resource_manager().client()?;
    let current = client
        .get(ResourceKind::EventHub, &planned.id)
        .await?
        .ok_or_else(|| LocalTargetError::NotApplied {
            resource: planned.title.clone(),
            step: StepId::Publishers,
            missing_steps: vec![StepId::Publishers],
            command: apply_command(attendee, StepId::Publishers),
        })?;
    let before_seconds = capture_interval(&current);
    let change = CaptureWindowChange {
        hub: hub.to_owned(),
        before_seconds,
        after_seconds: seconds,
    };
    if !change.changed() {
        return Ok(change);
    }

    client
        .put(
            ResourceKind::EventHub,
            &planned.id,
            with_capture_interval(&current, seconds),
        )
        .await?;
    tracing::info!(
        hub,
        before_seconds,
        after_seconds = seconds,
        "changed the hub's capture window"
    );
    Ok(change)
}

/// Reads `captureDescription.intervalInSeconds`; Azure's default of 300 s when absent.
fn capture_interval(hub: &Value) -> u32 {
    hub["properties"]["captureDescription"]["intervalInSeconds"]
        .as_u64()
        .and_then(|seconds| u32::try_from(seconds).ok())
        .unwrap_or(300)
}

/// Builds the PUT body of a hub from its GET body with a new capture window.
fn with_capture_interval(hub: &Value, seconds: u32) -> Value {
    let mut properties = hub["properties"].clone();
    if let Some(fields) = properties.as_object_mut() {
        for name in READ_ONLY_PROPERTIES {
            fields.remove(name);
        }
    }
    properties["captureDescription"]["intervalInSeconds"] = json!(seconds);
    json!({ "properties": properties })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_body_drops_read_only_fields() {
        let current = json!({
            "id": "/subscriptions/s/resourceGroups/g/providers/Microsoft.EventHub/namespaces/n\
                   /eventhubs/lead",
            "name": "lead",
            "properties": {
                "partitionCount": 4,
                "partitionIds": ["0", "1", "2", "3"],
                "createdAt": "2026-01-01T00:00:00Z",
                "status": "Active",
                "captureDescription": {
                    "enabled": true,
                    "intervalInSeconds": 300,
                    "sizeLimitInBytes": 314_572_800,
                },
            },
        });
        assert_eq!(capture_interval(&current), 300);
        let body = with_capture_interval(&current, 60);
        assert_eq!(
            body,
            json!({ "properties": {
                "partitionCount": 4,
                "captureDescription": {
                    "enabled": true,
                    "intervalInSeconds": 60,
                    "sizeLimitInBytes": 314_572_800,
                },
            }})
        );
    }

    #[test]
    fn missing_interval_is_azure_default() {
        assert_eq!(capture_interval(&json!({ "properties": {} })), 300);
    }
}
