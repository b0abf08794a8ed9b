//! Namespaces, event hubs, consumer groups and authorization rules, with Azure's naming rules
//! and Standard-tier limits.

mod error;
mod hub;
mod names;
mod namespace;
mod rule;

pub use error::EntityError;
pub use hub::{EventHub, HubSettings, DEFAULT_CONSUMER_GROUP};
pub use names::{
    validate_consumer_group_name, validate_hub_name, validate_namespace_name, validate_rule_name,
};
pub use namespace::{Namespace, DEFAULT_RULE_NAME};
pub use rule::{generate_key, AuthorizationRule, KeyKind, Right, Rights, RuleScope};
