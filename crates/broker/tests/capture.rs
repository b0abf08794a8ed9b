//! Capture files written to a real folder and read back.

use std::collections::BTreeMap;

use std::path::{Path, PathBuf};

use broker::capture::{
    archive_path, list_archives, read_archive, write_archive, ArchiveNameFormat, ArchiveWriter,
    CaptureRecord, CaptureSettings, CaptureValue, ClosedWindow, PartitionWindow,
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

/// Gives a closed window of partition `partition` of `lead` its file, as the broker's capture
/// does: the open window's file moved to its archive name, or an empty file unless skipped.
fn close_window(
    container: &Path,
    settings: &CaptureSettings,
    partition: u32,
    open: Option<ArchiveWriter>,
    closed: ClosedWindow,
) -> Option<PathBuf> {
    let path = archive_path(
        container,
        settings,
        "eda-local",
        "lead",
        partition,
        closed.start_ms,
    );
    match open {
        Some(archive) => archive.finish(&path).unwrap(),
        None if closed.should_write(settings) => write_archive(&path, &[]).unwrap(),
        None => return None,
    }
    Some(path)
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
    let mut archive = ArchiveWriter::create(container.path().join("open/2.avro.partial")).unwrap();
    let bodies: [&[u8]; 3] = [b"{\"lead\":1}", &[0, 1, 2, 253, 254, 255], b""];
    let mut sent = Vec::new();
    for (index, body) in bodies.iter().enumerate() {
        let arrival = start_ms() + 1000 * index as i64;
        let record = record(index as i64, body, arrival);
        archive.append(&record).unwrap();
        assert!(window
            .push(record.estimated_size(), &settings, arrival)
            .is_none());
        sent.push(record);
    }
    let closed = window.poll(&settings, start_ms() + 60_000).unwrap();
    assert_eq!(closed.events, 3);
    let path = close_window(container.path(), &settings, 2, Some(archive), closed).unwrap();
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
        assert_eq!(records[index], sent[index]);
    }
}

#[test]
fn empty_window_with_skip_writes_no_file() {
    let container = tempfile::tempdir().unwrap();
    let mut window = PartitionWindow::new(start_ms());
    let closed = window.poll(&settings(true), start_ms() + 60_000).unwrap();
    let written = close_window(container.path(), &settings(true), 0, None, closed);
    assert_eq!(written, None);
    assert!(list_archives(container.path()).unwrap().is_empty());
}

#[test]
fn empty_window_without_skip_writes_empty_file() {
    let container = tempfile::tempdir().unwrap();
    let mut window = PartitionWindow::new(start_ms());
    let closed = window.poll(&settings(false), start_ms() + 60_000).unwrap();
    let path = close_window(container.path(), &settings(false), 0, None, closed).unwrap();
    assert!(read_archive(&path).unwrap().is_empty());
}

#[test]
fn every_file_listed_in_window_order() {
    let container = tempfile::tempdir().unwrap();
    let settings = settings(true);
    let mut window = PartitionWindow::new(start_ms());
    let temporary = container.path().join("open/0.avro.partial");
    let mut open: Option<ArchiveWriter> = None;
    let mut written = Vec::new();
    for minute in 0..12 {
        let arrival = start_ms() + minute * 60_000 + 5;
        if let Some(closed) = window.poll(&settings, arrival) {
            written.extend(close_window(
                container.path(),
                &settings,
                0,
                open.take(),
                closed,
            ));
        }
        let record = record(minute, format!("lead {minute}").as_bytes(), arrival);
        let archive = match &mut open {
            Some(archive) => archive,
            None => open.insert(ArchiveWriter::create(temporary.clone()).unwrap()),
        };
        archive.append(&record).unwrap();
        window.push(record.estimated_size(), &settings, arrival);
    }
    let closed = window.poll(&settings, start_ms() + 12 * 60_000).unwrap();
    written.extend(close_window(
        container.path(),
        &settings,
        0,
        open.take(),
        closed,
    ));

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

#[test]
fn whole_window_written_at_once_reads_back() {
    let container = tempfile::tempdir().unwrap();
    let path = archive_path(
        container.path(),
        &settings(true),
        "eda-local",
        "lead",
        1,
        start_ms(),
    );
    let records: Vec<CaptureRecord> = (0..5)
        .map(|sequence| record(sequence, format!("lead {sequence}").as_bytes(), start_ms()))
        .collect();
    write_archive(&path, &records).unwrap();
    assert_eq!(read_archive(&path).unwrap(), records);
    assert!(!path.with_extension("avro.partial").exists());
}

#[test]
fn discarded_archive_leaves_no_file() {
    let container = tempfile::tempdir().unwrap();
    let temporary = container.path().join("open/0.avro.partial");
    let mut archive = ArchiveWriter::create(temporary.clone()).unwrap();
    archive.append(&record(0, b"lead", start_ms())).unwrap();
    archive.discard();
    assert!(!temporary.exists());
    assert!(list_archives(container.path()).unwrap().is_empty());
}
