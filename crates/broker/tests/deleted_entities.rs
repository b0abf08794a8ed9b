//! Hubs, consumer groups and rules deleted while clients use them, through the app's Rust
//! client: the receivers and senders of what was deleted end with a description naming it, and
//! every other link of the namespace carries on.

mod common;

use std::time::Duration;

use azeventhubs::consumer::{
    EventHubConsumerClient, EventHubConsumerClientOptions, EventPosition, ReadEventOptions,
};
use azeventhubs::producer::{
    EventHubProducerClient, EventHubProducerClientOptions, SendEventOptions,
};
use azeventhubs::{BasicRetryPolicy, MaxRetries};
use broker::entity::{HubSettings, Right, RuleScope};
use broker::server::BrokerHandle;
use common::{producer_without_retries, start_broker};
use futures_util::StreamExt;

/// How long a receiver may take to see an event or its end.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The hub deleted in [`receivers_of_deleted_hub_end`]; `orders` stays.
const DELETED_HUB: &str = "audit";

fn root_connection_string(broker: &BrokerHandle) -> String {
    broker
        .connection_string("RootManageSharedAccessKey", None)
        .unwrap()
        .expose()
        .clone()
}

async fn consumer(
    broker: &BrokerHandle,
    group: &str,
    hub: &str,
) -> EventHubConsumerClient<BasicRetryPolicy> {
    let mut options = EventHubConsumerClientOptions::default();
    options.retry_options.max_retries = MaxRetries::new(0).unwrap();
    EventHubConsumerClient::new_from_connection_string(
        group,
        root_connection_string(broker),
        hub.to_owned(),
        options,
    )
    .await
    .unwrap()
}

/// Sends one event to partition 0 of `hub`.
async fn send(broker: &BrokerHandle, hub: &str, body: &str) {
    let mut producer = azeventhubs::producer::EventHubProducerClient::new_from_connection_string(
        root_connection_string(broker),
        hub.to_owned(),
        Default::default(),
    )
    .await
    .unwrap();
    let options = SendEventOptions::new().with_partition_id("0");
    producer.send_event(body, options).await.unwrap();
    producer.close().await.unwrap();
}

/// Takes the next item of a receiver's stream: `Ok(body)` for an event, `Err(text)` for the
/// error that ended it.
async fn next_item<S, E>(stream: &mut S) -> Result<String, String>
where
    S: futures_util::Stream<Item = Result<azeventhubs::ReceivedEventData, E>> + Unpin,
    E: std::fmt::Debug,
{
    match tokio::time::timeout(TIMEOUT, stream.next()).await {
        Err(_) => panic!("the receiver got nothing within {TIMEOUT:?}"),
        Ok(None) => Err("the stream ended without an error".to_owned()),
        Ok(Some(Ok(event))) => Ok(String::from_utf8(event.body().unwrap().to_vec()).unwrap()),
        Ok(Some(Err(error))) => Err(format!("{error:?}")),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_of_deleted_hub_end() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 2).await;
    broker.update_namespace(|namespace| {
        let settings = HubSettings {
            partition_count: 1,
            retention_days: 1,
        };
        let now = chrono::Utc::now().timestamp_millis();
        namespace.create_hub(DELETED_HUB, settings, now).unwrap();
    });
    send(&broker, DELETED_HUB, "audit-1").await;
    send(&broker, "orders", "order-1").await;
    let mut audit_consumer = consumer(&broker, "$Default", DELETED_HUB).await;
    let mut audit = audit_consumer
        .read_events_from_partition("0", EventPosition::earliest(), ReadEventOptions::default())
        .await
        .unwrap();
    let mut orders_consumer = consumer(&broker, "$Default", "orders").await;
    let mut orders = orders_consumer
        .read_events_from_partition("0", EventPosition::earliest(), ReadEventOptions::default())
        .await
        .unwrap();
    assert_eq!(next_item(&mut audit).await, Ok("audit-1".to_owned()));
    assert_eq!(next_item(&mut orders).await, Ok("order-1".to_owned()));

    broker.update_namespace(|namespace| namespace.delete_hub(DELETED_HUB).unwrap());

    let ended = next_item(&mut audit).await.unwrap_err();
    assert!(ended.contains("AmqpError(NotFound)"), "{ended}");
    assert!(
        ended.contains("event hub `audit` was deleted from namespace `eda-local`"),
        "{ended}"
    );
    send(&broker, "orders", "order-2").await;
    assert_eq!(next_item(&mut orders).await, Ok("order-2".to_owned()));
    let mut producer = producer_without_retries(&root_connection_string(&broker)).await;
    producer
        .send_event("order-3", SendEventOptions::new())
        .await
        .unwrap();
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receivers_of_deleted_consumer_group_end() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 2).await;
    broker.update_namespace(|namespace| {
        let hub = namespace.hub_mut("orders").unwrap();
        hub.create_consumer_group("reports").unwrap();
    });
    send(&broker, "orders", "order-1").await;
    let mut reports_consumer = consumer(&broker, "reports", "orders").await;
    let mut reports = reports_consumer
        .read_events_from_partition("0", EventPosition::earliest(), ReadEventOptions::default())
        .await
        .unwrap();
    let mut default_consumer = consumer(&broker, "$Default", "orders").await;
    let mut default = default_consumer
        .read_events_from_partition("0", EventPosition::earliest(), ReadEventOptions::default())
        .await
        .unwrap();
    assert_eq!(next_item(&mut reports).await, Ok("order-1".to_owned()));
    assert_eq!(next_item(&mut default).await, Ok("order-1".to_owned()));

    broker.update_namespace(|namespace| {
        let hub = namespace.hub_mut("orders").unwrap();
        hub.delete_consumer_group("reports").unwrap();
    });

    let ended = next_item(&mut reports).await.unwrap_err();
    assert!(ended.contains("AmqpError(NotFound)"), "{ended}");
    assert!(
        ended.contains("consumer group `reports` was deleted from event hub `orders`"),
        "{ended}"
    );
    send(&broker, "orders", "order-2").await;
    assert_eq!(next_item(&mut default).await, Ok("order-2".to_owned()));
    broker.shutdown().await;
}

