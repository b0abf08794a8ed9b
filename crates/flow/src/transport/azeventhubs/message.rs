//! Conversion between the flow's events and AMQP messages: body, `content-type` and
//! application properties on the way out, and the broker's annotations on the way in.

use std::borrow::Cow;

use ::azeventhubs::ReceivedEventData;
use fe2o3_amqp::types::messaging::annotations::OwnedKey;
use fe2o3_amqp::types::messaging::message::__private::Serializable;
use fe2o3_amqp::types::messaging::{
    ApplicationProperties, Batch, Body, Data, Message, MessageAnnotations, Properties,
};
use fe2o3_amqp::types::primitives::{Binary, OrderedMap, SimpleValue, Symbol, Timestamp, Value};
use fe2o3_amqp::Sendable;

use super::amqp_value::{decimal128_text, decimal32_text, decimal64_text, value_json};
use crate::transport::{
    BodyType, OutgoingEvent, Properties as EventProperties, PropertyValue, ReceivedEvent,
};

/// The message annotation that carries an event's partition key, on sends and on deliveries.
const PARTITION_KEY_ANNOTATION: &str = "x-opt-partition-key";

/// The message annotation that carries an event's offset; Azure sends it as a string.
const OFFSET_ANNOTATION: &str = "x-opt-offset";

/// The AMQP message format of an Event Hubs batch, the one the Azure SDKs send.
pub(super) const BATCH_MESSAGE_FORMAT: u32 = 0x8001_3700;

/// Builds the AMQP message for one event: one data section, the content type, the application
/// properties, and the partition key annotation when there is a key.
pub(super) fn outgoing_message(
    event: &OutgoingEvent,
    partition_key: Option<&str>,
) -> Message<Data> {
    let properties = event.content_type.as_ref().map(|content_type| Properties {
        content_type: Some(Symbol::from(content_type.as_str())),
        ..Properties::default()
    });
    let mut application = OrderedMap::new();
    for (name, value) in &event.properties {
        application.insert(name.clone(), to_simple_value(value));
    }
    Message::builder()
        .properties(properties)
        .message_annotations(partition_key.map(partition_key_annotations))
        .application_properties(ApplicationProperties(application))
        .data(Binary::from(event.body.clone()))
        .build()
}

/// Builds the one delivery of a batch of several events: a message of format
/// [`BATCH_MESSAGE_FORMAT`] with one data section per event, each containing the event's
/// encoded message, and the partition key on the envelope as well. The broker stores such a
/// delivery whole or not at all, on one partition with consecutive sequence numbers, where
/// events sent one by one could interleave with other producers' events.
pub(super) fn batch_message(
    events: &[OutgoingEvent],
    partition_key: Option<&str>,
) -> Result<Sendable<Batch<Data>>, serde_amqp::Error> {
    let mut sections = Vec::with_capacity(events.len());
    for event in events {
        let message = outgoing_message(event, partition_key);
        sections.push(Data::from(serde_amqp::to_vec(&Serializable(message))?));
    }
    let envelope = Message::builder()
        .message_annotations(partition_key.map(partition_key_annotations))
        .body(Batch::from(sections))
        .build();
    Ok(Sendable::builder()
        .message(envelope)
        .message_format(BATCH_MESSAGE_FORMAT)
        .build())
}

fn partition_key_annotations(key: &str) -> MessageAnnotations {
    let mut annotations = MessageAnnotations::default();
    annotations.insert(
        OwnedKey::Symbol(Symbol::from(PARTITION_KEY_ANNOTATION)),
        Value::String(key.to_owned()),
    );
    annotations
}

fn to_simple_value(value: &PropertyValue) -> SimpleValue {
    match value {
        PropertyValue::String(text) => SimpleValue::String(text.clone()),
        PropertyValue::Long(number) => SimpleValue::Long(*number),
        PropertyValue::Double(number) => SimpleValue::from(*number),
        PropertyValue::Bool(flag) => SimpleValue::Bool(*flag),
        PropertyValue::Bytes(bytes) => SimpleValue::Binary(Binary::from(bytes.clone())),
        PropertyValue::Timestamp(milliseconds) => {
            SimpleValue::Timestamp(Timestamp::from_milliseconds(*milliseconds))
        }
        PropertyValue::Null => SimpleValue::Null,
        PropertyValue::Ulong(number) => SimpleValue::Ulong(*number),
        PropertyValue::Float(number) => SimpleValue::Float((*number).into()),
        PropertyValue::Char(character) => SimpleValue::Char(*character),
        PropertyValue::Uuid(uuid) => SimpleValue::Uuid((*uuid.as_bytes()).into()),
        PropertyValue::Symbol(text) => SimpleValue::Symbol(Symbol::from(text.as_str())),
        PropertyValue::Decimal(text) => SimpleValue::String(text.clone()),
    }
}

