//! State shared by every connection of one namespace's broker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use amqp::{AmqpError, LinkId};
use tokio::sync::mpsc::UnboundedSender;

use crate::entity::Namespace;
use crate::log::{EventLog, RoundRobin};
use crate::receiver::{ReceiverId, ReceiverRegistry};

/// A message to one connection's task from elsewhere in the broker.
#[derive(Debug)]
pub(crate) enum Signal {
    /// New events may be waiting for a consumer link.
    Wake(LinkId),
    /// A consumer link was displaced by a receiver with a higher owner level.
    Evict(LinkId, AmqpError),
    /// A producer's delivery was stored (or failed to be), so it can be settled.
    Settle {
        /// The producer link.
        link: LinkId,
        /// The delivery to settle.
        delivery_id: u32,
        /// Accepted once committed, or the rejection.
        outcome: amqp::DeliveryState,
    },
}

/// The namespace, its log and its receivers.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) namespace: RwLock<Namespace>,
    pub(crate) log: EventLog,
    pub(crate) receivers: ReceiverRegistry,
    /// Host names clients reach the broker by, checked against token resources.
    pub(crate) hosts: Vec<String>,
    round_robin: Mutex<HashMap<String, Arc<RoundRobin>>>,
    owners: Mutex<HashMap<ReceiverId, (UnboundedSender<Signal>, LinkId)>>,
    capture_closes: Mutex<HashMap<String, i64>>,
}

impl Shared {
    pub(crate) fn new(namespace: Namespace, log: EventLog, hosts: Vec<String>) -> Self {
        Self {
            namespace: RwLock::new(namespace),
            log,
            receivers: ReceiverRegistry::default(),
            hosts,
            round_robin: Mutex::default(),
            owners: Mutex::default(),
            capture_closes: Mutex::default(),
        }
    }

    /// Returns a snapshot of the namespace.
    pub(crate) fn namespace(&self) -> Namespace {
        self.namespace
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Returns a hub's partition count without copying the namespace, `None` when the hub
    /// does not exist.
    pub(crate) fn partition_count(&self, hub: &str) -> Option<u32> {
        self.namespace
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .hub(hub)
            .map(|found| found.settings().partition_count)
    }

    /// Returns the round-robin cursor of a hub.
    pub(crate) fn round_robin(&self, hub: &str) -> Arc<RoundRobin> {
        let mut cursors = self
            .round_robin
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Arc::clone(cursors.entry(hub.to_ascii_lowercase()).or_default())
    }

    /// Records which connection and link own an admitted receiver.
    pub(crate) fn register_owner(
        &self,
        id: ReceiverId,
        signals: UnboundedSender<Signal>,
        link: LinkId,
    ) {
        self.owners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, (signals, link));
    }

    /// Forgets a receiver and returns its owner.
    pub(crate) fn remove_owner(&self, id: ReceiverId) -> Option<(UnboundedSender<Signal>, LinkId)> {
        self.owners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id)
    }

    /// Records when a hub's next capture window closes.
    pub(crate) fn set_next_capture_close_ms(&self, hub: &str, close_ms: Option<i64>) {
        let mut closes = self
            .capture_closes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match close_ms {
            Some(close_ms) => closes.insert(hub.to_ascii_lowercase(), close_ms),
            None => closes.remove(&hub.to_ascii_lowercase()),
        };
    }

    /// Returns when a hub's next capture window closes.
    pub(crate) fn next_capture_close_ms(&self, hub: &str) -> Option<i64> {
        self.capture_closes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&hub.to_ascii_lowercase())
            .copied()
    }
}
