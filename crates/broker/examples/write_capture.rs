//! Writes one capture file with known records into the folder given as the only argument and
//! prints its path, so that independent Avro readers can be checked against it.

use std::collections::BTreeMap;

use broker::capture::{
    archive_path, write_archive, ArchiveNameFormat, CaptureRecord, CaptureSettings, CaptureValue,
};

/// 2026-03-07T09:05:00Z in milliseconds since the Unix epoch.
const WINDOW_START_MS: i64 = 1_772_874_300_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let container = std::env::args()
        .nth(1)
        .ok_or("usage: write_capture FOLDER")?;
    let settings = CaptureSettings::new(60, 10, true, ArchiveNameFormat::course())?;
    let mut records = Vec::new();
    for sequence_number in 0..3i64 {
        let mut properties = BTreeMap::new();
        properties.insert(
            "lead-id".to_owned(),
            CaptureValue::String(format!("lead-{sequence_number}")),
        );
        properties.insert("score".to_owned(), CaptureValue::Long(sequence_number * 10));
        properties.insert("ratio".to_owned(), CaptureValue::Double(0.25));
        properties.insert("raw".to_owned(), CaptureValue::Bytes(vec![0, 255]));
        properties.insert("discount".to_owned(), CaptureValue::Null);
        let mut system_properties = BTreeMap::new();
        system_properties.insert(
            "x-opt-sequence-number".to_owned(),
            CaptureValue::Long(sequence_number),
        );
        system_properties.insert(
            "x-opt-partition-key".to_owned(),
            CaptureValue::String("customer-42".to_owned()),
        );
        // Bodies: JSON text, then every byte value, then an empty body.
        let body = match sequence_number {
            0 => br#"{"lead":"lead-0"}"#.to_vec(),
            1 => (0..=255u8).collect(),
            _ => Vec::new(),
        };
        let arrival = WINDOW_START_MS + 1000 * sequence_number;
        let record = CaptureRecord {
            sequence_number,
            offset: (sequence_number * 100).to_string(),
            enqueued_time_ms: arrival,
            system_properties,
            properties,
            body,
        };
        records.push(record);
    }
    let path = archive_path(
        container.as_ref(),
        &settings,
        "eda-local",
        "lead",
        2,
        WINDOW_START_MS,
    );
    write_archive(&path, &records)?;
    println!("{}", path.display());
    Ok(())
}
