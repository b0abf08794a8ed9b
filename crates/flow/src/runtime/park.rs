//! Parked events: an event no handler could handle, republished on the parked hub with the
//! error and its source position as application properties.

use crate::transport::{OutgoingEvent, PropertyValue, ReceivedEvent};

/// The handler's last error message.
pub const ERROR: &str = "parked:error";
/// How many attempts were made.
pub const ATTEMPTS: &str = "parked:attempts";
/// The hub the event was read from.
pub const SOURCE_HUB: &str = "parked:hub";
/// The partition it was read from.
pub const SOURCE_PARTITION: &str = "parked:partitionId";
/// Its sequence number there.
pub const SOURCE_SEQUENCE_NUMBER: &str = "parked:sequenceNumber";
/// Its offset there.
pub const SOURCE_OFFSET: &str = "parked:offset";
/// The consumer group that failed to handle it.
pub const SOURCE_CONSUMER_GROUP: &str = "parked:consumerGroup";

/// The source position of a parked event and the reason it was parked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedInfo {
    /// The hub it was read from.
    pub hub: String,
    /// The consumer group that failed on it.
    pub consumer_group: String,
    /// The partition.
    pub partition_id: String,
    /// The sequence number.
    pub sequence_number: i64,
    /// The offset.
    pub offset: String,
    /// The last error.
    pub error: String,
    /// The attempts made.
    pub attempts: u32,
}

/// Builds the event for the parked hub: the original body, content type and properties, plus
/// the parking properties.
pub fn parked_event(event: &ReceivedEvent, info: &ParkedInfo) -> OutgoingEvent {
    let mut properties = event.properties.clone();
    let text = |value: &str| PropertyValue::String(value.to_string());
    properties.insert(ERROR.to_string(), text(&info.error));
    properties.insert(
        ATTEMPTS.to_string(),
        PropertyValue::Long(i64::from(info.attempts)),
    );
    properties.insert(SOURCE_HUB.to_string(), text(&info.hub));
    properties.insert(SOURCE_PARTITION.to_string(), text(&info.partition_id));
    properties.insert(
        SOURCE_SEQUENCE_NUMBER.to_string(),
        PropertyValue::Long(info.sequence_number),
    );
    properties.insert(SOURCE_OFFSET.to_string(), text(&info.offset));
    properties.insert(
        SOURCE_CONSUMER_GROUP.to_string(),
        text(&info.consumer_group),
    );
    OutgoingEvent {
        body: event.body.clone(),
        content_type: event.content_type.clone(),
        properties,
    }
}

/// Reads the parking properties of an event from the parked hub, or `None` when one is
/// missing.
pub fn read_parked(event: &ReceivedEvent) -> Option<ParkedInfo> {
    let text = |name: &str| event.properties.get(name)?.as_str().map(str::to_string);
    let long = |name: &str| match event.properties.get(name)? {
        PropertyValue::Long(value) => Some(*value),
        _ => None,
    };
    Some(ParkedInfo {
        hub: text(SOURCE_HUB)?,
        consumer_group: text(SOURCE_CONSUMER_GROUP)?,
        partition_id: text(SOURCE_PARTITION)?,
        sequence_number: long(SOURCE_SEQUENCE_NUMBER)?,
        offset: text(SOURCE_OFFSET)?,
        error: text(ERROR)?,
        attempts: u32::try_from(long(ATTEMPTS)?).ok()?,
    })
}
