//! Publishing to one hub over AMQP with `fe2o3-amqp`, the AMQP library `azeventhubs` is built
//! on.
//!
//! NOTE: `azeventhubs` 0.20's `EventData` has no way to set application properties, and the
//! flow's CloudEvents attributes travel in them, so sends do not go through its producer. A
//! setter for application properties in the patched client would let this file go.
//!
//! A producer opens one connection and session per hub, puts a shared access signature token
//! for the hub on `$cbs`, and sends each batch as one delivery, waiting for the broker's
//! outcome. A single event is a plain message, and a batch of several events is one batch
//! message, as the Azure SDKs send them. Events with a partition key go to the hub's gateway
//! address with the key in the `x-opt-partition-key` annotation. A keyless batch of several
//! events goes to one partition's address, chosen round robin.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use broker::connection_string::{ConnectionString, Credential};
use broker::sas::SasToken;
use broker::secret::Secret;
use fe2o3_amqp::connection::{ConnectionHandle, OpenError};
use fe2o3_amqp::link::delivery::DeliveryFut;
use fe2o3_amqp::link::SendError;
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::messaging::{
    AmqpValue, ApplicationProperties, Body, Message, MessageId, Outcome, Properties,
    SerializableBody,
};
use fe2o3_amqp::types::primitives::{OrderedMap, SimpleValue, Timestamp, Value};
use fe2o3_amqp::{Connection, Receiver, Sendable, Sender, Session};
use tokio::net::TcpStream;

use super::errors::{classify, classify_at, describe, timed_out, Operation, Target};
use super::message::{batch_message, outgoing_message};
use super::tls::ExtraRootCertificates;
use crate::transport::{PublishAck, PublishBatch, TransportError};

/// The node that accepts tokens.
const CBS_NODE: &str = "$cbs";

/// How long a token stays valid; the producer reconnects with a fresh one before it expires.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// How long before a token expires the producer reconnects.
const TOKEN_RENEW_MARGIN: Duration = Duration::from_secs(300);

/// How long `put_token` waits for the broker's reply.
const CBS_REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one send waits for the broker's outcome.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// How long each step of connecting may take: TCP connect, TLS handshake, AMQP open, session
/// begin and put-token. An endpoint that accepts TCP and never replies fails after it.
pub(super) const CONNECT_STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to one hub, opened on the first publish.
#[derive(Debug)]
pub(super) struct HubProducer {
    hub: String,
    host: String,
    target: Target,
    connection: ConnectionHandle<()>,
    session: SessionHandle<()>,
    senders: HashMap<String, Sender>,
    token_expires_at: SystemTime,
    next_partition: usize,
}

impl HubProducer {
    /// Connects to the hub named in `connection_string` and puts a token for it on `$cbs`. Each
    /// step (TCP connect, TLS handshake, AMQP open, session begin, put-token) may take at most
    /// `options.step_timeout`.
    pub(super) async fn connect(
        hub: &str,
        connection_string: &Secret<String>,
        options: &ConnectOptions,
    ) -> Result<Self, TransportError> {
        let parsed = ConnectionString::parse(connection_string.expose())
            .map_err(|error| TransportError::Rejected(error.to_string()))?;
        let host = parsed.endpoint().host.clone();
        let (token, expires_at) = token_for(&parsed, &host, hub)?;
        let target = Target::of(&parsed);
        let limit = options.step_timeout;
        let failed = |error: &(dyn std::error::Error + 'static)| {
            classify_at(Operation::Hub(hub), &target, &describe(error))
        };

        let mut connection = open_connection(&parsed, &target, options)
            .await
            .map_err(|error| match error {
                OpenFailure::TimedOut(step) => timed_out(step, &target, limit),
                OpenFailure::Io(error) => failed(&error),
                OpenFailure::Amqp(error) => failed(&error),
            })?;
        let mut session = tokio::time::timeout(limit, Session::begin(&mut connection))
            .await
            .map_err(|_| timed_out("beginning an AMQP session with", &target, limit))?
            .map_err(|error| failed(&error))?;

        let expiry = expires_at
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let audience = format!("amqps://{host}/{hub}");
        let put = put_token(&mut session, hub, &target, &audience, &token, expiry);
        tokio::time::timeout(limit, put)
            .await
            .map_err(|_| timed_out("putting the token on `$cbs` of", &target, limit))??;
        tracing::debug!(hub, "producer connected");
        Ok(HubProducer {
            hub: hub.to_owned(),
            host,
            target,
            connection,
            session,
            senders: HashMap::new(),
            token_expires_at: expires_at,
            next_partition: 0,
        })
    }

    /// Returns whether the token is close enough to expiry that the producer should reconnect.
    pub(super) fn token_expiring(&self) -> bool {
        SystemTime::now() + TOKEN_RENEW_MARGIN >= self.token_expires_at
    }

