//! Which receivers hold each partition of each consumer group, with owner levels (epochs).
//!
//! Azure's rules, per partition and consumer group: a receiver with an owner level disconnects
//! every receiver whose owner level is lower or equal, and every receiver without one. A
//! receiver whose owner level is lower than the current one is rejected, and so is a receiver
//! without an owner level while one with an owner level is connected. At most 5 receivers
//! without an owner level may share a partition and consumer group.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::limits::MAX_RECEIVERS_PER_PARTITION;

/// The AMQP condition Azure uses when a receiver is displaced by an owner level.
const LINK_STOLEN: &str = "amqp:link:stolen";

/// The AMQP condition Azure uses when a quota is exceeded.
const RESOURCE_LIMIT_EXCEEDED: &str = "amqp:resource-limit-exceeded";

/// An id for one admitted receiver, unique within a registry.
pub type ReceiverId = u64;

/// A receiver that cannot be admitted, or that was disconnected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiverError {
    /// A sixth receiver without an owner level.
    #[error("partition {partition} of consumer group `{consumer_group}` on event hub `{hub}` \
             already has {limit} receivers, the maximum per partition and consumer group: close one \
             or use another consumer group")]
    TooManyReceivers {
        /// The hub.
        hub: String,
        /// The consumer group.
        consumer_group: String,
        /// The partition id.
        partition: u32,
        /// The limit.
        limit: usize,
    },
    /// A receiver whose owner level is below the current one, or without one while a receiver
    /// with an owner level owns the partition.
    #[error(
        "receiver `{name}` with {requested} was rejected because a receiver with owner level \
             {current} holds partition {partition} of consumer group `{consumer_group}`: use an \
             owner level of at least {current}"
    )]
    OwnerLevelTooLow {
        /// The rejected receiver's name.
        name: String,
        /// The rejected receiver's owner level, described.
        requested: String,
        /// The owner level holding the partition.
        current: i64,
        /// The consumer group.
        consumer_group: String,
        /// The partition id.
        partition: u32,
    },
    /// A connected receiver displaced by one with a higher or equal owner level.
    #[error(
        "receiver `{name}` with {own} was disconnected because receiver `{by}` opened \
             partition {partition} of consumer group `{consumer_group}` with owner level {level}"
    )]
    Evicted {
        /// The disconnected receiver's name.
        name: String,
        /// The disconnected receiver's owner level, described.
        own: String,
        /// The new receiver's name.
        by: String,
        /// The new receiver's owner level.
        level: i64,
        /// The consumer group.
        consumer_group: String,
        /// The partition id.
        partition: u32,
    },
}

impl ReceiverError {
    /// Returns the AMQP error condition Azure sends for this failure.
    pub fn condition(&self) -> &'static str {
        match self {
            ReceiverError::TooManyReceivers { .. } => RESOURCE_LIMIT_EXCEEDED,
            ReceiverError::OwnerLevelTooLow { .. } | ReceiverError::Evicted { .. } => LINK_STOLEN,
        }
    }
}

/// A receiver to disconnect because a new one displaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eviction {
    /// The receiver to disconnect.
    pub id: ReceiverId,
    /// The error to send it.
    pub error: ReceiverError,
}

/// A receiver removed because its hub, consumer group or partition no longer exists. The
/// names are in lowercase, as the registry keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Orphan {
    /// The removed receiver.
    pub id: ReceiverId,
    /// The hub it read.
    pub hub: String,
    /// The consumer group it read in.
    pub consumer_group: String,
    /// The partition it read.
    pub partition: u32,
}

/// An admitted receiver and the receivers it displaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admission {
    /// The new receiver's id, to pass to [`ReceiverRegistry::release`].
    pub id: ReceiverId,
    /// Receivers the caller must now disconnect with the given errors.
    pub evicted: Vec<Eviction>,
}

#[derive(Debug, Clone)]
struct Entry {
    id: ReceiverId,
    name: String,
    owner_level: Option<i64>,
}

type Key = (String, String, u32);

/// The receivers of a namespace, by hub, consumer group and partition.
#[derive(Debug, Default)]
pub struct ReceiverRegistry {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    next_id: ReceiverId,
    receivers: HashMap<Key, Vec<Entry>>,
}

