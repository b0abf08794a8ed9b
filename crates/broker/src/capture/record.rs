//! Capture records and Azure's capture schema.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use apache_avro::types::Value;
use apache_avro::Schema;

/// Azure's capture schema, as the header of an Event Hubs capture file contains it: record
/// `EventData` in namespace `Microsoft.ServiceBus.Messaging`. `Properties` allows `null`, which
/// the schema printed in Azure's capture documentation leaves out, but files that Azure writes
/// have.
pub const CAPTURE_SCHEMA: &str = r#"{
    "type": "record",
    "name": "EventData",
    "namespace": "Microsoft.ServiceBus.Messaging",
    "fields": [
        {"name": "SequenceNumber", "type": "long"},
        {"name": "Offset", "type": "string"},
        {"name": "EnqueuedTimeUtc", "type": "string"},
        {"name": "SystemProperties", "type": {"type": "map", "values": ["long", "double", "string", "bytes"]}},
        {"name": "Properties", "type": {"type": "map", "values": ["long", "double", "string", "bytes", "null"]}},
        {"name": "Body", "type": ["null", "bytes"]}
    ]
}"#;

/// Returns the parsed capture schema.
pub fn capture_schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::parse_str(CAPTURE_SCHEMA).expect("the capture schema is valid"))
}

/// A property value, one branch of the schema's `["long", "double", "string", "bytes", "null"]`
/// union. `SystemProperties` has no `null` branch, so it never contains [`CaptureValue::Null`].
#[derive(Debug, Clone, PartialEq)]
pub enum CaptureValue {
    /// An integer of any AMQP width, widened to 64 bits.
    Long(i64),
    /// A floating-point number.
    Double(f64),
    /// A string, also used for values of other AMQP types written as text (such as UUIDs,
    /// symbols and timestamps).
    String(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// An application property whose value is null.
    Null,
}

/// One captured event.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureRecord {
    /// The event's sequence number.
    pub sequence_number: i64,
    /// The event's offset.
    pub offset: String,
    /// The enqueued time in milliseconds since the Unix epoch.
    pub enqueued_time_ms: i64,
    /// Broker annotations and AMQP message properties.
    pub system_properties: BTreeMap<String, CaptureValue>,
    /// The application properties.
    pub properties: BTreeMap<String, CaptureValue>,
    /// The body: the event's bytes exactly as sent.
    pub body: Vec<u8>,
}

impl CaptureRecord {
    /// Estimates the record's size in a file before compression, for size windows.
    pub fn estimated_size(&self) -> u64 {
        let properties: usize = self
            .system_properties
            .iter()
            .chain(&self.properties)
            .map(|(name, value)| name.len() + value_size(value))
            .sum();
        (self.body.len() + self.offset.len() + properties + 40) as u64
    }

    /// Converts the record to an Avro value of the capture schema.
    pub(super) fn to_avro(&self) -> Value {
        Value::Record(vec![
            (
                "SequenceNumber".to_owned(),
                Value::Long(self.sequence_number),
            ),
            ("Offset".to_owned(), Value::String(self.offset.clone())),
            (
                "EnqueuedTimeUtc".to_owned(),
                Value::String(format_enqueued_time(self.enqueued_time_ms)),
            ),
            (
                "SystemProperties".to_owned(),
                map_to_avro(&self.system_properties, false),
            ),
            ("Properties".to_owned(), map_to_avro(&self.properties, true)),
            (
                "Body".to_owned(),
                Value::Union(1, Box::new(Value::Bytes(self.body.clone()))),
            ),
        ])
    }
}

/// Formats an enqueued time as ISO 8601 in UTC with seven fractional digits, the round-trip
/// form .NET writes (`2026-12-04T14:05:09.1230000Z`).
// NOTE: Event Hubs Capture in Azure may format this string differently. The form here is the
// one Azure IoT Hub routing writes to its Avro files.
pub(super) fn format_enqueued_time(time_ms: i64) -> String {
    let time = chrono::DateTime::from_timestamp_millis(time_ms).unwrap_or_default();
    format!("{}0000Z", time.format("%Y-%m-%dT%H:%M:%S%.3f"))
}

fn value_size(value: &CaptureValue) -> usize {
    match value {
        CaptureValue::Long(_) | CaptureValue::Double(_) => 8,
        CaptureValue::String(text) => text.len(),
        CaptureValue::Bytes(bytes) => bytes.len(),
        CaptureValue::Null => 0,
    }
}

