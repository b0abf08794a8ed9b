//! Builds the resources of each step from the name parts.

use std::collections::BTreeMap;

use crate::environment::Region;
use crate::flow::{self, HubDefinition, SCHEMA_GROUP};
use crate::names::{self, NameParts};
use crate::spec::*;
use crate::step::{
    Billing, Resource, Step, StepId, MANAGED_BY, MANAGED_BY_TAG, NAMESPACE_TAG, TEAM_TAG,
};
use crate::team::Team;

/// The course's resource groups: the purpose in each name and the owning team.
pub(crate) const RESOURCE_GROUPS: [(&str, Team); 10] = [
    ("broker", Team::Platform),
    ("schemaregistry", Team::Platform),
    ("lake", Team::Platform),
    ("databricks", Team::Platform),
    ("account", Team::Customer),
    ("contact", Team::Customer),
    ("product", Team::Product),
    ("leads", Team::Conversions),
    ("salesfiles", Team::Conversions),
    ("sales", Team::Conversions),
];

/// Partitions of every hub of the publisher template.
const PARTITION_COUNT: u32 = 4;
/// Retention of every hub, in days; 7 is the Standard tier's maximum.
const RETENTION_DAYS: u32 = 7;
/// Capture's time window, in seconds.
const CAPTURE_INTERVAL_SECONDS: u32 = 300;
/// Capture's size window: 300 MiB.
const CAPTURE_SIZE_LIMIT_BYTES: u64 = 300 * 1024 * 1024;
/// The course's capture file path, in Azure's placeholder syntax.
pub(crate) const ARCHIVE_NAME_FORMAT: &str = "{EventHub}/{Year}/{Month}/{Day}/{Hour}/\
{EventHub}_{Year}_{Month}_{Day}_{Hour}_{Minute}_{Second}_{PartitionId}_{Namespace}";
/// The lake container of the data lake account.
const LAKE_CONTAINER: &str = "lake";
/// The hub-level rules every hub gets: the secrets hold their connection strings.
const HUB_RULES: [(&str, Right); 2] = [("send", Right::Send), ("listen", Right::Listen)];

/// Collects resources in creation order, filling in ids, tags and defaults.
struct Builder<'a> {
    parts: NameParts<'a>,
    location: &'a str,
    resources: Vec<Resource>,
}

impl<'a> Builder<'a> {
    fn new(parts: NameParts<'a>, location: &'a str) -> Self {
        Builder {
            parts,
            location,
            resources: Vec::new(),
        }
    }

    fn tags(&self, team: Team) -> BTreeMap<String, String> {
        BTreeMap::from([
            (TEAM_TAG.to_string(), team.name().to_string()),
            (MANAGED_BY_TAG.to_string(), MANAGED_BY.to_string()),
            (NAMESPACE_TAG.to_string(), self.parts.namespace.to_string()),
        ])
    }

    /// Adds a resource and returns its id, for its children.
    fn add(&mut self, item: Item<'_>, spec: Spec) -> String {
        let kind = spec.kind();
        let id = match &item.parent {
            Some(parent) => format!("{parent}/{}/{}", item.segment, item.name),
            None if kind == crate::ResourceKind::ResourceGroup => {
                format!("/resourceGroups/{}", item.name)
            }
            None => format!(
                "/resourceGroups/{}/providers/{}/{}",
                item.group,
                kind.resource_type(),
                item.name
            ),
        };
        self.resources.push(Resource {
            name: item.name.to_string(),
            title: item.title,
            id: id.clone(),
            parent: item.parent,
            resource_group: item.group.to_string(),
            team: item.team,
            tags: self.tags(item.team),
            billing: item.billing,
            opt_in: item.opt_in,
            spec,
        });
        id
    }

    fn finish(&mut self, id: StepId) -> Step {
        Step {
            id,
            number: id.number(),
            title: id.title().to_string(),
            summary: id.summary().to_string(),
            resources: std::mem::take(&mut self.resources),
        }
    }
}

/// Where a new resource goes: its name, group, parent and the path segment below the parent.
struct Item<'n> {
    name: &'n str,
    title: String,
    group: &'n str,
    team: Team,
    parent: Option<String>,
    segment: &'static str,
    billing: Billing,
    opt_in: bool,
}

