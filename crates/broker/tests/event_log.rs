//! The durable event log against a real SQLite file.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use broker::limits::MAX_EVENT_BODY_BYTES;
use broker::log::{
    partition_for_key, EventLog, LogError, NewEvent, PartitionTarget, RoundRobin, StartPosition,
};

const DAY_MS: i64 = 86_400_000;
const DAY_ONE: i64 = 1_790_000_000_000;

fn event(body: &[u8]) -> NewEvent {
    NewEvent {
        message: body.to_vec(),
        body_size: body.len(),
        properties_size: 0,
        partition_key: None,
    }
}

fn manual_clock(start_ms: i64) -> (Arc<AtomicI64>, Arc<dyn Fn() -> i64 + Send + Sync>) {
    let now = Arc::new(AtomicI64::new(start_ms));
    let reader = Arc::clone(&now);
    (now, Arc::new(move || reader.load(Ordering::SeqCst)))
}

fn bodies(log: &EventLog, hub: &str, partition: u32, from: i64) -> Vec<Vec<u8>> {
    log.read(hub, partition, from, 1000)
        .unwrap()
        .into_iter()
        .map(|stored| stored.message)
        .collect()
}

#[test]
fn sequence_numbers_start_at_zero_and_survive_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eda-local.db");
    {
        let log = EventLog::open(&path).unwrap();
        let appended = log
            .append_blocking("orders", 0, vec![event(b"a"), event(b"b")])
            .unwrap();
        let numbers: Vec<i64> = appended.iter().map(|event| event.sequence_number).collect();
        assert_eq!(numbers, vec![0, 1]);
    }
    let log = EventLog::open(&path).unwrap();
    let appended = log.append_blocking("orders", 0, vec![event(b"c")]).unwrap();
    assert_eq!(appended[0].sequence_number, 2);
    let stored = log.read("orders", 0, 0, 10).unwrap();
    let numbers: Vec<i64> = stored.iter().map(|event| event.sequence_number).collect();
    assert_eq!(numbers, vec![0, 1, 2]);
    assert_eq!(
        bodies(&log, "orders", 0, 0),
        vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]
    );
}

#[test]
fn partitions_number_independently() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    log.append_blocking("orders", 0, vec![event(b"a")]).unwrap();
    let other = log.append_blocking("orders", 1, vec![event(b"b")]).unwrap();
    let other_hub = log
        .append_blocking("payments", 0, vec![event(b"c")])
        .unwrap();
    assert_eq!(other[0].sequence_number, 0);
    assert_eq!(other_hub[0].sequence_number, 0);
}

#[test]
fn hub_names_ignore_case() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    log.append_blocking("Orders", 0, vec![event(b"a")]).unwrap();
    assert_eq!(bodies(&log, "ORDERS", 0, 0), vec![b"a".to_vec()]);
}

#[test]
fn batch_lands_on_one_partition() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    let cursor = RoundRobin::default();
    // Another send first, so the batch does not simply land on partition 0.
    let first = cursor.select(PartitionTarget::RoundRobin, 4);
    log.append_blocking("orders", first, vec![event(b"before")])
        .unwrap();

    let partition = cursor.select(PartitionTarget::RoundRobin, 4);
    let batch: Vec<NewEvent> = (0..100)
        .map(|i| event(format!("event-{i}").as_bytes()))
        .collect();
    let appended = log.append_blocking("orders", partition, batch).unwrap();
    assert_eq!(appended.len(), 100);
    for (index, assigned) in appended.iter().enumerate() {
        assert_eq!(assigned.sequence_number, index as i64);
    }
    let stored = bodies(&log, "orders", partition, 0);
    let expected: Vec<Vec<u8>> = (0..100)
        .map(|i| format!("event-{i}").into_bytes())
        .collect();
    assert_eq!(stored, expected);
    for other in (0..4).filter(|other| *other != partition && *other != first) {
        assert!(
            bodies(&log, "orders", other, 0).is_empty(),
            "partition {other}"
        );
    }
}

#[test]
fn event_over_one_megabyte_rejected_earlier_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    log.append_blocking("orders", 0, vec![event(b"earlier")])
        .unwrap();

    let largest = vec![7u8; MAX_EVENT_BODY_BYTES];
    let accepted = log
        .append_blocking("orders", 0, vec![event(&largest)])
        .unwrap();
    assert_eq!(accepted[0].sequence_number, 1);

    let too_large = vec![7u8; MAX_EVENT_BODY_BYTES + 1];
    let error = log
        .append_blocking("orders", 0, vec![event(b"small"), event(&too_large)])
        .unwrap_err();
    assert_eq!(
        error,
        LogError::EventTooLarge {
            index: 1,
            size: 1_048_577,
            limit: 1_048_576
        }
    );
    assert_eq!(
        error.to_string(),
        "event 1 of the batch has a body of 1048577 bytes, over the limit of 1048576 bytes (1 MB): \
         split or shrink it"
    );
    let stored = log.read("orders", 0, 0, 10).unwrap();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].message, b"earlier");
    let next = log
        .append_blocking("orders", 0, vec![event(b"after")])
        .unwrap();
    assert_eq!(next[0].sequence_number, 2);
}

