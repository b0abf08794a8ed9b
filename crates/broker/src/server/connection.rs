//! One client connection: the AMQP engine driven by a byte stream (a TCP socket, or the plain
//! text side of a TLS session), and the broker's handling of the events the engine reports.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use amqp::{
    condition, AmqpError, DeliveryState, Event, IncomingDelivery, LinkId, Message, OutgoingMessage,
};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::attach::{self, LinkKind};
use super::consume::delivery_payload;
use super::state::{Shared, Signal};
use super::token_expiry::LinkExpiries;
use super::{cbs, management, produce};
use crate::entity::Right;
use crate::limits::MAX_EVENT_BYTES;
use crate::log::{LogError, PartitionTarget};
use crate::receiver::RuntimeMetrics;
use crate::sas::Grant;

/// Events read from the log per query while filling a consumer's credit.
const READ_BATCH: usize = 64;

/// The maximum of message bytes one query reads from the log. A read stops there after its
/// first event, so a consumer of large events keeps a bounded amount in memory.
const READ_BYTES: usize = 512 * 1024;

/// The reply link of `$cbs` or `$management`, and replies waiting for its credit.
#[derive(Debug, Default)]
struct ReplyNode {
    link: Option<LinkId>,
    pending: VecDeque<Vec<u8>>,
}

/// A consumer link's position and the task that wakes it on new events.
#[derive(Debug)]
pub(crate) struct Consumer {
    /// The address the client attached to.
    pub(crate) address: String,
    pub(crate) hub: String,
    pub(crate) partition: u32,
    pub(crate) next_sequence: i64,
    pub(crate) receiver_id: crate::receiver::ReceiverId,
    pub(crate) runtime_metrics: bool,
    pub(crate) waker: JoinHandle<()>,
}

/// The broker's side of one connection.
pub(crate) struct Driver {
    pub(crate) shared: Arc<Shared>,
    pub(crate) engine: amqp::Connection,
    pub(crate) signals: mpsc::UnboundedSender<Signal>,
    pub(crate) grants: Vec<Grant>,
    pub(crate) links: HashMap<LinkId, LinkKind>,
    /// The expiry of the tokens that authorize the producer and consumer links.
    pub(crate) expiries: LinkExpiries<LinkId>,
    /// When the next link ends unless its token is renewed. Set only when links or grants
    /// change, so the path of an event reads no clock for it.
    expiry_timer: Option<Instant>,
    cbs_replies: ReplyNode,
    management_replies: ReplyNode,
    /// The namespace version the links were last checked against.
    checked_namespace_version: u64,
}

/// The largest capacity each of a connection's two output buffers keeps between writes. A
/// consumer's credit worth of large events can grow one to many megabytes, which an idle
/// connection would otherwise hold on to. Below this size the buffers are reused as they are,
/// which covers the writes of about 0.5 MB (an estimate) that busy consumers cause.
const MAX_KEPT_OUTPUT: usize = 1024 * 1024;

