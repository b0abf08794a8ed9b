//! The broker's TLS listener: AMQP inside TLS opened directly on connect, as Azure serves it
//! on port 5671, with a certificate from the CA the broker writes to its data folder.
//!
//! The app's Rust client cannot take part here. `azeventhubs` 0.20 leaves its TLS connector to
//! `fe2o3-amqp` 0.10, whose rustls connector trusts only the bundled web roots. So these tests
//! speak AMQP through tokio-rustls, with the local CA as the one trusted root.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use amqp::frame::{
    parse_frame, split_body, write_frame, AMQP_HEADER, FRAME_TYPE_AMQP, FRAME_TYPE_SASL,
    SASL_HEADER,
};
use amqp::sasl::{SaslCode, SaslFrame, ANONYMOUS, MSSBCBS};
use amqp::{Open, Performative, Symbol};
use broker::entity::{HubSettings, Namespace};
use broker::server::{Broker, BrokerConfig, BrokerHandle, TlsIdentity, CA_CERTIFICATE_FILE};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

/// Maximum wait for any one read, which bounds every test.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

async fn start_broker(data_dir: &std::path::Path) -> BrokerHandle {
    let mut namespace = Namespace::new("eda-local").unwrap();
    let settings = HubSettings {
        partition_count: 2,
        retention_days: 1,
    };
    namespace
        .create_hub("orders", settings, chrono::Utc::now().timestamp_millis())
        .unwrap();
    let config = BrokerConfig::new(namespace, data_dir.to_owned())
        .with_tls(TlsIdentity::generate().unwrap());
    Broker::start(config).await.unwrap()
}

/// Builds a TLS client that trusts exactly the certificates in `ca_pem`.
fn connector(ca_pem: &str) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for certificate in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(certificate.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn connect_tls(
    address: SocketAddr,
    ca_pem: &str,
    server_name: &str,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(address).await?;
    let name = ServerName::try_from(server_name.to_owned()).unwrap();
    tokio::time::timeout(READ_TIMEOUT, connector(ca_pem).connect(name, tcp))
        .await
        .expect("the TLS handshake did not finish in time")
}

async fn read_exact<S: AsyncRead + Unpin>(stream: &mut S, count: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; count];
    tokio::time::timeout(READ_TIMEOUT, stream.read_exact(&mut bytes))
        .await
        .expect("the broker did not answer in time")
        .unwrap();
    bytes
}

/// Reads one whole frame and returns its type and body.
async fn read_frame<S: AsyncRead + Unpin>(stream: &mut S) -> (u8, Vec<u8>) {
    let size_bytes = read_exact(stream, 4).await;
    let size = u32::from_be_bytes(size_bytes.clone().try_into().unwrap()) as usize;
    let mut bytes = size_bytes;
    bytes.extend(read_exact(stream, size - 4).await);
    let (frame, used) = parse_frame(&bytes, u32::MAX).unwrap().unwrap();
    assert_eq!(used, bytes.len());
    (frame.frame_type, frame.body.to_vec())
}

async fn read_sasl<S: AsyncRead + Unpin>(stream: &mut S) -> SaslFrame {
    let (frame_type, body) = read_frame(stream).await;
    assert_eq!(frame_type, FRAME_TYPE_SASL);
    let (value, _) = split_body(&body).unwrap();
    SaslFrame::from_value(value).unwrap()
}

