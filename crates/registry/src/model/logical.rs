//! Logical types other than `decimal`, read from a type's `logicalType` attribute.
//!
//! The list and the type each logical type annotates follow the Avro specification, version
//! 1.12. Under the specification, a reader ignores an unknown logical type, or one on a type it
//! does not annotate (such as `timestamp-millis` on a string), and uses the underlying type. So
//! the model drops such an attribute, and a schema with it parses as if it were absent.

use serde_json::{Map, Value};

use super::AvroType;

/// A logical type of the Avro specification other than `decimal`, which
/// [`Decimal`](super::Decimal) describes with its precision and scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicalType {
    /// `uuid`: a UUID, as text on a string or as 16 bytes on a fixed type of size 16.
    Uuid,
    /// `date` on an int: days since 1970-01-01.
    Date,
    /// `time-millis` on an int: milliseconds after midnight.
    TimeMillis,
    /// `time-micros` on a long: microseconds after midnight.
    TimeMicros,
    /// `timestamp-millis` on a long: milliseconds since 1970-01-01 00:00 UTC.
    TimestampMillis,
    /// `timestamp-micros` on a long: microseconds since 1970-01-01 00:00 UTC.
    TimestampMicros,
    /// `timestamp-nanos` on a long: nanoseconds since 1970-01-01 00:00 UTC.
    TimestampNanos,
    /// `local-timestamp-millis` on a long: milliseconds since 1970-01-01 00:00 in a local time
    /// zone that the schema does not name.
    LocalTimestampMillis,
    /// `local-timestamp-micros` on a long: microseconds since 1970-01-01 00:00, local time.
    LocalTimestampMicros,
    /// `local-timestamp-nanos` on a long: nanoseconds since 1970-01-01 00:00, local time.
    LocalTimestampNanos,
    /// `duration` on a fixed type of size 12: months, days and milliseconds, three
    /// little-endian unsigned 32-bit integers.
    Duration,
    /// `big-decimal` on bytes: a decimal number that stores its scale with each value.
    BigDecimal,
}

/// Every logical type with its name in the `logicalType` attribute.
const NAMES: [(LogicalType, &str); 12] = [
    (LogicalType::Uuid, "uuid"),
    (LogicalType::Date, "date"),
    (LogicalType::TimeMillis, "time-millis"),
    (LogicalType::TimeMicros, "time-micros"),
    (LogicalType::TimestampMillis, "timestamp-millis"),
    (LogicalType::TimestampMicros, "timestamp-micros"),
    (LogicalType::TimestampNanos, "timestamp-nanos"),
    (LogicalType::LocalTimestampMillis, "local-timestamp-millis"),
    (LogicalType::LocalTimestampMicros, "local-timestamp-micros"),
    (LogicalType::LocalTimestampNanos, "local-timestamp-nanos"),
    (LogicalType::Duration, "duration"),
    (LogicalType::BigDecimal, "big-decimal"),
];

impl LogicalType {
    /// Returns the name as the `logicalType` attribute spells it, such as `timestamp-millis`.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(logical_type, _)| *logical_type == self)
            .map_or("", |(_, name)| name)
    }

    /// Reads the `logicalType` attribute of a primitive type's schema object. Returns `None`
    /// when the attribute is absent, not a string, unknown, or not valid on `primitive`.
    pub(super) fn for_primitive(
        object: &Map<String, Value>,
        primitive: &AvroType,
    ) -> Option<LogicalType> {
        let logical_type = from_attribute(object)?;
        let valid = match logical_type {
            LogicalType::Uuid => *primitive == AvroType::String,
            LogicalType::Date | LogicalType::TimeMillis => *primitive == AvroType::Int,
            LogicalType::TimeMicros
            | LogicalType::TimestampMillis
            | LogicalType::TimestampMicros
            | LogicalType::TimestampNanos
            | LogicalType::LocalTimestampMillis
            | LogicalType::LocalTimestampMicros
            | LogicalType::LocalTimestampNanos => *primitive == AvroType::Long,
            LogicalType::BigDecimal => *primitive == AvroType::Bytes,
            LogicalType::Duration => false,
        };
        valid.then_some(logical_type)
    }

    /// Reads the `logicalType` attribute of a fixed type's schema object, as
    /// [`for_primitive`](Self::for_primitive) does. Only `uuid` (size 16) and `duration`
    /// (size 12) annotate a fixed type, apart from `decimal`.
    pub(super) fn for_fixed(object: &Map<String, Value>, size: u64) -> Option<LogicalType> {
        let logical_type = from_attribute(object)?;
        let valid = match logical_type {
            LogicalType::Uuid => size == 16,
            LogicalType::Duration => size == 12,
            _ => false,
        };
        valid.then_some(logical_type)
    }
}

fn from_attribute(object: &Map<String, Value>) -> Option<LogicalType> {
    let name = object.get("logicalType")?.as_str()?;
    NAMES
        .iter()
        .find(|(_, known)| *known == name)
        .map(|(logical_type, _)| *logical_type)
}
