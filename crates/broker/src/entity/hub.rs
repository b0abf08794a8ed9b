//! Event hubs and their consumer groups.

use super::names::{validate_consumer_group_name, validate_hub_name};
use super::{AuthorizationRule, EntityError};
use crate::limits::{MAX_CONSUMER_GROUPS_PER_HUB, PARTITION_COUNT, RETENTION_DAYS};

/// The consumer group every hub has from its creation on and that cannot be deleted.
pub const DEFAULT_CONSUMER_GROUP: &str = "$Default";

/// The settings a hub is created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HubSettings {
    /// Partitions, 1 to 32. Fixed once the hub exists, as on the Standard tier.
    pub partition_count: u32,
    /// Days events are kept, 1 to 7.
    pub retention_days: u32,
}

impl HubSettings {
    /// Checks both settings against the Standard tier's ranges.
    pub fn validate(&self) -> Result<(), EntityError> {
        if !PARTITION_COUNT.contains(&self.partition_count) {
            return Err(EntityError::PartitionCountOutOfRange {
                count: self.partition_count,
            });
        }
        if !RETENTION_DAYS.contains(&self.retention_days) {
            return Err(EntityError::RetentionOutOfRange {
                days: self.retention_days,
            });
        }
        Ok(())
    }
}

/// An event hub: partitions, retention, consumer groups and hub-scoped rules.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventHub {
    name: String,
    settings: HubSettings,
    created_at_ms: i64,
    consumer_groups: Vec<String>,
    pub(crate) rules: Vec<AuthorizationRule>,
}

impl EventHub {
    /// Creates a hub with the `$Default` consumer group, after checking its name and settings.
    pub fn new(name: &str, settings: HubSettings, created_at_ms: i64) -> Result<Self, EntityError> {
        validate_hub_name(name)?;
        settings.validate()?;
        Ok(Self {
            name: name.to_owned(),
            settings,
            created_at_ms,
            consumer_groups: vec![DEFAULT_CONSUMER_GROUP.to_owned()],
            rules: Vec::new(),
        })
    }

    /// Returns the hub name as it was created.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the creation settings.
    pub fn settings(&self) -> HubSettings {
        self.settings
    }

    /// Returns the creation time in milliseconds since the Unix epoch.
    pub fn created_at_ms(&self) -> i64 {
        self.created_at_ms
    }

    /// Returns the partition ids, `"0"` to `"{count - 1}"`, as Azure names them.
    pub fn partition_ids(&self) -> Vec<String> {
        (0..self.settings.partition_count)
            .map(|id| id.to_string())
            .collect()
    }

    /// Parses a partition id of this hub into its index.
    pub fn partition_index(&self, id: &str) -> Option<u32> {
        // Only the canonical decimal form names a partition: "01" or "+1" do not.
        let index: u32 = id.parse().ok()?;
        (index.to_string() == id && index < self.settings.partition_count).then_some(index)
    }

    /// Returns the consumer group names, `$Default` first.
    pub fn consumer_groups(&self) -> &[String] {
        &self.consumer_groups
    }

    /// Returns the consumer group's name as created, matching case-insensitively as Azure does.
    pub fn consumer_group(&self, name: &str) -> Option<&str> {
        self.consumer_groups
            .iter()
            .find(|group| group.eq_ignore_ascii_case(name))
            .map(String::as_str)
    }

    /// Adds a consumer group, up to 20 per hub.
    pub fn create_consumer_group(&mut self, name: &str) -> Result<(), EntityError> {
        validate_consumer_group_name(name)?;
        if self.consumer_group(name).is_some() {
            return Err(EntityError::AlreadyExists {
                kind: "consumer group",
                name: name.to_owned(),
            });
        }
        if self.consumer_groups.len() >= MAX_CONSUMER_GROUPS_PER_HUB {
            return Err(EntityError::TooManyConsumerGroups {
                hub: self.name.clone(),
                limit: MAX_CONSUMER_GROUPS_PER_HUB,
            });
        }
        self.consumer_groups.push(name.to_owned());
        Ok(())
    }

