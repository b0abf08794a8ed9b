//! The settings of each kind of resource, exactly as the course deploys them.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::naming::ResourceKind;
use crate::team::Team;

/// The settings of one resource; the variant fixes the resource's kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "settings", rename_all = "snake_case")]
pub enum Spec {
    /// A resource group.
    ResourceGroup(ResourceGroupSpec),
    /// An Event Hubs namespace.
    EventHubsNamespace(NamespaceSpec),
    /// An authorization rule on a namespace or a hub.
    AuthorizationRule(AuthorizationRuleSpec),
    /// An event hub.
    EventHub(EventHubSpec),
    /// A consumer group.
    ConsumerGroup(ConsumerGroupSpec),
    /// A schema group.
    SchemaGroup(SchemaGroupSpec),
    /// A storage account.
    StorageAccount(StorageAccountSpec),
    /// A storage account's blob service settings.
    BlobService(BlobServiceSpec),
    /// A storage account's lifecycle management policy.
    LifecyclePolicy(LifecyclePolicySpec),
    /// A blob container.
    BlobContainer(BlobContainerSpec),
    /// A container's time-based immutability policy.
    ImmutabilityPolicy(ImmutabilityPolicySpec),
    /// A key vault.
    KeyVault(KeyVaultSpec),
    /// A key vault secret; the plan names where its value comes from, never the value.
    KeyVaultSecret(KeyVaultSecretSpec),
    /// A Databricks workspace.
    DatabricksWorkspace(DatabricksWorkspaceSpec),
}

impl Spec {
    /// The kind of resource these settings describe.
    pub fn kind(&self) -> ResourceKind {
        match self {
            Spec::ResourceGroup(_) => ResourceKind::ResourceGroup,
            Spec::EventHubsNamespace(_) => ResourceKind::EventHubsNamespace,
            Spec::AuthorizationRule(_) => ResourceKind::AuthorizationRule,
            Spec::EventHub(_) => ResourceKind::EventHub,
            Spec::ConsumerGroup(_) => ResourceKind::ConsumerGroup,
            Spec::SchemaGroup(_) => ResourceKind::SchemaGroup,
            Spec::StorageAccount(_) => ResourceKind::StorageAccount,
            Spec::BlobService(_) => ResourceKind::BlobService,
            Spec::LifecyclePolicy(_) => ResourceKind::LifecyclePolicy,
            Spec::BlobContainer(_) => ResourceKind::BlobContainer,
            Spec::ImmutabilityPolicy(_) => ResourceKind::ImmutabilityPolicy,
            Spec::KeyVault(_) => ResourceKind::KeyVault,
            Spec::KeyVaultSecret(_) => ResourceKind::KeyVaultSecret,
            Spec::DatabricksWorkspace(_) => ResourceKind::DatabricksWorkspace,
        }
    }

    /// The settings in one line, as the plan table shows them.
    pub fn summary(&self) -> String {
        match self {
            Spec::ResourceGroup(spec) => spec.location.clone(),
            Spec::EventHubsNamespace(spec) => spec.summary(),
            Spec::AuthorizationRule(spec) => {
                let rights: Vec<&str> = spec.rights.iter().map(|r| r.name()).collect();
                format!("{} on the {}", rights.join(", "), spec.scope.name())
            }
            Spec::EventHub(spec) => spec.summary(),
            Spec::ConsumerGroup(spec) => format!("metadata `{}`", spec.user_metadata),
            Spec::SchemaGroup(spec) => {
                format!(
                    "{}, compatibility {}",
                    spec.schema_type,
                    spec.compatibility.name()
                )
            }
            Spec::StorageAccount(spec) => spec.summary(),
            Spec::BlobService(spec) => spec.summary(),
            Spec::LifecyclePolicy(spec) => spec.summary(),
            Spec::BlobContainer(spec) if spec.public_access == "None" => {
                "no public access".to_owned()
            }
            Spec::BlobContainer(spec) => format!("public access {}", spec.public_access),
            Spec::ImmutabilityPolicy(spec) => {
                format!(
                    "blobs immutable for {} days after creation",
                    spec.period_days
                )
            }
            Spec::KeyVault(spec) => format!(
                "{}, RBAC, soft delete {} days, purge protection off",
                spec.sku, spec.soft_delete_retention_days
            ),
            Spec::KeyVaultSecret(spec) => format!(
                "connection string of rule `{}` on hub `{}`",
                spec.source_rule, spec.source_hub
            ),
            Spec::DatabricksWorkspace(spec) => format!(
                "{} tier, opt-in (bills while it exists), reads the lake",
                spec.sku
            ),
        }
    }
}