    /// Sends the batches and returns one result per batch once the broker settled every
    /// batch. Every batch is sent before the first outcome is awaited, so many batches are in
    /// flight at once, and batches on one address keep their order. After a
    /// failed send, the batches not yet sent fail too, without being sent. `partition_ids` is
    /// used only for keyless batches of several events.
    pub(super) async fn send_all(
        &mut self,
        batches: &[&PublishBatch],
        partition_ids: &[String],
    ) -> Vec<Result<PublishAck, TransportError>> {
        let mut in_flight = Vec::with_capacity(batches.len());
        let mut failure: Option<TransportError> = None;
        for batch in batches {
            if let Some(error) = &failure {
                in_flight.push(Err(error.clone()));
                continue;
            }
            match self.start_batch(batch, partition_ids).await {
                Ok(pending) => in_flight.push(Ok(pending)),
                Err(error) => {
                    failure = Some(error.clone());
                    in_flight.push(Err(error));
                }
            }
        }

        let mut results = Vec::with_capacity(batches.len());
        for (batch, started) in batches.iter().zip(in_flight) {
            let result = match started {
                Ok(pending) => self.settle_batch(batch, pending).await,
                Err(error) => Err(error),
            };
            results.push(result);
        }
        results
    }

    /// Sends one batch as one delivery without waiting for its outcome.
    async fn start_batch(
        &mut self,
        batch: &PublishBatch,
        partition_ids: &[String],
    ) -> Result<PendingBatch, TransportError> {
        if batch.partition_key.is_some() && batch.partition_id.is_some() {
            return Err(TransportError::Rejected(format!(
                "a batch for event hub `{}` has both a partition key and a partition id: choose \
                 one",
                self.hub
            )));
        }
        let partition_id = if let Some(id) = &batch.partition_id {
            Some(id.clone())
        } else if batch.partition_key.is_none() && batch.events.len() > 1 {
            if partition_ids.is_empty() {
                return Err(TransportError::Rejected(format!(
                    "event hub `{}` reports no partitions",
                    self.hub
                )));
            }
            let id = partition_ids[self.next_partition % partition_ids.len()].clone();
            self.next_partition = self.next_partition.wrapping_add(1);
            Some(id)
        } else {
            None
        };
        let address = match &partition_id {
            Some(id) => format!("amqps://{}/{}/Partitions/{id}", self.host, self.hub),
            None => format!("amqps://{}/{}", self.host, self.hub),
        };
        let hub = self.hub.clone();
        let target = self.target.clone();
        let partition_key = batch.partition_key.as_deref();
        let sender = self.sender(&address).await?;
        let outcome = match batch.events.as_slice() {
            [] => None,
            [event] => {
                let message = outgoing_message(event, partition_key);
                Some(send_one(sender, message, &hub, &target).await?)
            }
            events => {
                // NOTE: the batch message adds a few bytes of encoding per event, and Azure's
                // producer links advertise a max message size of 1 MB. So a batch whose events
                // fill 1 MB is likely too large for Azure. This was not tried against Azure.
                let envelope = batch_message(events, partition_key).map_err(|error| {
                    TransportError::Rejected(format!(
                        "encoding a batch of {} events for event hub `{hub}` failed: {error}",
                        events.len()
                    ))
                })?;
                Some(send_one(sender, envelope, &hub, &target).await?)
            }
        };
        Ok(PendingBatch {
            partition_id,
            outcome,
        })
    }

    /// Waits for the broker's outcome of every event of a sent batch.
    async fn settle_batch(
        &self,
        batch: &PublishBatch,
        pending: PendingBatch,
    ) -> Result<PublishAck, TransportError> {
        let hub = &self.hub;
        if let Some(delivery) = pending.outcome {
            let outcome = tokio::time::timeout(SEND_TIMEOUT, delivery)
                .await
                .map_err(|_| send_timed_out(hub))?
                .map_err(|error| {
                    classify_at(Operation::Hub(hub), &self.target, &describe(&error))
                })?;
            match outcome {
                Outcome::Accepted(_) => {}
                Outcome::Rejected(rejected) => {
                    let text = format!("{:?}", rejected.error);
                    return Err(match classify(Operation::Hub(hub), &text) {
                        TransportError::Unavailable(text) => TransportError::Rejected(text),
                        other => other,
                    });
                }
                other => {
                    return Err(TransportError::Unavailable(format!(
                        "event hub `{hub}` did not accept a send: {other:?}"
                    )))
                }
            }
        }
        Ok(PublishAck {
            partition_id: pending.partition_id,
            events: batch.events.len(),
        })
    }