impl<'n> Item<'n> {
    fn top(name: &'n str, title: String, group: &'n str, team: Team) -> Self {
        Item {
            name,
            title,
            group,
            team,
            parent: None,
            segment: "",
            billing: Billing::Free,
            opt_in: false,
        }
    }

    fn child(name: &'n str, title: String, group: &'n str, team: Team, parent: &str) -> Self {
        Item {
            parent: Some(parent.to_string()),
            ..Item::top(name, title, group, team)
        }
    }

    fn under(mut self, segment: &'static str) -> Self {
        self.segment = segment;
        self
    }

    fn billed(mut self, billing: Billing) -> Self {
        self.billing = billing;
        self
    }
}

/// Builds every step of the plan.
pub(crate) fn build_steps(parts: NameParts<'_>, region: &Region) -> Vec<Step> {
    let mut builder = Builder::new(parts, &region.name);
    resource_groups(&mut builder);
    let groups = builder.finish(StepId::ResourceGroups);

    let platform = shared_platform(&mut builder);
    let platform_step = builder.finish(StepId::SharedPlatform);

    schema_registry(&mut builder, &platform);
    let registry_step = builder.finish(StepId::SchemaRegistry);

    publishers(&mut builder, &platform);
    let publishers_step = builder.finish(StepId::Publishers);

    consumers(&mut builder, &platform);
    let consumers_step = builder.finish(StepId::Consumers);

    vec![
        groups,
        platform_step,
        registry_step,
        publishers_step,
        consumers_step,
    ]
}

fn resource_groups(builder: &mut Builder<'_>) {
    for (purpose, team) in RESOURCE_GROUPS {
        let name = builder.parts.resource_group(purpose);
        let spec = ResourceGroupSpec {
            location: builder.location.to_string(),
        };
        let title = format!("{purpose} resource group");
        builder.add(
            Item::top(&name, title, &name, team),
            Spec::ResourceGroup(spec),
        );
    }
}

/// Ids and names of the shared platform that later steps refer to.
struct Platform {
    broker_group: String,
    broker_namespace_id: String,
    capture_account: String,
    capture_account_id: String,
    registry_namespace_id: String,
    registry_group: String,
}

fn standard_namespace(location: &str, purpose: NamespacePurpose) -> NamespaceSpec {
    let broker = purpose == NamespacePurpose::Broker;
    NamespaceSpec {
        purpose,
        location: location.to_string(),
        sku: "Standard".to_string(),
        capacity: 1,
        kafka_enabled: true,
        auto_inflate: broker,
        maximum_throughput_units: if broker { 20 } else { 0 },
        zone_redundant: broker,
    }
}

fn storage_account(location: &str, purpose: StoragePurpose) -> StorageAccountSpec {
    StorageAccountSpec {
        purpose,
        location: location.to_string(),
        account_kind: "StorageV2".to_string(),
        sku: "Standard_LRS".to_string(),
        minimum_tls_version: "TLS1_2".to_string(),
        https_only: true,
        hierarchical_namespace: purpose == StoragePurpose::Lake,
    }
}

