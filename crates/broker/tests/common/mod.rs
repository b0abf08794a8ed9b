//! Helpers shared by the tests that drive the broker with the app's Rust client. Each test file
//! uses some of them.

#![allow(dead_code)]

use std::path::Path;

use azeventhubs::producer::{EventHubProducerClient, EventHubProducerClientOptions};
use azeventhubs::{BasicRetryPolicy, MaxRetries};
use broker::entity::{HubSettings, Namespace};
use broker::server::{Broker, BrokerConfig, BrokerHandle};

/// Starts a broker over `data_dir` with namespace `eda-local` and hub `orders` of
/// `partitions` partitions.
pub(crate) async fn start_broker(data_dir: &Path, partitions: u32) -> BrokerHandle {
    let mut namespace = Namespace::new("eda-local").unwrap();
    let settings = HubSettings {
        partition_count: partitions,
        retention_days: 1,
    };
    namespace
        .create_hub("orders", settings, chrono::Utc::now().timestamp_millis())
        .unwrap();
    Broker::start(BrokerConfig::new(namespace, data_dir.to_owned()))
        .await
        .unwrap()
}

/// Creates a producer for hub `orders` that does not retry. azeventhubs 0.20 retries every
/// failed request, 401 included (three times with exponential backoff by default), and a retry
/// on a new link would hide a stalled call, so tests that measure the broker's response turn
/// retries off.
pub(crate) async fn producer_without_retries(
    connection_string: &str,
) -> EventHubProducerClient<BasicRetryPolicy> {
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
