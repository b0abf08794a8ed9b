//! Printing received events: one JSON object per line with `--json`, else a header line and
//! indented lines for the properties and the body.
//!
//! Event data comes from any sender, so the text form escapes control characters in keys,
//! properties and bodies: a newline or an escape sequence in an event cannot fake an output line
//! or drive the terminal. The JSON form keeps the data exact: a body that is not UTF-8 comes as
//! `body_base64` with `body` null, and property values keep their JSON types. `body_type` tells
//! a data body from an AMQP value or sequence body, which other clients may send and which
//! comes as JSON in `body_value` or `body_sequences`.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use flow::transport::{BodyType, PropertyValue, ReceivedEvent};
use serde_json::{json, Value};

/// Prints one event to standard output.
pub(super) fn print_event(event: &ReceivedEvent, as_json: bool) {
    if as_json {
        println!("{}", event_json(event));
    } else {
        print!("{}", event_text(event));
    }
}

fn event_json(event: &ReceivedEvent) -> Value {
    let (body, body_base64) = match std::str::from_utf8(&event.body) {
        Ok(text) => (Value::from(text), Value::Null),
        Err(_) => (Value::Null, Value::from(BASE64.encode(&event.body))),
    };
    let properties: serde_json::Map<String, Value> = event
        .properties
        .iter()
        .map(|(name, value)| (name.clone(), property_json(value)))
        .collect();
    let mut value = json!({
        "partition_id": event.partition_id,
        "sequence_number": event.sequence_number,
        "offset": event.offset,
        "enqueued_time": time_text(event.enqueued_time_ms),
        "partition_key": event.partition_key,
        "content_type": event.content_type,
        "message_id": event.message_id,
        "correlation_id": event.correlation_id,
        "properties": properties,
        "body_type": body_type_name(&event.body_type),
        "body": body,
        "body_base64": body_base64,
    });
    match &event.body_type {
        BodyType::Data { sections } if *sections > 1 => {
            value["data_sections"] = json!(sections);
        }
        BodyType::Data { .. } => {}
        BodyType::Value(body_value) => {
            value["body"] = Value::Null;
            value["body_value"] = body_value.clone();
        }
        BodyType::Sequence(sequences) => {
            value["body"] = Value::Null;
            value["body_sequences"] = Value::from(sequences.clone());
        }
    }
    value
}

fn body_type_name(body_type: &BodyType) -> &'static str {
    match body_type {
        BodyType::Data { .. } => "data",
        BodyType::Value(_) => "value",
        BodyType::Sequence(_) => "sequence",
    }
}

/// Writes a property value with its JSON type: numbers, booleans, strings and null as
/// themselves, a timestamp as RFC 3339 text, bytes as `{"base64": ...}`, and a char, symbol,
/// uuid (hyphenated) or decimal as text.
fn property_json(value: &PropertyValue) -> Value {
    match value {
        PropertyValue::String(text) => Value::from(text.as_str()),
        PropertyValue::Long(number) => Value::from(*number),
        PropertyValue::Double(number) => float_json(*number),
        // Through its shortest text, so that 1.1 stays 1.1 instead of its f64 widening.
        PropertyValue::Float(number) => float_json(number.to_string().parse().unwrap_or(f64::NAN)),
        PropertyValue::Bool(flag) => Value::from(*flag),
        PropertyValue::Bytes(bytes) => json!({ "base64": BASE64.encode(bytes) }),
        PropertyValue::Timestamp(ms) => Value::from(time_text(*ms)),
        PropertyValue::Null => Value::Null,
        PropertyValue::Ulong(number) => Value::from(*number),
        PropertyValue::Char(character) => Value::from(character.to_string()),
        PropertyValue::Uuid(uuid) => Value::from(uuid.to_string()),
        PropertyValue::Symbol(text) | PropertyValue::Decimal(text) => Value::from(text.as_str()),
    }
}

/// Writes a float as a JSON number. A NaN or an infinity has no JSON number, so it is written
/// as the text `NaN`, `Infinity` or `-Infinity`, as JavaScript spells them. A string property
/// with the same text looks the same.
fn float_json(number: f64) -> Value {
    match serde_json::Number::from_f64(number) {
        Some(number) => Value::Number(number),
        None if number.is_nan() => Value::from("NaN"),
        None if number > 0.0 => Value::from("Infinity"),
        None => Value::from("-Infinity"),
    }
}