impl ReceiverRegistry {
    /// Admits a receiver named `name` (for messages) with an optional owner level, or
    /// rejects it.
    pub fn admit(
        &self,
        hub: &str,
        consumer_group: &str,
        partition: u32,
        owner_level: Option<i64>,
        name: &str,
    ) -> Result<Admission, ReceiverError> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (
            hub.to_ascii_lowercase(),
            consumer_group.to_ascii_lowercase(),
            partition,
        );
        let current = state
            .receivers
            .get(&key)
            .and_then(|entries| entries.iter().filter_map(|entry| entry.owner_level).max());

        let evicted_entries = match (owner_level, current) {
            (Some(level), Some(current)) if level < current => {
                return Err(too_low(
                    name,
                    owner_level,
                    current,
                    consumer_group,
                    partition,
                ))
            }
            (None, Some(current)) => {
                return Err(too_low(name, None, current, consumer_group, partition))
            }
            (Some(_), _) => state.receivers.remove(&key).unwrap_or_default(),
            (None, None) => {
                let count = state.receivers.get(&key).map_or(0, Vec::len);
                if count >= MAX_RECEIVERS_PER_PARTITION {
                    return Err(ReceiverError::TooManyReceivers {
                        hub: hub.to_owned(),
                        consumer_group: consumer_group.to_owned(),
                        partition,
                        limit: MAX_RECEIVERS_PER_PARTITION,
                    });
                }
                Vec::new()
            }
        };

        let evicted = evicted_entries
            .into_iter()
            .map(|entry| Eviction {
                id: entry.id,
                error: ReceiverError::Evicted {
                    own: describe(entry.owner_level),
                    name: entry.name,
                    by: name.to_owned(),
                    level: owner_level.unwrap_or_default(),
                    consumer_group: consumer_group.to_owned(),
                    partition,
                },
            })
            .collect();
        state.next_id += 1;
        let id = state.next_id;
        state.receivers.entry(key).or_default().push(Entry {
            id,
            name: name.to_owned(),
            owner_level,
        });
        Ok(Admission { id, evicted })
    }

    /// Removes a receiver that closed. Releasing an evicted or unknown id does nothing.
    pub fn release(&self, id: ReceiverId) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.receivers.retain(|_, entries| {
            entries.retain(|entry| entry.id != id);
            !entries.is_empty()
        });
    }

    /// Removes and returns every receiver for whose hub, consumer group and partition `exists`
    /// returns false. It gets the names in lowercase.
    pub fn remove_orphans(&self, exists: impl Fn(&str, &str, u32) -> bool) -> Vec<Orphan> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut orphans = Vec::new();
        state
            .receivers
            .retain(|(hub, consumer_group, partition), entries| {
                if exists(hub, consumer_group, *partition) {
                    return true;
                }
                orphans.extend(entries.drain(..).map(|entry| Orphan {
                    id: entry.id,
                    hub: hub.clone(),
                    consumer_group: consumer_group.clone(),
                    partition: *partition,
                }));
                false
            });
        orphans
    }

    /// Returns how many receivers hold a partition of a consumer group.
    pub fn count(&self, hub: &str, consumer_group: &str, partition: u32) -> usize {
        let state = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (
            hub.to_ascii_lowercase(),
            consumer_group.to_ascii_lowercase(),
            partition,
        );
        state.receivers.get(&key).map_or(0, Vec::len)
    }
}

fn too_low(
    name: &str,
    owner_level: Option<i64>,
    current: i64,
    consumer_group: &str,
    partition: u32,
) -> ReceiverError {
    ReceiverError::OwnerLevelTooLow {
        name: name.to_owned(),
        requested: describe(owner_level),
        current,
        consumer_group: consumer_group.to_owned(),
        partition,
    }
}

