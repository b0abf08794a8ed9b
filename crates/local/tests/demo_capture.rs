//! A demo capture window on a live namespace. The captures restart with windows of a few
//! seconds and keep them across a replay of the hub's unchanged `captureDescription`. They go
//! back to the hub's own window when the demo window is cleared. None of it, nor a change of
//! one hub's capture or its deletion, closes a connection to the namespace.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use broker::capture::DemoInterval;
use control::local::LocalEffects;
use local::LiveEffects;
use serde_json::json;

const NAMESPACE: &str = "eda-demo";
const HUB: &str = "lead";

/// How long the broker may take to report a window after a restart: its capture loop reports
/// once a second.
const REPORT_DEADLINE: Duration = Duration::from_secs(10);

fn now_ms() -> i64 {
    let elapsed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    i64::try_from(elapsed.as_millis()).unwrap()
}

/// Waits until the hub's next window closes `min_ahead_ms` to `max_ahead_ms` from now, or fails.
async fn wait_for_close_within(effects: &LiveEffects, min_ahead_ms: i64, max_ahead_ms: i64) {
    let started = Instant::now();
    loop {
        let ahead = effects
            .next_capture_close_ms(NAMESPACE, HUB)
            .map(|close| close - now_ms());
        if ahead.is_some_and(|ahead| (min_ahead_ms..=max_ahead_ms).contains(&ahead)) {
            return;
        }
        assert!(
            started.elapsed() < REPORT_DEADLINE,
            "the next window closes {ahead:?} ms from now, expected {min_ahead_ms} to \
             {max_ahead_ms} ms"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The AMQP protocol header that requests the SASL layer.
const SASL_HEADER: &[u8] = b"AMQP\x03\x01\x00\x00";

/// Opens a connection to the namespace's broker and reads the broker's SASL header and
/// mechanisms, leaving the connection waiting for the client's choice of mechanism.
fn open_waiting_connection(effects: &LiveEffects) -> TcpStream {
    let (_, endpoint) = effects
        .namespaces()
        .into_iter()
        .find(|(namespace, _)| namespace.name() == NAMESPACE)
        .unwrap();
    let mut stream = TcpStream::connect(endpoint.trim_start_matches("sb://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(SASL_HEADER).unwrap();
    let mut header = [0; 8];
    stream.read_exact(&mut header).unwrap();
    assert_eq!(header, SASL_HEADER);
    let mut size = [0; 4];
    stream.read_exact(&mut size).unwrap();
    let mut frame = vec![0; usize::try_from(u32::from_be_bytes(size)).unwrap() - 4];
    stream.read_exact(&mut frame).unwrap();
    stream
}

/// Fails when the broker closed the connection or wrote to it, as a broker that restarts does.
fn assert_still_open(stream: &mut TcpStream, moment: &str) {
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0; 1];
    match stream.read(&mut byte) {
        Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
        Ok(0) => panic!("{moment}: the broker closed the connection"),
        other => panic!("{moment}: the broker wrote to a waiting connection: {other:?}"),
    }
}

/// Builds the `captureDescription` of [`HUB`] with a time window of `interval_seconds`.
fn capture_description(interval_seconds: u32) -> serde_json::Value {
    json!({
        "enabled": true,
        "encoding": "Avro",
        "intervalInSeconds": interval_seconds,
        "sizeLimitInBytes": 314_572_800,
        "skipEmptyArchives": true,
        "destination": { "properties": {
            "storageAccountResourceId": "/subscriptions/s/resourceGroups/g/providers\
                /Microsoft.Storage/storageAccounts/capture",
            "blobContainer": HUB,
        }},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_window_replaces_hub_window() {
    let dir = tempfile::tempdir().unwrap();
    let effects = LiveEffects::open(dir.path()).unwrap();
    effects.create_namespace(NAMESPACE).unwrap();
    effects.create_hub(NAMESPACE, HUB, 2, 24).unwrap();
    let description = capture_description(300);
    let mut connection = open_waiting_connection(&effects);
    effects.set_capture(NAMESPACE, HUB, &description).unwrap();
    wait_for_close_within(&effects, 290_000, 300_000).await;
    assert_eq!(effects.demo_capture_window(NAMESPACE), None);
    assert_still_open(&mut connection, "capture started");

    let demo = DemoInterval::from_seconds(5).unwrap();
    assert!(effects
        .set_demo_capture_window(NAMESPACE, Some(demo))
        .unwrap());
    assert!(
        !effects
            .set_demo_capture_window(NAMESPACE, Some(demo))
            .unwrap(),
        "the same demo window restarted the captures again"
    );
    assert_still_open(&mut connection, "demo window set");
    assert_eq!(effects.demo_capture_window(NAMESPACE), Some(demo));
    wait_for_close_within(&effects, 0, 5_000).await;

    // A replay of the unchanged description, as every Apply does, keeps the demo window.
    effects.set_capture(NAMESPACE, HUB, &description).unwrap();
    assert_eq!(effects.demo_capture_window(NAMESPACE), Some(demo));
    wait_for_close_within(&effects, 0, 5_000).await;

    assert!(effects.set_demo_capture_window(NAMESPACE, None).unwrap());
    assert_eq!(effects.demo_capture_window(NAMESPACE), None);
    wait_for_close_within(&effects, 290_000, 300_000).await;
    assert_still_open(&mut connection, "demo window cleared");

    let error = effects
        .set_demo_capture_window("no-such-namespace", Some(demo))
        .unwrap_err();
    assert!(
        error.to_string().contains("has no running broker"),
        "{error}"
    );
    effects.shutdown().await;
}

/// Returns the capture position files of [`HUB`] in [`NAMESPACE`] below `folder`.
fn capture_positions(folder: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.ends_with(format!(".capture-state/{NAMESPACE}/{HUB}.json")) {
                found.push(path);
            }
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_hub_leaves_no_capture_positions() {
    let dir = tempfile::tempdir().unwrap();
    let effects = LiveEffects::open(dir.path()).unwrap();
    effects.create_namespace(NAMESPACE).unwrap();
    effects.create_hub(NAMESPACE, HUB, 2, 24).unwrap();
    let description = capture_description(60);
    effects.set_capture(NAMESPACE, HUB, &description).unwrap();
    let started = Instant::now();
    while capture_positions(dir.path()).is_empty() {
        assert!(
            started.elapsed() < REPORT_DEADLINE,
            "capture saved no positions"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A new hub of the same name starts at sequence number 0, so the old positions must go.
    let mut connection = open_waiting_connection(&effects);
    effects.delete_hub(NAMESPACE, HUB).unwrap();
    assert_still_open(&mut connection, "hub deleted");
    assert_eq!(
        capture_positions(dir.path()),
        Vec::<std::path::PathBuf>::new()
    );
    effects.shutdown().await;
}