/// Serves one connection, read from `reader` and written to `writer`, until the client or the
/// broker closes it.
pub(crate) async fn serve<R, W>(
    mut reader: R,
    mut writer: W,
    peer: SocketAddr,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let (signals, mut incoming_signals) = mpsc::unbounded_channel();
    let checked_namespace_version = shared.namespace_version();
    let mut driver = Driver {
        shared,
        engine: amqp::Connection::new(amqp::ConnectionConfig::default()),
        signals,
        grants: Vec::new(),
        links: HashMap::new(),
        expiries: LinkExpiries::default(),
        expiry_timer: None,
        cbs_replies: ReplyNode::default(),
        management_replies: ReplyNode::default(),
        checked_namespace_version,
    };
    let mut buffer = vec![0u8; 64 * 1024];
    let connection_id = driver.shared.register_connection(driver.signals.clone());
    let mut deadline = driver.engine.tick(Instant::now());
    tracing::debug!(%peer, "connection opened");

    let mut output = Vec::new();
    loop {
        driver.engine.swap_output(&mut output);
        if !output.is_empty() {
            // The flush matters for TLS, which may keep encrypted records in its buffer. On a
            // plain socket it does nothing.
            let written = match writer.write_all(&output).await {
                Ok(()) => writer.flush().await,
                Err(error) => Err(error),
            };
            if let Err(error) = written {
                tracing::debug!(%peer, %error, "writing to the client failed");
                break;
            }
            if output.capacity() > MAX_KEPT_OUTPUT {
                output.clear();
                output.shrink_to(MAX_KEPT_OUTPUT);
            }
            deadline = driver.engine.tick(Instant::now());
        }
        if driver.engine.is_closed() {
            break;
        }
        let timer = sleep_until(deadline);
        let expiry_timer = sleep_until(driver.expiry_timer);
        tokio::select! {
            read = reader.read(&mut buffer) => match read {
                Ok(0) => break,
                Ok(count) => driver.engine.feed(&buffer[..count]),
                Err(error) => {
                    tracing::debug!(%peer, %error, "reading from the client failed");
                    break;
                }
            },
            Some(signal) = incoming_signals.recv() => driver.on_signal(signal),
            () = timer => {}
            () = expiry_timer => driver.end_expired_links(),
            _ = shutdown.changed() => driver.engine.close(Some(AmqpError::new(
                condition::CONNECTION_FORCED,
                "the broker is shutting down",
            ))),
        }
        driver.process_events().await;
        deadline = driver.engine.tick(Instant::now());
    }

    let _ = writer.shutdown().await;
    driver.shared.unregister_connection(connection_id);
    driver.release_all();
    tracing::debug!(%peer, "connection closed");
}

impl Driver {
    async fn process_events(&mut self) {
        // A namespace change's signal may still be queued when bytes sent after the change are
        // read, so the links are checked against the change here first.
        self.recheck_links_if_changed();
        while let Some(event) = self.engine.poll_event() {
            match event {
                Event::AttachRequested(request) => attach::on_attach(self, *request),
                Event::Delivery(delivery) => self.on_delivery(delivery),
                Event::OversizedDelivery {
                    link,
                    delivery_id,
                    settled,
                    message_format,
                    size,
                    max,
                } => {
                    let batch = message_format == amqp::BATCH_MESSAGE_FORMAT;
                    self.on_oversized_delivery(link, delivery_id, settled, batch, size, max);
                }
                Event::Credit { link, drain, .. } => self.on_credit(link, drain),
                Event::LinkDetached { link, error, .. } => {
                    if let Some(error) = error {
                        tracing::debug!(%link, condition = %error.condition, "link detached with an error");
                    }
                    self.forget_link(link);
                }
                Event::Closed { error, by_peer } => {
                    if let Some(error) = error {
                        tracing::debug!(by_peer, condition = %error.condition, description = ?error.description, "connection closed with an error");
                    }
                }
                other => tracing::trace!(event = ?other, "connection event"),
            }
        }
    }

    fn on_signal(&mut self, signal: Signal) {
        match signal {
            Signal::Wake(link) => self.pump(link),
            Signal::NamespaceChanged => self.recheck_links_if_changed(),
            Signal::Settle {
                link,
                delivery_id,
                outcome,
            } => self.settle(link, delivery_id, false, outcome),
            Signal::Detach(link, error) => {
                tracing::info!(%link, description = ?error.description, "receiver detached by the broker");
                if self.links.contains_key(&link) {
                    if let Err(error) = self.engine.detach(link, Some(error)) {
                        tracing::debug!(%link, %error, "detaching a receiver failed");
                    }
                    self.forget_link(link);
                }
            }
        }
    }

    /// Checks the links against the namespace when it changed since they were last checked.
    fn recheck_links_if_changed(&mut self) {
        let version = self.shared.namespace_version();
        if version != self.checked_namespace_version {
            self.checked_namespace_version = version;
            self.recheck_links();
        }
    }

