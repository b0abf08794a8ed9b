//! Warnings for fields whose logical type differs from the latest version's.
//!
//! A logical type changes what the encoded values mean, not how they are encoded: a
//! `timestamp-millis` and a `timestamp-micros` are both a long. The Avro specification
//! resolves a reader and a writer schema on the underlying types, and of the logical types only
//! requires two decimals to agree. So a version that turns `timestamp-millis` into
//! `timestamp-micros` resolves in both directions and the registry accepts it, but every value
//! written before is read 1,000 times too small. These warnings name each such change, what
//! happens to the values and how to avoid it.
//!
//! Which changes warn:
//!
//! - A difference between the logical types of two types that resolve: one logical type
//!   replaced by another, or one added or removed. This includes a promotion (an int `date`
//!   read as a long `timestamp-millis`), and types in record fields, array items, map values
//!   and union branches.
//! - Not a change of a decimal's precision or scale, which the compatibility check rejects.
//! - Not an unknown logical type, nor one on a type it does not annotate (`timestamp-millis` on
//!   a string). Under the specification, readers ignore such an attribute, so the model drops
//!   it and the type counts as having no logical type. Replacing it with a valid logical type
//!   warns as a logical type added.
//! - In every compatibility mode, None included, because the values change meaning whatever
//!   the mode checks. As in the compatibility check, only the latest version is compared.
//!
//! The comparison walks both directions, new readers on data of the latest version and readers
//! of the latest version on new data, because the two can pair different union branches. A
//! change found by both walks warns once.

use super::defaults::{Warning, WarningProblem};
use super::resolve::{logical_type_changes, Annotated, Logical};
use crate::model::{LogicalType, ParsedSchema};

/// Lists every field whose logical type differs between the latest version, numbered
/// `latest_version`, and the new version. A change never rejects a version.
pub fn check_logical_types(
    latest: &ParsedSchema,
    latest_version: u32,
    new: &ParsedSchema,
) -> Vec<Warning> {
    let new_reads_latest = logical_type_changes(new, latest)
        .into_iter()
        .map(|change| Change {
            path: change.path,
            record: change.reader_record,
            old: change.writer,
            new: change.reader,
        });
    let latest_reads_new = logical_type_changes(latest, new)
        .into_iter()
        .map(|change| Change {
            path: change.path,
            record: change.writer_record,
            old: change.reader,
            new: change.writer,
        });
    let mut changes: Vec<Change> = Vec::new();
    for change in new_reads_latest.chain(latest_reads_new) {
        if !changes.contains(&change) {
            changes.push(change);
        }
    }
    changes
        .iter()
        .map(|change| warning(change, latest_version))
        .collect()
}

/// A logical type change, with the latest version as old and the new version as new.
#[derive(Debug, PartialEq, Eq)]
struct Change {
    path: String,
    /// Full name of the new version's record that declares the field.
    record: Option<String>,
    old: Annotated,
    new: Annotated,
}

fn warning(change: &Change, latest_version: u32) -> Warning {
    let subject = if change.path.is_empty() {
        "the top-level type".to_string()
    } else {
        format!("field `{}`", change.path)
    };
    let message = format!(
        "{subject} changes from {} to {}. The registry accepts the version, because Avro \
         resolves schemas on the underlying types, but the values change meaning. Values that \
         version {latest_version} wrote as {} are read as {} by readers of the new \
         version{}. Readers of version {latest_version} misread values that the new version \
         writes the other way round",
        describe_side(&change.old),
        describe_side(&change.new),
        meaning(&change.old),
        meaning(&change.new),
        consequence(&change.old, &change.new),
    );
    Warning {
        field: if change.path.is_empty() {
            "(top level)".to_string()
        } else {
            change.path.clone()
        },
        record: change.record.clone().unwrap_or_default(),
        default: None,
        problem: WarningProblem::LogicalTypeChanged {
            old: change.old.logical.map(|logical| logical.name()),
            new: change.new.logical.map(|logical| logical.name()),
            underlying: change.new.underlying.clone(),
        },
        message,
        fix: fix(change, &subject),
    }
}