    async fn sender(&mut self, address: &str) -> Result<&mut Sender, TransportError> {
        if !self.senders.contains_key(address) {
            let name = format!("eda-flow-sender-{}", uuid::Uuid::new_v4());
            let sender = Sender::attach(&mut self.session, name, address)
                .await
                .map_err(|error| {
                    classify_at(Operation::Hub(&self.hub), &self.target, &describe(&error))
                })?;
            self.senders.insert(address.to_owned(), sender);
        }
        Ok(self
            .senders
            .get_mut(address)
            .expect("the sender was just attached"))
    }

    /// Detaches every sender and closes the connection; failures only mean it is gone already.
    pub(super) async fn close(mut self) {
        for (_, sender) in self.senders.drain() {
            let _ = sender.close().await;
        }
        let _ = self.session.end().await;
        let _ = self.connection.close().await;
    }
}

/// The producer's connection settings: the certificates it trusts and the bound on each step.
#[derive(Debug, Clone)]
pub(super) struct ConnectOptions {
    /// Certificates trusted beside the bundled web roots over TLS.
    pub(super) extra_roots: ExtraRootCertificates,
    /// How long each step of connecting may take.
    pub(super) step_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            extra_roots: ExtraRootCertificates::default(),
            step_timeout: CONNECT_STEP_TIMEOUT,
        }
    }
}

/// Returns the token to put on `$cbs` and when it expires: one signed with the string's key, or
/// the string's own `SharedAccessSignature`, which must not have expired.
fn token_for(
    parsed: &ConnectionString,
    host: &str,
    hub: &str,
) -> Result<(Secret<String>, SystemTime), TransportError> {
    match parsed.credential() {
        Credential::SharedAccessKey { key_name, key } => {
            let expires_at = SystemTime::now() + TOKEN_LIFETIME;
            let expiry = expires_at
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            let resource = format!("sb://{host}/{hub}");
            let token = broker::sas::generate_token(&resource, key_name, key, expiry);
            Ok((token, expires_at))
        }
        Credential::SharedAccessSignature(signature) => {
            let expires_at = signature_expiry(signature)?;
            Ok((signature.clone(), expires_at))
        }
    }
}

/// Returns when a connection string's own `SharedAccessSignature` expires, or an error naming
/// the expiry and the fix when it is invalid or has already expired.
pub(super) fn signature_expiry(signature: &Secret<String>) -> Result<SystemTime, TransportError> {
    let parsed = SasToken::parse(signature.expose()).map_err(|error| {
        TransportError::Rejected(format!(
            "the connection string's SharedAccessSignature is invalid: {error}"
        ))
    })?;
    let expires_at = UNIX_EPOCH + Duration::from_secs(parsed.expiry());
    if expires_at <= SystemTime::now() {
        let expiry = i64::try_from(parsed.expiry()).unwrap_or(i64::MAX);
        let when = chrono::DateTime::from_timestamp(expiry, 0)
            .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| expiry.to_string());
        return Err(TransportError::Rejected(format!(
            "the connection string's SharedAccessSignature expired at {when} (se={}): create a \
             new signature, or use a connection string with SharedAccessKeyName and \
             SharedAccessKey",
            parsed.expiry()
        )));
    }
    Ok(expires_at)
}

