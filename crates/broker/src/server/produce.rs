//! Turning a producer's delivery into events for the log.

use amqp::{
    decode_value, split_batch, Body, DecodeError, Message, MessageBytes, SectionKind, Value,
    BATCH_MESSAGE_FORMAT,
};

use crate::log::{shown_key, NewEvent};

/// The message annotation that carries a partition key.
pub(crate) const PARTITION_KEY: &str = "x-opt-partition-key";

/// A delivery the broker rejects before storing any of its events.
#[derive(Debug, thiserror::Error)]
pub(crate) enum IncomingError {
    /// A message does not decode.
    #[error("the message does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// An application property is a list, map, array or described value. AMQP allows only
    /// simple values there, and clients such as the app's own reader cannot decode the event.
    #[error(
        "application property `{name}` is {kind}: event properties take simple values only \
         (string, number, boolean, timestamp, uuid or binary). Encode the value as a string, \
         for example as JSON, or put it in the body"
    )]
    NotSimpleProperty {
        /// The property's name.
        name: String,
        /// The kind of the value, such as "a list".
        kind: &'static str,
    },
    /// The partition key annotation is not text. Azure's SDKs send a string, and readers
    /// such as the app's own expect one.
    #[error(
        "message annotation `x-opt-partition-key` is a value of type {type_name}: a partition key \
         is a string, so send the key as text, for example \"42\" for the number 42"
    )]
    PartitionKeyNotText {
        /// The AMQP type of the value, such as `int`.
        type_name: &'static str,
    },
    /// An event of a batch has a partition key other than the batch's. The whole batch goes to
    /// one partition, so storing it would put that event on another key's partition.
    #[error(
        "event {index} of the batch has partition key {key}, but {} has {batch_key}: a batch \
         goes to one partition, so send events with different partition keys in separate batches",
        match .batch_key_event {
            Some(first) => format!("event {first}"),
            None => "the batch".to_owned(),
        }
    )]
    MixedPartitionKeys {
        /// The position of the event in the batch, counting from 0.
        index: usize,
        /// The event's partition key, quoted and shortened by [`shown_key`].
        key: String,
        /// The batch's partition key, quoted and shortened by [`shown_key`].
        batch_key: String,
        /// The event that set the batch's key, or `None` when the batch's own annotations set it.
        batch_key_event: Option<usize>,
    },
}

/// The events of one delivery and the partition key that routes them.
#[derive(Debug)]
pub(crate) struct IncomingEvents {
    pub(crate) events: Vec<NewEvent>,
    pub(crate) partition_key: Option<String>,
}

/// Splits a delivery into events: a batch (message format `0x80013700`) into its inner
/// messages, kept byte for byte, and any other delivery into one event. The batch's partition
/// key, from its own annotations or else from the first event that has one, applies to all its
/// events, and an event with another key rejects the batch. A single message carries its own.
///
/// Each message is validated once while it is split. The partition key, the body size and the
/// properties' size then come from the sections that contain them, without decoding the body
/// again.
pub(crate) fn incoming_events(
    payload: Vec<u8>,
    message_format: u32,
) -> Result<IncomingEvents, IncomingError> {
    if message_format == BATCH_MESSAGE_FORMAT {
        let batch = split_batch(&payload)?;
        let mut partition_key = partition_key_of(&batch.envelope)?;
        let mut key_event = None;
        let mut events = Vec::with_capacity(batch.messages.len());
        for (index, inner) in batch.messages.into_iter().enumerate() {
            match (partition_key_in(&inner)?, &partition_key) {
                (Some(key), None) => {
                    partition_key = Some(key);
                    key_event = Some(index);
                }
                (Some(key), Some(batch_key)) if key != *batch_key => {
                    return Err(IncomingError::MixedPartitionKeys {
                        index,
                        key: shown_key(&key),
                        batch_key: shown_key(batch_key),
                        batch_key_event: key_event,
                    });
                }
                _ => {}
            }
            events.push(NewEvent {
                body_size: body_size(&inner)?,
                properties_size: properties_size(&inner)?,
                message: inner.without_delivery_annotations().into_bytes(),
                partition_key: None,
            });
        }
        for event in &mut events {
            event.partition_key.clone_from(&partition_key);
        }
        return Ok(IncomingEvents {
            events,
            partition_key,
        });
    }
    let bytes = MessageBytes::parse(payload)?;
    let partition_key = partition_key_in(&bytes)?;
    Ok(IncomingEvents {
        events: vec![NewEvent {
            body_size: body_size(&bytes)?,
            properties_size: properties_size(&bytes)?,
            message: bytes.without_delivery_annotations().into_bytes(),
            partition_key: partition_key.clone(),
        }],
        partition_key,
    })
}