    /// Removes a consumer group other than `$Default`.
    pub fn delete_consumer_group(&mut self, name: &str) -> Result<(), EntityError> {
        if name.eq_ignore_ascii_case(DEFAULT_CONSUMER_GROUP) {
            return Err(EntityError::DefaultConsumerGroup);
        }
        let before = self.consumer_groups.len();
        self.consumer_groups
            .retain(|group| !group.eq_ignore_ascii_case(name));
        if self.consumer_groups.len() == before {
            return Err(EntityError::NotFound {
                kind: "consumer group",
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Returns the hub-scoped authorization rules.
    pub fn rules(&self) -> &[AuthorizationRule] {
        &self.rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(partition_count: u32, retention_days: u32) -> HubSettings {
        HubSettings {
            partition_count,
            retention_days,
        }
    }

    #[test]
    fn partition_count_range() {
        assert!(EventHub::new("orders", settings(1, 1), 0).is_ok());
        assert!(EventHub::new("orders", settings(32, 7), 0).is_ok());
        assert_eq!(
            EventHub::new("orders", settings(0, 1), 0).unwrap_err(),
            EntityError::PartitionCountOutOfRange { count: 0 }
        );
        assert_eq!(
            EventHub::new("orders", settings(33, 1), 0)
                .unwrap_err()
                .to_string(),
            "partition count 33 is out of range: use 1 to 32 partitions"
        );
    }

    #[test]
    fn retention_range() {
        assert_eq!(
            EventHub::new("orders", settings(2, 0), 0).unwrap_err(),
            EntityError::RetentionOutOfRange { days: 0 }
        );
        assert_eq!(
            EventHub::new("orders", settings(2, 8), 0)
                .unwrap_err()
                .to_string(),
            "retention of 8 days is out of range: use 1 to 7 days"
        );
    }

    #[test]
    fn partition_ids_and_index() {
        let hub = EventHub::new("orders", settings(4, 1), 0).unwrap();
        assert_eq!(hub.partition_ids(), vec!["0", "1", "2", "3"]);
        assert_eq!(hub.partition_index("3"), Some(3));
        assert_eq!(hub.partition_index("4"), None);
        assert_eq!(hub.partition_index("01"), None);
        assert_eq!(hub.partition_index("-1"), None);
    }

    #[test]
    fn twenty_consumer_groups_at_most() {
        let mut hub = EventHub::new("orders", settings(2, 1), 0).unwrap();
        assert_eq!(hub.consumer_groups(), &["$Default".to_owned()]);
        for i in 1..20 {
            hub.create_consumer_group(&format!("group{i}")).unwrap();
        }
        let error = hub.create_consumer_group("group20").unwrap_err();
        assert_eq!(
            error.to_string(),
            "event hub `orders` already has 20 consumer groups, the maximum: delete one first"
        );
    }

    #[test]
    fn consumer_group_lookup_ignores_case() {
        let mut hub = EventHub::new("orders", settings(2, 1), 0).unwrap();
        hub.create_consumer_group("Billing").unwrap();
        assert_eq!(hub.consumer_group("billing"), Some("Billing"));
        assert_eq!(hub.consumer_group("$default"), Some("$Default"));
        assert!(matches!(
            hub.create_consumer_group("BILLING"),
            Err(EntityError::AlreadyExists { .. })
        ));
    }

    #[test]
    fn default_consumer_group_stays() {
        let mut hub = EventHub::new("orders", settings(2, 1), 0).unwrap();
        assert_eq!(
            hub.delete_consumer_group("$Default"),
            Err(EntityError::DefaultConsumerGroup)
        );
        hub.create_consumer_group("billing").unwrap();
        hub.delete_consumer_group("billing").unwrap();
        assert!(hub.consumer_group("billing").is_none());
    }

    #[test]
    fn consumer_group_name_over_50_rejected() {
        let mut hub = EventHub::new("orders", settings(2, 1), 0).unwrap();
        let error = hub.create_consumer_group(&"g".repeat(51)).unwrap_err();
        assert!(matches!(
            error,
            EntityError::InvalidName {
                kind: "consumer group",
                ..
            }
        ));
    }
}