/// Converts an application property to the flow's types. Narrower integers, and a ulong that
/// fits, widen to a long.
fn from_simple_value(value: &SimpleValue) -> PropertyValue {
    match value {
        SimpleValue::String(text) => PropertyValue::String(text.clone()),
        SimpleValue::Symbol(symbol) => PropertyValue::Symbol(symbol.0.clone()),
        SimpleValue::Long(number) => PropertyValue::Long(*number),
        SimpleValue::Int(number) => PropertyValue::Long(i64::from(*number)),
        SimpleValue::Short(number) => PropertyValue::Long(i64::from(*number)),
        SimpleValue::Byte(number) => PropertyValue::Long(i64::from(*number)),
        SimpleValue::Uint(number) => PropertyValue::Long(i64::from(*number)),
        SimpleValue::Ushort(number) => PropertyValue::Long(i64::from(*number)),
        SimpleValue::Ubyte(number) => PropertyValue::Long(i64::from(*number)),
        SimpleValue::Ulong(number) => match i64::try_from(*number) {
            Ok(number) => PropertyValue::Long(number),
            Err(_) => PropertyValue::Ulong(*number),
        },
        SimpleValue::Double(number) => PropertyValue::Double(number.into_inner()),
        SimpleValue::Float(number) => PropertyValue::Float(number.into_inner()),
        SimpleValue::Bool(flag) => PropertyValue::Bool(*flag),
        SimpleValue::Binary(bytes) => PropertyValue::Bytes(bytes.to_vec()),
        SimpleValue::Timestamp(timestamp) => PropertyValue::Timestamp(timestamp.milliseconds()),
        SimpleValue::Null => PropertyValue::Null,
        SimpleValue::Char(character) => PropertyValue::Char(*character),
        SimpleValue::Uuid(uuid) => PropertyValue::Uuid(uuid::Uuid::from_bytes(*uuid.as_inner())),
        SimpleValue::Decimal32(number) => {
            PropertyValue::Decimal(decimal32_text(number.clone().into_inner()))
        }
        SimpleValue::Decimal64(number) => {
            PropertyValue::Decimal(decimal64_text(number.clone().into_inner()))
        }
        SimpleValue::Decimal128(number) => {
            PropertyValue::Decimal(decimal128_text(number.clone().into_inner()))
        }
    }
}

/// Converts a delivered event. The offset is read from its annotation as the broker sent it
/// (a string, or a long written out as digits), so it stays opaque.
pub(super) fn received_event(partition_id: &str, event: &ReceivedEventData) -> ReceivedEvent {
    let message = event.raw_amqp_message();
    let content_type = message
        .properties
        .as_ref()
        .and_then(|properties| properties.content_type.as_ref())
        .map(|symbol| symbol.0.clone());
    let mut properties = EventProperties::new();
    if let Some(application) = &message.application_properties {
        for (name, value) in application.0.iter() {
            properties.insert(name.clone(), from_simple_value(value));
        }
    }
    ReceivedEvent {
        partition_id: partition_id.to_owned(),
        sequence_number: event.sequence_number(),
        offset: offset(message).unwrap_or_default(),
        enqueued_time_ms: (event.enqueued_time().unix_timestamp_nanos() / 1_000_000) as i64,
        partition_key: event.partition_key().map(str::to_owned),
        content_type,
        message_id: event.message_id().map(Cow::into_owned),
        correlation_id: event.correlation_id().map(Cow::into_owned),
        properties,
        body: body(&message.body),
        body_type: body_type(&message.body),
    }
}

fn offset(message: &Message<Body<Value>>) -> Option<String> {
    let annotations = message.message_annotations.as_ref()?;
    annotations
        .0
        .iter()
        .find_map(|(key, value)| match (key, value) {
            (OwnedKey::Symbol(name), Value::String(text)) if name.0 == OFFSET_ANNOTATION => {
                Some(text.clone())
            }
            (OwnedKey::Symbol(name), Value::Long(number)) if name.0 == OFFSET_ANNOTATION => {
                Some(number.to_string())
            }
            _ => None,
        })
}

