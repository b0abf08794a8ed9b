//! The smallest Event Hubs behaviour that lets real clients finish a session against the engine:
//! CBS put-token, `$management` READ, sends to a hub or partition, and receives from a partition.
//!
//! It exists to prove the engine with real clients. It accepts every token, keeps events in
//! memory, reads only the start of a stream (earliest or latest), and serves two partitions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use amqp::{
    condition, split_batch, AmqpError, AttachRequest, AttachResponse, Body, Connection,
    DeliveryState, Event, IncomingDelivery, LinkId, Message, MessageBytes, OutgoingMessage,
    Properties, Role, Timestamp, Value, BATCH_MESSAGE_FORMAT,
};

/// The hub name every test connection string uses.
pub(crate) const HUB: &str = "hub";
/// The partitions of that hub.
pub(crate) const PARTITIONS: [&str; 2] = ["0", "1"];

/// One stored event.
#[derive(Debug, Clone)]
pub(crate) struct StoredEvent {
    pub(crate) bytes: Vec<u8>,
    pub(crate) enqueued_ms: i64,
}

/// What every connection of one server shares.
#[derive(Debug, Default)]
pub(crate) struct Store {
    pub(crate) partitions: HashMap<String, Vec<StoredEvent>>,
    /// Counters the tests check: `put-token`, `read-eventhub`, `read-partition`,
    /// `single-event`, `batch`, `batched-event`, `delivered`, `accepted`, `reply-disposition`.
    pub(crate) counts: HashMap<&'static str, usize>,
    /// The text of every connection-ending error the engine reported.
    pub(crate) errors: Vec<String>,
    /// Counts stored events; also serves as the enqueued-time clock in milliseconds.
    pub(crate) clock_ms: i64,
    /// Sends `$cbs` and `$management` replies unsettled, so that clients settle them with a
    /// disposition.
    pub(crate) unsettled_replies: bool,
}

impl Store {
    fn count(&mut self, name: &'static str) {
        *self.counts.entry(name).or_default() += 1;
    }

    /// Returns a counter, 0 when it never moved.
    pub(crate) fn get(&self, name: &str) -> usize {
        self.counts.get(name).copied().unwrap_or(0)
    }
}

pub(crate) type SharedStore = Arc<Mutex<Store>>;

