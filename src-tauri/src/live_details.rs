//! The details of one sampled event: its position in the hub, its CloudEvents attributes and
//! other application properties, its payload decoded through the schema registry, and the
//! start of its raw body in hex.

use flow::cloudevents::{self, PROPERTY_PREFIX};
use flow::transport::{BodyType, PropertyValue, ReceivedEvent};
use flow::EventCodec;
use serde::Serialize;

/// The number of body bytes shown in hex.
pub(crate) const HEX_LIMIT: usize = 4096;

/// One application property as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Attribute {
    /// The name; CloudEvents attributes lose their `cloudEvents:` prefix.
    pub(crate) name: String,
    /// The value as text. A timestamp is in milliseconds since the Unix epoch and bytes are hex.
    pub(crate) value: String,
    /// The AMQP type: `string`, `long`, `double`, `boolean`, `binary`, `timestamp`, `null`,
    /// `ulong`, `float`, `char`, `uuid`, `symbol` or `decimal`.
    pub(crate) kind: &'static str,
}

/// One field of a decoded payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Field {
    /// The field's name in the schema.
    pub(crate) name: String,
    /// The field's value; every course field is a string.
    pub(crate) value: String,
}

/// The payload as the codec decoded it, or why it could not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub(crate) enum Payload {
    /// The body decoded with the reader schema of its CloudEvents type.
    Decoded {
        /// The schema name.
        event_type: String,
        /// The fields in schema order.
        fields: Vec<Field>,
    },
    /// The body could not be decoded, such as a poison event's cut body.
    Failed {
        /// The codec's message.
        reason: String,
    },
}

/// Everything the details panel shows about one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct EventDetails {
    /// The hub.
    pub(crate) hub: String,
    /// The partition id.
    pub(crate) partition_id: String,
    /// The sequence number in the partition.
    pub(crate) sequence_number: i64,
    /// The offset, opaque as Event Hubs sends it.
    pub(crate) offset: String,
    /// When the broker enqueued it, in milliseconds since the Unix epoch.
    pub(crate) enqueued_time_ms: i64,
    /// The partition key, when the publisher set one.
    pub(crate) partition_key: Option<String>,
    /// The AMQP `content-type`, which carries the registry's schema id.
    pub(crate) content_type: Option<String>,
    /// The CloudEvents attributes, by name.
    pub(crate) cloud_events: Vec<Attribute>,
    /// The other application properties, such as a parked event's reason.
    pub(crate) properties: Vec<Attribute>,
    /// The decoded payload.
    pub(crate) payload: Payload,
    /// The body's size in bytes.
    pub(crate) body_size: usize,
    /// The first [`HEX_LIMIT`] bytes of the body in lower-case hex, two digits per byte.
    pub(crate) body_hex: String,
}

/// Describes an event read from `hub`, decoding its payload with `codec`.
pub(crate) async fn describe(hub: &str, event: &ReceivedEvent, codec: &EventCodec) -> EventDetails {
    let (cloud_events, properties) = split_properties(event);
    let event_type = event
        .properties
        .get(cloudevents::TYPE)
        .and_then(PropertyValue::as_str);
    let payload = match (event_type, &event.body_type) {
        (_, BodyType::Value(value)) => Payload::Failed {
            reason: format!(
                "the body is an AMQP value ({value}), not the data section the flow's events \
                 carry, so it cannot be decoded"
            ),
        },
        (_, BodyType::Sequence(sequences)) => Payload::Failed {
            reason: format!(
                "the body is {} AMQP sequence section(s) ({}), not the data section the flow's \
                 events carry, so it cannot be decoded",
                sequences.len(),
                serde_json::Value::from(sequences.clone())
            ),
        },
        (None, _) => Payload::Failed {
            reason: "the event has no `cloudEvents:type` property, so its reader schema is \
                     unknown"
                .to_string(),
        },
        (Some(event_type), BodyType::Data { .. }) => {
            match codec
                .decode(event_type, event.content_type.as_deref(), &event.body)
                .await
            {
                Ok(decoded) => Payload::Decoded {
                    event_type: decoded.event_type().to_string(),
                    fields: decoded
                        .fields()
                        .into_iter()
                        .map(|(name, value)| Field {
                            name: name.to_string(),
                            value,
                        })
                        .collect(),
                },
                Err(error) => Payload::Failed {
                    reason: error.to_string(),
                },
            }
        }
    };
    EventDetails {
        hub: hub.to_string(),
        partition_id: event.partition_id.clone(),
        sequence_number: event.sequence_number,
        offset: event.offset.clone(),
        enqueued_time_ms: event.enqueued_time_ms,
        partition_key: event.partition_key.clone(),
        content_type: event.content_type.clone(),
        cloud_events,
        properties,
        payload,
        body_size: event.body.len(),
        body_hex: hex_prefix(&event.body, HEX_LIMIT),
    }
}