/// Returns the message's partition key: a `string`, or a `symbol` read as its text. An
/// annotation of another type is rejected rather than ignored, because the event would keep
/// it and reach readers with it.
fn partition_key_of(message: &Message) -> Result<Option<String>, IncomingError> {
    let Some(value) = message.message_annotation(PARTITION_KEY) else {
        return Ok(None);
    };
    match value.as_str() {
        Some(key) => Ok(Some(key.to_owned())),
        None if value.is_null() => Ok(None),
        None => Err(IncomingError::PartitionKeyNotText {
            type_name: value.type_name(),
        }),
    }
}

/// Reads the partition key from the message-annotations section alone.
fn partition_key_in(bytes: &MessageBytes) -> Result<Option<String>, IncomingError> {
    match bytes.section_bytes(SectionKind::MessageAnnotations) {
        Some(section) => partition_key_of(&Message::decode(section)?),
        None => Ok(None),
    }
}

/// Returns the body's size, which counts toward the 1 MB limit: the bytes of the data sections,
/// or the size of the `amqp-value` or `amqp-sequence` sections' contents. The other sections
/// count nothing here, because [`properties_size`] counts the properties and annotations do not
/// count.
fn body_size(bytes: &MessageBytes) -> Result<usize, DecodeError> {
    let raw = bytes.as_bytes();
    let mut size = 0;
    for span in bytes.sections() {
        let section = &raw[span.range.clone()];
        size += match span.kind {
            SectionKind::Data => data_length(section)?,
            SectionKind::Value | SectionKind::Sequence => section_content_size(section)?,
            _ => 0,
        };
    }
    Ok(size)
}

/// Returns the size of one `amqp-value` or `amqp-sequence` section's content. A binary, string
/// or symbol counts its bytes, as a data section's binary does. Any other value, such as a map
/// or the list of a sequence, counts its encoded size.
fn section_content_size(section: &[u8]) -> Result<usize, DecodeError> {
    let Value::Described(described) = decode_value(section)? else {
        return Ok(section.len());
    };
    let size = match &described.value {
        Value::Binary(data) => data.len(),
        Value::String(text) => text.len(),
        Value::Symbol(symbol) => symbol.0.len(),
        other => encoded_len(other),
    };
    Ok(size)
}

/// Returns the encoded size of the properties the sender set: the keys and values of the
/// application properties, and the fields of the message properties (message id, content type
/// and the rest). Descriptors, section headers and unset fields count nothing, so an empty
/// section, which some clients always send, leaves a body of exactly 1 MB within the limit.
/// Annotations are the envelope that clients and the broker add, and do not count.
fn properties_size(bytes: &MessageBytes) -> Result<usize, IncomingError> {
    let raw = bytes.as_bytes();
    let mut size = 0;
    for span in bytes.sections() {
        if !matches!(
            span.kind,
            SectionKind::Properties | SectionKind::ApplicationProperties
        ) {
            continue;
        }
        let Value::Described(section) = decode_value(&raw[span.range.clone()])? else {
            continue;
        };
        if span.kind == SectionKind::ApplicationProperties {
            check_simple_values(&section.value)?;
        }
        size += match &section.value {
            Value::Map(entries) => entries
                .iter()
                .map(|(key, value)| encoded_len(key) + encoded_len(value))
                .sum(),
            Value::List(fields) => fields
                .iter()
                .filter(|field| !field.is_null())
                .map(encoded_len)
                .sum(),
            _ => 0,
        };
    }
    Ok(size)
}

/// Rejects an application-properties map with a value that is not simple.
fn check_simple_values(properties: &Value) -> Result<(), IncomingError> {
    let Value::Map(entries) = properties else {
        return Ok(());
    };
    for (key, value) in entries {
        let kind = match value {
            Value::List(_) => "a list",
            Value::Map(_) => "a map",
            Value::Array(_) => "an array",
            Value::Described(_) => "a described value",
            _ => continue,
        };
        return Err(IncomingError::NotSimpleProperty {
            name: key
                .as_str()
                .unwrap_or("(a key that is not a string)")
                .to_owned(),
            kind,
        });
    }
    Ok(())
}

fn encoded_len(value: &Value) -> usize {
    value.to_bytes().len()
}