fn event_text(event: &ReceivedEvent) -> String {
    let labelled = |label: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|value| format!(", {label} `{}`", escape_control(value)))
            .unwrap_or_default()
    };
    let mut text = format!(
        "partition {}, sequence number {}, offset {}, enqueued {}{}{}{}\n",
        escape_control(&event.partition_id),
        event.sequence_number,
        escape_control(&event.offset),
        time_text(event.enqueued_time_ms),
        labelled("partition key", &event.partition_key),
        labelled("message id", &event.message_id),
        labelled("correlation id", &event.correlation_id),
    );
    for (name, value) in &event.properties {
        text.push_str(&format!(
            "  property {} = {}\n",
            escape_control(name),
            escape_control(&property_text(value))
        ));
    }
    let body = match (&event.body_type, std::str::from_utf8(&event.body)) {
        (BodyType::Value(value), _) => {
            format!("(AMQP value body) {}", escape_control(&value.to_string()))
        }
        (BodyType::Sequence(sequences), _) => format!(
            "(AMQP sequence body) {}",
            escape_control(&Value::from(sequences.clone()).to_string())
        ),
        (BodyType::Data { sections }, Ok(body)) if *sections > 1 => {
            format!(
                "({sections} data sections, joined) {}",
                escape_control(body)
            )
        }
        (_, Ok(body)) => escape_control(body),
        (_, Err(_)) => format!(
            "({} bytes that are not UTF-8 text: use --json to get them as base64)",
            event.body.len()
        ),
    };
    text.push_str(&format!("  {body}\n"));
    text
}

/// Writes a property's value as text: strings as they are, bytes by their length.
fn property_text(value: &PropertyValue) -> String {
    match value {
        PropertyValue::String(text) => text.clone(),
        PropertyValue::Long(number) => number.to_string(),
        PropertyValue::Double(number) => number.to_string(),
        PropertyValue::Bool(flag) => flag.to_string(),
        PropertyValue::Bytes(bytes) => format!("({} bytes)", bytes.len()),
        PropertyValue::Timestamp(ms) => time_text(*ms),
        PropertyValue::Null => "null".to_owned(),
        PropertyValue::Ulong(number) => number.to_string(),
        PropertyValue::Float(number) => number.to_string(),
        PropertyValue::Char(character) => character.to_string(),
        PropertyValue::Uuid(uuid) => uuid.to_string(),
        PropertyValue::Symbol(text) | PropertyValue::Decimal(text) => text.clone(),
    }
}

fn time_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_else(|| ms.to_string())
}

