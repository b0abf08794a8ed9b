//! The `azeventhubs` transport over TLS against the local broker's TLS listener, as Azure
//! serves Event Hubs on port 5671: the TLS handshake first, then AMQP inside it. Also the
//! messages of connections that cannot work: refused, no TLS, an untrusted certificate, an
//! endpoint that never replies, and an expired signature.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use broker::entity::{HubSettings, Namespace, DEFAULT_RULE_NAME};
use broker::secret::Secret;
use broker::server::{Broker, BrokerConfig, BrokerHandle, TlsIdentity};
use flow::transport::azeventhubs::{AzEventHubsTransport, ExtraRootCertificates, HubConnections};
use flow::transport::{
    EventTransport, OutgoingEvent, PublishBatch, ReaderRequest, StartPosition, TransportError,
};

/// How long a test waits for the event it sent.
const RECEIVE_DEADLINE: Duration = Duration::from_secs(15);

struct TlsBroker {
    broker: BrokerHandle,
    folder: tempfile::TempDir,
}

impl TlsBroker {
    async fn start() -> Self {
        let folder = tempfile::tempdir().unwrap();
        let mut namespace = Namespace::new("eda-tls").unwrap();
        let settings = HubSettings {
            partition_count: 2,
            retention_days: 1,
        };
        namespace
            .create_hub("orders", settings, chrono::Utc::now().timestamp_millis())
            .unwrap();
        let config = BrokerConfig::new(namespace, folder.path().join("broker"))
            .with_tls(TlsIdentity::generate().unwrap());
        let broker = Broker::start(config).await.unwrap();
        TlsBroker { broker, folder }
    }

    fn tls_string(&self) -> Secret<String> {
        self.broker
            .tls_connection_string(DEFAULT_RULE_NAME, Some("orders"))
            .unwrap()
    }

    fn ca(&self) -> ExtraRootCertificates {
        let path = self.folder.path().join("broker-ca.pem");
        std::fs::write(&path, self.broker.ca_certificate_pem().unwrap()).unwrap();
        ExtraRootCertificates::from_pem_file(&path).unwrap()
    }
}

fn transport(connection_string: Secret<String>) -> AzEventHubsTransport {
    let connections = HubConnections {
        send: connection_string.clone(),
        listen: connection_string,
    };
    AzEventHubsTransport::new(BTreeMap::from([("orders".to_owned(), connections)]))
}

fn batch(body: &str) -> PublishBatch {
    PublishBatch {
        hub: "orders".to_owned(),
        partition_key: None,
        partition_id: Some("1".to_owned()),
        events: vec![OutgoingEvent {
            body: body.as_bytes().to_vec(),
            content_type: None,
            properties: BTreeMap::new(),
        }],
    }
}

fn unavailable_text(error: TransportError) -> String {
    match error {
        TransportError::Unavailable(text) => text,
        other => panic!("expected a connection failure, got {other:?}"),
    }
}

