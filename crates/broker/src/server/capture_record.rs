//! Converting a stored event into a capture record.

use std::collections::BTreeMap;

use amqp::{Body, Message, Value};

use crate::capture::{CaptureRecord, CaptureValue};
use crate::log::StoredEvent;

/// Builds the capture record of a stored event. `Body` gets the bytes of the data sections, or
/// of a binary or string `amqp-value`, and the encoded section for other bodies. `Properties`
/// gets the application properties. `SystemProperties` gets the broker's annotations and the
/// AMQP message properties that are set.
pub(crate) fn capture_record(event: &StoredEvent) -> Result<CaptureRecord, amqp::DecodeError> {
    let message = Message::decode(&event.message)?;
    let mut system_properties = BTreeMap::new();
    system_properties.insert(
        "x-opt-sequence-number".to_owned(),
        CaptureValue::Long(event.sequence_number),
    );
    system_properties.insert(
        "x-opt-offset".to_owned(),
        CaptureValue::String(event.offset.clone()),
    );
    system_properties.insert(
        "x-opt-enqueued-time".to_owned(),
        CaptureValue::Long(event.enqueued_time_ms),
    );
    if let Some(key) = &event.partition_key {
        system_properties.insert(
            "x-opt-partition-key".to_owned(),
            CaptureValue::String(key.clone()),
        );
    }
    if let Some(properties) = &message.properties {
        let text_properties = [
            ("message-id", properties.message_id.as_ref()),
            ("correlation-id", properties.correlation_id.as_ref()),
        ];
        for (name, value) in text_properties {
            if let Some(value) = value.and_then(capture_value) {
                system_properties.insert(name.to_owned(), value);
            }
        }
        let strings = [
            (
                "content-type",
                properties
                    .content_type
                    .as_ref()
                    .map(|symbol| symbol.as_str()),
            ),
            (
                "content-encoding",
                properties
                    .content_encoding
                    .as_ref()
                    .map(|symbol| symbol.as_str()),
            ),
            ("subject", properties.subject.as_deref()),
            ("to", properties.to.as_deref()),
            ("reply-to", properties.reply_to.as_deref()),
            ("group-id", properties.group_id.as_deref()),
        ];
        for (name, value) in strings {
            if let Some(value) = value {
                system_properties.insert(name.to_owned(), CaptureValue::String(value.to_owned()));
            }
        }
    }

    let properties = message
        .application_properties
        .iter()
        .flatten()
        .filter_map(|(name, value)| capture_value(value).map(|value| (name.clone(), value)))
        .collect();
    Ok(CaptureRecord {
        sequence_number: event.sequence_number,
        offset: event.offset.clone(),
        enqueued_time_ms: event.enqueued_time_ms,
        system_properties,
        properties,
        body: body_bytes(&message),
    })
}

fn body_bytes(message: &Message) -> Vec<u8> {
    match &message.body {
        Body::Data(sections) => sections.concat(),
        Body::Value(Value::Binary(bytes)) => bytes.clone(),
        Body::Value(Value::String(text)) => text.clone().into_bytes(),
        Body::Empty => Vec::new(),
        Body::Value(other) => other.to_bytes(),
        Body::Sequence(sequences) => sequences
            .iter()
            .flat_map(|items| Value::List(items.clone()).to_bytes())
            .collect(),
    }
}

/// Maps an AMQP value onto the capture schema's union of long, double, string and bytes.
/// Integers widen to long, floats to double, and other scalar types are written as text. Null,
/// lists, maps and arrays have no place in the union, so they are left out.
fn capture_value(value: &Value) -> Option<CaptureValue> {
    if let Some(number) = value.as_i64() {
        return Some(CaptureValue::Long(number));
    }
    let converted = match value {
        Value::Float(number) => CaptureValue::Double(f64::from(*number)),
        Value::Double(number) => CaptureValue::Double(*number),
        Value::String(text) => CaptureValue::String(text.clone()),
        Value::Symbol(symbol) => CaptureValue::String(symbol.as_str().to_owned()),
        Value::Binary(bytes) => CaptureValue::Bytes(bytes.clone()),
        Value::Bool(flag) => CaptureValue::String(flag.to_string()),
        Value::Char(character) => CaptureValue::String(character.to_string()),
        Value::Timestamp(time) => CaptureValue::Long(time.0),
        Value::Uuid(bytes) => CaptureValue::String(format_uuid(bytes)),
        // A ulong above i64::MAX, the only integer `as_i64` rejects, is kept as text.
        Value::Ulong(number) => CaptureValue::String(number.to_string()),
        _ => return None,
    };
    Some(converted)
}

fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use amqp::{Properties, Symbol};

    use super::*;

    #[test]
    fn record_keeps_body_and_maps_properties() {
        let mut message = Message::with_data(vec![0, 1, 254, 255]);
        message.properties = Some(Properties {
            message_id: Some(Value::string("lead-7")),
            content_type: Some(Symbol::from("application/json")),
            ..Properties::default()
        });
        message.application_properties = Some(vec![
            ("team".to_owned(), Value::string("blue")),
            ("count".to_owned(), Value::Int(3)),
            ("ratio".to_owned(), Value::Double(0.5)),
            ("raw".to_owned(), Value::Binary(vec![9])),
            ("flag".to_owned(), Value::Bool(true)),
            ("empty".to_owned(), Value::Null),
        ]);
        let event = StoredEvent {
            sequence_number: 12,
            offset: "480".to_owned(),
            enqueued_time_ms: 1_790_000_000_000,
            partition_key: Some("customer-42".to_owned()),
            message: message.encode(),
        };

        let record = capture_record(&event).unwrap();
        assert_eq!(record.body, vec![0, 1, 254, 255]);
        assert_eq!(record.sequence_number, 12);
        assert_eq!(record.offset, "480");
        assert_eq!(
            record.properties.get("team"),
            Some(&CaptureValue::String("blue".to_owned()))
        );
        assert_eq!(record.properties.get("count"), Some(&CaptureValue::Long(3)));
        assert_eq!(
            record.properties.get("ratio"),
            Some(&CaptureValue::Double(0.5))
        );
        assert_eq!(
            record.properties.get("raw"),
            Some(&CaptureValue::Bytes(vec![9]))
        );
        assert_eq!(
            record.properties.get("flag"),
            Some(&CaptureValue::String("true".to_owned()))
        );
        assert_eq!(record.properties.get("empty"), None);

        assert_eq!(
            record.system_properties.get("x-opt-partition-key"),
            Some(&CaptureValue::String("customer-42".to_owned()))
        );
        assert_eq!(
            record.system_properties.get("message-id"),
            Some(&CaptureValue::String("lead-7".to_owned()))
        );
        assert_eq!(
            record.system_properties.get("content-type"),
            Some(&CaptureValue::String("application/json".to_owned()))
        );
    }

    #[test]
    fn uuid_written_as_text() {
        let bytes = [
            0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 1, 2, 3, 4, 5, 6, 7,
        ];
        assert_eq!(format_uuid(&bytes), "12345678-9abc-def0-0001-020304050607");
    }
}
