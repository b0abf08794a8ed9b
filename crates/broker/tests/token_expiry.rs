//! Links whose token expires, through `fe2o3-amqp` 0.10 speaking CBS as the SDKs do. A client
//! that puts a new token for its entity before the old one expires keeps its links. A client
//! that does not has them detached with `amqp:unauthorized-access` and the expiry.

mod common;

use std::time::Duration;

use broker::entity::RuleScope;
use broker::sas::generate_token;
use broker::server::BrokerHandle;
use common::start_broker;
use fe2o3_amqp::link::{RecvError, SendError};
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::types::messaging::{ApplicationProperties, Body, Message, Outcome, Properties};
use fe2o3_amqp::types::primitives::{SimpleValue, Value};
use fe2o3_amqp::{Connection, Receiver, Sender, Session};

/// Lifetime of the short-lived tokens, in seconds.
const SHORT_LIFETIME: u64 = 2;

/// How long a test waits past a token's expiry: the broker's grace of 5 s for a renewal that
/// arrives at the expiry, and a margin for scheduling delays.
const PAST_GRACE: Duration = Duration::from_millis(6_500);

/// Maximum time of one send, receive or put-token.
const TIMEOUT: Duration = Duration::from_secs(5);

const CONSUMER_ADDRESS: &str = "orders/ConsumerGroups/$Default/Partitions/0";

/// A connection with a session and the two `$cbs` links.
struct Client {
    connection: fe2o3_amqp::connection::ConnectionHandle<()>,
    session: fe2o3_amqp::session::SessionHandle<()>,
    cbs_requests: Sender,
    cbs_replies: Receiver,
    requests_sent: u32,
}

impl Client {
    async fn connect(broker: &BrokerHandle) -> Self {
        let url = format!("amqp://{}", broker.endpoint());
        let mut connection = Connection::builder()
            .container_id("token-expiry")
            .sasl_profile(SaslProfile::Anonymous)
            .open(url.as_str())
            .await
            .unwrap();
        let mut session = Session::begin(&mut connection).await.unwrap();
        let cbs_requests = Sender::attach(&mut session, "cbs-requests", "$cbs")
            .await
            .unwrap();
        let cbs_replies = Receiver::attach(&mut session, "cbs-replies", "$cbs")
            .await
            .unwrap();
        Self {
            connection,
            session,
            cbs_requests,
            cbs_replies,
            requests_sent: 0,
        }
    }

    /// Puts a token for `resource` signed with the root rule's key and returns the reply's
    /// status code.
    async fn put_token(&mut self, broker: &BrokerHandle, resource: &str, expiry: u64) -> i64 {
        let key = broker
            .namespace()
            .rule(&RuleScope::Namespace, "RootManageSharedAccessKey")
            .unwrap()
            .primary_key
            .clone();
        let token = generate_token(resource, "RootManageSharedAccessKey", &key, expiry);
        self.requests_sent += 1;
        let properties = ApplicationProperties::builder()
            .insert("operation", SimpleValue::from("put-token"))
            .insert("type", SimpleValue::from("servicebus.windows.net:sastoken"))
            .insert("name", SimpleValue::from(resource))
            .build();
        let request = Message::builder()
            .properties(
                Properties::builder()
                    .message_id(format!("put-token-{}", self.requests_sent))
                    .build(),
            )
            .application_properties(properties)
            .value(token.expose().clone())
            .build();
        let outcome = tokio::time::timeout(TIMEOUT, self.cbs_requests.send(request))
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(outcome, Outcome::Accepted(_)), "{outcome:?}");
        let reply = tokio::time::timeout(TIMEOUT, self.cbs_replies.recv::<Body<Value>>())
            .await
            .unwrap()
            .unwrap();
        let status = reply
            .message()
            .application_properties
            .as_ref()
            .and_then(|properties| properties.get("status-code"))
            .cloned();
        match status {
            Some(SimpleValue::Int(code)) => i64::from(code),
            other => panic!("the put-token reply has no status code: {other:?}"),
        }
    }

    async fn close(mut self) {
        let _ = self.session.end().await;
        let _ = self.connection.close().await;
    }
}

/// Returns the resource of tokens for hub `orders` as the Python SDK writes it.
fn orders_resource(broker: &BrokerHandle) -> String {
    format!("sb://{}/orders", broker.endpoint())
}

fn now_seconds() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap()
}

async fn send(producer: &mut Sender, body: &str) -> Result<(), SendError> {
    let message = Message::builder().value(body.to_owned()).build();
    let outcome = tokio::time::timeout(TIMEOUT, producer.send(message))
        .await
        .expect("the send is answered within the timeout")?;
    assert!(matches!(outcome, Outcome::Accepted(_)), "{outcome:?}");
    Ok(())
}