/// Describes one side of a change, such as "long with the logical type `timestamp-millis`".
fn describe_side(side: &Annotated) -> String {
    let ty = match side.fixed_size {
        Some(size) => format!("the fixed type `{}` ({size} bytes)", side.underlying),
        None => side.underlying.clone(),
    };
    match &side.logical {
        Some(logical) => format!("{ty} with the logical type `{}`", logical.name()),
        None => format!("{ty} without a logical type"),
    }
}

/// Describes the quantity an encoded value stands for, such as "milliseconds since 1970-01-01
/// 00:00 UTC".
fn meaning(side: &Annotated) -> String {
    let logical_type = match side.logical {
        None if side.fixed_size.is_some() || side.underlying == "bytes" => {
            return "plain bytes".to_string()
        }
        None => return format!("plain {} values", side.underlying),
        Some(Logical::Decimal(decimal)) => return format!("decimals with scale {}", decimal.scale),
        Some(Logical::Other(logical_type)) => logical_type,
    };
    let text = match logical_type {
        LogicalType::Uuid if side.fixed_size.is_some() => "UUIDs of 16 bytes",
        LogicalType::Uuid => "UUIDs in text form",
        LogicalType::Date => "days since 1970-01-01",
        LogicalType::TimeMillis => "milliseconds after midnight",
        LogicalType::TimeMicros => "microseconds after midnight",
        LogicalType::TimestampMillis => "milliseconds since 1970-01-01 00:00 UTC",
        LogicalType::TimestampMicros => "microseconds since 1970-01-01 00:00 UTC",
        LogicalType::TimestampNanos => "nanoseconds since 1970-01-01 00:00 UTC",
        LogicalType::LocalTimestampMillis => "milliseconds since 1970-01-01 00:00 local time",
        LogicalType::LocalTimestampMicros => "microseconds since 1970-01-01 00:00 local time",
        LogicalType::LocalTimestampNanos => "nanoseconds since 1970-01-01 00:00 local time",
        LogicalType::Duration => "months, days and milliseconds",
        LogicalType::BigDecimal => "decimals that store their scale with each value",
    };
    text.to_string()
}

/// Describes what the change does to a value, as a clause that follows the sentence on
/// meanings. Returns an empty string when the two meanings are enough.
fn consequence(old: &Annotated, new: &Annotated) -> String {
    match (old.logical, new.logical) {
        (None, Some(_)) => ", which is right only if every old value already meant that".into(),
        (Some(_), None) => {
            ", and libraries that convert logical types return them unconverted".into()
        }
        (Some(Logical::Other(old)), Some(Logical::Other(new))) => time_consequence(old, new),
        _ => String::new(),
    }
}

/// The origin that a time logical type counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// 1970-01-01 00:00 UTC.
    UtcEpoch,
    /// 1970-01-01 00:00 in a local time zone.
    LocalEpoch,
    /// The date 1970-01-01, with no time zone.
    CalendarEpoch,
    /// Midnight.
    Midnight,
}

const NANOSECONDS_PER_DAY: u64 = 86_400_000_000_000;

/// Returns what a time logical type counts from and its unit in nanoseconds, or `None` for a
/// logical type that is not a time.
fn time_scale(logical_type: LogicalType) -> Option<(Origin, u64)> {
    Some(match logical_type {
        LogicalType::Date => (Origin::CalendarEpoch, NANOSECONDS_PER_DAY),
        LogicalType::TimeMillis => (Origin::Midnight, 1_000_000),
        LogicalType::TimeMicros => (Origin::Midnight, 1_000),
        LogicalType::TimestampMillis => (Origin::UtcEpoch, 1_000_000),
        LogicalType::TimestampMicros => (Origin::UtcEpoch, 1_000),
        LogicalType::TimestampNanos => (Origin::UtcEpoch, 1),
        LogicalType::LocalTimestampMillis => (Origin::LocalEpoch, 1_000_000),
        LogicalType::LocalTimestampMicros => (Origin::LocalEpoch, 1_000),
        LogicalType::LocalTimestampNanos => (Origin::LocalEpoch, 1),
        LogicalType::Uuid | LogicalType::Duration | LogicalType::BigDecimal => return None,
    })
}