/// Returns the length of the binary in one encoded data section. The usual encodings (a
/// `smallulong` or `ulong` descriptor, then `vbin8` or `vbin32`) are read from their headers;
/// any other goes through the decoder.
fn data_length(section: &[u8]) -> Result<usize, DecodeError> {
    let binary_at = match section {
        [0x00, 0x53, _, ..] => Some(3),
        [0x00, 0x80, ..] if section.len() > 10 => Some(10),
        _ => None,
    };
    let from_header = binary_at.and_then(|at| match section.get(at..)? {
        [0xa0, length, ..] => Some(usize::from(*length)),
        [0xb0, a, b, c, d, ..] => usize::try_from(u32::from_be_bytes([*a, *b, *c, *d])).ok(),
        _ => None,
    });
    if let Some(length) = from_header {
        return Ok(length);
    }
    match Message::decode(section)?.body {
        Body::Data(sections) => Ok(sections.iter().map(Vec::len).sum()),
        _ => Ok(0),
    }
}

#[cfg(test)]
mod tests {
    use amqp::{Header, Properties, Symbol};

    use super::*;

    fn keyed(body: &[u8], key: Option<&str>) -> Message {
        let mut message = Message::with_data(body.to_vec());
        if let Some(key) = key {
            message.message_annotations =
                Some(vec![(Value::symbol(PARTITION_KEY), Value::string(key))]);
        }
        message
    }

    #[test]
    fn single_message_kept_byte_for_byte() {
        let encoded = keyed(b"hello", Some("customer-42")).encode();
        let incoming = incoming_events(encoded.clone(), 0).unwrap();
        assert_eq!(incoming.partition_key.as_deref(), Some("customer-42"));
        assert_eq!(incoming.events.len(), 1);
        assert_eq!(incoming.events[0].message, encoded);
        assert_eq!(incoming.events[0].body_size, 5);
    }

    #[test]
    fn partition_key_not_text_rejected() {
        let with_key = |key: Value| {
            let mut message = Message::with_data(b"event".to_vec());
            message.message_annotations = Some(vec![(Value::symbol(PARTITION_KEY), key)]);
            message
        };
        for (key, type_name) in [
            (Value::Int(42), "int"),
            (Value::Binary(b"k1".to_vec()), "binary"),
            (Value::Uuid([7; 16]), "uuid"),
        ] {
            let error = incoming_events(with_key(key).encode(), 0).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!(
                    "message annotation `x-opt-partition-key` is a value of type {type_name}: a \
                     partition key is a string, so send the key as text, for example \"42\" for \
                     the number 42"
                )
            );
        }

        // In a batch, the envelope's key and each event's key are checked.
        let mut envelope = with_key(Value::Long(7));
        envelope.body = Body::Data(vec![keyed(b"inner", None).encode()]);
        let error = incoming_events(envelope.encode(), BATCH_MESSAGE_FORMAT).unwrap_err();
        assert!(error.to_string().contains("type long"), "{error}");
        let mut envelope = keyed(b"", None);
        envelope.body = Body::Data(vec![with_key(Value::Bool(true)).encode()]);
        let error = incoming_events(envelope.encode(), BATCH_MESSAGE_FORMAT).unwrap_err();
        assert!(error.to_string().contains("type boolean"), "{error}");

