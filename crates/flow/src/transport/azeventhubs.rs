//! [`EventTransport`] over real Event Hubs: Azure, or the app's local broker.
//!
//! Each hub is reached with two connection strings, one signed by a rule with the Send right
//! and one by a rule with the Listen right, as the course's hub-level `send` and `listen`
//! rules provide. Readers and runtime information go through the `azeventhubs` client;
//! publishing goes through `fe2o3-amqp` (see [`producer`] for why).
//!
//! Over TLS, both clients trust the bundled web roots and any [`ExtraRootCertificates`] given
//! to the transport, so the local broker's TLS listener can be used with its CA.
//!
//! NOTE: the local broker over plain AMQP and over its TLS listener has been exercised. Against
//! Azure the same code connects over `amqps` on port 5671, and that path has not been run.

mod amqp_value;
mod errors;
pub mod local_broker;
mod message;
mod producer;
mod reader;
mod tls;

pub use tls::{CaFileError, ExtraRootCertificates};

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use ::azeventhubs::consumer::{EventHubConsumerClient, EventHubConsumerClientOptions};
use ::azeventhubs::{BasicRetryPolicy, MaxRetries};
use async_trait::async_trait;
use broker::connection_string::ConnectionString;
use broker::secret::Secret;
use tokio::sync::Mutex;

use errors::{classify_at, describe, timed_out, Operation, Target};
use producer::{ConnectOptions, HubProducer};

use crate::transport::{
    EventTransport, HubRuntime, PartitionReader, PartitionRuntime, PublishAck, PublishBatch,
    ReaderRequest, TransportError,
};

/// The connection strings of one hub. Their `Debug` output prints `***`.
#[derive(Debug, Clone)]
pub struct HubConnections {
    /// Signed by a rule with the Send right, scoped to the hub.
    pub send: Secret<String>,
    /// Signed by a rule with the Listen right, scoped to the hub; also used for runtime
    /// information, which any right may read.
    pub listen: Secret<String>,
}

/// Builds a connection string for a hub-level rule of a local broker, in the form Microsoft's
/// SDKs accept for a development emulator: plain AMQP to `127.0.0.1:{port}`.
pub fn local_connection_string(
    port: u16,
    rule: &str,
    key: &Secret<String>,
    hub: &str,
) -> Secret<String> {
    Secret::new(format!(
        "Endpoint=sb://127.0.0.1:{port};SharedAccessKeyName={rule};SharedAccessKey={};\
         EntityPath={hub};UseDevelopmentEmulator=true",
        key.expose()
    ))
}

type ManagementClient = EventHubConsumerClient<BasicRetryPolicy>;

/// The flow's transport over Event Hubs, with one producer connection and one management
/// connection per hub, each opened on first use and opened again after a failure.
#[derive(Debug)]
pub struct AzEventHubsTransport {
    hubs: BTreeMap<String, HubConnections>,
    producers: HashMap<String, Arc<Mutex<Option<HubProducer>>>>,
    management: HashMap<String, Arc<Mutex<Option<ManagementClient>>>>,
    connect: ConnectOptions,
}

impl AzEventHubsTransport {
    /// Creates a transport for `hubs`, by hub name. Nothing connects until first use.
    pub fn new(hubs: BTreeMap<String, HubConnections>) -> Self {
        let producers = hubs
            .keys()
            .map(|hub| (hub.clone(), Arc::new(Mutex::new(None))))
            .collect();
        let management = hubs
            .keys()
            .map(|hub| (hub.clone(), Arc::new(Mutex::new(None))))
            .collect();
        AzEventHubsTransport {
            hubs,
            producers,
            management,
            connect: ConnectOptions::default(),
        }
    }

    /// Trusts `certificates` beside the bundled web roots on TLS connections, such as the CA of
    /// the local broker's TLS listener.
    pub fn with_extra_root_certificates(mut self, certificates: ExtraRootCertificates) -> Self {
        self.connect.extra_roots = certificates;
        self
    }

