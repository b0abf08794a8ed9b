//! Capture files and the leads-sold file: real Avro container files in Azure's capture
//! schema, written the way the capture writer does, read by the partner service.

mod common;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use apache_avro::Codec;
use common::{capture_path, deflate, start_registry, write_capture_file, MemoryTransport};
use flow::capture::{list_capture_files, read_capture_file};
use flow::checkpoint::CheckpointStore;
use flow::cloudevents::CloudEvent;
use flow::events::LeadGenerated;
use flow::services::conversions;
use flow::services::partner::{CaptureChoice, PartnerError, PartnerFiles, PeriodicPartner};
use flow::transport::{OutgoingEvent, Properties, PublishBatch, ReceivedEvent};
use flow::{EventCodec, EventTransport, FlowConfig, FlowEvent};

async fn lead_event(codec: &EventCodec, number: u32, sequence_number: i64) -> ReceivedEvent {
    let lead = LeadGenerated {
        id: format!("lead-{number}"),
        date: "2026-12-04T10:00:00.000Z".to_string(),
        customer_id: format!("customer-{number}"),
    };
    let encoded = codec.encode(&FlowEvent::LeadGenerated(lead)).await.unwrap();
    let mut properties = Properties::new();
    CloudEvent {
        id: format!("event-{number}"),
        source: "/eda-workshop/conversions".to_string(),
        event_type: "Lead.Generated".to_string(),
        time: "2026-12-04T10:00:00.000Z".to_string(),
    }
    .write_to(&mut properties);
    ReceivedEvent {
        partition_id: "0".to_string(),
        sequence_number,
        offset: (sequence_number * 1024).to_string(),
        enqueued_time_ms: 1_796_378_400_000 + sequence_number,
        partition_key: None,
        content_type: Some(encoded.content_type),
        message_id: None,
        correlation_id: None,
        properties,
        body: encoded.body,
        body_type: Default::default(),
    }
}

/// Opens the Conversions store with leads `lead-0` to `lead-9` recorded as generated.
fn partner(folder: &Path, codec: &EventCodec) -> PartnerFiles {
    let store = Arc::new(conversions::open_store(&folder.join("conversions.sqlite")).unwrap());
    store
        .transaction(|transaction| {
            for number in 0..10 {
                transaction.execute(
                    "INSERT INTO lead_decisions (customer_id, lead_id, outcome) \
                     VALUES (?1, ?2, 'lead')",
                    rusqlite::params![format!("customer-{number}"), format!("lead-{number}")],
                )?;
            }
            Ok(())
        })
        .unwrap();
    PartnerFiles::new(
        store,
        codec.clone(),
        folder.join("capture").join("lead"),
        folder.join("leads-sold"),
        Duration::from_secs(300),
        None,
    )
}

/// Writes capture file `index` holding leads `numbers`, one window a minute apart.
async fn write_leads_file(folder: &Path, codec: &EventCodec, index: i64, numbers: &[u32]) {
    let mut events = Vec::new();
    for (position, number) in numbers.iter().enumerate() {
        events.push(lead_event(codec, *number, index * 10 + position as i64).await);
    }
    let path = folder.join("capture").join(capture_path(
        "lead",
        "0",
        1_796_378_400_000 + index * 60_000,
    ));
    write_capture_file(&path, &events, deflate());
}