#[test]
fn event_over_one_megabyte_with_properties_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    log.append_blocking("orders", 0, vec![event(b"earlier")])
        .unwrap();

    let body = vec![7u8; MAX_EVENT_BODY_BYTES];
    let with_properties = NewEvent {
        properties_size: 60_000,
        ..event(&body)
    };
    let error = log
        .append_blocking("orders", 0, vec![with_properties])
        .unwrap_err();
    assert_eq!(
        error,
        LogError::EventWithPropertiesTooLarge {
            index: 0,
            body: 1_048_576,
            properties: 60_000,
            partition_key: 0,
            total: 1_108_576,
            limit: 1_048_576
        }
    );
    assert_eq!(
        error.to_string(),
        "event 0 of the batch has a body of 1048576 bytes and properties of 60000 bytes, \
         1108576 bytes in all, over the limit of 1048576 bytes (1 MB): send smaller properties \
         or a smaller body"
    );
    assert_eq!(bodies(&log, "orders", 0, 0), [b"earlier".to_vec()]);

    let next = log
        .append_blocking("orders", 0, vec![event(b"after")])
        .unwrap();
    assert_eq!(next[0].sequence_number, 1);
}

#[test]
fn batch_over_link_size_rejected_whole() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    log.append_blocking("orders", 0, vec![event(b"earlier")])
        .unwrap();

    // Each event is within 1 MB, the batch is not within the 1,114,112 bytes a producer link
    // advertises: 4 events of 278,528 bytes of body and one byte of properties.
    let body = vec![7u8; 278_528];
    let batch: Vec<NewEvent> = (0..4)
        .map(|_| NewEvent {
            properties_size: 1,
            ..event(&body)
        })
        .collect();
    let error = log.append_blocking("orders", 0, batch).unwrap_err();
    assert_eq!(
        error,
        LogError::BatchTooLarge {
            events: 4,
            size: 1_114_116,
            limit: 1_114_112
        }
    );
    assert!(
        error.to_string().ends_with(": send fewer events per batch"),
        "{error}"
    );
    assert_eq!(bodies(&log, "orders", 0, 0), [b"earlier".to_vec()]);

    let exactly_full: Vec<NewEvent> = (0..4).map(|_| event(&body)).collect();
    let appended = log.append_blocking("orders", 0, exactly_full).unwrap();
    let numbers: Vec<i64> = appended.iter().map(|event| event.sequence_number).collect();
    assert_eq!(numbers, [1, 2, 3, 4]);
}

#[test]
fn events_stored_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    // Any bytes at all, zeros and 0xFF included: the log never decodes them.
    let message: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    let sent = NewEvent {
        message: message.clone(),
        body_size: 200,
        properties_size: 0,
        partition_key: Some("customer-42".to_owned()),
    };
    log.append_blocking("orders", 3, vec![sent]).unwrap();
    let stored = &log.read("orders", 3, 0, 1).unwrap()[0];
    assert_eq!(stored.message, message);
    assert_eq!(stored.partition_key.as_deref(), Some("customer-42"));
}

#[test]
fn keyed_events_keep_partition_across_days_and_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let mut partitions = Vec::new();
    for day in 0..3 {
        let (_, clock) = manual_clock(DAY_ONE + day * DAY_MS);
        let log = EventLog::open_with_clock(&path, clock).unwrap();
        let cursor = RoundRobin::default();
        let target = PartitionTarget::new(Some("customer-42"), None).unwrap();
        let partition = cursor.select(target, 4);
        let mut keyed = event(format!("day {day}").as_bytes());
        keyed.partition_key = Some("customer-42".to_owned());
        log.append_blocking("orders", partition, vec![keyed])
            .unwrap();
        partitions.push(partition);
    }
    assert_eq!(partitions, vec![partition_for_key("customer-42", 4); 3]);
    let (_, clock) = manual_clock(DAY_ONE);
    let log = EventLog::open_with_clock(&path, clock).unwrap();
    let stored = log.read("orders", partitions[0], 0, 10).unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[2].enqueued_time_ms, DAY_ONE + 2 * DAY_MS);
}