    /// Bounds each step of connecting (TCP connect, TLS handshake, AMQP open, session begin,
    /// put-token, a reader's first attach) by `limit` instead of 30 s.
    pub fn with_connect_timeout(mut self, limit: Duration) -> Self {
        self.connect.step_timeout = limit;
        self
    }

    /// Returns the hub's connection strings after checking that each is for this hub. A string
    /// scoped to another hub signs tokens that the broker rejects with a less helpful reason.
    fn connections(&self, hub: &str) -> Result<&HubConnections, TransportError> {
        let connections = self
            .hubs
            .get(hub)
            .ok_or_else(|| TransportError::HubNotFound {
                hub: hub.to_owned(),
            })?;
        for string in [&connections.send, &connections.listen] {
            ConnectionString::parse(string.expose())
                .and_then(|parsed| parsed.hub(Some(hub)).map(|_| ()))
                .map_err(|error| TransportError::Rejected(error.to_string()))?;
        }
        Ok(connections)
    }

    async fn partition_ids(&self, hub: &str) -> Result<Vec<String>, TransportError> {
        let runtime = self.hub_runtime(hub).await?;
        Ok(runtime
            .partitions
            .into_iter()
            .map(|partition| partition.partition_id)
            .collect())
    }

    /// Publishes batches of one hub over its producer, connecting first when needed, and
    /// drops the producer after a failure so that the next publish connects afresh.
    async fn publish_to_hub(
        &self,
        hub: &str,
        batches: &[&PublishBatch],
    ) -> Vec<Result<PublishAck, TransportError>> {
        let failed_all =
            |error: TransportError| batches.iter().map(|_| Err(error.clone())).collect();
        let connections = match self.connections(hub) {
            Ok(connections) => connections,
            Err(error) => return failed_all(error),
        };
        let keyless_batch = batches.iter().any(|batch| {
            batch.partition_key.is_none() && batch.partition_id.is_none() && batch.events.len() > 1
        });
        let partition_ids = if keyless_batch {
            match self.partition_ids(hub).await {
                Ok(ids) => ids,
                Err(error) => return failed_all(error),
            }
        } else {
            Vec::new()
        };
        let slot = self.producers[hub].clone();
        let mut producer = slot.lock().await;
        if producer.as_ref().is_some_and(HubProducer::token_expiring) {
            if let Some(expiring) = producer.take() {
                expiring.close().await;
            }
        }
        if producer.is_none() {
            match HubProducer::connect(hub, &connections.send, &self.connect).await {
                Ok(connected) => *producer = Some(connected),
                Err(error) => return failed_all(error),
            }
        }
        let sending = producer.as_mut().expect("the producer was just connected");
        let results = sending.send_all(batches, &partition_ids).await;
        // A failed send may leave a detached link behind, so the next publish starts afresh.
        if let Some(Err(error)) = results.iter().find(|result| result.is_err()) {
            tracing::warn!(hub, %error, "publishing failed; reconnecting on the next publish");
            if let Some(broken) = producer.take() {
                broken.close().await;
            }
        }
        results
    }

    async fn read_runtime(
        client: &mut ManagementClient,
        hub: &str,
        target: &Target,
    ) -> Result<HubRuntime, TransportError> {
        let properties = client
            .get_event_hub_properties()
            .await
            .map_err(|error| classify_at(Operation::Hub(hub), target, &describe(&error)))?;
        let created = properties.created_on();
        let created_at_ms = (created.unix_timestamp_nanos() / 1_000_000) as i64;
        let mut partitions = Vec::new();
        for id in properties.partition_ids() {
            let partition = client
                .get_partition_properties(id)
                .await
                .map_err(|error| classify_at(Operation::Hub(hub), target, &describe(&error)))?;
            partitions.push(PartitionRuntime {
                partition_id: id.clone(),
                beginning_sequence_number: partition.beginning_sequence_number(),
                last_enqueued_sequence_number: partition.last_enqueued_sequence_number(),
                is_empty: partition.is_empty(),
            });
        }
        Ok(HubRuntime {
            hub: hub.to_owned(),
            created_at_ms: Some(created_at_ms),
            partitions,
        })
    }
}