/// Joins the body's data sections. A value or sequence body, as other clients may send, reads
/// as empty here and is described by [`body_type`], so the flow's decoder rejects it and the
/// failure policy parks it.
fn body(body: &Body<Value>) -> Vec<u8> {
    match body {
        Body::Data(sections) => sections
            .iter()
            .flat_map(|section| section.0.iter().copied())
            .collect(),
        _ => Vec::new(),
    }
}

/// Describes the body's sections, rendering a value or sequence body as JSON.
fn body_type(body: &Body<Value>) -> BodyType {
    match body {
        Body::Data(sections) => BodyType::Data {
            sections: sections.len(),
        },
        Body::Value(value) => BodyType::Value(value_json(&value.0)),
        Body::Sequence(sequences) => BodyType::Sequence(
            sequences
                .iter()
                .map(|sequence| sequence.0.iter().map(value_json).collect())
                .collect(),
        ),
        // A message with no body section at all.
        _ => BodyType::Data { sections: 0 },
    }
}

#[cfg(test)]
mod tests {
    use fe2o3_amqp::types::messaging::{AmqpSequence, AmqpValue};

    use super::*;

    #[test]
    fn property_values_round_trip() {
        let values = [
            PropertyValue::String("Customer.Created".to_owned()),
            PropertyValue::Long(-42),
            PropertyValue::Double(2.5),
            PropertyValue::Bool(true),
            PropertyValue::Bytes(vec![0, 1, 255]),
            PropertyValue::Timestamp(1_796_378_400_123),
            PropertyValue::Null,
            PropertyValue::Ulong(u64::MAX),
            PropertyValue::Float(1.5),
            PropertyValue::Char('é'),
            PropertyValue::Uuid(uuid::Uuid::from_u128(
                0x0123_4567_89ab_cdef_0123_4567_89ab_cdef,
            )),
            PropertyValue::Symbol("com.example".to_owned()),
        ];
        for value in values {
            assert_eq!(from_simple_value(&to_simple_value(&value)), value);
        }
    }

    #[test]
    fn narrow_integers_widen_to_long() {
        assert_eq!(
            from_simple_value(&SimpleValue::Int(7)),
            PropertyValue::Long(7)
        );
        assert_eq!(
            from_simple_value(&SimpleValue::Ubyte(3)),
            PropertyValue::Long(3)
        );
        assert_eq!(
            from_simple_value(&SimpleValue::Ulong(5)),
            PropertyValue::Long(5)
        );
        assert_eq!(
            from_simple_value(&SimpleValue::Ulong(u64::MAX)),
            PropertyValue::Ulong(u64::MAX)
        );
    }

    #[test]
    fn body_types_described() {
        let data = Body::Data(
            vec![
                Data(Binary::from(b"a".to_vec())),
                Data(Binary::from(b"b".to_vec())),
            ]
            .into(),
        );
        assert_eq!(body_type(&data), BodyType::Data { sections: 2 });
        assert_eq!(body(&data), b"ab");
        let value = Body::Value(AmqpValue(Value::String("text".to_owned())));
        assert_eq!(
            body_type(&value),
            BodyType::Value(serde_json::json!("text"))
        );
        let sequence =
            Body::Sequence(vec![AmqpSequence(vec![Value::Int(1), Value::Int(2)])].into());
        assert_eq!(
            body_type(&sequence),
            BodyType::Sequence(vec![serde_json::json!([1, 2])])
        );
    }

    #[test]
    fn outgoing_message_carries_key_and_content_type() {
        let mut properties = EventProperties::new();
        properties.insert("ce_id".to_owned(), PropertyValue::String("e-1".to_owned()));
        let event = OutgoingEvent {
            body: b"payload".to_vec(),
            content_type: Some("avro/binary+abc".to_owned()),
            properties,
        };
        let message = outgoing_message(&event, Some("customer-42"));
        let content_type = message.properties.as_ref().unwrap().content_type.clone();
        assert_eq!(content_type, Some(Symbol::from("avro/binary+abc")));
        let application = &message.application_properties.as_ref().unwrap().0;
        assert_eq!(
            application.get("ce_id"),
            Some(&SimpleValue::String("e-1".to_owned()))
        );
        let annotations = &message.message_annotations.as_ref().unwrap().0;
        let key = OwnedKey::Symbol(Symbol::from(PARTITION_KEY_ANNOTATION));
        assert_eq!(
            annotations.get(&key),
            Some(&Value::String("customer-42".to_owned()))
        );
        assert_eq!(message.body.0.as_ref(), b"payload");
    }
}