/// Escapes control characters (C0, DEL and C1) and backslashes the way Rust writes them in
/// string literals, so that `\n` and `\x1b` show as text.
pub(super) fn escape_control(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            _ if character.is_control() => {
                escaped.push_str(&format!("\\u{{{:x}}}", u32::from(character)));
            }
            _ => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use flow::transport::Properties;

    fn event(body: &[u8], properties: Properties, key: Option<&str>) -> ReceivedEvent {
        ReceivedEvent {
            partition_id: "0".to_owned(),
            sequence_number: 4,
            offset: "512".to_owned(),
            enqueued_time_ms: 0,
            partition_key: key.map(str::to_owned),
            content_type: None,
            message_id: None,
            correlation_id: None,
            properties,
            body: body.to_vec(),
            body_type: BodyType::default(),
        }
    }

    #[test]
    fn binary_body_comes_as_base64() {
        let value = event_json(&event(&[0xff, 0x00, 0x41], Properties::new(), None));
        assert_eq!(value["body"], Value::Null);
        assert_eq!(value["body_base64"], "/wBB");
    }

    #[test]
    fn text_body_stays_text() {
        let value = event_json(&event(b"(3 bytes of binary data)", Properties::new(), None));
        assert_eq!(value["body"], "(3 bytes of binary data)");
        assert_eq!(value["body_base64"], Value::Null);
    }

    #[test]
    fn property_values_keep_json_types() {
        let mut properties = Properties::new();
        properties.insert("int".to_owned(), PropertyValue::Long(42));
        properties.insert("float".to_owned(), PropertyValue::Double(2.5));
        properties.insert("bool".to_owned(), PropertyValue::Bool(true));
        properties.insert("bytes".to_owned(), PropertyValue::Bytes(vec![1, 2]));
        let value = event_json(&event(b"", properties, None));
        assert_eq!(value["properties"]["int"], json!(42));
        assert_eq!(value["properties"]["float"], json!(2.5));
        assert_eq!(value["properties"]["bool"], json!(true));
        assert_eq!(value["properties"]["bytes"], json!({ "base64": "AQI=" }));
    }

    #[test]
    fn other_amqp_property_types_keep_json_types() {
        let uuid = "01234567-89ab-cdef-0123-456789abcdef";
        let mut properties = Properties::new();
        properties.insert("null".to_owned(), PropertyValue::Null);
        properties.insert("ulong".to_owned(), PropertyValue::Ulong(u64::MAX));
        properties.insert("float".to_owned(), PropertyValue::Float(1.1));
        properties.insert(
            "uuid".to_owned(),
            PropertyValue::Uuid(uuid.parse().unwrap()),
        );
        properties.insert(
            "decimal".to_owned(),
            PropertyValue::Decimal("1.5".to_owned()),
        );
        properties.insert("char".to_owned(), PropertyValue::Char('x'));
        properties.insert("nan".to_owned(), PropertyValue::Double(f64::NAN));
        properties.insert("inf".to_owned(), PropertyValue::Float(f32::INFINITY));
        let value = event_json(&event(b"", properties, None));
        assert_eq!(value["properties"]["null"], Value::Null);
        assert_eq!(value["properties"]["ulong"], json!(u64::MAX));
        assert_eq!(value["properties"]["float"], json!(1.1));
        assert_eq!(value["properties"]["uuid"], json!(uuid));
        assert_eq!(value["properties"]["decimal"], json!("1.5"));
        assert_eq!(value["properties"]["char"], json!("x"));
        assert_eq!(value["properties"]["nan"], json!("NaN"));
        assert_eq!(value["properties"]["inf"], json!("Infinity"));
    }

    #[test]
    fn value_and_sequence_bodies_named() {
        let mut value_body = event(b"", Properties::new(), None);
        value_body.body_type = BodyType::Value(json!({ "k": "v" }));
        let value = event_json(&value_body);
        assert_eq!(value["body_type"], "value");
        assert_eq!(value["body"], Value::Null);
        assert_eq!(value["body_value"], json!({ "k": "v" }));
        assert!(event_text(&value_body).ends_with("  (AMQP value body) {\"k\":\"v\"}\n"));

        let mut sequence_body = event(b"", Properties::new(), None);
        sequence_body.body_type = BodyType::Sequence(vec![json!([1, 2]), json!([3])]);
        let sequence = event_json(&sequence_body);
        assert_eq!(sequence["body_type"], "sequence");
        assert_eq!(sequence["body_sequences"], json!([[1, 2], [3]]));

        let mut sections = event(b"part1part2", Properties::new(), None);
        sections.body_type = BodyType::Data { sections: 2 };
        let joined = event_json(&sections);
        assert_eq!(joined["body_type"], "data");
        assert_eq!(joined["body"], "part1part2");
        assert_eq!(joined["data_sections"], 2);
        let single = event_json(&event(b"", Properties::new(), None));
        assert_eq!(single["body_type"], "data");
        assert_eq!(single.get("data_sections"), None);
    }

    #[test]
    fn message_and_correlation_ids_shown() {
        let mut received = event(b"x", Properties::new(), Some("customer-42"));
        received.message_id = Some("m-1".to_owned());
        received.correlation_id = Some("order-7".to_owned());
        assert_eq!(
            event_text(&received).lines().next().unwrap(),
            "partition 0, sequence number 4, offset 512, enqueued 1970-01-01T00:00:00.000Z, \
             partition key `customer-42`, message id `m-1`, correlation id `order-7`"
        );
        let value = event_json(&received);
        assert_eq!(value["message_id"], "m-1");
        assert_eq!(value["correlation_id"], "order-7");
        assert_eq!(
            event_json(&event(b"x", Properties::new(), None))["message_id"],
            Value::Null
        );
    }

    #[test]
    fn control_characters_cannot_fake_lines() {
        let body = b"fake\npartition 1, sequence number 999\n  forged\x1b]0;title\x07";
        let mut properties = Properties::new();
        properties.insert(
            "a\nb".to_owned(),
            PropertyValue::String("\x1b[31mred".to_owned()),
        );
        let text = event_text(&event(body, properties, Some("k\nk")));
        assert_eq!(
            text,
            "partition 0, sequence number 4, offset 512, enqueued 1970-01-01T00:00:00.000Z, \
             partition key `k\\nk`\n  property a\\nb = \\u{1b}[31mred\n  fake\\npartition 1, \
             sequence number 999\\n  forged\\u{1b}]0;title\\u{7}\n"
        );
    }
}