fn csv_leads(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("lead_id,purchase_date"));
    lines
        .map(|line| line.split(',').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn no_capture_file_gives_clear_message() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let partner = partner(folder.path(), &codec);

    let error = partner.build(CaptureChoice::All).await.unwrap_err();
    assert!(
        matches!(error, PartnerError::NoCaptureFile { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.starts_with("capture has not written a file for hub `lead` under `"),
        "{message}"
    );
    assert!(
        message.contains(
            "a window of 300 s closes with events in it, so the next file can \
                          appear by "
        ),
        "{message}"
    );
    assert!(message.ends_with('Z'), "{message}");
    assert!(!folder.path().join("leads-sold").exists());
}

#[tokio::test]
async fn empty_capture_sells_nothing() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let partner = partner(folder.path(), &codec);

    // A window with no events and skip-empty on leaves the folder without files.
    std::fs::create_dir_all(folder.path().join("capture").join("lead")).unwrap();
    assert!(matches!(
        partner.build(CaptureChoice::All).await,
        Err(PartnerError::NoCaptureFile { .. })
    ));

    // With skip-empty off, a window with no events is a file with no records.
    write_leads_file(folder.path(), &codec, 0, &[]).await;
    let sold = partner.build(CaptureChoice::All).await.unwrap();
    assert_eq!(sold.capture_files.len(), 1);
    assert_eq!(sold.file, None);
    assert!(sold.leads.is_empty());
}

#[tokio::test]
async fn capture_file_keeps_exact_body_with_either_codec() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    for (name, file_codec) in [("deflate", deflate()), ("null", Codec::Null)] {
        let event = lead_event(&codec, 7, 3).await;
        let path = folder.path().join(format!("{name}.avro"));
        write_capture_file(&path, std::slice::from_ref(&event), file_codec);

        let records = read_capture_file(&path).unwrap();
        assert_eq!(records.len(), 1, "{name}");
        assert_eq!(records[0].body, event.body, "{name}");
        assert_eq!(records[0].sequence_number, 3, "{name}");
        assert_eq!(records[0].offset, "3072", "{name}");
        assert_eq!(records[0].enqueued_time_utc, "2026-12-04T10:00:00.0030000Z");
        assert_eq!(records[0].content_type(), event.content_type, "{name}");
        assert_eq!(
            CloudEvent::read_from(&records[0].properties).unwrap().id,
            "event-7"
        );
    }
}

#[tokio::test]
async fn course_archive_names_are_found_in_window_order() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    // Windows written out of order: 09:59 on the previous hour, then 10:00 and 10:01.
    write_leads_file(folder.path(), &codec, 1, &[2]).await;
    write_leads_file(folder.path(), &codec, -1, &[0]).await;
    write_leads_file(folder.path(), &codec, 0, &[1]).await;

    let root = folder.path().join("capture");
    let files: Vec<String> = list_capture_files(&root.join("lead"))
        .unwrap()
        .iter()
        .map(|path| path.strip_prefix(&root).unwrap().display().to_string())
        .collect();
    assert_eq!(
        files,
        [
            "lead/2026/12/04/09/lead_2026_12_04_09_59_00_0_eda-local.avro",
            "lead/2026/12/04/10/lead_2026_12_04_10_00_00_0_eda-local.avro",
            "lead/2026/12/04/10/lead_2026_12_04_10_01_00_0_eda-local.avro",
        ]
    );
}

#[tokio::test]
async fn every_file_choosable_leads_sold_once() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    write_leads_file(folder.path(), &codec, 0, &[0, 1]).await;
    write_leads_file(folder.path(), &codec, 1, &[2]).await;
    write_leads_file(folder.path(), &codec, 2, &[3, 4, 1]).await;
    let partner = partner(folder.path(), &codec);

    let last = partner.build(CaptureChoice::File(2)).await.unwrap();
    assert_eq!(last.leads, ["lead-3", "lead-4", "lead-1"]);
    let first = partner.build(CaptureChoice::File(0)).await.unwrap();
    assert_eq!(first.leads, ["lead-0"], "lead-1 was sold with file 2");
    let middle = partner.build(CaptureChoice::File(1)).await.unwrap();
    assert_eq!(middle.leads, ["lead-2"]);

    let past_end = partner.build(CaptureChoice::File(3)).await.unwrap_err();
    assert_eq!(
        past_end.to_string(),
        "capture file number 3 does not exist: there are 3 files, numbered 0 to 2"
    );

    // Random choices reach every file, the last one included.
    let files = partner.capture_files().unwrap();
    let mut chosen = std::collections::BTreeSet::new();
    for seed in 0..64 {
        let built = partner.build(CaptureChoice::Random { seed }).await.unwrap();
        assert!(built.leads.is_empty(), "every lead is already sold");
        chosen.insert(built.capture_files[0].clone());
    }
    assert_eq!(chosen.len(), files.len());

    let again = partner.build(CaptureChoice::All).await.unwrap();
    assert_eq!(again.file, None);

    let mut all: Vec<String> = std::fs::read_dir(folder.path().join("leads-sold"))
        .unwrap()
        .flat_map(|entry| csv_leads(&entry.unwrap().path()))
        .collect();
    all.sort();
    assert_eq!(all, ["lead-0", "lead-1", "lead-2", "lead-3", "lead-4"]);
}

