//! Warnings for fields that change between bytes and string.
//!
//! The Avro specification lets a reader's string read a writer's bytes, and the other way
//! round, so the registry accepts such a version in every mode. A string reader decodes the
//! bytes as UTF-8 text, which fails for any value that is not valid UTF-8: a hash, an image or
//! a compressed payload. The registry cannot see the values, so it warns where a string reads
//! bytes, in the direction that the change creates: new readers of the latest version's
//! bytes, or readers of the latest version on the new version's bytes. Reading a string as
//! bytes always works and gives no warning.

use super::defaults::{Warning, WarningProblem};
use super::resolve::{bytes_read_as_text, BytesReadAsText};
use crate::model::ParsedSchema;

/// Lists every field that the latest version, numbered `latest_version`, and the new version
/// declare as bytes on one side and as a string on the other. A change never rejects a
/// version.
pub fn check_bytes_read_as_text(
    latest: &ParsedSchema,
    latest_version: u32,
    new: &ParsedSchema,
) -> Vec<Warning> {
    let new_reads_latest = bytes_read_as_text(new, latest)
        .into_iter()
        .map(|place| warning(&place, Side::NewReadsLatest, latest_version));
    let latest_reads_new = bytes_read_as_text(latest, new)
        .into_iter()
        .map(|place| warning(&place, Side::LatestReadsNew, latest_version));
    new_reads_latest.chain(latest_reads_new).collect()
}

/// The readers that decode bytes as text.
#[derive(Debug, Clone, Copy)]
enum Side {
    /// Readers of the new version, on data of the latest version.
    NewReadsLatest,
    /// Readers of the latest version, on data of the new version.
    LatestReadsNew,
}

fn warning(place: &BytesReadAsText, side: Side, latest_version: u32) -> Warning {
    let subject = if place.path.is_empty() {
        "the top-level type".to_string()
    } else {
        format!("field `{}`", place.path)
    };
    let (old, new, readers, writers) = match side {
        Side::NewReadsLatest => (
            "bytes",
            "string",
            "readers of the new version".to_string(),
            format!("version {latest_version} wrote"),
        ),
        Side::LatestReadsNew => (
            "string",
            "bytes",
            format!("readers of version {latest_version}"),
            "the new version writes".to_string(),
        ),
    };
    let message = format!(
        "{subject} changes from {old} to {new}. The registry accepts the version, because Avro \
         reads bytes as a string and a string as bytes, but {readers} decode the bytes that \
         {writers} as UTF-8 text and fail on any value that is not text, such as a hash, an \
         image or compressed data"
    );
    let fix = if place.path.is_empty() {
        format!("keep the top-level type {old}")
    } else {
        format!(
            "keep {subject} as {old}. To store values as {new}, add a new field of type {new} \
             with a default, which is compatible in both directions"
        )
    };
    Warning {
        field: if place.path.is_empty() {
            "(top level)".to_string()
        } else {
            place.path.clone()
        },
        record: place.reader_record.clone().unwrap_or_default(),
        default: None,
        problem: WarningProblem::BytesReadAsText {
            old: old.to_string(),
            new: new.to_string(),
        },
        message,
        fix,
    }
}
