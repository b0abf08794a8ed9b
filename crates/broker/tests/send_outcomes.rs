//! Outcomes of sends through `fe2o3-amqp` 0.10, the AMQP library under the app's Rust client,
//! with its local patch. The broker settles every delivery, and each send must get that
//! outcome: a client that loses it waits for its timeout (60 s in `azeventhubs`, 30 s in the
//! flow) and then fails a send that the broker has handled.

mod common;

use std::time::{Duration, Instant};

use azeventhubs::producer::SendEventOptions;
use common::{producer_without_retries, start_broker};
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::types::messaging::{Message, Outcome};
use fe2o3_amqp::{Connection, Sender, Session};
use tokio::task::JoinSet;

/// Producers sending at once, each on its own connection.
const PRODUCERS: usize = 16;

/// Events each producer sends, one at a time.
const SENDS_PER_PRODUCER: usize = 250;

/// Maximum time of one send. A send whose outcome is lost hangs for the client's try-timeout of
/// 60 s, so here it fails the test instead.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);

/// Requests sent to `$cbs` on one link, one at a time.
const CBS_REQUESTS: usize = 3_000;

/// The broker settles a `$cbs` request as soon as it reads it, without a write to disk, so its
/// outcome can reach the client within microseconds of the transfer leaving the link. Before
/// the patch, `fe2o3-amqp` recorded a delivery as unsettled only after handing its transfer to
/// the session task, and an outcome that arrived first was dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cbs_requests_all_settled() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 2).await;
    let url = format!("amqp://{}", broker.endpoint());
    let mut connection = Connection::builder()
        .container_id("send-outcomes")
        .sasl_profile(SaslProfile::Anonymous)
        .open(url.as_str())
        .await
        .unwrap();
    let mut session = Session::begin(&mut connection).await.unwrap();
    let mut sender = Sender::attach(&mut session, "cbs-requests", "$cbs")
        .await
        .unwrap();

    for index in 0..CBS_REQUESTS {
        let request = Message::builder()
            .value(format!("not a token request {index}"))
            .build();
        let Ok(sent) = tokio::time::timeout(SEND_TIMEOUT, sender.send(request)).await else {
            panic!("request {index}: no outcome within {SEND_TIMEOUT:?}");
        };
        let outcome = sent.unwrap();
        assert!(
            matches!(outcome, Outcome::Accepted(_)),
            "request {index}: {outcome:?}"
        );
    }

    sender.close().await.unwrap();
    session.end().await.unwrap();
    connection.close().await.unwrap();
    broker.shutdown().await;
}

/// Sends [`SENDS_PER_PRODUCER`] events to `partition` one after another and returns the
/// slowest send, or which send timed out.
async fn send_all(connection_string: String, producer_index: usize) -> Result<Duration, String> {
    let mut client = producer_without_retries(&connection_string).await;
    let partition = (producer_index % 2).to_string();
    let mut slowest = Duration::ZERO;
    for index in 0..SENDS_PER_PRODUCER {
        let started = Instant::now();
        let options = SendEventOptions::new().with_partition_id(&partition);
        let body = format!("producer-{producer_index}-event-{index}");
        match tokio::time::timeout(SEND_TIMEOUT, client.send_event(body, options)).await {
            Ok(sent) => {
                sent.map_err(|error| format!("producer {producer_index}, send {index}: {error}"))?
            }
            Err(_) => {
                return Err(format!(
                    "producer {producer_index}, send {index}: no outcome within {SEND_TIMEOUT:?}"
                ))
            }
        }
        slowest = slowest.max(started.elapsed());
    }
    client.close().await.unwrap();
    Ok(slowest)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_all_settled() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 2).await;
    let root = broker
        .connection_string("RootManageSharedAccessKey", None)
        .unwrap()
        .expose()
        .clone();

    let mut producers = JoinSet::new();
    for index in 0..PRODUCERS {
        producers.spawn(send_all(root.clone(), index));
    }
    let mut failures = Vec::new();
    let mut slowest = Duration::ZERO;
    while let Some(joined) = producers.join_next().await {
        match joined.unwrap() {
            Ok(duration) => slowest = slowest.max(duration),
            Err(failure) => failures.push(failure),
        }
    }
    assert!(
        failures.is_empty(),
        "sends without an outcome: {failures:#?}"
    );

    let mut client = producer_without_retries(&root).await;
    let mut stored = 0;
    for partition in ["0", "1"] {
        let properties = client.get_partition_properties(partition).await.unwrap();
        stored += properties.last_enqueued_sequence_number() + 1;
    }
    client.close().await.unwrap();
    assert_eq!(stored, (PRODUCERS * SENDS_PER_PRODUCER) as i64);
    eprintln!("slowest send: {slowest:?}");
    broker.shutdown().await;
}
