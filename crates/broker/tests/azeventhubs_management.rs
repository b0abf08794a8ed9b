//! Repeated `$management` calls of the app's Rust client, `azeventhubs` 0.20 with its local
//! patch, on one connection. Each call must return within a tight timeout.

use std::time::{Duration, Instant};

use azeventhubs::producer::{EventHubProducerClient, EventHubProducerClientOptions};
use azeventhubs::{BasicRetryPolicy, MaxRetries};
use broker::entity::{HubSettings, Namespace};
use broker::server::{Broker, BrokerConfig, BrokerHandle};

/// Maximum time of one management call. A call that loses its request's outcome waits for the
/// client's try-timeout of 60 s, so here it fails instead of passing slowly.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections opened by the test, each making several management calls.
const ROUNDS: usize = 20;

async fn start_broker(data_dir: &std::path::Path) -> BrokerHandle {
    let mut namespace = Namespace::new("eda-local").unwrap();
    let settings = HubSettings {
        partition_count: 4,
        retention_days: 1,
    };
    namespace
        .create_hub("orders", settings, chrono::Utc::now().timestamp_millis())
        .unwrap();
    Broker::start(BrokerConfig::new(namespace, data_dir.to_owned()))
        .await
        .unwrap()
}

/// Creates a producer that does not retry, so a stalled call fails instead of being hidden by a
/// retry on a new link.
async fn producer(connection_string: &str) -> EventHubProducerClient<BasicRetryPolicy> {
    let mut options = EventHubProducerClientOptions::default();
    options.retry_options.max_retries = MaxRetries::new(0).unwrap();
    EventHubProducerClient::new_from_connection_string(
        connection_string,
        "orders".to_owned(),
        options,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn management_calls_return_within_five_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let root = broker
        .connection_string("RootManageSharedAccessKey", None)
        .unwrap()
        .expose()
        .clone();

    let mut slowest = Duration::ZERO;
    for round in 0..ROUNDS {
        let mut client = producer(&root).await;
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