#[tokio::test]
async fn lead_the_team_never_generated_is_not_sold() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    write_leads_file(folder.path(), &codec, 0, &[1, 42]).await;
    let partner = partner(folder.path(), &codec);

    let built = partner.build(CaptureChoice::All).await.unwrap();
    assert_eq!(built.leads, ["lead-1"]);
    assert_eq!(built.unknown_leads, ["lead-42"]);
    assert_eq!(csv_leads(&built.file.unwrap()), ["lead-1"]);
}

#[tokio::test]
async fn lost_leads_sold_file_is_written_again() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    write_leads_file(folder.path(), &codec, 0, &[0, 1]).await;
    let partner = partner(folder.path(), &codec);

    let built = partner.build(CaptureChoice::All).await.unwrap();
    let path = built.file.unwrap();
    // A crash after recording the leads but before the file reached the disk.
    std::fs::remove_file(&path).unwrap();

    let again = partner.build(CaptureChoice::All).await.unwrap();
    assert_eq!(again.file, None);
    assert_eq!(csv_leads(&path), ["lead-0", "lead-1"]);
}

#[tokio::test]
async fn lead_in_several_files_sold_once() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    write_leads_file(folder.path(), &codec, 0, &[5, 6]).await;
    write_leads_file(folder.path(), &codec, 1, &[6, 7, 5]).await;
    let partner = partner(folder.path(), &codec);

    let files = partner.capture_files().unwrap();
    let sold = partner.build_from(files.clone()).await.unwrap();
    assert_eq!(sold.leads, ["lead-5", "lead-6", "lead-7"]);
    assert_eq!(sold.capture_files, files);

    write_leads_file(folder.path(), &codec, 2, &[7, 8]).await;
    let newest = partner.capture_files().unwrap()[2..].to_vec();
    let later = partner.build_from(newest).await.unwrap();
    assert_eq!(
        later.leads,
        ["lead-8"],
        "lead-7 was sold from an earlier file"
    );
}

#[tokio::test]
async fn unreadable_capture_file_holds_back_no_other() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    write_leads_file(folder.path(), &codec, 0, &[1, 2]).await;
    let broken =
        folder
            .path()
            .join("capture")
            .join(capture_path("lead", "0", 1_796_378_400_000 + 60_000));
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(&broken, b"not an Avro container").unwrap();
    write_leads_file(folder.path(), &codec, 2, &[3]).await;
    let mut periodic = PeriodicPartner::new(partner(folder.path(), &codec));

    let failures = periodic.round().await.unwrap().failures;
    assert_eq!(failures.len(), 1, "{failures:?}");
    let broken_name = broken.file_name().unwrap().to_string_lossy().into_owned();
    assert!(failures[0].contains(&broken_name), "{}", failures[0]);
    assert_eq!(sold_leads(folder.path()), ["lead-1", "lead-2", "lead-3"]);

    let again = periodic.round().await.unwrap().failures;
    assert!(
        again.is_empty(),
        "the same failure is reported once: {again:?}"
    );

    // The file written again whole is read in the next round.
    std::fs::remove_file(&broken).unwrap();
    write_leads_file(folder.path(), &codec, 1, &[4]).await;
    let fixed = periodic.round().await.unwrap().failures;
    assert!(fixed.is_empty(), "{fixed:?}");
    assert_eq!(
        sold_leads(folder.path()),
        ["lead-1", "lead-2", "lead-3", "lead-4"]
    );
}

