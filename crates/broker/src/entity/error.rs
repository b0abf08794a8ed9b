/// A failure to create or change a namespace, hub, consumer group or authorization rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntityError {
    /// A name breaks the naming rule of its kind of entity.
    #[error("{kind} name `{name}` {problem}: {rule}")]
    InvalidName {
        /// The kind of entity, such as "event hub".
        kind: &'static str,
        /// The rejected name.
        name: String,
        /// The way the name breaks the rule, such as "is too long (257 characters, the maximum is
        /// 256)" or "contains `é` (U+00E9), which is not allowed".
        problem: String,
        /// The naming rule, stated so the caller can pick a valid name.
        rule: &'static str,
    },
    /// A hub's partition count is outside 1 to 32.
    #[error("partition count {count} is out of range: use 1 to 32 partitions")]
    PartitionCountOutOfRange {
        /// The requested partition count.
        count: u32,
    },
    /// A hub's retention is outside 1 to 7 days.
    #[error("retention of {days} days is out of range: use 1 to 7 days")]
    RetentionOutOfRange {
        /// The requested retention in days.
        days: u32,
    },
    /// The namespace already has the maximum number of hubs.
    #[error(
        "namespace `{namespace}` already has {limit} event hubs, the maximum: delete one first"
    )]
    TooManyHubs {
        /// The namespace name.
        namespace: String,
        /// The limit.
        limit: usize,
    },
    /// The hub already has the maximum number of consumer groups.
    #[error(
        "event hub `{hub}` already has {limit} consumer groups, the maximum: delete one first"
    )]
    TooManyConsumerGroups {
        /// The hub name.
        hub: String,
        /// The limit.
        limit: usize,
    },
    /// The scope already has the maximum number of authorization rules.
    #[error("{scope} already has {limit} authorization rules, the maximum: delete one first")]
    TooManyRules {
        /// The scope, such as "namespace `ns`" or "event hub `orders`".
        scope: String,
        /// The limit.
        limit: usize,
    },
    /// An entity of that kind and name exists already.
    #[error("{kind} `{name}` already exists")]
    AlreadyExists {
        /// The kind of entity.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// No entity of that kind and name exists.
    #[error("{kind} `{name}` was not found")]
    NotFound {
        /// The kind of entity.
        kind: &'static str,
        /// The name.
        name: String,
    },
    /// An authorization rule was given no rights.
    #[error("authorization rule `{name}` has no rights: give it Send, Listen or Manage")]
    NoRights {
        /// The rule name.
        name: String,
    },
    /// The `$Default` consumer group cannot be deleted.
    #[error("consumer group `$Default` cannot be deleted: every event hub keeps it")]
    DefaultConsumerGroup,
}