    /// After a change of the namespace, drops the grants whose rule or key is gone. Each
    /// consumer link they no longer authorize ends with `amqp:unauthorized-access` and the
    /// reason. Each producer link they no longer authorize, or whose hub was deleted, rejects
    /// every later delivery with that reason or `amqp:not-found`, also after a hub of that name
    /// is created again. The receivers of deleted hubs and consumer groups are ended by
    /// [`Shared::namespace_changed`].
    fn recheck_links(&mut self) {
        let namespace = self.shared.namespace();
        let mut revoked = Vec::new();
        self.grants.retain(|grant| match grant.recheck(&namespace) {
            Ok(()) => true,
            Err(error) => {
                revoked.push((grant.clone(), error));
                false
            }
        });
        let mut changed = Vec::new();
        for (link, kind) in &self.links {
            let (hub, address, right) = match kind {
                LinkKind::Producer {
                    revoked: Some(_), ..
                } => continue,
                LinkKind::Producer { hub, address, .. } => (hub, address, Right::Send),
                LinkKind::Consumer(consumer) => (&consumer.hub, &consumer.address, Right::Listen),
                _ => continue,
            };
            if namespace.hub(hub).is_none() {
                // The receivers of a deleted hub were ended with their own description.
                if matches!(kind, LinkKind::Producer { .. }) {
                    let description = format!(
                        "event hub `{hub}` was deleted from namespace `{}`: create the event hub \
                         again, then open a new sender",
                        namespace.name()
                    );
                    changed.push((*link, AmqpError::new(condition::NOT_FOUND, description)));
                }
                continue;
            }
            if let Err(refused) = attach::authorize_link(self, address, right) {
                let error = revoked
                    .iter()
                    .find(|(grant, _)| grant.covers(address))
                    .map_or(refused, |(_, reason)| {
                        AmqpError::new(reason.condition(), reason.to_string())
                    });
                changed.push((*link, error));
            }
        }
        for (link, error) in changed {
            if let Some(LinkKind::Producer { revoked, .. }) = self.links.get_mut(&link) {
                tracing::info!(%link, description = ?error.description, "producer rejects its deliveries after a change of the namespace");
                *revoked = Some(error);
                continue;
            }
            tracing::info!(%link, description = ?error.description, "receiver ended after a change of the namespace");
            if let Err(error) = self.engine.detach(link, Some(error)) {
                tracing::debug!(%link, %error, "detaching a link failed");
            }
            self.forget_link(link);
        }
    }

    /// Sets the timer for the next link that ends unless its token is renewed.
    pub(crate) fn schedule_expiry(&mut self) {
        self.expiry_timer = self.expiries.next_end().map(instant_at_unix_seconds);
    }

    /// Detaches the links whose token expired without a renewal, with
    /// `amqp:unauthorized-access` and the expiry, then sets the timer for the next one.
    fn end_expired_links(&mut self) {
        for (link, reason) in self.expiries.take_expired(now_seconds()) {
            let error = AmqpError::new(reason.condition(), reason.to_string());
            tracing::info!(%link, description = ?error.description, "link ended because its token expired");
            if let Err(error) = self.engine.detach(link, Some(error)) {
                tracing::debug!(%link, %error, "detaching a link failed");
            }
            self.forget_link(link);
        }
        self.schedule_expiry();
    }

    fn on_credit(&mut self, link: LinkId, drain: bool) {
        if self.cbs_replies.link == Some(link) {
            flush_replies(&mut self.engine, &mut self.cbs_replies);
        } else if self.management_replies.link == Some(link) {
            flush_replies(&mut self.engine, &mut self.management_replies);
        } else {
            self.pump(link);
        }
        if drain && self.engine.credit(link).unwrap_or(0) > 0 {
            if let Err(error) = self.engine.drain(link) {
                tracing::debug!(%link, %error, "draining credit failed");
            }
        }
    }

    pub(crate) fn set_reply_link(&mut self, kind: &LinkKind, link: LinkId) {
        match kind {
            LinkKind::CbsReplies => self.cbs_replies.link = Some(link),
            LinkKind::ManagementReplies => self.management_replies.link = Some(link),
            _ => {}
        }
    }