/// Converts a property map to an Avro map. `with_null` is whether the map's union has the `null`
/// branch. Without it, null values are left out.
fn map_to_avro(map: &BTreeMap<String, CaptureValue>, with_null: bool) -> Value {
    let entries: HashMap<String, Value> = map
        .iter()
        .filter(|(_, value)| with_null || **value != CaptureValue::Null)
        .map(|(name, value)| {
            let value = match value {
                CaptureValue::Long(number) => Value::Union(0, Box::new(Value::Long(*number))),
                CaptureValue::Double(number) => Value::Union(1, Box::new(Value::Double(*number))),
                CaptureValue::String(text) => {
                    Value::Union(2, Box::new(Value::String(text.clone())))
                }
                CaptureValue::Bytes(bytes) => {
                    Value::Union(3, Box::new(Value::Bytes(bytes.clone())))
                }
                CaptureValue::Null => Value::Union(4, Box::new(Value::Null)),
            };
            (name.clone(), value)
        })
        .collect();
    Value::Map(entries)
}

/// Converts an Avro value of the capture schema back to a record.
pub(super) fn from_avro(value: Value) -> Option<CaptureRecord> {
    let Value::Record(fields) = value else {
        return None;
    };
    let mut sequence_number = None;
    let mut offset = None;
    let mut enqueued = None;
    let mut system_properties = BTreeMap::new();
    let mut properties = BTreeMap::new();
    let mut body = Vec::new();
    for (name, field) in fields {
        match (name.as_str(), field) {
            ("SequenceNumber", Value::Long(number)) => sequence_number = Some(number),
            ("Offset", Value::String(text)) => offset = Some(text),
            ("EnqueuedTimeUtc", Value::String(text)) => enqueued = Some(text),
            ("SystemProperties", Value::Map(map)) => system_properties = map_from_avro(map),
            ("Properties", Value::Map(map)) => properties = map_from_avro(map),
            ("Body", Value::Union(_, inner)) => {
                if let Value::Bytes(bytes) = *inner {
                    body = bytes;
                }
            }
            _ => {}
        }
    }
    let enqueued_time_ms = chrono::DateTime::parse_from_rfc3339(&enqueued?)
        .ok()?
        .timestamp_millis();
    Some(CaptureRecord {
        sequence_number: sequence_number?,
        offset: offset?,
        enqueued_time_ms,
        system_properties,
        properties,
        body,
    })
}

fn map_from_avro(map: HashMap<String, Value>) -> BTreeMap<String, CaptureValue> {
    map.into_iter()
        .filter_map(|(name, value)| {
            let inner = match value {
                Value::Union(_, inner) => *inner,
                other => other,
            };
            let value = match inner {
                Value::Long(number) => CaptureValue::Long(number),
                Value::Double(number) => CaptureValue::Double(number),
                Value::String(text) => CaptureValue::String(text),
                Value::Bytes(bytes) => CaptureValue::Bytes(bytes),
                Value::Null => CaptureValue::Null,
                _ => return None,
            };
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_match_azure() {
        let Schema::Record(record) = capture_schema() else {
            panic!("the capture schema is a record");
        };
        assert_eq!(record.name.name, "EventData");
        assert_eq!(
            record.name.namespace.as_deref(),
            Some("Microsoft.ServiceBus.Messaging")
        );
        let names: Vec<&str> = record
            .fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(
            names,
            vec![
                "SequenceNumber",
                "Offset",
                "EnqueuedTimeUtc",
                "SystemProperties",
                "Properties",
                "Body"
            ]
        );
    }

    #[test]
    fn null_property_round_trips() {
        let record = CaptureRecord {
            sequence_number: 1,
            offset: "100".to_owned(),
            enqueued_time_ms: 1_796_392_309_123,
            system_properties: BTreeMap::from([("x-opt-offset".to_owned(), CaptureValue::Null)]),
            properties: BTreeMap::from([("discount".to_owned(), CaptureValue::Null)]),
            body: b"lead".to_vec(),
        };
        let value = record.to_avro();
        assert!(value.validate(capture_schema()), "{value:?}");

        let read = from_avro(value).unwrap();
        assert_eq!(
            read.properties.get("discount"),
            Some(&CaptureValue::Null),
            "Properties keeps a null value"
        );
        assert!(
            read.system_properties.is_empty(),
            "SystemProperties has no null branch, so a null value is left out"
        );
    }

    #[test]
    fn enqueued_time_format() {
        assert_eq!(
            format_enqueued_time(1_796_392_309_123),
            "2026-12-04T13:51:49.1230000Z"
        );
    }
}