#[async_trait]
impl EventTransport for AzEventHubsTransport {
    async fn publish(&self, batch: PublishBatch) -> Result<PublishAck, TransportError> {
        let mut results = self.publish_all(vec![batch]).await;
        results
            .pop()
            .expect("publish_all returns one result per batch")
    }

    async fn publish_all(
        &self,
        batches: Vec<PublishBatch>,
    ) -> Vec<Result<PublishAck, TransportError>> {
        let mut results: Vec<Option<Result<PublishAck, TransportError>>> =
            (0..batches.len()).map(|_| None).collect();
        let mut by_hub: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, batch) in batches.iter().enumerate() {
            by_hub.entry(batch.hub.as_str()).or_default().push(index);
        }
        for (hub, indexes) in by_hub {
            let hub_batches: Vec<&PublishBatch> =
                indexes.iter().map(|&index| &batches[index]).collect();
            let hub_results = self.publish_to_hub(hub, &hub_batches).await;
            for (index, result) in indexes.into_iter().zip(hub_results) {
                results[index] = Some(result);
            }
        }
        results
            .into_iter()
            .map(|result| result.expect("every batch belongs to one hub"))
            .collect()
    }

    async fn open_reader(
        &self,
        request: ReaderRequest,
    ) -> Result<Box<dyn PartitionReader>, TransportError> {
        let listen = self.connections(&request.hub)?.listen.clone();
        let reader = reader::open(request, listen, &self.connect).await?;
        Ok(Box::new(reader))
    }

    async fn hub_runtime(&self, hub: &str) -> Result<HubRuntime, TransportError> {
        let connections = self.connections(hub)?;
        let slot = self.management[hub].clone();
        let mut client = slot.lock().await;
        let target = Target::of_text(connections.listen.expose());
        if client.is_none() {
            reader::check_signature(&connections.listen)?;
            let mut options = EventHubConsumerClientOptions::default();
            options.retry_options.max_retries = MaxRetries::new(1).expect("one retry is valid");
            options.connection_options.extra_root_certificates = self.connect.extra_roots.to_der();
            let limit = self.connect.step_timeout;
            let opening = EventHubConsumerClient::new_from_connection_string(
                EventHubConsumerClient::DEFAULT_CONSUMER_GROUP_NAME,
                reader::canonicalize(&connections.listen).expose().clone(),
                hub.to_owned(),
                options,
            );
            let opened = tokio::time::timeout(limit, opening)
                .await
                .map_err(|_| timed_out("opening the management connection to", &target, limit))?
                .map_err(|error| classify_at(Operation::Hub(hub), &target, &describe(&error)))?;
            *client = Some(opened);
        }
        let reading = client.as_mut().expect("the client was just opened");
        let result = Self::read_runtime(reading, hub, &target).await;
        if result.is_err() {
            if let Some(broken) = client.take() {
                let _ = broken.close().await;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport_of(hub: &str, scoped_to: &str) -> AzEventHubsTransport {
        let key = Secret::new("a2V5IG9mIHRoZSBydWxl".to_owned());
        let connections = HubConnections {
            send: local_connection_string(5672, "send", &key, scoped_to),
            listen: local_connection_string(5672, "listen", &key, hub),
        };
        AzEventHubsTransport::new(BTreeMap::from([(hub.to_owned(), connections)]))
    }

    #[test]
    fn other_hub_string_rejected_early() {
        let transport = transport_of("lead", "customer");
        let message = transport.connections("lead").unwrap_err().to_string();
        assert!(
            message.contains("`customer`") && message.contains("`lead`"),
            "{message}"
        );
        assert!(!message.contains("a2V5IG9mIHRoZSBydWxl"), "{message}");
    }

    #[test]
    fn own_hub_string_accepted() {
        let transport = transport_of("lead", "lead");
        assert!(transport.connections("lead").is_ok());
        assert!(matches!(
            transport.connections("sale"),
            Err(TransportError::HubNotFound { .. })
        ));
    }
}