#[tokio::test]
async fn undecodable_record_is_skipped_once() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let mut poison = lead_event(&codec, 9, 11).await;
    poison.body.truncate(poison.body.len() / 2);
    let events = vec![
        lead_event(&codec, 1, 10).await,
        poison,
        lead_event(&codec, 2, 12).await,
    ];
    let path = folder
        .path()
        .join("capture")
        .join(capture_path("lead", "3", 1_796_378_400_000));
    write_capture_file(&path, &events, deflate());
    let mut periodic = PeriodicPartner::new(partner(folder.path(), &codec));

    let round = periodic.round().await.unwrap();
    assert_eq!(round.failures, Vec::<String>::new());
    assert_eq!(round.skipped.len(), 1, "{:?}", round.skipped);
    let skipped = &round.skipped[0];
    assert_eq!(skipped.file, path);
    assert_eq!(skipped.partition_id, "3");
    assert_eq!(skipped.sequence_number, 11);
    let notice = skipped.notice();
    assert!(
        notice.starts_with(&format!(
            "the partner skipped the record with sequence number 11 of partition 3 in capture \
             file `{}`, because it cannot be decoded as a lead: ",
            path.display()
        )),
        "{notice}"
    );
    assert!(
        notice.ends_with("; the consumer groups of hub `lead` park the same event"),
        "{notice}"
    );
    assert_eq!(sold_leads(folder.path()), ["lead-1", "lead-2"]);

    let again = periodic.round().await.unwrap();
    assert_eq!(
        again,
        Default::default(),
        "a file read once is not read again"
    );
}

#[tokio::test]
async fn record_before_reset_not_reported() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let mut old_poison = lead_event(&codec, 8, 11).await;
    old_poison.body.truncate(old_poison.body.len() / 2);
    let mut new_poison = lead_event(&codec, 9, 13).await;
    new_poison.body.truncate(new_poison.body.len() / 2);
    let events = vec![
        lead_event(&codec, 1, 10).await,
        old_poison,
        lead_event(&codec, 2, 12).await,
        new_poison,
    ];
    let path = folder
        .path()
        .join("capture")
        .join(capture_path("lead", "3", 1_796_378_400_000));
    write_capture_file(&path, &events, deflate());
    // The reset came after sequence number 12 of partition 3, and of no other partition.
    let marks = HashMap::from([("3".to_string(), 12), ("0".to_string(), 40)]);
    let files = partner(folder.path(), &codec).with_reset_marks(marks);
    let mut periodic = PeriodicPartner::new(files);

    let round = periodic.round().await.unwrap();
    let reported: Vec<i64> = round
        .skipped
        .iter()
        .map(|record| record.sequence_number)
        .collect();
    assert_eq!(reported, [13]);
    assert_eq!(sold_leads(folder.path()), ["lead-1", "lead-2"]);
}

/// Publishes `count` events to partition `partition_id` of hub `lead`.
async fn publish_to_lead(transport: &MemoryTransport, partition_id: &str, count: usize) {
    let events = (0..count)
        .map(|number| OutgoingEvent {
            body: format!("body {number}").into_bytes(),
            content_type: Some("text/plain".to_string()),
            properties: Properties::new(),
        })
        .collect();
    transport
        .publish(PublishBatch {
            hub: "lead".to_string(),
            partition_key: None,
            partition_id: Some(partition_id.to_string()),
            events,
        })
        .await
        .unwrap();
}

/// Resets the flow whose data is under `folder`.
async fn reset_flow(folder: &Path, transport: &MemoryTransport) {
    let config = FlowConfig::new(
        folder.join("data"),
        folder.join("lake"),
        folder.join("capture").join("lead"),
    );
    flow::reset_flow_state(&config, transport).await.unwrap();
}

/// Returns the reset marks that a start of the flow gives the partner.
async fn lead_reset_marks(folder: &Path, transport: &MemoryTransport) -> HashMap<String, i64> {
    let store = CheckpointStore::open(&folder.join("data").join("checkpoints.sqlite")).unwrap();
    let runtime = transport.hub_runtime("lead").await.unwrap();
    store.reset_marks(&runtime).unwrap()
}

/// Writes a capture file of partition 0 of hub `lead` with leads 1 and 2 at sequence numbers
/// 0 and 2 and an undecodable record at 1.
async fn write_poisoned_capture(folder: &Path, codec: &EventCodec) {
    let mut poison = lead_event(codec, 9, 1).await;
    poison.body.truncate(poison.body.len() / 2);
    let events = vec![
        lead_event(codec, 1, 0).await,
        poison,
        lead_event(codec, 2, 2).await,
    ];
    let path = folder
        .join("capture")
        .join(capture_path("lead", "0", 1_796_378_400_000));
    write_capture_file(&path, &events, deflate());
}