#[test]
fn offsets_are_increasing_strings() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    let appended = log
        .append_blocking("orders", 0, vec![event(b"abc"), event(b""), event(b"de")])
        .unwrap();
    let offsets: Vec<&str> = appended.iter().map(|event| event.offset.as_str()).collect();
    assert_eq!(offsets, vec!["0", "3", "4"]);
}

#[test]
fn start_positions_resolve() {
    let dir = tempfile::tempdir().unwrap();
    let (now, clock) = manual_clock(DAY_ONE);
    let log = EventLog::open_with_clock(&dir.path().join("log.db"), clock).unwrap();
    for i in 0..5i64 {
        now.store(DAY_ONE + i * 1000, Ordering::SeqCst);
        log.append_blocking("orders", 0, vec![event(b"0123456789")])
            .unwrap();
    }

    let start = |position| {
        log.resolve_start("orders", 0, position)
            .unwrap()
            .sequence_number
    };
    assert_eq!(start(StartPosition::Earliest), 0);
    assert_eq!(start(StartPosition::Latest), 5);
    assert_eq!(
        start(StartPosition::Offset {
            offset: -1,
            inclusive: false
        }),
        0
    );
    assert_eq!(
        start(StartPosition::Offset {
            offset: 20,
            inclusive: false
        }),
        3
    );
    assert_eq!(
        start(StartPosition::Offset {
            offset: 20,
            inclusive: true
        }),
        2
    );
    assert_eq!(
        start(StartPosition::Offset {
            offset: 40,
            inclusive: false
        }),
        5
    );

    let sequence = |sequence_number, inclusive| StartPosition::SequenceNumber {
        sequence_number,
        inclusive,
    };
    assert_eq!(start(sequence(3, true)), 3);
    assert_eq!(start(sequence(3, false)), 4);
    assert_eq!(
        start(StartPosition::EnqueuedAfter {
            time_ms: DAY_ONE + 1500
        }),
        2
    );
    assert_eq!(
        start(StartPosition::EnqueuedAfter {
            time_ms: DAY_ONE + 2000
        }),
        3
    );
    assert_eq!(
        start(StartPosition::EnqueuedAfter {
            time_ms: DAY_ONE - 1
        }),
        0
    );
    assert_eq!(
        start(StartPosition::EnqueuedAfter {
            time_ms: DAY_ONE + 9000
        }),
        5
    );
}

#[test]
fn earliest_after_retention_reports_removed() {
    let dir = tempfile::tempdir().unwrap();
    let (now, clock) = manual_clock(DAY_ONE);
    let log = EventLog::open_with_clock(&dir.path().join("log.db"), clock).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    // Three events a day for ten days.
    for day in 0..10 {
        now.store(DAY_ONE + day * DAY_MS, Ordering::SeqCst);
        let batch = (0..3)
            .map(|i| event(format!("{day}-{i}").as_bytes()))
            .collect();
        log.append_blocking("orders", 1, batch).unwrap();
    }
    let today = DAY_ONE + 9 * DAY_MS;
    let removed = runtime
        .block_on(log.apply_retention("orders", today - 7 * DAY_MS))
        .unwrap();
    assert_eq!(removed, 6);

    let start = log
        .resolve_start("orders", 1, StartPosition::Earliest)
        .unwrap();
    assert_eq!(start.sequence_number, 6);
    assert_eq!(start.removed_by_retention, 6);
    assert!(start.moved_by_retention);
    assert_eq!(
        log.read("orders", 1, start.sequence_number, 1).unwrap()[0].message,
        b"2-0"
    );

    let old = StartPosition::SequenceNumber {
        sequence_number: 2,
        inclusive: true,
    };
    let clamped = log.resolve_start("orders", 1, old).unwrap();
    assert_eq!(clamped.sequence_number, 6);
    assert!(clamped.moved_by_retention);

    let info = log.partition_info("orders", 1).unwrap();
    assert_eq!(info.begin_sequence_number, 6);
    assert_eq!(info.last_enqueued_sequence_number, 29);
    assert_eq!(info.removed_by_retention, 6);
    assert!(!info.is_empty);
}