/// Creates a producer for `hub` that does not retry, so that the first failed send returns
/// the broker's rejection.
async fn sender(connection_string: &str, hub: &str) -> EventHubProducerClient<BasicRetryPolicy> {
    let mut options = EventHubProducerClientOptions::default();
    options.retry_options.max_retries = MaxRetries::new(0).unwrap();
    EventHubProducerClient::new_from_connection_string(connection_string, hub.to_owned(), options)
        .await
        .unwrap()
}

/// Sends one event, each attempt within [`TIMEOUT`], and returns the error text of a refusal.
async fn try_send(producer: &mut EventHubProducerClient<BasicRetryPolicy>) -> Result<(), String> {
    tokio::time::timeout(
        TIMEOUT,
        producer.send_event("event", SendEventOptions::new()),
    )
    .await
    .expect("the send is answered within the timeout")
    .map_err(|error| format!("{error:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn senders_of_deleted_hub_or_rule_end() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 2).await;
    let key = broker.update_namespace(|namespace| {
        let settings = HubSettings {
            partition_count: 1,
            retention_days: 1,
        };
        let now = chrono::Utc::now().timestamp_millis();
        namespace.create_hub(DELETED_HUB, settings, now).unwrap();
        let scope = RuleScope::Hub(DELETED_HUB.to_owned());
        let rule = namespace
            .create_rule(scope, "send", &[Right::Send])
            .unwrap();
        rule.primary_key.expose().clone()
    });
    let hub_rule = format!(
        "Endpoint=sb://127.0.0.1:{};SharedAccessKeyName=send;SharedAccessKey={key};\
         EntityPath={DELETED_HUB};UseDevelopmentEmulator=true",
        broker.endpoint().port()
    );
    let mut with_hub_rule = sender(&hub_rule, DELETED_HUB).await;
    let mut with_root = sender(&root_connection_string(&broker), DELETED_HUB).await;
    let mut other_hub = sender(&root_connection_string(&broker), "orders").await;
    for producer in [&mut with_hub_rule, &mut with_root, &mut other_hub] {
        try_send(producer).await.unwrap();
    }

    broker.update_namespace(|namespace| {
        let scope = RuleScope::Hub(DELETED_HUB.to_owned());
        namespace.delete_rule(&scope, "send").unwrap();
    });
    let refused = try_send(&mut with_hub_rule).await.unwrap_err();
    assert!(
        refused.contains(
            "rule `send` of event hub `audit`, which signed this connection's token, no longer \
             exists"
        ),
        "{refused}"
    );
    try_send(&mut with_root).await.unwrap();

    broker.update_namespace(|namespace| namespace.delete_hub(DELETED_HUB).unwrap());
    broker.event_log().delete_hub(DELETED_HUB).await.unwrap();
    let refused = try_send(&mut with_root).await.unwrap_err();
    assert!(
        refused.contains("event hub `audit` was deleted from namespace `eda-local`"),
        "{refused}"
    );
    try_send(&mut other_hub).await.unwrap();

    // A hub of the same name is a new hub: the old sender stays refused, a new one sends.
    broker.update_namespace(|namespace| {
        let settings = HubSettings {
            partition_count: 1,
            retention_days: 1,
        };
        let now = chrono::Utc::now().timestamp_millis();
        namespace.create_hub(DELETED_HUB, settings, now).unwrap();
    });
    let refused = try_send(&mut with_root).await.unwrap_err();
    assert!(refused.contains("was deleted"), "{refused}");
    let mut new_sender = sender(&root_connection_string(&broker), DELETED_HUB).await;
    try_send(&mut new_sender).await.unwrap();
    let stored = broker.event_log().partition_info(DELETED_HUB, 0).unwrap();
    assert_eq!(stored.last_enqueued_sequence_number, 0, "{stored:?}");
    broker.shutdown().await;
}