/// A resource group's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceGroupSpec {
    /// The region the group's metadata lives in.
    pub location: String,
}

/// What an Event Hubs namespace is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamespacePurpose {
    /// Carries the flow's hubs.
    Broker,
    /// Holds the schema registry.
    SchemaRegistry,
}

/// An Event Hubs namespace's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamespaceSpec {
    /// What the namespace is for.
    pub purpose: NamespacePurpose,
    /// The region.
    pub location: String,
    /// The pricing tier; `Standard` bills per throughput unit while the namespace exists.
    pub sku: String,
    /// Throughput units to start with.
    pub capacity: u32,
    /// Whether the Kafka endpoint is on.
    pub kafka_enabled: bool,
    /// Whether Azure adds throughput units under load.
    pub auto_inflate: bool,
    /// The ceiling auto-inflate may grow to; 0 when auto-inflate is off.
    pub maximum_throughput_units: u32,
    /// Whether the namespace spreads over availability zones.
    pub zone_redundant: bool,
}

impl NamespaceSpec {
    fn summary(&self) -> String {
        let mut text = format!("{}, capacity {}", self.sku, self.capacity);
        if self.kafka_enabled {
            text.push_str(", Kafka");
        }
        if self.auto_inflate {
            let _ = write!(
                text,
                ", auto-inflate to {} TU",
                self.maximum_throughput_units
            );
        }
        if self.zone_redundant {
            text.push_str(", zone redundant");
        }
        text
    }
}

/// A right an authorization rule grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Right {
    /// Send events.
    Send,
    /// Receive events.
    Listen,
    /// Manage entities; implies Send and Listen.
    Manage,
}

impl Right {
    /// The right's name as ARM spells it.
    pub fn name(self) -> &'static str {
        match self {
            Right::Send => "Send",
            Right::Listen => "Listen",
            Right::Manage => "Manage",
        }
    }
}

/// Where an authorization rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleScope {
    /// Every hub of the namespace.
    Namespace,
    /// One hub.
    Hub,
}

impl RuleScope {
    fn name(self) -> &'static str {
        match self {
            RuleScope::Namespace => "namespace",
            RuleScope::Hub => "hub",
        }
    }
}

/// An authorization rule's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRuleSpec {
    /// Where the rule applies.
    pub scope: RuleScope,
    /// The rights it grants.
    pub rights: Vec<Right>,
}

/// An event hub's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHubSpec {
    /// The number of partitions; fixed once the hub exists on the Standard tier.
    pub partition_count: u32,
    /// How long events are kept, in days.
    pub retention_days: u32,
    /// The team that publishes to the hub.
    pub publisher: Team,
    /// The schema name of the events it carries, if the hub carries one type.
    pub event_type: Option<String>,
    /// Capture into blob storage.
    pub capture: CaptureSpec,
}

impl EventHubSpec {
    fn summary(&self) -> String {
        format!(
            "{} partitions, {} days retention, capture every {} s or {} MB into `{}`",
            self.partition_count,
            self.retention_days,
            self.capture.interval_seconds,
            self.capture.size_limit_bytes / (1024 * 1024),
            self.capture.container
        )
    }
}

/// A hub's capture settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaptureSpec {
    /// Whether capture is on.
    pub enabled: bool,
    /// The file format; Event Hubs capture writes `Avro`.
    pub encoding: String,
    /// The time window, in seconds (Azure allows 60 to 900).
    pub interval_seconds: u32,
    /// The size window, in bytes (Azure allows 10 to 500 MiB).
    pub size_limit_bytes: u64,
    /// Whether a window with no events writes no file.
    pub skip_empty_archives: bool,
    /// The storage account capture writes to.
    pub storage_account: String,
    /// The resource group of that storage account.
    pub storage_account_group: String,
    /// The blob container capture writes to.
    pub container: String,
    /// The blob path of each capture file, with Azure's placeholders.
    pub archive_name_format: String,
}

/// A consumer group's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerGroupSpec {
    /// The group's user metadata, naming the reading team as the course does.
    pub user_metadata: String,
    /// What the reading service does.
    pub purpose: String,
}

/// A schema group's compatibility mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compatibility {
    /// Any new version is accepted.
    None,
    /// A reader of the new version can read data written with the latest one.
    Backward,
    /// A reader of the latest version can read data written with the new one.
    Forward,
}

impl Compatibility {
    /// The mode's name as Azure spells it.
    pub fn name(self) -> &'static str {
        match self {
            Compatibility::None => "None",
            Compatibility::Backward => "Backward",
            Compatibility::Forward => "Forward",
        }
    }
}

