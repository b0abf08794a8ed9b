//! State shared by every connection of one namespace's broker.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use amqp::{condition, AmqpError, LinkId};
use tokio::sync::mpsc::UnboundedSender;

use crate::entity::Namespace;
use crate::log::{EventLog, RoundRobin};
use crate::receiver::{Orphan, ReceiverId, ReceiverRegistry};

/// A message to one connection's task from elsewhere in the broker.
#[derive(Debug)]
pub(crate) enum Signal {
    /// New events may be waiting for a consumer link.
    Wake(LinkId),
    /// A consumer link must end with this error: a receiver with a higher owner level displaced
    /// it, or its hub, consumer group or partition was deleted.
    Detach(LinkId, AmqpError),
    /// The namespace changed, so the connection checks its links against it.
    NamespaceChanged,
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
    /// The signal senders of the open connections, by connection id, so that each one checks
    /// its links after a change of the namespace. Only connecting, disconnecting and changes
    /// of the namespace take this lock, never the path of an event.
    connections: Mutex<HashMap<u64, UnboundedSender<Signal>>>,
    next_connection: std::sync::atomic::AtomicU64,
    /// The number of namespace changes so far. A connection compares it with the count it last
    /// checked its links at before it handles what a client sent, so that a change made
    /// before a transfer arrived applies to that transfer.
    namespace_version: std::sync::atomic::AtomicU64,
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
            connections: Mutex::default(),
            next_connection: std::sync::atomic::AtomicU64::new(0),
            namespace_version: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Returns the number of namespace changes so far.
    pub(crate) fn namespace_version(&self) -> u64 {
        self.namespace_version
            .load(std::sync::atomic::Ordering::Acquire)
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

    /// Tells every connection that the namespace changed: its receivers of deleted entities
    /// end at once, and each connection checks its other links against the new namespace.
    pub(crate) fn namespace_changed(&self) {
        self.namespace_version
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        self.detach_orphans();
        let connections = self
            .connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for signals in connections.values() {
            // A connection that is ending has no links left to check.
            let _ = signals.send(Signal::NamespaceChanged);
        }
    }

    /// Records an open connection's signal sender and returns the id to remove it with.
    pub(crate) fn register_connection(&self, signals: UnboundedSender<Signal>) -> u64 {
        let id = self
            .next_connection
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(id, signals);
        id
    }

    /// Forgets a connection that closed.
    pub(crate) fn unregister_connection(&self, id: u64) {
        self.connections
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&id);
    }

    /// Detaches, with `amqp:not-found`, every receiver whose hub, consumer group or partition
    /// the namespace no longer has. Call it after each change of the namespace: a receiver
    /// left attached to a deleted hub would wait for events that never come.
    fn detach_orphans(&self) {
        let namespace = self
            .namespace
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let orphans = self
            .receivers
            .remove_orphans(|hub, consumer_group, partition| {
                namespace.hub(hub).is_some_and(|found| {
                    found.consumer_group(consumer_group).is_some()
                        && partition < found.settings().partition_count
                })
            });
        for orphan in orphans {
            let Some((signals, link)) = self.remove_owner(orphan.id) else {
                continue;
            };
            let error = AmqpError::new(
                condition::NOT_FOUND,
                orphan_description(&namespace, &orphan),
            );
            // A connection that already ended has nothing left to detach.
            let _ = signals.send(Signal::Detach(link, error));
        }
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

/// Says which entity of a detached receiver was deleted, and what to do.
fn orphan_description(namespace: &Namespace, orphan: &Orphan) -> String {
    let Orphan {
        hub,
        consumer_group,
        partition,
        ..
    } = orphan;
    match namespace.hub(hub) {
        None => format!(
            "event hub `{hub}` was deleted from namespace `{}` while this receiver read its \
             partition {partition}: create the event hub again, then open a new receiver",
            namespace.name()
        ),
        Some(found) if found.consumer_group(consumer_group).is_none() => format!(
            "consumer group `{consumer_group}` was deleted from event hub `{hub}` while this \
             receiver read partition {partition}: create the consumer group again, then open a \
             new receiver"
        ),
        Some(found) => format!(
            "partition {partition} no longer exists in event hub `{hub}`, which has {} \
             partitions now: open a receiver on one of those",
            found.settings().partition_count
        ),
    }
}