    fn on_delivery(&mut self, delivery: IncomingDelivery) {
        let (link, delivery_id, settled) = (delivery.link, delivery.delivery_id, delivery.settled);
        let outcome = match self.links.get(&link) {
            Some(LinkKind::CbsRequests) => Some(self.on_cbs_request(&delivery.payload)),
            Some(LinkKind::ManagementRequests) => {
                Some(self.on_management_request(&delivery.payload))
            }
            Some(LinkKind::Producer {
                revoked: Some(error),
                ..
            }) => Some(DeliveryState::Rejected {
                error: Some(error.clone()),
            }),
            Some(LinkKind::Producer { hub, partition, .. }) => {
                let (hub, partition) = (hub.clone(), *partition);
                self.on_produce(&hub, partition, delivery)
            }
            _ => Some(DeliveryState::Rejected {
                error: Some(AmqpError::new(
                    condition::NOT_ALLOWED,
                    "this link does not accept messages",
                )),
            }),
        };
        if let Some(outcome) = outcome {
            self.settle(link, delivery_id, settled, outcome);
        }
        // Replies follow the settlement of their request, the order Azure sends them in. The
        // Rust SDK's management client waits for the settlement before it reads the reply.
        flush_replies(&mut self.engine, &mut self.cbs_replies);
        flush_replies(&mut self.engine, &mut self.management_replies);
    }

    /// Rejects a delivery over the link's maximum message size, or ends the link when the
    /// client sent it settled and would not see a rejection. Nothing of it is stored.
    fn on_oversized_delivery(
        &mut self,
        link: LinkId,
        delivery_id: u32,
        settled: bool,
        batch: bool,
        size: u64,
        max: u64,
    ) {
        let description = match self.links.get(&link) {
            Some(LinkKind::Producer { hub, .. }) if batch => format!(
                "the batch of {size} bytes sent to event hub `{hub}` is over the {max} bytes \
                 this link accepts: send fewer events per batch"
            ),
            Some(LinkKind::Producer { hub, .. }) => format!(
                "the message of {size} bytes sent to event hub `{hub}` is over the {max} bytes \
                 this link accepts, and an event may have at most {MAX_EVENT_BYTES} bytes (1 MB) \
                 of body, properties and partition key: send a smaller event"
            ),
            _ => format!("the message of {size} bytes is over the {max} bytes this link accepts"),
        };
        tracing::info!(%link, delivery_id, size, max, "message over the link's maximum size rejected");
        if settled {
            let error = AmqpError::new(condition::MESSAGE_SIZE_EXCEEDED, description);
            if let Err(error) = self.engine.detach(link, Some(error)) {
                tracing::debug!(%link, %error, "detaching a link failed");
            }
            self.forget_link(link);
            return;
        }
        let outcome = rejection(condition::MESSAGE_SIZE_EXCEEDED, description);
        self.settle(link, delivery_id, false, outcome);
    }

    fn settle(&mut self, link: LinkId, delivery_id: u32, settled: bool, outcome: DeliveryState) {
        if settled {
            return;
        }
        if let Err(error) = self.engine.settle(link, delivery_id, outcome) {
            tracing::debug!(%link, %error, "settling a delivery failed");
        }
    }

    fn on_cbs_request(&mut self, payload: &[u8]) -> DeliveryState {
        let request = match Message::decode(payload) {
            Ok(request) => request,
            Err(error) => return decode_rejection(&error),
        };
        let namespace = self.shared.namespace();
        let outcome = cbs::put_token(&namespace, &self.shared.hosts, &request, now_seconds());
        if let Some(grant) = outcome.grant {
            // A new token for the same resource replaces the old one, as token renewal does.
            self.grants
                .retain(|held| held.resource() != grant.resource());
            self.grants.push(grant);
            self.expiries.renew(&self.grants, now_seconds());
            self.schedule_expiry();
        }
        self.cbs_replies.pending.push_back(outcome.reply.encode());
        DeliveryState::Accepted
    }

    fn on_management_request(&mut self, payload: &[u8]) -> DeliveryState {
        let request = match Message::decode(payload) {
            Ok(request) => request,
            Err(error) => return decode_rejection(&error),
        };
        let namespace = self.shared.namespace();
        let reply = management::handle(
            &namespace,
            &self.shared.log,
            &self.shared.hosts,
            &self.grants,
            &request,
            now_seconds(),
        );
        self.management_replies.pending.push_back(reply.encode());
        DeliveryState::Accepted
    }