/// A step of opening the connection that failed.
enum OpenFailure {
    /// The step, in words that precede the endpoint, did not finish in time.
    TimedOut(&'static str),
    /// The TCP connect or the TLS handshake failed.
    Io(std::io::Error),
    /// The AMQP open failed.
    Amqp(OpenError),
}

/// Opens the AMQP connection: plain for a development emulator string, else inside TLS made
/// on the TCP connection first, as Azure and the local broker's TLS listener expect.
async fn open_connection(
    parsed: &ConnectionString,
    target: &Target,
    options: &ConnectOptions,
) -> Result<ConnectionHandle<()>, OpenFailure> {
    let limit = options.step_timeout;
    let host = parsed.endpoint().host.as_str();
    let container_id = format!("eda-flow-{}", uuid::Uuid::new_v4());
    let builder = Connection::builder()
        .container_id(container_id)
        .hostname(host)
        .sasl_profile(SaslProfile::Anonymous);
    let tcp = tokio::time::timeout(limit, TcpStream::connect(target.address()))
        .await
        .map_err(|_| OpenFailure::TimedOut("connecting to"))?
        .map_err(OpenFailure::Io)?;
    let opened = if parsed.uses_tls() {
        let tls = tokio::time::timeout(limit, options.extra_roots.handshake(tcp, host))
            .await
            .map_err(|_| OpenFailure::TimedOut("the TLS handshake with"))?
            .map_err(OpenFailure::Io)?;
        tokio::time::timeout(limit, builder.scheme("amqp").open_with_stream(tls)).await
    } else {
        tokio::time::timeout(limit, builder.scheme("amqp").open_with_stream(tcp)).await
    };
    opened
        .map_err(|_| OpenFailure::TimedOut("opening the AMQP connection to"))?
        .map_err(OpenFailure::Amqp)
}

/// A sent batch and the outcome its delivery will settle with, or none for an empty batch.
struct PendingBatch {
    partition_id: Option<String>,
    outcome: Option<DeliveryFut<Result<Outcome, SendError>>>,
}

/// Sends one delivery to event hub `hub` without waiting for its outcome.
async fn send_one<T: SerializableBody>(
    sender: &mut Sender,
    sendable: impl Into<Sendable<T>>,
    hub: &str,
    target: &Target,
) -> Result<DeliveryFut<Result<Outcome, SendError>>, TransportError> {
    tokio::time::timeout(SEND_TIMEOUT, sender.send_batchable(sendable))
        .await
        .map_err(|_| send_timed_out(hub))?
        .map_err(|error| classify_at(Operation::Hub(hub), target, &describe(&error)))
}

fn send_timed_out(hub: &str) -> TransportError {
    TransportError::Unavailable(format!(
        "event hub `{hub}` did not settle a send within {} s",
        SEND_TIMEOUT.as_secs()
    ))
}

/// Puts `token` on `$cbs` for `audience` and waits for a 200 or 202 reply.
async fn put_token(
    session: &mut SessionHandle<()>,
    hub: &str,
    target: &Target,
    audience: &str,
    token: &Secret<String>,
    expiry: u64,
) -> Result<(), TransportError> {
    let failed = |error: &(dyn std::error::Error + 'static)| {
        classify_at(Operation::Hub(hub), target, &describe(error))
    };
    let suffix = uuid::Uuid::new_v4();
    let reply_address = format!("cbs-reply-{suffix}");
    let mut sender = Sender::attach(session, format!("cbs-sender-{suffix}"), CBS_NODE)
        .await
        .map_err(|error| failed(&error))?;
    let mut receiver = Receiver::builder()
        .name(format!("cbs-receiver-{suffix}"))
        .source(CBS_NODE)
        .target(reply_address.as_str())
        .attach(session)
        .await
        .map_err(|error| failed(&error))?;

    let mut application = OrderedMap::new();
    application.insert("name".to_owned(), SimpleValue::String(audience.to_owned()));
    application.insert(
        "operation".to_owned(),
        SimpleValue::String("put-token".to_owned()),
    );
    application.insert(
        "type".to_owned(),
        SimpleValue::String("servicebus.windows.net:sastoken".to_owned()),
    );
    let expiry_ms = i64::try_from(expiry)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    application.insert(
        "expiration".to_owned(),
        SimpleValue::Timestamp(Timestamp::from_milliseconds(expiry_ms)),
    );
    let message_id = format!("put-token-{suffix}");
    let request = Message::builder()
        .properties(Properties {
            message_id: Some(MessageId::String(message_id)),
            reply_to: Some(reply_address.clone()),
            ..Properties::default()
        })
        .application_properties(ApplicationProperties(application))
        .body(AmqpValue(token.expose().clone()))
        .build();
    let outcome = sender.send(request).await.map_err(|error| failed(&error))?;
    if !matches!(outcome, Outcome::Accepted(_)) {
        return Err(TransportError::Rejected(format!(
            "`$cbs` did not accept the token for event hub `{hub}`: {outcome:?}"
        )));
    }
    let delivery = tokio::time::timeout(CBS_REPLY_TIMEOUT, receiver.recv::<Body<Value>>())
        .await
        .map_err(|_| {
            TransportError::Unavailable(format!(
                "`$cbs` did not reply to the token for event hub `{hub}` within {} s: check that the broker runs",
                CBS_REPLY_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|error| failed(&error))?;
    let _ = receiver.accept(&delivery).await;
    let (status, description) = reply_status(delivery.message());
    let _ = sender.close().await;
    let _ = receiver.close().await;
    match status {
        Some(200 | 202) => Ok(()),
        _ => Err(TransportError::Rejected(format!(
            "`$cbs` rejected the token for event hub `{hub}` with status {}: {}",
            status.map_or_else(|| "none".to_owned(), |code| code.to_string()),
            description.unwrap_or_default()
        ))),
    }
}

fn reply_status(message: &Message<Body<Value>>) -> (Option<i64>, Option<String>) {
    let Some(application) = &message.application_properties else {
        return (None, None);
    };
    let status = application
        .0
        .get("status-code")
        .and_then(|value| match value {
            SimpleValue::Int(code) => Some(i64::from(*code)),
            SimpleValue::Long(code) => Some(*code),
            _ => None,
        });
    let description = application
        .0
        .get("status-description")
        .and_then(|value| match value {
            SimpleValue::String(text) => Some(text.clone()),
            _ => None,
        });
    (status, description)
}