#[test]
fn partition_info_of_new_and_used_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let (_, clock) = manual_clock(DAY_ONE);
    let log = EventLog::open_with_clock(&dir.path().join("log.db"), clock).unwrap();
    let empty = log.partition_info("orders", 0).unwrap();
    assert_eq!(empty.begin_sequence_number, -1);
    assert_eq!(empty.last_enqueued_sequence_number, -1);
    assert_eq!(empty.last_enqueued_offset, "-1");
    assert!(empty.is_empty);

    log.append_blocking("orders", 0, vec![event(b"abc"), event(b"de")])
        .unwrap();
    let used = log.partition_info("orders", 0).unwrap();
    assert_eq!(used.begin_sequence_number, 0);
    assert_eq!(used.last_enqueued_sequence_number, 1);
    assert_eq!(used.last_enqueued_offset, "3");
    assert_eq!(used.last_enqueued_time_ms, DAY_ONE);
    assert!(!used.is_empty);
}

#[test]
fn enqueued_time_never_goes_backwards() {
    let dir = tempfile::tempdir().unwrap();
    let (now, clock) = manual_clock(DAY_ONE);
    let log = EventLog::open_with_clock(&dir.path().join("log.db"), clock).unwrap();
    log.append_blocking("orders", 0, vec![event(b"a")]).unwrap();
    now.store(DAY_ONE - 5000, Ordering::SeqCst);
    let later = log.append_blocking("orders", 0, vec![event(b"b")]).unwrap();
    assert_eq!(later[0].enqueued_time_ms, DAY_ONE);
}

#[test]
fn acknowledged_event_is_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let log = EventLog::open(&path).unwrap();
    log.append_blocking("orders", 0, vec![event(b"durable")])
        .unwrap();
    // A separate connection finds the event as soon as the append returns.
    let other = count_with_second_handle(&path);
    assert_eq!(other, 1);
}

fn count_with_second_handle(path: &std::path::Path) -> i64 {
    // Read through a second log handle, which opens its own connections.
    let second = EventLog::open(path).unwrap();
    second.read("orders", 0, 0, 10).unwrap().len() as i64
}

#[test]
fn concurrent_producers_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let log = Arc::new(EventLog::open(&dir.path().join("log.db")).unwrap());
    let producers: Vec<_> = (0..8)
        .map(|producer| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..25 {
                    let body = format!("{producer}-{i}");
                    log.append_blocking("orders", 0, vec![event(body.as_bytes())])
                        .unwrap();
                }
            })
        })
        .collect();
    for producer in producers {
        producer.join().unwrap();
    }
    let stored = log.read("orders", 0, 0, 1000).unwrap();
    assert_eq!(stored.len(), 200);
    for (index, event) in stored.iter().enumerate() {
        assert_eq!(event.sequence_number, index as i64);
    }
    let stats = log.stats();
    assert_eq!(stats.requests, 200);
    assert!(stats.commits < stats.requests, "{stats:?}");
}

#[test]
fn wal_stays_bounded_by_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("log.db");
    let log = EventLog::open(&path).unwrap();
    // 96 MiB of events, more than the 64 MiB the WAL may hold before the writer waits for a
    // restart checkpoint.
    let body = vec![3u8; 16 * 1024];
    for _ in 0..96 {
        let batch = (0..64).map(|_| event(&body)).collect();
        log.append_blocking("orders", 0, batch).unwrap();
    }
    let wal = std::fs::metadata(dir.path().join("log.db-wal"))
        .unwrap()
        .len();
    // The bound plus one batch, which may cross it before the restart.
    let limit = 64 * 1024 * 1024 + 2 * 1024 * 1024;
    assert!(wal <= limit, "the WAL is {wal} bytes");
    assert!(log.stats().checkpoints > 0, "{:?}", log.stats());
    assert_eq!(log.read("orders", 0, 6_143, 10).unwrap().len(), 1);
}

#[test]
fn subscribers_see_new_events() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    log.append_blocking("orders", 0, vec![event(b"a")]).unwrap();
    let mut watch = log.subscribe("orders", 0).unwrap();
    assert_eq!(*watch.borrow_and_update(), 1);
    log.append_blocking("orders", 0, vec![event(b"b"), event(b"c")])
        .unwrap();
    assert!(watch.has_changed().unwrap());
    assert_eq!(*watch.borrow_and_update(), 3);
}

#[test]
fn deleted_hub_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    log.append_blocking("orders", 0, vec![event(b"a")]).unwrap();
    runtime.block_on(log.delete_hub("orders")).unwrap();
    assert!(log.read("orders", 0, 0, 10).unwrap().is_empty());
    let again = log.append_blocking("orders", 0, vec![event(b"b")]).unwrap();
    assert_eq!(again[0].sequence_number, 0);
}

#[tokio::test]
async fn async_append_from_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let log = EventLog::open(&dir.path().join("log.db")).unwrap();
    let appended = log.append("orders", 2, vec![event(b"a")]).await.unwrap();
    assert_eq!(appended[0].sequence_number, 0);
}