async fn read_bodies(transport: &AzEventHubsTransport) -> Vec<String> {
    let request = ReaderRequest {
        hub: "orders".to_owned(),
        consumer_group: "$Default".to_owned(),
        partition_id: "1".to_owned(),
        start: StartPosition::Earliest,
        owner_level: None,
        prefetch: None,
    };
    let mut reader = transport.open_reader(request).await.unwrap();
    let events = reader.receive(10, RECEIVE_DEADLINE).await.unwrap();
    events
        .iter()
        .map(|event| String::from_utf8(event.body.clone()).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_and_reads_over_tls_with_extra_ca() {
    let live = TlsBroker::start().await;
    let transport = transport(live.tls_string()).with_extra_root_certificates(live.ca());

    let ack = transport.publish(batch("over-tls")).await.unwrap();
    assert_eq!(ack.partition_id.as_deref(), Some("1"));
    let runtime = transport.hub_runtime("orders").await.unwrap();
    assert_eq!(
        runtime
            .partition("1")
            .unwrap()
            .last_enqueued_sequence_number,
        0
    );
    assert_eq!(read_bodies(&transport).await, vec!["over-tls".to_owned()]);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_tls_certificate_names_ca_file() {
    let live = TlsBroker::start().await;
    let transport = transport(live.tls_string());
    let text = unavailable_text(transport.publish(batch("x")).await.unwrap_err());
    assert!(text.contains("is not signed by a trusted CA"), "{text}");
    assert!(text.contains("broker-ca.pem"), "{text}");
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_string_on_plain_port_names_emulator_flag() {
    let live = TlsBroker::start().await;
    let tls_port = live.broker.tls_endpoint().unwrap().port();
    let plain_port = live.broker.endpoint().port();
    let text = live
        .tls_string()
        .expose()
        .replace(&format!(":{tls_port};"), &format!(":{plain_port};"));
    let transport = transport(Secret::new(text)).with_extra_root_certificates(live.ca());
    let text = unavailable_text(transport.publish(batch("x")).await.unwrap_err());
    assert!(text.contains("does not offer TLS"), "{text}");
    assert!(text.contains("UseDevelopmentEmulator=true"), "{text}");
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connection_names_address_and_serve() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let text = format!(
        "Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0a2V5;\
         EntityPath=orders;UseDevelopmentEmulator=true"
    );
    let transport = transport(Secret::new(text));
    let sent = unavailable_text(transport.publish(batch("x")).await.unwrap_err());
    let expected = format!("nothing accepts connections on `127.0.0.1:{port}`");
    assert!(sent.starts_with(&expected), "{sent}");
    assert!(sent.contains("`eda-workshop serve` is running"), "{sent}");
    let runtime = unavailable_text(transport.hub_runtime("orders").await.unwrap_err());
    assert!(runtime.starts_with(&expected), "{runtime}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_endpoint_times_out() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accepts connections and never writes, as a port of another service may.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let text = format!(
        "Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName=send;SharedAccessKey=c2VjcmV0a2V5;\
         EntityPath=orders;UseDevelopmentEmulator=true"
    );
    let transport = transport(Secret::new(text)).with_connect_timeout(Duration::from_millis(300));
    let sent = tokio::time::timeout(Duration::from_secs(10), transport.publish(batch("x")))
        .await
        .expect("the publish is bounded");
    let sent = unavailable_text(sent.unwrap_err());
    let expected = format!("opening the AMQP connection to `127.0.0.1:{port}` timed out");
    assert!(sent.starts_with(&expected), "{sent}");
    let runtime = tokio::time::timeout(Duration::from_secs(10), transport.hub_runtime("orders"))
        .await
        .expect("the runtime request is bounded");
    let runtime = unavailable_text(runtime.unwrap_err());
    assert!(runtime.contains("timed out"), "{runtime}");
    silent.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_access_signature_string_publishes() {
    let live = TlsBroker::start().await;
    let port = live.broker.tls_endpoint().unwrap().port();
    let namespace = live.broker.namespace();
    let key = namespace
        .rule(&broker::entity::RuleScope::Namespace, DEFAULT_RULE_NAME)
        .unwrap()
        .primary_key
        .clone();
    let expiry = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 600;
    let token =
        broker::sas::generate_token("sb://localhost/orders", DEFAULT_RULE_NAME, &key, expiry);
    let text = format!(
        "Endpoint=sb://localhost:{port};SharedAccessSignature={};EntityPath=orders",
        token.expose()
    );
    let transport = transport(Secret::new(text)).with_extra_root_certificates(live.ca());
    let ack = transport.publish(batch("signed")).await.unwrap();
    assert_eq!(ack.events, 1);
    live.broker.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_shared_access_signature_fails_at_once() {
    let key = Secret::new("c2VjcmV0a2V5c2VjcmV0a2V5".to_owned());
    let token = broker::sas::generate_token("sb://localhost/orders", "send", &key, 1_000_000);
    let text = format!(
        "Endpoint=sb://localhost:1;SharedAccessSignature={};EntityPath=orders",
        token.expose()
    );
    let transport = transport(Secret::new(text));
    match transport.publish(batch("x")).await.unwrap_err() {
        TransportError::Rejected(text) => {
            assert!(
                text.contains("SharedAccessSignature expired at 1970-01-12T13:46:40Z"),
                "{text}"
            );
            assert!(text.contains("create a new signature"), "{text}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
}
