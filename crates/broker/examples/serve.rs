//! Runs a broker for peer tests until its standard input closes.
//!
//! Usage: `serve DATA_DIR [HUB:PARTITIONS]...`. The namespace `eda-local` gets each hub (with
//! 7 days of retention), a `billing` consumer group on each, and namespace rules `send` (Send)
//! and `listen` (Listen) besides `RootManageSharedAccessKey`. The broker serves plain AMQP and,
//! on a second port, AMQP over TLS with a certificate from a CA made at start. One JSON line on
//! standard output gives both ports, the CA certificate's path, and a connection string per
//! rule for each listener.

use std::io::Read;

use broker::entity::{HubSettings, Namespace, Right, RuleScope};
use broker::server::{Broker, BrokerConfig, TlsIdentity};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let mut args = std::env::args().skip(1);
    let data_dir = args
        .next()
        .ok_or("usage: serve DATA_DIR [HUB:PARTITIONS]...")?;

    let mut namespace = Namespace::new("eda-local")?;
    let created_at = chrono::Utc::now().timestamp_millis();
    for spec in args {
        let (hub, partitions) = spec
            .split_once(':')
            .ok_or("a hub is written HUB:PARTITIONS")?;
        let settings = HubSettings {
            partition_count: partitions.parse()?,
            retention_days: 7,
        };
        namespace.create_hub(hub, settings, created_at)?;
        namespace.hub_mut(hub)?.create_consumer_group("billing")?;
    }
    namespace.create_rule(RuleScope::Namespace, "send", &[Right::Send])?;
    namespace.create_rule(RuleScope::Namespace, "listen", &[Right::Listen])?;

    let config = BrokerConfig::new(namespace, data_dir.into()).with_tls(TlsIdentity::generate()?);
    let broker = Broker::start(config).await?;
    let mut strings = serde_json::Map::new();
    let mut tls_strings = serde_json::Map::new();
    for rule in ["RootManageSharedAccessKey", "send", "listen"] {
        let text = broker.connection_string(rule, None).ok_or("rule missing")?;
        strings.insert(rule.to_owned(), text.expose().clone().into());
        let text = broker
            .tls_connection_string(rule, None)
            .ok_or("rule missing")?;
        tls_strings.insert(rule.to_owned(), text.expose().clone().into());
    }
    let ready = serde_json::json!({
        "port": broker.endpoint().port(),
        "connection_strings": strings,
        "tls_port": broker.tls_endpoint().map(|address| address.port()),
        "ca_certificate": broker.ca_certificate_path(),
        "tls_connection_strings": tls_strings,
    });
    println!("{ready}");

    // Standard input closing (the test ended or died) stops the broker.
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    broker.shutdown().await;
    Ok(())
}