fn shared_platform(builder: &mut Builder<'_>) -> Platform {
    let parts = builder.parts;
    let location = builder.location;
    let broker_group = parts.resource_group("broker");
    let team = Team::Platform;

    let broker_namespace = parts.broker_namespace();
    let item = Item::top(
        &broker_namespace,
        "broker namespace".into(),
        &broker_group,
        team,
    )
    .billed(Billing::WhileExists);
    let broker_namespace_id = builder.add(
        item,
        Spec::EventHubsNamespace(standard_namespace(location, NamespacePurpose::Broker)),
    );
    for (rule, right) in HUB_RULES {
        let title = format!("namespace rule `{rule}`");
        let item = Item::child(rule, title, &broker_group, team, &broker_namespace_id)
            .under("authorizationRules");
        let spec = AuthorizationRuleSpec {
            scope: RuleScope::Namespace,
            rights: vec![right],
        };
        builder.add(item, Spec::AuthorizationRule(spec));
    }

    let capture_account = parts.capture_account();
    let item = Item::top(
        &capture_account,
        "capture storage account".into(),
        &broker_group,
        team,
    )
    .billed(Billing::Usage);
    let capture_account_id = builder.add(
        item,
        Spec::StorageAccount(storage_account(location, StoragePurpose::Capture)),
    );
    let item = Item::child(
        "default",
        "capture blob service".into(),
        &broker_group,
        team,
        &capture_account_id,
    )
    .under("blobServices");
    builder.add(
        item,
        Spec::BlobService(BlobServiceSpec {
            versioning: true,
            change_feed_retention_days: 3,
            blob_soft_delete_days: 7,
            container_soft_delete_days: 7,
            point_in_time_restore_days: 6,
        }),
    );
    let item = Item::child(
        "default",
        "capture lifecycle policy".into(),
        &broker_group,
        team,
        &capture_account_id,
    )
    .under("managementPolicies");
    builder.add(
        item,
        Spec::LifecyclePolicy(LifecyclePolicySpec {
            rules: vec![LifecycleRule {
                name: "capture-tiering".to_string(),
                blob_types: vec!["blockBlob".to_string()],
                cool_after_days: 3,
                archive_after_days: 5,
                delete_after_days: 7,
            }],
        }),
    );

    let lake_group = parts.resource_group("lake");
    let lake_account = parts.lake_account();
    let item = Item::top(
        &lake_account,
        "data lake storage account".into(),
        &lake_group,
        team,
    )
    .billed(Billing::Usage);
    let lake_account_id = builder.add(
        item,
        Spec::StorageAccount(storage_account(location, StoragePurpose::Lake)),
    );
    let lake_container_parent = format!("{lake_account_id}/blobServices/default");
    let item = Item::child(
        LAKE_CONTAINER,
        "data lake container".into(),
        &lake_group,
        team,
        &lake_container_parent,
    )
    .under("containers");
    builder.add(
        item,
        Spec::BlobContainer(BlobContainerSpec {
            public_access: "None".into(),
        }),
    );

    let registry_group = parts.resource_group("schemaregistry");
    let registry_namespace = parts.registry_namespace();
    let item = Item::top(
        &registry_namespace,
        "schema registry namespace".into(),
        &registry_group,
        team,
    )
    .billed(Billing::WhileExists);
    let registry_namespace_id = builder.add(
        item,
        Spec::EventHubsNamespace(standard_namespace(
            location,
            NamespacePurpose::SchemaRegistry,
        )),
    );

    let databricks_group = parts.resource_group("databricks");
    let workspace = parts.databricks_workspace();
    let mut item = Item::top(
        &workspace,
        "Databricks workspace".into(),
        &databricks_group,
        team,
    )
    .billed(Billing::WhileExists);
    item.opt_in = true;
    builder.add(
        item,
        Spec::DatabricksWorkspace(DatabricksWorkspaceSpec {
            location: location.to_string(),
            sku: "standard".to_string(),
            managed_resource_group: parts.databricks_managed_group(),
        }),
    );

    Platform {
        broker_group,
        broker_namespace_id,
        capture_account,
        capture_account_id,
        registry_namespace_id,
        registry_group,
    }
}

fn schema_registry(builder: &mut Builder<'_>, platform: &Platform) {
    let item = Item::child(
        SCHEMA_GROUP,
        "schema group".into(),
        &platform.registry_group,
        Team::Platform,
        &platform.registry_namespace_id,
    )
    .under("schemagroups");
    builder.add(
        item,
        Spec::SchemaGroup(SchemaGroupSpec {
            schema_type: "Avro".to_string(),
            compatibility: Compatibility::Backward,
        }),
    );
}

fn hub_id(platform: &Platform, hub: &str) -> String {
    format!("{}/eventhubs/{hub}", platform.broker_namespace_id)
}

