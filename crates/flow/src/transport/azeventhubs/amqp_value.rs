//! Rendering AMQP values the flow has no type for: decimals as text, and the value and sequence
//! bodies that other clients may send as JSON.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use fe2o3_amqp::types::primitives::Value;
use serde_json::{json, Map};

/// Writes a decimal32 as text, such as `1.5` or `1.2E+4`, in the form Python's `decimal` module
/// prints and the broker's capture files use.
pub(super) fn decimal32_text(bytes: [u8; 4]) -> String {
    decimal_text(&bytes)
}

/// Writes a decimal64 as text.
pub(super) fn decimal64_text(bytes: [u8; 8]) -> String {
    decimal_text(&bytes)
}

/// Writes a decimal128 as text.
pub(super) fn decimal128_text(bytes: [u8; 16]) -> String {
    decimal_text(&bytes)
}

fn decimal_text(bytes: &[u8]) -> String {
    amqp::decimal_to_string(bytes).expect("4, 8 and 16 bytes are the AMQP decimal widths")
}

/// Renders an AMQP value as JSON where its type maps: numbers, booleans, strings and null as
/// themselves, lists and arrays as arrays, maps with string keys as objects. The rest reads as
/// text (decimals, chars, symbols, uuids, timestamps in RFC 3339), binary as `{"base64": ...}`,
/// a map with other keys as a list of `[key, value]` pairs, and a described value as
/// `{"descriptor": ..., "value": ...}`.
pub(super) fn value_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(flag) => json!(flag),
        Value::Ubyte(number) => json!(number),
        Value::Ushort(number) => json!(number),
        Value::Uint(number) => json!(number),
        Value::Ulong(number) => json!(number),
        Value::Byte(number) => json!(number),
        Value::Short(number) => json!(number),
        Value::Int(number) => json!(number),
        Value::Long(number) => json!(number),
        Value::Float(number) => float_json(f64::from(number.into_inner())),
        Value::Double(number) => float_json(number.into_inner()),
        Value::Decimal32(number) => json!(decimal32_text(number.clone().into_inner())),
        Value::Decimal64(number) => json!(decimal64_text(number.clone().into_inner())),
        Value::Decimal128(number) => json!(decimal128_text(number.clone().into_inner())),
        Value::Char(character) => json!(character.to_string()),
        Value::Timestamp(timestamp) => {
            let milliseconds = timestamp.milliseconds();
            chrono::DateTime::from_timestamp_millis(milliseconds)
                .map(|time| json!(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)))
                .unwrap_or_else(|| json!(milliseconds))
        }
        Value::Uuid(uuid) => json!(uuid::Uuid::from_bytes(*uuid.as_inner()).to_string()),
        Value::Binary(bytes) => json!({ "base64": BASE64.encode(bytes) }),
        Value::String(text) => json!(text),
        Value::Symbol(symbol) => json!(symbol.0),
        Value::List(items) => items.iter().map(value_json).collect(),
        Value::Array(items) => items.0.iter().map(value_json).collect(),
        Value::Map(entries) => map_json(entries.iter()),
        Value::Described(described) => json!({
            "descriptor": format!("{:?}", described.descriptor),
            "value": value_json(&described.value),
        }),
    }
}

fn map_json<'a>(
    entries: impl Iterator<Item = (&'a Value, &'a Value)> + Clone,
) -> serde_json::Value {
    let all_text = entries
        .clone()
        .all(|(key, _)| matches!(key, Value::String(_)));
    if all_text {
        let object: Map<String, serde_json::Value> = entries
            .filter_map(|(key, value)| match key {
                Value::String(key) => Some((key.clone(), value_json(value))),
                _ => None,
            })
            .collect();
        return serde_json::Value::Object(object);
    }
    entries
        .map(|(key, value)| json!([value_json(key), value_json(value)]))
        .collect()
}

/// Writes a float as a JSON number. A NaN or an infinity has no JSON number, so it is written
/// as the text `NaN`, `Infinity` or `-Infinity`, as JavaScript spells them.
pub(super) fn float_json(number: f64) -> serde_json::Value {
    if number.is_nan() {
        return json!("NaN");
    }
    if number.is_infinite() {
        return json!(if number > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        });
    }
    serde_json::Number::from_f64(number)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal128_from_python_sdk() {
        // Decimal("1.5") as Microsoft's Python SDK 5.15 encodes it: coefficient 15,
        // exponent -1 + 6176 in the 14 bits after the sign.
        let high: u64 = 6175 << 49;
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&15u64.to_be_bytes());
        assert_eq!(decimal128_text(bytes), "1.5");
    }

    #[test]
    fn decimal_signs_exponents_and_specials() {
        let negative = (1u32 << 31) | (101 << 23) | 42;
        assert_eq!(decimal32_text(negative.to_be_bytes()), "-42");
        let small = (96u32 << 23) | 7;
        assert_eq!(decimal32_text(small.to_be_bytes()), "0.00007");
        let large = (104u32 << 23) | 12;
        assert_eq!(decimal32_text(large.to_be_bytes()), "1.2E+4");
        let infinity = 0b0_11110u32 << 26;
        assert_eq!(decimal32_text(infinity.to_be_bytes()), "Infinity");
        let nan = 0b0_11111u32 << 26;
        assert_eq!(decimal32_text(nan.to_be_bytes()), "NaN");
        let one = (398u64 << 53) | 1;
        assert_eq!(decimal64_text(one.to_be_bytes()), "1");
    }

    #[test]
    fn value_body_maps_to_json() {
        let mut map = fe2o3_amqp::types::primitives::OrderedMap::new();
        map.insert(Value::String("k".to_owned()), Value::String("v".to_owned()));
        assert_eq!(value_json(&Value::Map(map)), json!({ "k": "v" }));
        let list = Value::List(vec![Value::Int(1), Value::Null, Value::Bool(true)]);
        assert_eq!(value_json(&list), json!([1, null, true]));
        assert_eq!(value_json(&Value::Long(7)), json!(7));
    }

    #[test]
    fn non_finite_floats_as_text() {
        assert_eq!(float_json(f64::NAN), json!("NaN"));
        assert_eq!(float_json(f64::INFINITY), json!("Infinity"));
        assert_eq!(float_json(f64::NEG_INFINITY), json!("-Infinity"));
        assert_eq!(float_json(0.25), json!(0.25));
    }
}