/// Splits the application properties into CloudEvents attributes, without their prefix, and
/// the rest, each in name order.
pub(crate) fn split_properties(event: &ReceivedEvent) -> (Vec<Attribute>, Vec<Attribute>) {
    let mut cloud_events = Vec::new();
    let mut others = Vec::new();
    for (name, value) in &event.properties {
        let (text, kind) = property_text(value);
        match name.strip_prefix(PROPERTY_PREFIX) {
            Some(attribute) => cloud_events.push(Attribute {
                name: attribute.to_string(),
                value: text,
                kind,
            }),
            None => others.push(Attribute {
                name: name.clone(),
                value: text,
                kind,
            }),
        }
    }
    (cloud_events, others)
}

fn property_text(value: &PropertyValue) -> (String, &'static str) {
    match value {
        PropertyValue::String(text) => (text.clone(), "string"),
        PropertyValue::Long(number) => (number.to_string(), "long"),
        PropertyValue::Double(number) => (number.to_string(), "double"),
        PropertyValue::Bool(flag) => (flag.to_string(), "boolean"),
        PropertyValue::Bytes(bytes) => (hex_prefix(bytes, HEX_LIMIT), "binary"),
        PropertyValue::Timestamp(milliseconds) => (milliseconds.to_string(), "timestamp"),
        PropertyValue::Null => ("null".to_string(), "null"),
        PropertyValue::Ulong(number) => (number.to_string(), "ulong"),
        PropertyValue::Float(number) => (number.to_string(), "float"),
        PropertyValue::Char(character) => (character.to_string(), "char"),
        PropertyValue::Uuid(uuid) => (uuid.to_string(), "uuid"),
        PropertyValue::Symbol(text) => (text.clone(), "symbol"),
        PropertyValue::Decimal(text) => (text.clone(), "decimal"),
    }
}

/// Returns the first `limit` bytes of `bytes` in lower-case hex.
pub(crate) fn hex_prefix(bytes: &[u8], limit: usize) -> String {
    use std::fmt::Write as _;

    let shown = &bytes[..bytes.len().min(limit)];
    let mut text = String::with_capacity(shown.len() * 2);
    for byte in shown {
        let _ = write!(text, "{byte:02x}");
    }
    text
}

#[cfg(test)]
mod tests {
    use flow::cloudevents::CloudEvent;
    use flow::transport::Properties;

    use super::*;

    fn event(properties: Properties, body: Vec<u8>) -> ReceivedEvent {
        ReceivedEvent {
            partition_id: "1".to_string(),
            sequence_number: 12,
            offset: "4096".to_string(),
            enqueued_time_ms: 1_796_396_400_000,
            partition_key: Some("customer-7".to_string()),
            content_type: Some("avro/binary+0123456789abcdef0123456789abcdef".to_string()),
            message_id: None,
            correlation_id: None,
            properties,
            body,
            body_type: BodyType::default(),
        }
    }

    #[test]
    fn hex_shows_at_most_the_limit() {
        assert_eq!(hex_prefix(&[0x00, 0x0a, 0xff], 4096), "000aff");
        assert_eq!(hex_prefix(&[0xde, 0xad, 0xbe, 0xef], 2), "dead");
        assert_eq!(hex_prefix(&[], 4096), "");
        assert_eq!(hex_prefix(&vec![7; 5000], HEX_LIMIT).len(), 2 * HEX_LIMIT);
    }

    #[test]
    fn properties_split_into_attributes_and_others() {
        let mut properties = Properties::new();
        CloudEvent {
            id: "e-1".to_string(),
            source: "/eda-workshop/customer".to_string(),
            event_type: "Customer.Created".to_string(),
            time: "2026-12-04T15:00:00.000Z".to_string(),
        }
        .write_to(&mut properties);
        properties.insert("parked:attempts".to_string(), PropertyValue::Long(3));
        properties.insert(
            "enqueued".to_string(),
            PropertyValue::Timestamp(1_796_396_400_000),
        );
        properties.insert("raw".to_string(), PropertyValue::Bytes(vec![1, 2]));

        let (cloud_events, others) = split_properties(&event(properties, Vec::new()));

        let names: Vec<&str> = cloud_events.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "source", "specversion", "time", "type"]);
        assert_eq!(cloud_events[4].value, "Customer.Created");
        assert_eq!(
            others,
            [
                Attribute {
                    name: "enqueued".to_string(),
                    value: "1796396400000".to_string(),
                    kind: "timestamp",
                },
                Attribute {
                    name: "parked:attempts".to_string(),
                    value: "3".to_string(),
                    kind: "long",
                },
                Attribute {
                    name: "raw".to_string(),
                    value: "0102".to_string(),
                    kind: "binary",
                },
            ]
        );
    }

    #[test]
    fn other_amqp_property_types_shown() {
        let uuid = "01234567-89ab-cdef-0123-456789abcdef";
        let cases = [
            (PropertyValue::Null, "null", "null"),
            (
                PropertyValue::Ulong(u64::MAX),
                "18446744073709551615",
                "ulong",
            ),
            (PropertyValue::Float(1.5), "1.5", "float"),
            (PropertyValue::Char('x'), "x", "char"),
            (PropertyValue::Uuid(uuid.parse().unwrap()), uuid, "uuid"),
            (PropertyValue::Symbol("s".to_string()), "s", "symbol"),
            (PropertyValue::Decimal("1.5".to_string()), "1.5", "decimal"),
        ];
        for (value, text, kind) in cases {
            assert_eq!(property_text(&value), (text.to_string(), kind));
        }
    }
}
