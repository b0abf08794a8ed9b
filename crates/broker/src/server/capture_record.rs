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
            // `SystemProperties` has no null branch.
            let value = value
                .and_then(capture_value)
                .filter(|value| *value != CaptureValue::Null);
            if let Some(value) = value {
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

/// Maps an AMQP value onto the capture schema's union of long, double, string, bytes and null.
/// Integers widen to long, floats to double, timestamps become milliseconds since the Unix
/// epoch, and the other scalar types, decimals included, are written as text. Lists, maps,
/// arrays and described values have no place in the union, so they are left out.
// NOTE: Azure does not document what its capture writes for list, map, array and described
// property values. Leaving them out loses them from the file, but the stored event keeps them.
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
        Value::Decimal32(bytes) => CaptureValue::String(decimal_text(bytes)),
        Value::Decimal64(bytes) => CaptureValue::String(decimal_text(bytes)),
        Value::Decimal128(bytes) => CaptureValue::String(decimal_text(bytes)),
        Value::Null => CaptureValue::Null,
        // A ulong above i64::MAX, the only integer `as_i64` rejects, is kept as text.
        Value::Ulong(number) => CaptureValue::String(number.to_string()),
        _ => return None,
    };
    Some(converted)
}

fn decimal_text(bytes: &[u8]) -> String {
    amqp::decimal_to_string(bytes).unwrap_or_default()
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
    use amqp::{Properties, Symbol, Timestamp};

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
        assert_eq!(record.properties.get("empty"), Some(&CaptureValue::Null));

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
    fn property_of_each_amqp_type_mapped() {
        let uuid = [
            0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0, 1, 2, 3, 4, 5, 6, 7,
        ];
        // decimal64 19.99: coefficient 1999, exponent -2, biased by 398.
        let decimal64 = ((398u64 - 2) << 53 | 1999).to_be_bytes();
        let mut message = Message::with_data(b"lead".to_vec());
        message.application_properties = Some(vec![
            ("byte".to_owned(), Value::Byte(-8)),
            ("ubyte".to_owned(), Value::Ubyte(200)),
            ("short".to_owned(), Value::Short(-300)),
            ("ushort".to_owned(), Value::Ushort(60_000)),
            ("uint".to_owned(), Value::Uint(4_000_000_000)),
            ("long".to_owned(), Value::Long(i64::MIN)),
            ("ulong".to_owned(), Value::Ulong(7)),
            ("ulong-max".to_owned(), Value::Ulong(u64::MAX)),
            ("float".to_owned(), Value::Float(1.5)),
            ("char".to_owned(), Value::Char('é')),
            (
                "timestamp".to_owned(),
                Value::Timestamp(Timestamp(1_790_000_000_123)),
            ),
            ("uuid".to_owned(), Value::Uuid(uuid)),
            ("symbol".to_owned(), Value::symbol("gold")),
            (
                "decimal32".to_owned(),
                Value::Decimal32(((101u32 - 1) << 23 | 25).to_be_bytes()),
            ),
            ("decimal64".to_owned(), Value::Decimal64(decimal64)),
            ("list".to_owned(), Value::List(vec![Value::Int(1)])),
            (
                "map".to_owned(),
                Value::Map(vec![(Value::string("a"), Value::Int(1))]),
            ),
        ]);
        let event = StoredEvent {
            sequence_number: 0,
            offset: "0".to_owned(),
            enqueued_time_ms: 1_790_000_000_000,
            partition_key: None,
            message: message.encode(),
        };

        let properties = capture_record(&event).unwrap().properties;
        let text = |value: &str| Some(CaptureValue::String(value.to_owned()));
        assert_eq!(
            properties.get("byte").cloned(),
            Some(CaptureValue::Long(-8))
        );
        assert_eq!(
            properties.get("ubyte").cloned(),
            Some(CaptureValue::Long(200))
        );
        assert_eq!(
            properties.get("short").cloned(),
            Some(CaptureValue::Long(-300))
        );
        assert_eq!(
            properties.get("ushort").cloned(),
            Some(CaptureValue::Long(60_000))
        );
        assert_eq!(
            properties.get("uint").cloned(),
            Some(CaptureValue::Long(4_000_000_000))
        );
        assert_eq!(
            properties.get("long").cloned(),
            Some(CaptureValue::Long(i64::MIN))
        );
        assert_eq!(
            properties.get("ulong").cloned(),
            Some(CaptureValue::Long(7))
        );
        assert_eq!(
            properties.get("ulong-max").cloned(),
            text("18446744073709551615")
        );
        assert_eq!(
            properties.get("float").cloned(),
            Some(CaptureValue::Double(1.5))
        );
        assert_eq!(properties.get("char").cloned(), text("é"));
        assert_eq!(
            properties.get("timestamp").cloned(),
            Some(CaptureValue::Long(1_790_000_000_123))
        );
        assert_eq!(
            properties.get("uuid").cloned(),
            text("12345678-9abc-def0-0001-020304050607")
        );
        assert_eq!(properties.get("symbol").cloned(), text("gold"));
        assert_eq!(properties.get("decimal32").cloned(), text("2.5"));
        assert_eq!(properties.get("decimal64").cloned(), text("19.99"));
        assert_eq!(properties.get("list"), None);
        assert_eq!(properties.get("map"), None);
    }

    #[test]
    fn null_ids_left_out_of_system_properties() {
        let mut message = Message::with_data(b"lead".to_vec());
        message.properties = Some(Properties {
            message_id: Some(Value::Null),
            correlation_id: Some(Value::Ulong(42)),
            ..Properties::default()
        });
        let event = StoredEvent {
            sequence_number: 0,
            offset: "0".to_owned(),
            enqueued_time_ms: 1_790_000_000_000,
            partition_key: None,
            message: message.encode(),
        };

        let record = capture_record(&event).unwrap();
        assert_eq!(record.system_properties.get("message-id"), None);
        assert_eq!(
            record.system_properties.get("correlation-id"),
            Some(&CaptureValue::Long(42))
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