/// A schema group's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaGroupSpec {
    /// The serialization format of its schemas.
    pub schema_type: String,
    /// The compatibility mode new versions are checked with.
    pub compatibility: Compatibility,
}

/// What a storage account is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StoragePurpose {
    /// Receives the hubs' capture files.
    Capture,
    /// The data lake.
    Lake,
}

/// A storage account's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StorageAccountSpec {
    /// What the account is for.
    pub purpose: StoragePurpose,
    /// The region.
    pub location: String,
    /// The account kind.
    pub account_kind: String,
    /// The redundancy SKU.
    pub sku: String,
    /// The oldest TLS version clients may use.
    pub minimum_tls_version: String,
    /// Whether plain HTTP is refused.
    pub https_only: bool,
    /// Whether the hierarchical namespace (Data Lake Storage) is on.
    pub hierarchical_namespace: bool,
}

impl StorageAccountSpec {
    fn summary(&self) -> String {
        let mut text = format!(
            "{}, {}, {} minimum",
            self.account_kind, self.sku, self.minimum_tls_version
        );
        if self.https_only {
            text.push_str(", HTTPS only");
        }
        if self.hierarchical_namespace {
            text.push_str(", hierarchical namespace");
        }
        text
    }
}

/// A storage account's blob service settings, all in days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobServiceSpec {
    /// Whether blob versioning is on.
    pub versioning: bool,
    /// How long the change feed is kept.
    pub change_feed_retention_days: u32,
    /// How long deleted blobs can be restored.
    pub blob_soft_delete_days: u32,
    /// How long deleted containers can be restored.
    pub container_soft_delete_days: u32,
    /// How far back point-in-time restore reaches; Azure requires it to be shorter than the
    /// blob soft delete period.
    pub point_in_time_restore_days: u32,
}

impl BlobServiceSpec {
    fn summary(&self) -> String {
        format!(
            "versioning {}, change feed {} days, soft delete {} days (containers {}), \
             point-in-time restore {} days",
            if self.versioning { "on" } else { "off" },
            self.change_feed_retention_days,
            self.blob_soft_delete_days,
            self.container_soft_delete_days,
            self.point_in_time_restore_days
        )
    }
}

/// One rule of a lifecycle policy; ages are days since the blob was last modified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleRule {
    /// The rule's name.
    pub name: String,
    /// The blob types it applies to, as ARM spells them.
    pub blob_types: Vec<String>,
    /// Move to the cool tier after this many days.
    pub cool_after_days: u32,
    /// Move to the archive tier after this many days.
    pub archive_after_days: u32,
    /// Delete after this many days.
    pub delete_after_days: u32,
}

/// A lifecycle management policy's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecyclePolicySpec {
    /// The policy's rules.
    pub rules: Vec<LifecycleRule>,
}

impl LifecyclePolicySpec {
    fn summary(&self) -> String {
        let rules: Vec<String> = self
            .rules
            .iter()
            .map(|rule| {
                format!(
                    "{}: cool after {} days, archive after {}, delete after {}",
                    rule.blob_types.join(", "),
                    rule.cool_after_days,
                    rule.archive_after_days,
                    rule.delete_after_days
                )
            })
            .collect();
        rules.join("; ")
    }
}

/// A blob container's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobContainerSpec {
    /// Anonymous read access, as ARM spells it (`None` keeps the container private).
    pub public_access: String,
}

/// A container's time-based retention policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmutabilityPolicySpec {
    /// How long each blob stays immutable after it is created, in days.
    pub period_days: u32,
    /// Whether append blobs may still be appended to.
    pub allow_protected_append_writes: bool,
}

/// A key vault's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVaultSpec {
    /// The region.
    pub location: String,
    /// The pricing tier.
    pub sku: String,
    /// Whether access is granted through Azure RBAC rather than access policies.
    pub enable_rbac_authorization: bool,
    /// How long a deleted vault can be recovered (Azure allows 7 to 90); teardown purges it.
    pub soft_delete_retention_days: u32,
    /// Purge protection stays off so that teardown can purge the vault and free its name.
    pub purge_protection: bool,
}

/// A key vault secret's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyVaultSecretSpec {
    /// The hub whose rule's connection string the secret holds.
    pub source_hub: String,
    /// The hub-level rule, `send` or `listen`.
    pub source_rule: String,
    /// The content type stored with the secret.
    pub content_type: String,
}

/// A Databricks workspace's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabricksWorkspaceSpec {
    /// The region.
    pub location: String,
    /// The pricing tier.
    pub sku: String,
    /// The resource group Azure creates for the workspace's own resources.
    pub managed_resource_group: String,
}
