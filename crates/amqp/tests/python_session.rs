//! End to end: the Python `azure-eventhub` SDK completes a session against a small server
//! built on the engine (CBS put-token, `$management` READ, a single event and a batch sent,
//! three events received pre-settled).
//!
//! The SDK runs from the repository's Python peer environment (see the `peers` crate).

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// The maximum time the Python session may take. It took about 5 s on a 2-core machine.
const SESSION_TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn python_sdk_completes_session() {
    let Some(python) = peers::python("the Python session test") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(support::server::start(0, true)).unwrap();
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/eventhub_session.py");

    let output = peers::run_bounded(
        Command::new(&python)
            .arg(&script)
            .arg(server.address.port().to_string()),
        b"",
        SESSION_TIMEOUT,
        "the Python session",
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "Python failed: {}\nstdout: {stdout}\nstderr: {stderr}",
        output.status
    );

    let summary: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(summary["partition_ids"], serde_json::json!(["0", "1"]));
    assert_eq!(summary["last_enqueued_sequence_number"], 2);
    assert_eq!(summary["is_empty"], false);
    let received = summary["received"].as_array().unwrap();
    let bodies: Vec<&str> = received
        .iter()
        .map(|event| event["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["single event", "batched event 1", "batched event 2"]
    );
    let sequences: Vec<i64> = received
        .iter()
        .map(|event| event["sequence_number"].as_i64().unwrap())
        .collect();
    assert_eq!(sequences, [0, 1, 2]);
    assert_eq!(received[2]["offset"], "2");

    // Give the server a moment to read the last frames of connections the client closed.
    std::thread::sleep(Duration::from_millis(500));
    let store = server.store.lock().unwrap();
    assert!(
        store.errors.is_empty(),
        "connections ended with errors: {:?}",
        store.errors
    );
    assert_eq!(store.get("single-event"), 1);
    assert_eq!(store.get("batch"), 1);
    assert_eq!(store.get("batched-event"), 2);
    assert_eq!(store.get("delivered"), 3);
    assert_eq!(store.get("read-partition"), 1);
    assert!(store.get("read-eventhub") >= 1);
    let put_tokens = store.get("put-token");
    assert!(put_tokens >= 2, "{put_tokens} put-token requests");
    // Every request and both sends were unsettled and got one accepted disposition each.
    let requests = put_tokens + store.get("read-eventhub") + store.get("read-partition");
    assert_eq!(store.get("accepted"), requests + 2);
    assert_eq!(server.mss_result, Some(Ok(())));
}
