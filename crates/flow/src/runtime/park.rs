//! Parked events: an event no handler could handle, republished on the parked hub with the
//! error and its source position as application properties.

use crate::transport::{BodyType, OutgoingEvent, Properties, PropertyValue, ReceivedEvent};

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
/// Its partition key there, when it had one.
pub const SOURCE_PARTITION_KEY: &str = "parked:partitionKey";
/// When the broker enqueued it there, in milliseconds since the Unix epoch.
pub const SOURCE_ENQUEUED_TIME: &str = "parked:enqueuedTime";
/// The kind of body section it had, `value` or `sequence`, when it was not data. The copy's
/// body is then that section rendered as JSON.
pub const BODY_TYPE: &str = "parked:bodyType";
/// The size in bytes of its body, when the copy leaves the body out to stay within the limit.
pub const BODY_OMITTED: &str = "parked:bodyOmittedBytes";

/// Event Hubs' limit for one event, in bytes: the body, the properties and the partition key.
const EVENT_LIMIT_BYTES: usize = 1_048_576;

/// Room kept under [`EVENT_LIMIT_BYTES`] for the AMQP encoding of the copy's properties and
/// content type: an estimate of a few bytes per property above its name and value.
const ENCODING_ROOM_BYTES: usize = 1_024;

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
///
/// An AMQP value or sequence body, which the flow's data-only publisher cannot send as it came,
/// becomes its JSON rendering, with [`BODY_TYPE`] naming the kind. A body too large to fit
/// within the 1 MB limit next to the parking properties is left out, and [`BODY_OMITTED`]
/// gives its size. The event itself stays on its source hub until retention removes it, at the
/// partition and sequence number the copy names.
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
    properties.insert(
        SOURCE_ENQUEUED_TIME.to_string(),
        PropertyValue::Timestamp(event.enqueued_time_ms),
    );
    if let Some(key) = &event.partition_key {
        properties.insert(SOURCE_PARTITION_KEY.to_string(), text(key));
    }
    let body = match &event.body_type {
        BodyType::Data { .. } => event.body.clone(),
        BodyType::Value(value) => {
            properties.insert(BODY_TYPE.to_string(), text("value"));
            value.to_string().into_bytes()
        }
        BodyType::Sequence(sequences) => {
            properties.insert(BODY_TYPE.to_string(), text("sequence"));
            serde_json::Value::Array(sequences.clone())
                .to_string()
                .into_bytes()
        }
    };
    let content_type = event.content_type.clone();
    let rest = properties_size(&properties)
        + content_type.as_ref().map_or(0, String::len)
        + event.partition_key.as_ref().map_or(0, String::len)
        + ENCODING_ROOM_BYTES;
    let body = if body.len() + rest > EVENT_LIMIT_BYTES {
        let size = i64::try_from(body.len()).unwrap_or(i64::MAX);
        properties.insert(BODY_OMITTED.to_string(), PropertyValue::Long(size));
        Vec::new()
    } else {
        body
    };
    OutgoingEvent {
        body,
        content_type,
        properties,
    }
}

/// Returns the bytes of the properties' names and values, without their AMQP encoding.
fn properties_size(properties: &Properties) -> usize {
    properties
        .iter()
        .map(|(name, value)| {
            let value_size = match value {
                PropertyValue::String(text)
                | PropertyValue::Symbol(text)
                | PropertyValue::Decimal(text) => text.len(),
                PropertyValue::Bytes(bytes) => bytes.len(),
                _ => 16,
            };
            name.len() + value_size
        })
        .sum()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn received(body: Vec<u8>, body_type: BodyType) -> ReceivedEvent {
        ReceivedEvent {
            partition_id: "1".to_string(),
            sequence_number: 10,
            offset: "4096".to_string(),
            enqueued_time_ms: 1_764_979_200_000,
            partition_key: Some("customer-42".to_string()),
            content_type: Some("application/json".to_string()),
            message_id: None,
            correlation_id: None,
            properties: Properties::from([(
                "cloudEvents:id".to_string(),
                PropertyValue::String("e-1".to_string()),
            )]),
            body,
            body_type,
        }
    }

    fn info() -> ParkedInfo {
        ParkedInfo {
            hub: "customer".to_string(),
            consumer_group: "product".to_string(),
            partition_id: "1".to_string(),
            sequence_number: 10,
            offset: "4096".to_string(),
            error: "the handler failed".to_string(),
            attempts: 3,
        }
    }

    #[test]
    fn copy_keeps_body_key_and_time() {
        let event = received(b"{\"id\":42}".to_vec(), BodyType::default());
        let copy = parked_event(&event, &info());
        assert_eq!(copy.body, event.body);
        assert_eq!(copy.content_type, event.content_type);
        assert_eq!(
            copy.properties[SOURCE_PARTITION_KEY],
            PropertyValue::String("customer-42".to_string())
        );
        assert_eq!(
            copy.properties[SOURCE_ENQUEUED_TIME],
            PropertyValue::Timestamp(1_764_979_200_000)
        );
        assert_eq!(
            copy.properties["cloudEvents:id"],
            PropertyValue::String("e-1".to_string())
        );
        assert!(!copy.properties.contains_key(BODY_TYPE));
        assert!(!copy.properties.contains_key(BODY_OMITTED));
        assert_eq!(read_parked(&as_received(&copy)), Some(info()));
    }

    #[test]
    fn value_and_sequence_bodies_become_json() {
        let value = serde_json::json!({"a": 1, "b": "x"});
        let copy = parked_event(&received(Vec::new(), BodyType::Value(value)), &info());
        assert_eq!(copy.body, br#"{"a":1,"b":"x"}"#);
        assert_eq!(
            copy.properties[BODY_TYPE],
            PropertyValue::String("value".to_string())
        );

        let sequences = vec![serde_json::json!([1, 2, "three"])];
        let copy = parked_event(
            &received(Vec::new(), BodyType::Sequence(sequences)),
            &info(),
        );
        assert_eq!(copy.body, br#"[[1,2,"three"]]"#);
        assert_eq!(
            copy.properties[BODY_TYPE],
            PropertyValue::String("sequence".to_string())
        );
    }

    #[test]
    fn body_near_limit_is_left_out() {
        for size in [EVENT_LIMIT_BYTES - 6, EVENT_LIMIT_BYTES - 200] {
            let event = received(vec![7; size], BodyType::default());
            let copy = parked_event(&event, &info());
            assert!(copy.body.is_empty(), "body of {size} bytes");
            assert_eq!(
                copy.properties[BODY_OMITTED],
                PropertyValue::Long(size as i64)
            );
        }
        let fits = EVENT_LIMIT_BYTES - 4_096;
        let copy = parked_event(&received(vec![7; fits], BodyType::default()), &info());
        assert_eq!(copy.body.len(), fits);
        assert!(!copy.properties.contains_key(BODY_OMITTED));
    }

    fn as_received(copy: &OutgoingEvent) -> ReceivedEvent {
        ReceivedEvent {
            partition_id: "0".to_string(),
            sequence_number: 0,
            offset: "0".to_string(),
            enqueued_time_ms: 0,
            partition_key: None,
            content_type: copy.content_type.clone(),
            message_id: None,
            correlation_id: None,
            properties: copy.properties.clone(),
            body: copy.body.clone(),
            body_type: BodyType::default(),
        }
    }
}