/// Runs SASL ANONYMOUS and the AMQP Open exchange, and returns the broker's Open.
async fn open_connection<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) -> Open {
    stream.write_all(&SASL_HEADER).await.unwrap();
    assert_eq!(read_exact(stream, 8).await, SASL_HEADER);
    let SaslFrame::Mechanisms(mechanisms) = read_sasl(stream).await else {
        panic!("the broker did not offer its SASL mechanisms first");
    };
    assert!(
        mechanisms.contains(&Symbol::from(MSSBCBS)),
        "{mechanisms:?}"
    );
    assert!(
        mechanisms.contains(&Symbol::from(ANONYMOUS)),
        "{mechanisms:?}"
    );

    let mut out = Vec::new();
    let init = SaslFrame::Init {
        mechanism: Symbol::from(ANONYMOUS),
        initial_response: None,
        hostname: Some("localhost".to_owned()),
    };
    let mut body = Vec::new();
    init.encode(&mut body);
    write_frame(FRAME_TYPE_SASL, 0, &body, &mut out);
    stream.write_all(&out).await.unwrap();
    let SaslFrame::Outcome { code, .. } = read_sasl(stream).await else {
        panic!("the broker did not send a SASL outcome");
    };
    assert_eq!(code, SaslCode::Ok);

    let open = Performative::Open(Open {
        container_id: "tls-test".to_owned(),
        hostname: Some("localhost".to_owned()),
        ..Open::default()
    });
    let mut body = Vec::new();
    open.encode(&mut body);
    let mut out = AMQP_HEADER.to_vec();
    write_frame(FRAME_TYPE_AMQP, 0, &body, &mut out);
    stream.write_all(&out).await.unwrap();
    stream.flush().await.unwrap();
    assert_eq!(read_exact(stream, 8).await, AMQP_HEADER);
    let (frame_type, body) = read_frame(stream).await;
    assert_eq!(frame_type, FRAME_TYPE_AMQP);
    let (value, _) = split_body(&body).unwrap();
    match Performative::from_value(value).unwrap() {
        Performative::Open(open) => open,
        other => panic!("expected the broker's open, got {other:?}"),
    }
}

/// Reads until the broker closes the socket, or fails the test after the read timeout.
async fn expect_closed(stream: &mut TcpStream) {
    let mut sink = vec![0u8; 4096];
    loop {
        let read = tokio::time::timeout(READ_TIMEOUT, stream.read(&mut sink))
            .await
            .expect("the broker kept a malformed TLS connection open");
        match read {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[tokio::test]
async fn amqp_opens_inside_tls() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let address = broker.tls_endpoint().unwrap();
    assert!(address.ip().is_loopback());
    assert_ne!(address.port(), broker.endpoint().port());

    let ca_pem = std::fs::read_to_string(dir.path().join(CA_CERTIFICATE_FILE)).unwrap();
    assert_eq!(Some(ca_pem.as_str()), broker.ca_certificate_pem());
    assert_eq!(
        broker.ca_certificate_path(),
        Some(dir.path().join(CA_CERTIFICATE_FILE).as_path())
    );

    for server_name in ["localhost", "127.0.0.1"] {
        let mut stream = connect_tls(address, &ca_pem, server_name).await.unwrap();
        let open = open_connection(&mut stream).await;
        assert!(!open.container_id.is_empty(), "{server_name}");
    }
    broker.shutdown().await;
}

#[tokio::test]
async fn tls_connection_string_names_tls_port() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let port = broker.tls_endpoint().unwrap().port();
    let text = broker
        .tls_connection_string("RootManageSharedAccessKey", Some("orders"))
        .unwrap();
    let text = text.expose();
    assert!(
        text.starts_with(&format!("Endpoint=sb://localhost:{port};")),
        "{text}"
    );
    assert!(text.ends_with(";EntityPath=orders"), "{text}");
    assert!(!text.contains("UseDevelopmentEmulator"), "{text}");
    let plain = broker
        .connection_string("RootManageSharedAccessKey", None)
        .unwrap();
    assert!(plain.expose().ends_with(";UseDevelopmentEmulator=true"));
    broker.shutdown().await;
}

#[tokio::test]
async fn broker_without_tls_has_no_tls_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let namespace = Namespace::new("eda-local").unwrap();
    let broker = Broker::start(BrokerConfig::new(namespace, dir.path().to_owned()))
        .await
        .unwrap();
    assert_eq!(broker.tls_endpoint(), None);
    assert_eq!(broker.ca_certificate_pem(), None);
    assert!(broker
        .tls_connection_string("RootManageSharedAccessKey", None)
        .is_none());
    assert!(!dir.path().join(CA_CERTIFICATE_FILE).exists());
    broker.shutdown().await;
}