fn describe(owner_level: Option<i64>) -> String {
    match owner_level {
        Some(level) => format!("owner level {level}"),
        None => "no owner level".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orphans_removed_and_others_kept() {
        let registry = ReceiverRegistry::default();
        let kept = registry.admit("Orders", "$Default", 0, None, "a").unwrap();
        let orphan = registry.admit("Orders", "Reports", 1, None, "b").unwrap();

        let removed = registry.remove_orphans(|_, group, _| group != "reports");

        assert_eq!(
            removed,
            vec![Orphan {
                id: orphan.id,
                hub: "orders".to_owned(),
                consumer_group: "reports".to_owned(),
                partition: 1,
            }]
        );
        assert_eq!(registry.count("orders", "reports", 1), 0);
        assert_eq!(registry.count("orders", "$Default", 0), 1);
        registry.release(kept.id);
        assert!(registry.remove_orphans(|_, _, _| false).is_empty());
    }

    #[test]
    fn sixth_receiver_rejected() {
        let registry = ReceiverRegistry::default();
        for i in 0..5 {
            registry
                .admit("orders", "$Default", 0, None, &format!("r{i}"))
                .unwrap();
        }
        let error = registry
            .admit("orders", "$Default", 0, None, "r5")
            .unwrap_err();
        assert_eq!(
            error,
            ReceiverError::TooManyReceivers {
                hub: "orders".to_owned(),
                consumer_group: "$Default".to_owned(),
                partition: 0,
                limit: 5
            }
        );
        assert_eq!(error.condition(), "amqp:resource-limit-exceeded");
        assert!(error.to_string().contains("already has 5 receivers"));
        // Other partitions and groups have their own limit.
        assert!(registry.admit("orders", "$Default", 1, None, "r6").is_ok());
        assert!(registry.admit("orders", "billing", 0, None, "r7").is_ok());
    }

    #[test]
    fn released_receiver_frees_a_place() {
        let registry = ReceiverRegistry::default();
        let ids: Vec<ReceiverId> = (0..5)
            .map(|i| {
                registry
                    .admit("orders", "$Default", 0, None, &format!("r{i}"))
                    .unwrap()
                    .id
            })
            .collect();
        registry.release(ids[2]);
        assert_eq!(registry.count("orders", "$default", 0), 4);
        assert!(registry.admit("orders", "$Default", 0, None, "r5").is_ok());
    }

    #[test]
    fn higher_owner_level_evicts_lower() {
        let registry = ReceiverRegistry::default();
        let first = registry
            .admit("orders", "$Default", 0, Some(1), "first")
            .unwrap();
        let second = registry
            .admit("orders", "$Default", 0, Some(2), "second")
            .unwrap();
        assert_eq!(second.evicted.len(), 1);
        let eviction = &second.evicted[0];
        assert_eq!(eviction.id, first.id);
        assert_eq!(eviction.error.condition(), "amqp:link:stolen");
        assert_eq!(
            eviction.error.to_string(),
            "receiver `first` with owner level 1 was disconnected because receiver `second` \
             opened partition 0 of consumer group `$Default` with owner level 2"
        );
        assert_eq!(registry.count("orders", "$Default", 0), 1);
    }

    #[test]
    fn owner_level_evicts_plain_receivers() {
        let registry = ReceiverRegistry::default();
        for i in 0..3 {
            registry
                .admit("orders", "$Default", 0, None, &format!("plain{i}"))
                .unwrap();
        }
        let owner = registry
            .admit("orders", "$Default", 0, Some(0), "owner")
            .unwrap();
        assert_eq!(owner.evicted.len(), 3);
        let plain = registry
            .admit("orders", "$Default", 0, None, "late")
            .unwrap_err();
        assert!(matches!(
            plain,
            ReceiverError::OwnerLevelTooLow { current: 0, .. }
        ));
    }

    #[test]
    fn lower_owner_level_rejected() {
        let registry = ReceiverRegistry::default();
        registry
            .admit("orders", "$Default", 0, Some(5), "holder")
            .unwrap();
        let error = registry
            .admit("orders", "$Default", 0, Some(4), "late")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "receiver `late` with owner level 4 was rejected because a receiver with owner level 5 \
             holds partition 0 of consumer group `$Default`: use an owner level of at least 5"
        );
        let equal = registry
            .admit("orders", "$Default", 0, Some(5), "equal")
            .unwrap();
        assert_eq!(equal.evicted.len(), 1);
    }
}