#[tokio::test]
async fn reset_marks_partition_emptied_by_retention() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(2);
    publish_to_lead(&transport, "0", 3).await;
    // Retention removed the partition's events, but their capture file stays.
    transport.remove_oldest("lead", 0, 3);
    write_poisoned_capture(folder.path(), &codec).await;

    reset_flow(folder.path(), &transport).await;
    let marks = lead_reset_marks(folder.path(), &transport).await;
    let files = partner(folder.path(), &codec).with_reset_marks(marks);
    let round = PeriodicPartner::new(files).round().await.unwrap();

    assert_eq!(round.skipped, []);
    assert_eq!(sold_leads(folder.path()), ["lead-1", "lead-2"]);
}

#[tokio::test]
async fn hub_recreated_after_reset_reports_records() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    let transport = MemoryTransport::new(2);
    publish_to_lead(&transport, "0", 3).await;
    reset_flow(folder.path(), &transport).await;
    let marks = lead_reset_marks(folder.path(), &transport).await;
    assert_eq!(marks, HashMap::from([("0".to_string(), 2)]));

    // The new hub numbers its events from 0 again, so its record 1 comes after the reset.
    transport.recreate_hub("lead", 2);
    write_poisoned_capture(folder.path(), &codec).await;
    let marks = lead_reset_marks(folder.path(), &transport).await;
    let files = partner(folder.path(), &codec).with_reset_marks(marks);
    let round = PeriodicPartner::new(files).round().await.unwrap();

    let reported: Vec<i64> = round
        .skipped
        .iter()
        .map(|record| record.sequence_number)
        .collect();
    assert_eq!(reported, [1]);
}

/// Returns every lead in the leads-sold files, sorted.
fn sold_leads(folder: &Path) -> Vec<String> {
    let mut leads: Vec<String> = std::fs::read_dir(folder.join("leads-sold"))
        .unwrap()
        .flat_map(|entry| csv_leads(&entry.unwrap().path()))
        .collect();
    leads.sort();
    leads
}

#[test]
fn no_capture_file_names_broker_closing_time() {
    // 2026-12-04T10:00:05Z, as the broker reports the window's close.
    let closes_at_ms = 1_796_378_405_000;
    let error = flow::services::partner::no_capture_file(
        Path::new("/data/capture/lead"),
        Duration::from_secs(300),
        Some(closes_at_ms),
    );
    let message = error.to_string();
    assert!(
        message.ends_with("so the next file can appear by 2026-12-04T10:00:05Z"),
        "{message}"
    );
}

#[tokio::test]
async fn damaged_capture_file_named_as_such() {
    let (_registry, codec) = start_registry().await;
    let folder = tempfile::tempdir().unwrap();
    write_leads_file(folder.path(), &codec, 0, &[1, 2, 3]).await;
    let whole = list_capture_files(&folder.path().join("capture")).unwrap()[0].clone();
    let bytes = std::fs::read(&whole).unwrap();
    let empty = folder.path().join("empty.avro");
    std::fs::write(&empty, b"").unwrap();
    let cut = folder.path().join("cut.avro");
    std::fs::write(&cut, &bytes[..bytes.len() - 20]).unwrap();

    let empty_message = read_capture_file(&empty).unwrap_err().to_string();
    let cut_message = read_capture_file(&cut).unwrap_err().to_string();

    assert_eq!(
        empty_message,
        format!(
            "capture file `{}` is not a readable capture file: the file is empty (0 bytes), but \
             even a capture file without events has an Avro header: copy the file again from \
             the capture container, or remove it",
            empty.display()
        )
    );
    assert!(
        cut_message.starts_with(&format!(
            "capture file `{}` is not a readable capture file: the file ends in the middle of \
             its Avro data (",
            cut.display()
        )),
        "{cut_message}"
    );
    assert!(
        cut_message.ends_with(
            "so it was cut short, for example by a copy that did not finish: copy the file \
             again from the capture container, or remove it"
        ),
        "{cut_message}"
    );
}