/// The role the broker gave a link.
#[derive(Debug, Clone)]
enum LinkKind {
    Requests(&'static str),
    Replies(&'static str),
    Producer { partition: String },
    Consumer { partition: String, next: usize },
}

/// The broker's side of one connection.
#[derive(Debug)]
pub(crate) struct Handler {
    store: SharedStore,
    links: HashMap<LinkId, LinkKind>,
    /// The reply link of each management node (`$cbs`, `$management`).
    reply_links: HashMap<&'static str, LinkId>,
}

impl Handler {
    pub(crate) fn new(store: SharedStore) -> Handler {
        Handler {
            store,
            links: HashMap::new(),
            reply_links: HashMap::new(),
        }
    }

    /// Handles every queued event, then sends what consumers have credit for. Returns the
    /// events it handled.
    pub(crate) fn drive(&mut self, connection: &mut Connection) -> Vec<Event> {
        let mut handled = Vec::new();
        while let Some(event) = connection.poll_event() {
            handled.push(event.clone());
            self.handle(connection, event);
        }
        self.pump(connection);
        handled
    }

    fn handle(&mut self, connection: &mut Connection, event: Event) {
        match event {
            Event::AttachRequested(request) => self.on_attach(connection, &request),
            Event::Delivery(delivery) => self.on_delivery(connection, delivery),
            Event::LinkDetached { link, .. } => {
                self.links.remove(&link);
                self.reply_links.retain(|_, reply| *reply != link);
            }
            Event::Closed {
                error: Some(error), ..
            } => self.store.lock().unwrap().errors.push(error.to_string()),
            Event::DeliveryUpdated { .. } => self.store.lock().unwrap().count("reply-disposition"),
            Event::OversizedDelivery { .. } => self.store.lock().unwrap().count("oversized"),
            Event::Credit { .. }
            | Event::SaslCompleted { .. }
            | Event::Opened { .. }
            | Event::SessionBegun { .. }
            | Event::SessionEnded { .. }
            | Event::Closed { .. } => {}
        }
    }

    fn on_attach(&mut self, connection: &mut Connection, request: &AttachRequest) {
        let address = request.address().unwrap_or_default().to_owned();
        let path = entity_path(&address);
        let kind = match (path.as_str(), request.role) {
            ("$cbs", Role::Receiver) => Some(LinkKind::Requests("$cbs")),
            ("$cbs", Role::Sender) => Some(LinkKind::Replies("$cbs")),
            ("$management", Role::Receiver) => Some(LinkKind::Requests("$management")),
            ("$management", Role::Sender) => Some(LinkKind::Replies("$management")),
            (_, Role::Receiver) => {
                producer_partition(&path).map(|partition| LinkKind::Producer { partition })
            }
            (_, Role::Sender) => consumer_partition(&path).map(|partition| {
                let next = start_index(&self.store, &partition, request);
                LinkKind::Consumer { partition, next }
            }),
        };
        let Some(kind) = kind else {
            let error = AmqpError::new(
                condition::NOT_FOUND,
                format!("no entity at address `{address}`"),
            );
            connection.reject_attach(request.link, error).unwrap();
            return;
        };
        if let LinkKind::Replies(node) = kind {
            self.reply_links.insert(node, request.link);
        }
        self.links.insert(request.link, kind);
        connection
            .accept_attach(request.link, AttachResponse::default())
            .unwrap();
    }

    fn on_delivery(&mut self, connection: &mut Connection, delivery: IncomingDelivery) {
        let Some(kind) = self.links.get(&delivery.link).cloned() else {
            return;
        };
        let outcome = match kind {
            LinkKind::Requests(node) => {
                self.answer_request(connection, node, &delivery.payload);
                DeliveryState::Accepted
            }
            LinkKind::Producer { partition } => self.store_events(&partition, &delivery),
            LinkKind::Replies(_) | LinkKind::Consumer { .. } => DeliveryState::Released,
        };
        if !delivery.settled {
            let accepted = outcome == DeliveryState::Accepted;
            connection
                .settle(delivery.link, delivery.delivery_id, outcome)
                .unwrap();
            if accepted {
                self.store.lock().unwrap().count("accepted");
            }
        }
    }

    fn store_events(&mut self, partition: &str, delivery: &IncomingDelivery) -> DeliveryState {
        let mut store = self.store.lock().unwrap();
        let events = if delivery.message_format == BATCH_MESSAGE_FORMAT {
            match split_batch(&delivery.payload) {
                Ok(batch) => {
                    store.count("batch");
                    batch
                        .messages
                        .into_iter()
                        .map(MessageBytes::into_bytes)
                        .collect()
                }
                Err(error) => return rejected(error.to_string()),
            }
        } else {
            match MessageBytes::parse(delivery.payload.clone()) {
                Ok(message) => {
                    store.count("single-event");
                    vec![message.into_bytes()]
                }
                Err(error) => return rejected(error.to_string()),
            }
        };
        for bytes in events {
            if delivery.message_format == BATCH_MESSAGE_FORMAT {
                store.count("batched-event");
            }
            store.clock_ms += 1;
            let enqueued_ms = 1_700_000_000_000 + store.clock_ms;
            store
                .partitions
                .entry(partition.to_owned())
                .or_default()
                .push(StoredEvent { bytes, enqueued_ms });
        }
        DeliveryState::Accepted
    }

    fn answer_request(&mut self, connection: &mut Connection, node: &'static str, payload: &[u8]) {
        let Ok(request) = Message::decode(payload) else {
            return;
        };
        let message_id = request
            .properties
            .as_ref()
            .and_then(|p| p.message_id.clone());
        let operation = request
            .application_property("operation")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let (status, body) = match (node, operation.as_str()) {
            ("$cbs", "put-token") => {
                self.store.lock().unwrap().count("put-token");
                (202, Body::Value(Value::Null))
            }
            ("$management", "READ") => (200, Body::Value(self.read(&request))),
            _ => (400, Body::Value(Value::Null)),
        };
        let reply = Message {
            properties: Some(Properties {
                correlation_id: message_id,
                ..Properties::default()
            }),
            application_properties: Some(vec![
                ("status-code".to_owned(), Value::Int(status)),
                (
                    "status-description".to_owned(),
                    Value::string(status_text(status)),
                ),
            ]),
            body,
            ..Message::default()
        };
        let unsettled = self.store.lock().unwrap().unsettled_replies;
        let reply = if unsettled {
            OutgoingMessage::unsettled(reply.encode())
        } else {
            OutgoingMessage::settled(reply.encode())
        };
        if let Some(link) = self.reply_links.get(node) {
            connection.send(*link, reply).unwrap();
        }
    }

    fn read(&mut self, request: &Message) -> Value {
        let kind = request
            .application_property("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let key = |name: &str| Value::string(name);
        let mut store = self.store.lock().unwrap();
        if kind == "com.microsoft:partition" {
            store.count("read-partition");
            let partition = request
                .application_property("partition")
                .and_then(Value::as_str)
                .unwrap_or("0")
                .to_owned();
            let events = store
                .partitions
                .get(&partition)
                .cloned()
                .unwrap_or_default();
            let last = events.len() as i64 - 1;
            let last_time = events.last().map_or(0, |event| event.enqueued_ms);
            return Value::Map(vec![
                (key("name"), Value::string(HUB)),
                (key("partition"), Value::string(partition)),
                (key("begin_sequence_number"), Value::Long(0)),
                (key("last_enqueued_sequence_number"), Value::Long(last)),
                (key("last_enqueued_offset"), Value::string(last.to_string())),
                (
                    key("last_enqueued_time_utc"),
                    Value::Timestamp(Timestamp(last_time)),
                ),
                (key("is_partition_empty"), Value::Bool(events.is_empty())),
            ]);
        }
        store.count("read-eventhub");
        Value::Map(vec![
            (key("name"), Value::string(HUB)),
            (
                key("created_at"),
                Value::Timestamp(Timestamp(1_700_000_000_000)),
            ),
            (
                key("partition_ids"),
                Value::Array(amqp::Array::of_strings(PARTITIONS)),
            ),
        ])
    }

    /// Sends stored events to consumers, settled, as far as their credit allows.
    fn pump(&mut self, connection: &mut Connection) {
        let consumers: Vec<LinkId> = self
            .links
            .iter()
            .filter(|(_, kind)| matches!(kind, LinkKind::Consumer { .. }))
            .map(|(link, _)| *link)
            .collect();
        for link in consumers {
            while connection.credit(link).unwrap_or(0) > 0 {
                let Some(LinkKind::Consumer { partition, next }) = self.links.get_mut(&link) else {
                    break;
                };
                let mut store = self.store.lock().unwrap();
                let Some(event) = store
                    .partitions
                    .get(partition.as_str())
                    .and_then(|events| events.get(*next))
                    .cloned()
                else {
                    break;
                };
                let sequence = *next as i64;
                *next += 1;
                let annotations = [
                    (
                        Value::symbol("x-opt-sequence-number"),
                        Value::Long(sequence),
                    ),
                    (
                        Value::symbol("x-opt-offset"),
                        Value::string(sequence.to_string()),
                    ),
                    (
                        Value::symbol("x-opt-enqueued-time"),
                        Value::Timestamp(Timestamp(event.enqueued_ms)),
                    ),
                ];
                let message = MessageBytes::parse(event.bytes).expect("stored events parse");
                let payload = message.with_message_annotations(&annotations);
                connection
                    .send(link, OutgoingMessage::settled(payload))
                    .unwrap();
                store.count("delivered");
            }
        }
    }
}

fn rejected(description: String) -> DeliveryState {
    DeliveryState::Rejected {
        error: Some(AmqpError::new(condition::DECODE_ERROR, description)),
    }
}

fn status_text(status: i32) -> &'static str {
    match status {
        200 => "OK",
        202 => "Accepted",
        _ => "Bad Request",
    }
}

/// Returns the path of an address such as `amqps://host:port/hub/Partitions/0`, without the
/// leading slash; a bare node name (`$cbs`) is its own path.
fn entity_path(address: &str) -> String {
    match address.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, path)| path).to_owned(),
        None => address.trim_start_matches('/').to_owned(),
    }
}