#[tokio::test]
async fn untrusted_client_fails_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let address = broker.tls_endpoint().unwrap();
    let other_ca = TlsIdentity::generate().unwrap();

    let error = connect_tls(address, other_ca.ca_certificate_pem(), "localhost")
        .await
        .unwrap_err();
    // Every CA has the same name, so the client finds the issuer and rejects its signature.
    assert!(
        error.to_string().contains("invalid peer certificate"),
        "{error}"
    );

    let mut stream = connect_tls(address, broker.ca_certificate_pem().unwrap(), "localhost")
        .await
        .unwrap();
    open_connection(&mut stream).await;
    broker.shutdown().await;
}

#[tokio::test]
async fn malformed_tls_closes_only_that_socket() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let address = broker.tls_endpoint().unwrap();
    let ca_pem = broker.ca_certificate_pem().unwrap().to_owned();
    let mut healthy = connect_tls(address, &ca_pem, "localhost").await.unwrap();
    open_connection(&mut healthy).await;

    let truncated_client_hello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc];
    let oversized_record = [0x16, 0x03, 0x03, 0xff, 0xff, 0x00, 0x00];
    let not_a_handshake = [0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5];
    let cases: [(&str, &[u8]); 5] = [
        ("plain AMQP header", &SASL_HEADER),
        ("AMQP TLS upgrade header", b"AMQP\x02\x01\x00\x00"),
        ("garbage", b"\x00\xff\x13\x37garbage that is not TLS at all"),
        ("oversized record", &oversized_record),
        ("application data first", &not_a_handshake),
    ];
    for (case, bytes) in cases {
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(bytes).await.unwrap();
        expect_closed(&mut stream).await;
        println!("closed after {case}");
    }
    // Handshake records with random contents, from a fixed seed so a failure repeats.
    let mut seed: u64 = 0x5eed_7150;
    for round in 0..20 {
        let mut bytes = vec![0x16, 0x03, 0x01, 0x00, 0x40];
        for _ in 0..64 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            bytes.push((seed >> 56) as u8);
        }
        let mut stream = TcpStream::connect(address).await.unwrap();
        stream.write_all(&bytes).await.unwrap();
        expect_closed(&mut stream).await;
        println!("closed after random handshake record {round}");
    }

    // A client hello cut off mid-record, then the client leaves.
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(&truncated_client_hello).await.unwrap();
    drop(stream);

    // The connection opened before still works: it replies to a Close with its own.
    let close = Performative::Close(None);
    let mut body = Vec::new();
    close.encode(&mut body);
    let mut out = Vec::new();
    write_frame(FRAME_TYPE_AMQP, 0, &body, &mut out);
    healthy.write_all(&out).await.unwrap();
    healthy.flush().await.unwrap();
    let (frame_type, body) = read_frame(&mut healthy).await;
    assert_eq!(frame_type, FRAME_TYPE_AMQP);
    let (value, _) = split_body(&body).unwrap();
    assert!(matches!(
        Performative::from_value(value).unwrap(),
        Performative::Close(_)
    ));

    // New connections on both listeners still work.
    let mut fresh = connect_tls(address, &ca_pem, "localhost").await.unwrap();
    open_connection(&mut fresh).await;
    let mut plain = TcpStream::connect(broker.endpoint()).await.unwrap();
    open_connection(&mut plain).await;
    broker.shutdown().await;
}

#[tokio::test]
async fn shutdown_does_not_wait_for_pending_handshake() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let address = broker.tls_endpoint().unwrap();
    // Connected, but silent: the broker waits for a client hello that never comes.
    let _silent = TcpStream::connect(address).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = std::time::Instant::now();
    broker.shutdown().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "shutdown took {:?}",
        started.elapsed()
    );
}