fn publishers(builder: &mut Builder<'_>, platform: &Platform) {
    let group = &platform.broker_group;
    let containers_parent = format!("{}/blobServices/default", platform.capture_account_id);
    let mut vault_teams: Vec<Team> = Vec::new();

    for hub in flow::HUBS {
        let team = hub.publisher;
        let container = names::capture_container(hub.name);
        let title = format!("capture container of `{}`", hub.name);
        let item =
            Item::child(&container, title, group, team, &containers_parent).under("containers");
        let container_id = builder.add(
            item,
            Spec::BlobContainer(BlobContainerSpec {
                public_access: "None".into(),
            }),
        );

        let item = Item::child(
            hub.name,
            format!("hub `{}`", hub.name),
            group,
            team,
            &platform.broker_namespace_id,
        )
        .under("eventhubs");
        builder.add(
            item,
            Spec::EventHub(event_hub_spec(&hub, platform, &container)),
        );

        let title = format!("immutability policy of container `{container}`");
        let item =
            Item::child("default", title, group, team, &container_id).under("immutabilityPolicies");
        builder.add(
            item,
            Spec::ImmutabilityPolicy(ImmutabilityPolicySpec {
                period_days: 7,
                allow_protected_append_writes: false,
            }),
        );

        let hub_id = hub_id(platform, hub.name);
        for (rule, right) in HUB_RULES {
            let title = format!("`{rule}` rule of hub `{}`", hub.name);
            let item = Item::child(rule, title, group, team, &hub_id).under("authorizationRules");
            let spec = AuthorizationRuleSpec {
                scope: RuleScope::Hub,
                rights: vec![right],
            };
            builder.add(item, Spec::AuthorizationRule(spec));
        }

        if !vault_teams.contains(&team) {
            vault_teams.push(team);
        }
    }

    for team in vault_teams {
        key_vault(builder, team);
    }
}

fn event_hub_spec(hub: &HubDefinition, platform: &Platform, container: &str) -> EventHubSpec {
    EventHubSpec {
        partition_count: PARTITION_COUNT,
        retention_days: RETENTION_DAYS,
        publisher: hub.publisher,
        event_type: hub.event_type.map(str::to_string),
        capture: CaptureSpec {
            enabled: true,
            encoding: "Avro".to_string(),
            interval_seconds: CAPTURE_INTERVAL_SECONDS,
            size_limit_bytes: CAPTURE_SIZE_LIMIT_BYTES,
            skip_empty_archives: true,
            storage_account: platform.capture_account.clone(),
            storage_account_group: platform.broker_group.clone(),
            container: container.to_string(),
            archive_name_format: ARCHIVE_NAME_FORMAT.to_string(),
        },
    }
}

/// Adds a team's key vault and the secrets of every hub the team publishes to.
fn key_vault(builder: &mut Builder<'_>, team: Team) {
    let parts = builder.parts;
    let group = parts.resource_group(names::vault_group_purpose(team));
    let vault = parts.key_vault(team);
    let title = format!("key vault of the {} team", team.name());
    let item = Item::top(&vault, title, &group, team).billed(Billing::Usage);
    let vault_id = builder.add(
        item,
        Spec::KeyVault(KeyVaultSpec {
            location: builder.location.to_string(),
            sku: "standard".to_string(),
            enable_rbac_authorization: true,
            soft_delete_retention_days: 7,
            purge_protection: false,
        }),
    );

    for hub in flow::HUBS.iter().filter(|hub| hub.publisher == team) {
        for (rule, _) in HUB_RULES {
            let secret = names::hub_secret(hub.name, rule);
            let title = format!("`{rule}` connection string of hub `{}`", hub.name);
            let item = Item::child(&secret, title, &group, team, &vault_id).under("secrets");
            builder.add(
                item,
                Spec::KeyVaultSecret(KeyVaultSecretSpec {
                    source_hub: hub.name.to_string(),
                    source_rule: rule.to_string(),
                    content_type: "Event Hubs connection string".to_string(),
                }),
            );
        }
    }
}

fn consumers(builder: &mut Builder<'_>, platform: &Platform) {
    for hub in flow::HUBS {
        let hub_id = hub_id(platform, hub.name);
        for group in hub.consumer_groups {
            let title = format!("consumer group `{}` on `{}`", group.name, hub.name);
            let item = Item::child(
                group.name,
                title,
                &platform.broker_group,
                group.team,
                &hub_id,
            )
            .under("consumergroups");
            builder.add(
                item,
                Spec::ConsumerGroup(ConsumerGroupSpec {
                    user_metadata: format!("team : {}", group.team.name()),
                    purpose: group.purpose.to_string(),
                }),
            );
        }
    }
}
