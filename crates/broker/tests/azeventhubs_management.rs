//! Repeated `$management` calls of the app's Rust client, `azeventhubs` 0.20 with its local
//! patch, on one connection. Each call must return within a tight timeout.

mod common;

use std::time::{Duration, Instant};

use common::{producer_without_retries, start_broker};

/// Maximum time of one management call. A call that loses its request's outcome waits for the
/// client's try-timeout of 60 s, so here it fails instead of passing slowly.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections opened by the test, each making several management calls.
const ROUNDS: usize = 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_calls_return_within_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 4).await;
    let root = broker
        .connection_string("RootManageSharedAccessKey", None)
        .unwrap()
        .expose()
        .clone();

    let mut slowest = Duration::ZERO;
    for round in 0..ROUNDS {
        let mut client = producer_without_retries(&root).await;
        for call in 0..4 {
            let started = Instant::now();
            if call < 2 {
                let properties =
                    tokio::time::timeout(CALL_TIMEOUT, client.get_event_hub_properties())
                        .await
                        .unwrap_or_else(|_| panic!("round {round}: hub call {call} timed out"))
                        .unwrap();
                assert_eq!(properties.name(), "orders");
            } else {
                let partition = (call % 4).to_string();
                let properties =
                    tokio::time::timeout(CALL_TIMEOUT, client.get_partition_properties(&partition))
                        .await
                        .unwrap_or_else(|_| {
                            panic!("round {round}: partition call {call} timed out")
                        })
                        .unwrap();
                assert_eq!(properties.id(), partition);
            }
            slowest = slowest.max(started.elapsed());
        }
        client.close().await.unwrap();
    }
    assert!(slowest < CALL_TIMEOUT, "slowest call took {slowest:?}");
    broker.shutdown().await;
}