async fn receive(consumer: &mut Receiver) -> Result<String, RecvError> {
    let delivery = tokio::time::timeout(TIMEOUT, consumer.recv::<Body<Value>>())
        .await
        .expect("the consumer gets an event or its end within the timeout")?;
    match delivery.body() {
        Body::Value(value) => match &value.0 {
            Value::String(text) => Ok(text.clone()),
            other => panic!("unexpected event body {other:?}"),
        },
        other => panic!("unexpected event body {other:?}"),
    }
}

/// Builds the description of a link ended by the expiry of the token for `resource`.
fn expired_description(resource: &str, address: &str, expiry: u64) -> String {
    let expired_at = chrono::DateTime::from_timestamp(i64::try_from(expiry).unwrap(), 0)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    format!(
        "the token for `{resource}` that authorized `{address}` expired at {expired_at} (Unix \
         time {expiry}) and no new token for it was put on this connection: put a new token on \
         $cbs before the old one expires. The SDKs do that themselves when they sign tokens \
         with a key (SharedAccessKey), but not with a fixed SharedAccessSignature"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewed_token_keeps_links_open() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 1).await;
    let resource = orders_resource(&broker);
    let mut client = Client::connect(&broker).await;
    let expiry = now_seconds() + SHORT_LIFETIME;
    assert_eq!(client.put_token(&broker, &resource, expiry).await, 202);
    let mut producer = Sender::attach(&mut client.session, "producer", "orders")
        .await
        .unwrap();
    let mut consumer = Receiver::attach(&mut client.session, "consumer", CONSUMER_ADDRESS)
        .await
        .unwrap();
    send(&mut producer, "before").await.unwrap();
    assert_eq!(receive(&mut consumer).await.unwrap(), "before");

    let renewed = now_seconds() + 600;
    assert_eq!(client.put_token(&broker, &resource, renewed).await, 202);
    tokio::time::sleep(PAST_GRACE + Duration::from_secs(SHORT_LIFETIME)).await;

    send(&mut producer, "after").await.unwrap();
    assert_eq!(receive(&mut consumer).await.unwrap(), "after");
    client.close().await;
    broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_end_when_token_expires_unrenewed() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 1).await;
    let resource = orders_resource(&broker);
    let mut client = Client::connect(&broker).await;
    let expiry = now_seconds() + SHORT_LIFETIME;
    assert_eq!(client.put_token(&broker, &resource, expiry).await, 202);
    let mut producer = Sender::attach(&mut client.session, "producer", "orders")
        .await
        .unwrap();
    let mut consumer = Receiver::attach(&mut client.session, "consumer", CONSUMER_ADDRESS)
        .await
        .unwrap();
    send(&mut producer, "before").await.unwrap();
    assert_eq!(receive(&mut consumer).await.unwrap(), "before");

    // A token for another consumer group covers neither link, so it renews nothing.
    let other_group = format!("{resource}/consumergroups/reports");
    assert_eq!(
        client
            .put_token(&broker, &other_group, now_seconds() + 600)
            .await,
        202
    );
    tokio::time::sleep(PAST_GRACE + Duration::from_secs(SHORT_LIFETIME)).await;

    let ended = format!("{:?}", receive(&mut consumer).await.unwrap_err());
    assert!(ended.contains("UnauthorizedAccess"), "{ended}");
    let description = expired_description(&resource, CONSUMER_ADDRESS, expiry);
    assert!(ended.contains(&description), "{ended}");
    // The producer's detach arrives with the consumer's. Closing the link reports it without
    // racing a send against it: a send begun before the client saw the detach waits for an
    // outcome that never comes.
    let refused = format!(
        "{:?}",
        tokio::time::timeout(TIMEOUT, producer.close())
            .await
            .expect("the producer's close ends within the timeout")
            .unwrap_err()
    );
    assert!(refused.contains("UnauthorizedAccess"), "{refused}");
    assert!(
        refused.contains(&expired_description(&resource, "orders", expiry)),
        "{refused}"
    );

    // The connection stays open: a new token authorizes a new link.
    assert_eq!(
        client
            .put_token(&broker, &resource, now_seconds() + 600)
            .await,
        202
    );
    let mut new_producer = Sender::attach(&mut client.session, "producer-2", "orders")
        .await
        .unwrap();
    send(&mut new_producer, "renewed").await.unwrap();
    client.close().await;
    broker.shutdown().await;
}