/// Describes how far a time moves when read with another unit or time zone. Times that count from
/// midnight and times that count from 1970 are not compared, because the two meanings already
/// differ in more than a factor.
fn time_consequence(old: LogicalType, new: LogicalType) -> String {
    let (Some((old_origin, old_unit)), Some((new_origin, new_unit))) =
        (time_scale(old), time_scale(new))
    else {
        return String::new();
    };
    if (old_origin == Origin::Midnight) != (new_origin == Origin::Midnight) {
        return String::new();
    }
    let zones_differ = matches!(
        (old_origin, new_origin),
        (Origin::UtcEpoch, Origin::LocalEpoch) | (Origin::LocalEpoch, Origin::UtcEpoch)
    );
    let factor = old_unit.max(new_unit) / old_unit.min(new_unit);
    let zone = "moves by the offset between UTC and the reader's time zone";
    match (factor > 1, zones_differ) {
        (true, true) => format!(
            ", so every value is off by a factor of {} and {zone}",
            with_thousands_separators(factor)
        ),
        (true, false) => format!(
            ", so every value is off by a factor of {}",
            with_thousands_separators(factor)
        ),
        (false, true) => format!(", so every value {zone}"),
        (false, false) => String::new(),
    }
}

fn with_thousands_separators(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Proposes keeping the old logical type, or a new field for values of the new kind.
fn fix(change: &Change, subject: &str) -> String {
    let keep = match &change.old.logical {
        Some(logical) => format!("keep the logical type `{}` on {subject}", logical.name()),
        None => format!("keep {subject} without a logical type"),
    };
    let Some(new_field) = new_field(change) else {
        return format!("{keep}, so that old and new values mean the same");
    };
    format!(
        "{keep}, so that old and new values mean the same. To store values of the new kind, \
         {new_field}. A new field with a default is compatible in both directions"
    )
}

/// Proposes a new field for values of the new kind, or `None` at the top level.
fn new_field(change: &Change) -> Option<String> {
    if change.path.is_empty() {
        return None;
    }
    let side = &change.new;
    if change.path.ends_with("[]") || change.path.ends_with("{}") {
        let contents = if change.path.ends_with("[]") {
            "items"
        } else {
            "values"
        };
        let logical = match &side.logical {
            Some(logical) => format!("the logical type `{}`", logical.name()),
            None => "no logical type".to_string(),
        };
        return Some(format!(
            "add a new field whose {contents} have {logical}, with a default, and leave the \
             old one as it is"
        ));
    }
    if let Some(size) = side.fixed_size {
        let logical = match &side.logical {
            Some(logical) => format!("with the logical type `{}`", logical.name()),
            None => "without a logical type".to_string(),
        };
        return Some(format!(
            "add a new field of type [\"null\", F] with \"default\": null, where F is a fixed \
             type of {size} bytes {logical} under a name of its own, and leave the old field as \
             it is"
        ));
    }
    let base = format!("\"{}\"", side.underlying);
    let ty = match &side.logical {
        None => base,
        Some(Logical::Decimal(decimal)) => format!(
            "{{\"type\": {base}, \"logicalType\": \"decimal\", \"precision\": {}, \"scale\": {}}}",
            decimal.precision, decimal.scale
        ),
        Some(Logical::Other(logical_type)) => format!(
            "{{\"type\": {base}, \"logicalType\": \"{}\"}}",
            logical_type.name()
        ),
    };
    Some(format!(
        "add a new field of type [\"null\", {ty}] with \"default\": null, and leave the old field \
         as it is"
    ))
}

#[cfg(test)]
mod tests;