/// Returns the partition a producer link sends to: `hub` sends to partition 0.
fn producer_partition(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [hub] if hub.eq_ignore_ascii_case(HUB) => Some("0".to_owned()),
        [hub, partitions, id]
            if hub.eq_ignore_ascii_case(HUB) && partitions.eq_ignore_ascii_case("partitions") =>
        {
            PARTITIONS.contains(id).then(|| (*id).to_owned())
        }
        _ => None,
    }
}

/// Returns the partition of a consumer address `hub/ConsumerGroups/{group}/Partitions/{id}`.
fn consumer_partition(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [hub, groups, _, partitions, id]
            if hub.eq_ignore_ascii_case(HUB)
                && groups.eq_ignore_ascii_case("consumergroups")
                && partitions.eq_ignore_ascii_case("partitions") =>
        {
            PARTITIONS.contains(id).then(|| (*id).to_owned())
        }
        _ => None,
    }
}

/// Reads the start position of a consumer: `@latest` starts after the last stored event, any
/// other filter at the first.
fn start_index(store: &SharedStore, partition: &str, request: &AttachRequest) -> usize {
    let filter = request
        .source
        .as_ref()
        .and_then(|source| source.filter.as_ref())
        .and_then(|filter| filter.first())
        .map(|(_, value)| value.clone());
    let expression = match filter {
        Some(Value::Described(described)) => {
            described.value.as_str().unwrap_or_default().to_owned()
        }
        _ => String::new(),
    };
    if expression.contains("@latest") {
        let store = store.lock().unwrap();
        return store.partitions.get(partition).map_or(0, Vec::len);
    }
    0
}