    /// Queues a producer's events for the log. Returns the outcome at once when the delivery is
    /// rejected; otherwise the delivery is settled by a [`Signal::Settle`] once its batch is
    /// committed, so the deliveries in flight on one link share group commits instead of
    /// waiting for each other.
    fn on_produce(
        &mut self,
        hub: &str,
        partition: Option<u32>,
        delivery: IncomingDelivery,
    ) -> Option<DeliveryState> {
        let incoming = match produce::incoming_events(delivery.payload, delivery.message_format) {
            Ok(incoming) => incoming,
            Err(produce::IncomingError::Decode(error)) => return Some(decode_rejection(&error)),
            Err(error) => return Some(rejection(condition::INVALID_FIELD, error.to_string())),
        };
        let Some(partition_count) = self.shared.partition_count(hub) else {
            return Some(rejection(
                condition::NOT_FOUND,
                format!("event hub `{hub}` was deleted: create it again to send to it"),
            ));
        };
        let target = match PartitionTarget::new(incoming.partition_key.as_deref(), partition) {
            Ok(target) => target,
            Err(error) => return Some(rejection(condition::INVALID_FIELD, error.to_string())),
        };
        let partition = self.shared.round_robin(hub).select(target, partition_count);
        let count = incoming.events.len();
        let pending = match self
            .shared
            .log
            .begin_append(hub, partition, incoming.events)
        {
            Ok(pending) => pending,
            Err(error) => return Some(append_outcome(hub, partition, count, Err(error))),
        };

        let signals = self.signals.clone();
        let hub = hub.to_owned();
        let (link, delivery_id, settled) = (delivery.link, delivery.delivery_id, delivery.settled);
        tokio::spawn(async move {
            let outcome = append_outcome(&hub, partition, count, pending.committed().await);
            if !settled {
                // The connection may have closed meanwhile; its events are stored all the same.
                let _ = signals.send(Signal::Settle {
                    link,
                    delivery_id,
                    outcome,
                });
            }
        });
        None
    }

    /// Sends a consumer as many events as its credit allows.
    pub(crate) fn pump(&mut self, link: LinkId) {
        loop {
            let Some(LinkKind::Consumer(consumer)) = self.links.get(&link) else {
                return;
            };
            let credit = self.engine.credit(link).unwrap_or(0) as usize;
            if credit == 0 {
                return;
            }
            let batch_size = credit.min(READ_BATCH);
            let (hub, partition, from) = (
                consumer.hub.clone(),
                consumer.partition,
                consumer.next_sequence,
            );
            let read = self
                .shared
                .log
                .read_within(&hub, partition, from, batch_size, READ_BYTES);
            let (events, stopped_at_bytes) = match read {
                Ok(read) => (read.events, read.stopped_at_bytes),
                Err(error) => {
                    tracing::error!(hub, partition, %error, "reading events failed");
                    return;
                }
            };
            if events.is_empty() {
                return;
            }
            let metrics = if consumer.runtime_metrics {
                self.shared
                    .log
                    .partition_info(&hub, partition)
                    .ok()
                    .map(|info| RuntimeMetrics::from_partition(&info, now_millis()))
            } else {
                None
            };
            let read_count = events.len();
            for event in events {
                match delivery_payload(&event, metrics.as_ref()) {
                    Ok(payload) => {
                        match self.engine.send(link, OutgoingMessage::settled(payload)) {
                            Ok(_) => {}
                            Err(amqp::EngineError::MessageTooLarge { size, max, .. }) => {
                                // The event cannot reach this receiver at all, so waiting would
                                // stall the partition: end the link and send the reason.
                                let description = format!(
                                "event {} of partition {partition} of event hub `{hub}` is {size} bytes \
                                 with the broker's annotations, over the {max} bytes this receiver \
                                 accepts (its max-message-size)",
                                event.sequence_number
                            );
                                tracing::warn!(%link, hub, partition, sequence = event.sequence_number, size, max, "event too large for the receiver");
                                let error =
                                    AmqpError::new(condition::MESSAGE_SIZE_EXCEEDED, description);
                                if let Err(error) = self.engine.detach(link, Some(error)) {
                                    tracing::debug!(%link, %error, "detaching a receiver failed");
                                }
                                self.forget_link(link);
                                return;
                            }
                            Err(error) => {
                                tracing::debug!(%link, %error, "sending an event failed");
                                return;
                            }
                        }
                    }
                    Err(error) => {
                        tracing::error!(hub, partition, sequence = event.sequence_number, %error, "a stored event does not decode; skipped");
                    }
                }
                if let Some(LinkKind::Consumer(consumer)) = self.links.get_mut(&link) {
                    consumer.next_sequence = event.sequence_number + 1;
                }
            }
            // A read short of the count reached the end of the partition, unless the byte
            // bound stopped it first.
            if read_count < batch_size && !stopped_at_bytes {
                return;
            }
        }
    }