        // A symbol is text, and a null is no key.
        let symbol = with_key(Value::symbol("customer-42")).encode();
        let incoming = incoming_events(symbol, 0).unwrap();
        assert_eq!(incoming.partition_key.as_deref(), Some("customer-42"));
        let incoming = incoming_events(with_key(Value::Null).encode(), 0).unwrap();
        assert_eq!(incoming.partition_key, None);
    }

    #[test]
    fn batch_split_in_order_with_envelope_key() {
        let inner: Vec<Vec<u8>> = (0..3)
            .map(|i| keyed(format!("event {i}").as_bytes(), None).encode())
            .collect();
        let mut envelope = keyed(b"", Some("lead-7"));
        envelope.body = Body::Data(inner.clone());
        let incoming = incoming_events(envelope.encode(), BATCH_MESSAGE_FORMAT).unwrap();
        assert_eq!(incoming.partition_key.as_deref(), Some("lead-7"));
        let messages: Vec<Vec<u8>> = incoming
            .events
            .iter()
            .map(|event| event.message.clone())
            .collect();
        assert_eq!(messages, inner);
        assert!(incoming
            .events
            .iter()
            .all(|event| event.partition_key.as_deref() == Some("lead-7")));
        assert_eq!(incoming.events[2].body_size, 7);
    }

    #[test]
    fn body_sizes_by_body_kind() {
        let cases = [
            (Message::with_data(vec![1; 10]), 10),
            (Message::with_data(vec![1; 300]), 300),
            (Message::with_value(Value::Binary(vec![2; 7])), 7),
            (Message::default(), 0),
        ];
        for (message, expected) in cases {
            let incoming = incoming_events(message.encode(), 0).unwrap();
            assert_eq!(incoming.events[0].body_size, expected, "{message:?}");
        }
        let incoming = incoming_events(Message::with_value(Value::string("text")).encode(), 0);
        assert_eq!(incoming.unwrap().events[0].body_size, 4);
        // A map of one entry as map8: 3 header bytes, `a` as str8 (2 + 1) and a smallint (2).
        let map = Value::Map(vec![(Value::string("a"), Value::Int(1))]);
        let incoming = incoming_events(Message::with_value(map).encode(), 0);
        assert_eq!(incoming.unwrap().events[0].body_size, 8);
    }

    #[test]
    fn value_body_size_leaves_out_properties() {
        let message = Message {
            application_properties: Some(vec![(
                "note".to_owned(),
                Value::string("p".repeat(40_000)),
            )]),
            ..Message::with_value(Value::string("v".repeat(1_000_000)))
        };
        let incoming = incoming_events(message.encode(), 0).unwrap();
        assert_eq!(incoming.events[0].body_size, 1_000_000);
        // `note` as str8 (2 + 4 bytes), the value as str32 (5 + 40,000 bytes).
        assert_eq!(incoming.events[0].properties_size, 40_011);
        assert_eq!(incoming.events[0].size(), 1_040_011);
    }

    #[test]
    fn string_value_of_one_megabyte_fits() {
        let message = Message::with_value(Value::string("v".repeat(1_048_576)));
        let incoming = incoming_events(message.encode(), 0).unwrap();
        assert_eq!(incoming.events[0].size(), 1_048_576);
    }

    #[test]
    fn sequence_body_size_counts_lists() {
        let message = Message {
            body: Body::Sequence(vec![vec![Value::string("ab")], vec![Value::string("cde")]]),
            ..Message::default()
        };
        let incoming = incoming_events(message.encode(), 0).unwrap();
        // Each list as list8 (3 header bytes) with its string as str8 (2 + 2, then 2 + 3).
        assert_eq!(incoming.events[0].body_size, 15);
    }

    #[test]
    fn properties_size_counts_keys_and_values() {
        let message = Message {
            application_properties: Some(vec![(
                "note".to_owned(),
                Value::string("p".repeat(60_000)),
            )]),
            ..Message::with_data(vec![1; 1_048_576])
        };
        let incoming = incoming_events(message.encode(), 0).unwrap();
        assert_eq!(incoming.events[0].body_size, 1_048_576);
        // `note` as str8 (2 + 4 bytes), the value as str32 (5 + 60,000 bytes).
        assert_eq!(incoming.events[0].properties_size, 60_011);
        assert_eq!(incoming.events[0].size(), 1_108_587);
    }

    #[test]
    fn compound_property_values_rejected() {
        let with = |value: Value| Message {
            application_properties: Some(vec![
                ("kind".to_owned(), Value::string("order")),
                ("tags".to_owned(), value),
            ]),
            ..Message::with_data(b"{}".to_vec())
        };
        let cases = [
            (Value::List(vec![Value::Int(1)]), "a list"),
            (
                Value::Map(vec![(Value::string("a"), Value::Int(1))]),
                "a map",
            ),
        ];
        for (value, kind) in cases {
            let error = incoming_events(with(value).encode(), 0).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("application property `tags` is {kind}: ")),
                "{error}"
            );
        }
        let simple = Value::Timestamp(amqp::Timestamp(1_800_000_000_000));
        assert!(incoming_events(with(simple).encode(), 0).is_ok());
        let batch = Message {
            body: Body::Data(vec![with(Value::List(Vec::new())).encode()]),
            ..Message::default()
        };
        assert!(matches!(
            incoming_events(batch.encode(), BATCH_MESSAGE_FORMAT),
            Err(IncomingError::NotSimpleProperty { .. })
        ));
    }

    #[test]
    fn properties_size_counts_message_properties() {
        let message = Message {
            properties: Some(Properties {
                message_id: Some(Value::string("order-1")),
                content_type: Some(Symbol::from("application/json")),
                ..Properties::default()
            }),
            ..Message::with_data(b"{}".to_vec())
        };
        let incoming = incoming_events(message.encode(), 0).unwrap();
        // `order-1` as str8 (2 + 7 bytes), `application/json` as sym8 (2 + 16 bytes).
        assert_eq!(incoming.events[0].properties_size, 27);
    }

    #[test]
    fn empty_sections_add_nothing_to_size() {
        // `@azure/event-hubs` 6.0.4 sends an empty header, message annotations and properties
        // with every event of a batch.
        let message = Message {
            header: Some(Header::default()),
            message_annotations: Some(Vec::new()),
            properties: Some(Properties::default()),
            application_properties: Some(Vec::new()),
            ..Message::with_data(vec![1; 1_048_576])
        };
        let envelope = Message {
            body: Body::Data(vec![message.encode()]),
            ..Message::default()
        };
        let incoming = incoming_events(envelope.encode(), BATCH_MESSAGE_FORMAT).unwrap();
        assert_eq!(incoming.events[0].properties_size, 0);
        assert_eq!(incoming.events[0].size(), 1_048_576);
    }

    #[test]
    fn annotations_do_not_count_as_properties() {
        let incoming = incoming_events(keyed(b"abc", Some("customer-42")).encode(), 0).unwrap();
        assert_eq!(incoming.events[0].properties_size, 0);
        // The body and the 11-byte partition key, which the broker stores with the event.
        assert_eq!(incoming.events[0].size(), 14);
    }

    #[test]
    fn batch_takes_first_inner_key_without_envelope_key() {
        let inner: Vec<Vec<u8>> = vec![
            keyed(b"a", None).encode(),
            keyed(b"b", Some("lead-9")).encode(),
        ];
        let envelope = Message {
            body: Body::Data(inner),
            ..Message::default()
        };
        let incoming = incoming_events(envelope.encode(), BATCH_MESSAGE_FORMAT).unwrap();
        assert_eq!(incoming.partition_key.as_deref(), Some("lead-9"));
        assert_eq!(incoming.events[0].partition_key.as_deref(), Some("lead-9"));
    }

    fn batch_of(envelope_key: Option<&str>, inner_keys: &[Option<&str>]) -> Vec<u8> {
        let inner = inner_keys
            .iter()
            .map(|key| keyed(b"event", *key).encode())
            .collect();
        let mut envelope = keyed(b"", envelope_key);
        envelope.body = Body::Data(inner);
        envelope.encode()
    }

    #[test]
    fn batch_with_two_inner_keys_rejected() {
        let batch = batch_of(None, &[Some("customer-42"), None, Some("customer-7")]);
        let Err(error) = incoming_events(batch, BATCH_MESSAGE_FORMAT) else {
            panic!("a batch with two partition keys was accepted");
        };
        assert_eq!(
            error.to_string(),
            "event 2 of the batch has partition key `customer-7`, but event 0 has \
             `customer-42`: a batch goes to one partition, so send events with different \
             partition keys in separate batches"
        );
    }

    #[test]
    fn inner_key_differing_from_envelope_rejected() {
        let batch = batch_of(
            Some("customer-42"),
            &[Some("customer-42"), Some("Customer-42")],
        );
        let Err(error) = incoming_events(batch, BATCH_MESSAGE_FORMAT) else {
            panic!("an event keyed apart from its batch was accepted");
        };
        assert_eq!(
            error.to_string(),
            "event 1 of the batch has partition key `Customer-42`, but the batch has \
             `customer-42`: a batch goes to one partition, so send events with different \
             partition keys in separate batches"
        );
    }

    #[test]
    fn batch_with_one_key_throughout_accepted() {
        let cases = [
            batch_of(Some("lead-7"), &[Some("lead-7"), None, Some("lead-7")]),
            batch_of(None, &[Some("lead-7"), Some("lead-7")]),
            batch_of(None, &[None, None]),
        ];
        for batch in cases {
            assert!(incoming_events(batch, BATCH_MESSAGE_FORMAT).is_ok());
        }
    }

    #[test]
    fn long_key_shortened_in_error() {
        let long = "k".repeat(300_000);
        let batch = batch_of(None, &[Some("a"), Some(long.as_str())]);
        let Err(error) = incoming_events(batch, BATCH_MESSAGE_FORMAT) else {
            panic!("a batch with two partition keys was accepted");
        };
        let message = error.to_string();
        assert!(message.len() < 400, "{} bytes", message.len());
        assert!(
            message.contains(&format!("`{}…` (300000 bytes)", "k".repeat(64))),
            "{message}"
        );
    }

    #[test]
    fn garbage_payload_is_a_decode_error() {
        assert!(incoming_events(vec![0xff, 0x00], 0).is_err());
    }
}
