//! Capture files written to a real folder and read back.

use std::collections::BTreeMap;

use broker::capture::{
    list_archives, read_archive, write_archive, ArchiveNameFormat, CaptureRecord, CaptureSettings,
    CaptureValue, PartitionWindow,
};
use chrono::TimeZone;

fn settings(skip_empty: bool) -> CaptureSettings {
    CaptureSettings::new(60, 10, skip_empty, ArchiveNameFormat::course()).unwrap()
}

fn record(sequence_number: i64, body: &[u8], enqueued_time_ms: i64) -> CaptureRecord {
    let mut properties = BTreeMap::new();
    properties.insert(
        "lead-id".to_owned(),
        CaptureValue::String(format!("lead-{sequence_number}")),
    );
    properties.insert("score".to_owned(), CaptureValue::Long(sequence_number * 10));
    properties.insert("ratio".to_owned(), CaptureValue::Double(0.5));
    properties.insert("raw".to_owned(), CaptureValue::Bytes(vec![0, 255]));
    let mut system_properties = BTreeMap::new();
    system_properties.insert(
        "x-opt-sequence-number".to_owned(),
        CaptureValue::Long(sequence_number),
    );
    system_properties.insert(
        "x-opt-partition-key".to_owned(),
        CaptureValue::String("customer-42".to_owned()),
    );
    CaptureRecord {
        sequence_number,
        offset: (sequence_number * 100).to_string(),
        enqueued_time_ms,
        system_properties,
        properties,
        body: body.to_vec(),
    }
}

fn start_ms() -> i64 {
    chrono::Utc
        .with_ymd_and_hms(2026, 3, 7, 9, 5, 0)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn file_lands_at_course_path_and_reads_back() {
    let container = tempfile::tempdir().unwrap();
    let settings = settings(true);
    let mut window = PartitionWindow::new(start_ms());
    let bodies: [&[u8]; 3] = [b"{\"lead\":1}", &[0, 1, 2, 253, 254, 255], b""];
    for (index, body) in bodies.iter().enumerate() {
        let arrival = start_ms() + 1000 * index as i64;
        assert!(window
            .push(record(index as i64, body, arrival), &settings, arrival)
            .is_none());
    }
    let closed = window.poll(&settings, start_ms() + 60_000).unwrap();
    let path = write_archive(container.path(), &settings, "eda-local", "lead", 2, &closed)
        .unwrap()
        .unwrap();
    assert_eq!(
        path,
        container
            .path()
            .join("lead/2026/03/07/09/lead_2026_03_07_09_05_00_2_eda-local.avro")
    );

    let records = read_archive(&path).unwrap();
    assert_eq!(records.len(), 3);
    for (index, body) in bodies.iter().enumerate() {
        assert_eq!(records[index].body, body.to_vec());
        assert_eq!(records[index], closed.records[index]);
    }
}

#[test]
fn empty_window_with_skip_writes_no_file() {
    let container = tempfile::tempdir().unwrap();
    let mut window = PartitionWindow::new(start_ms());
    let closed = window.poll(&settings(true), start_ms() + 60_000).unwrap();
    let written = write_archive(
        container.path(),
        &settings(true),
        "eda-local",
        "lead",
        0,
        &closed,
    )
    .unwrap();
    assert_eq!(written, None);
    assert!(list_archives(container.path()).unwrap().is_empty());
}

#[test]
fn empty_window_without_skip_writes_empty_file() {
    let container = tempfile::tempdir().unwrap();
    let mut window = PartitionWindow::new(start_ms());
    let closed = window.poll(&settings(false), start_ms() + 60_000).unwrap();
    let path = write_archive(
        container.path(),
        &settings(false),
        "eda-local",
        "lead",
        0,
        &closed,
    )
    .unwrap()
    .unwrap();
    assert!(read_archive(&path).unwrap().is_empty());
}

#[test]
fn every_file_listed_in_window_order() {
    let container = tempfile::tempdir().unwrap();
    let settings = settings(true);
    let mut window = PartitionWindow::new(start_ms());
    let mut written = Vec::new();
    for minute in 0..12 {
        let arrival = start_ms() + minute * 60_000 + 5;
        if let Some(closed) = window.poll(&settings, arrival) {
            written.push(
                write_archive(container.path(), &settings, "eda-local", "lead", 0, &closed)
                    .unwrap()
                    .unwrap(),
            );
        }
        window.push(
            record(minute, format!("lead {minute}").as_bytes(), arrival),
            &settings,
            arrival,
        );
    }
    let closed = window.poll(&settings, start_ms() + 12 * 60_000).unwrap();
    written.push(
        write_archive(container.path(), &settings, "eda-local", "lead", 0, &closed)
            .unwrap()
            .unwrap(),
    );

    let listed = list_archives(container.path()).unwrap();
    assert_eq!(listed.len(), 12);
    assert_eq!(listed, written);
    let mut sequence_numbers = Vec::new();
    for path in &listed {
        sequence_numbers.extend(
            read_archive(path)
                .unwrap()
                .iter()
                .map(|record| record.sequence_number),
        );
    }
    assert_eq!(sequence_numbers, (0..12).collect::<Vec<i64>>());
}

#[test]
fn missing_container_lists_nothing() {
    let container = tempfile::tempdir().unwrap();
    assert!(list_archives(&container.path().join("absent"))
        .unwrap()
        .is_empty());
}