    fn forget_link(&mut self, link: LinkId) {
        self.expiries.forget(link);
        if self.cbs_replies.link == Some(link) {
            self.cbs_replies = ReplyNode::default();
        }
        if self.management_replies.link == Some(link) {
            self.management_replies = ReplyNode::default();
        }
        if let Some(LinkKind::Consumer(consumer)) = self.links.remove(&link) {
            consumer.waker.abort();
            self.shared.receivers.release(consumer.receiver_id);
            self.shared.remove_owner(consumer.receiver_id);
        }
    }

    fn release_all(&mut self) {
        let links: Vec<LinkId> = self.links.keys().copied().collect();
        for link in links {
            self.forget_link(link);
        }
    }
}

fn flush_replies(engine: &mut amqp::Connection, node: &mut ReplyNode) {
    let Some(link) = node.link else {
        return;
    };
    while engine.credit(link).unwrap_or(0) > 0 {
        let Some(reply) = node.pending.pop_front() else {
            return;
        };
        match engine.send(link, OutgoingMessage::settled(reply)) {
            Ok(delivery_id) => tracing::trace!(%link, delivery_id, "reply sent"),
            Err(error) => {
                tracing::debug!(%link, %error, "sending a reply failed");
                return;
            }
        }
    }
    if !node.pending.is_empty() {
        tracing::trace!(%link, waiting = node.pending.len(), "replies wait for credit");
    }
}

/// The settlement of a producer's delivery from the result of appending its events.
fn append_outcome(
    hub: &str,
    partition: u32,
    count: usize,
    result: Result<Vec<crate::log::AppendedEvent>, LogError>,
) -> DeliveryState {
    match result {
        Ok(appended) => {
            tracing::debug!(
                hub,
                partition,
                events = count,
                first_sequence = appended.first().map(|event| event.sequence_number),
                "events appended"
            );
            DeliveryState::Accepted
        }
        Err(
            error @ (LogError::EventTooLarge { .. }
            | LogError::EventWithPropertiesTooLarge { .. }
            | LogError::BatchTooLarge { .. }),
        ) => {
            tracing::info!(hub, partition, %error, "event rejected");
            rejection(condition::MESSAGE_SIZE_EXCEEDED, error.to_string())
        }
        Err(error) => {
            tracing::error!(hub, partition, %error, "appending events failed");
            rejection(condition::INTERNAL_ERROR, error.to_string())
        }
    }
}

fn decode_rejection(error: &amqp::DecodeError) -> DeliveryState {
    rejection(
        condition::DECODE_ERROR,
        format!("the message does not decode: {error}"),
    )
}

fn rejection(condition: &str, description: String) -> DeliveryState {
    DeliveryState::Rejected {
        error: Some(AmqpError::new(condition, description)),
    }
}

/// Waits until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
        None => std::future::pending().await,
    }
}

/// Converts a time in seconds since the Unix epoch to an instant of the monotonic clock. A time
/// in the past becomes now.
fn instant_at_unix_seconds(seconds: u64) -> Instant {
    let target = UNIX_EPOCH + Duration::from_secs(seconds);
    let wait = target
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO);
    Instant::now() + wait
}

pub(crate) fn now_seconds() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0)
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
