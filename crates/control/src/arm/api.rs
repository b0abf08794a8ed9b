//! The ARM API version of each kind of resource, shared by the client and the local server.

use course::ResourceKind;

/// Resource groups and the resources of a group.
pub const RESOURCES: &str = "2021-04-01";
/// Event Hubs: the version `azure_mgmt_eventhub` 0.21 sends (its `package-2024-01`).
pub const EVENT_HUB: &str = "2024-01-01";
/// Storage accounts and their blob services, policies and containers.
pub const STORAGE: &str = "2023-05-01";
/// Key vaults, their secrets and deleted vaults.
pub const KEY_VAULT: &str = "2023-07-01";
/// Management locks.
pub const LOCKS: &str = "2020-05-01";
/// Databricks workspaces.
pub const DATABRICKS: &str = "2024-05-01";
/// Subscriptions.
pub const SUBSCRIPTIONS: &str = "2022-12-01";
/// Resource provider registrations.
pub const PROVIDERS: &str = "2021-04-01";

/// Returns the API version the client sends for a kind.
pub fn for_kind(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::ResourceGroup => RESOURCES,
        ResourceKind::EventHubsNamespace
        | ResourceKind::AuthorizationRule
        | ResourceKind::EventHub
        | ResourceKind::ConsumerGroup
        | ResourceKind::SchemaGroup => EVENT_HUB,
        ResourceKind::StorageAccount
        | ResourceKind::BlobService
        | ResourceKind::LifecyclePolicy
        | ResourceKind::BlobContainer
        | ResourceKind::ImmutabilityPolicy => STORAGE,
        ResourceKind::KeyVault | ResourceKind::KeyVaultSecret => KEY_VAULT,
        ResourceKind::DatabricksWorkspace => DATABRICKS,
    }
}

/// Returns whether the kind goes through `azure_mgmt_eventhub` rather than plain REST.
pub fn is_event_hubs(kind: ResourceKind) -> bool {
    for_kind(kind) == EVENT_HUB
}
