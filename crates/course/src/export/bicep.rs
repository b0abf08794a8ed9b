//! Bicep for one step: a file per resource group the step deploys to (a subscription-scope file
//! for the resource groups themselves), each resource with exactly the plan's settings.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::arm_id::ArmId;
use super::{
    DATABRICKS_API_VERSION, EVENT_HUB_API_VERSION, KEY_VAULT_API_VERSION,
    RESOURCE_GROUP_API_VERSION, STORAGE_API_VERSION,
};
use crate::plan::Plan;
use crate::spec::*;
use crate::step::{Resource, StepId};

/// A Bicep value.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Number(u64),
    Bool(bool),
    /// A Bicep expression written as is, such as `subscription().tenantId`.
    Expression(String),
    Object(Vec<(&'static str, Value)>),
    Array(Vec<Value>),
}

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

/// Quotes a string as a Bicep literal. `${` would start an interpolation, so it is escaped.
fn quote(value: &str) -> String {
    let escaped = value
        .replace('\\', "\\\\")
        .replace('\'', "\\'")
        .replace("${", "\\${");
    format!("'{escaped}'")
}

fn write_value(out: &mut String, value: &Value, indent: usize) {
    let pad = "  ".repeat(indent + 1);
    let close = "  ".repeat(indent);
    match value {
        Value::Text(text) => out.push_str(&quote(text)),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Expression(expression) => out.push_str(expression),
        Value::Object(fields) => {
            out.push_str("{\n");
            for (key, field) in fields {
                let _ = write!(out, "{pad}{key}: ");
                write_value(out, field, indent + 1);
                out.push('\n');
            }
            let _ = write!(out, "{close}}}");
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad);
                write_value(out, item, indent + 1);
                out.push('\n');
            }
            let _ = write!(out, "{close}]");
        }
    }
}

/// Turns a resource title into a Bicep identifier: "capture container of `lead_purchased`"
/// becomes `captureContainerOfLeadPurchased`.
fn symbol_from(title: &str) -> String {
    let mut symbol = String::new();
    for word in title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        let first = chars.next().expect("words are not empty");
        if symbol.is_empty() {
            symbol.push(first.to_ascii_lowercase());
        } else {
            symbol.push(first.to_ascii_uppercase());
        }
        symbol.extend(chars);
    }
    if symbol.starts_with(|c: char| c.is_ascii_digit()) {
        symbol.insert(0, 'r');
    }
    symbol
}

fn api_version(resource_type: &str) -> &'static str {
    let provider = resource_type.split('/').next().unwrap_or_default();
    match provider {
        "Microsoft.EventHub" => EVENT_HUB_API_VERSION,
        "Microsoft.Storage" => STORAGE_API_VERSION,
        "Microsoft.KeyVault" => KEY_VAULT_API_VERSION,
        "Microsoft.Databricks" => DATABRICKS_API_VERSION,
        _ => RESOURCE_GROUP_API_VERSION,
    }
}

/// The declarations of one Bicep file, keyed by ARM id (lower case, as ARM compares ids).
struct File<'p> {
    resource_group: String,
    plan: &'p Plan,
    symbols: BTreeMap<String, String>,
    used_symbols: Vec<String>,
    existing: String,
    body: String,
}

impl<'p> File<'p> {
    fn new(resource_group: &str, plan: &'p Plan) -> Self {
        File {
            resource_group: resource_group.to_string(),
            plan,
            symbols: BTreeMap::new(),
            used_symbols: Vec::new(),
            existing: String::new(),
            body: String::new(),
        }
    }

    fn claim_symbol(&mut self, wanted: String) -> String {
        let mut symbol = wanted.clone();
        let mut counter = 2;
        while self.used_symbols.contains(&symbol) {
            symbol = format!("{wanted}{counter}");
            counter += 1;
        }
        self.used_symbols.push(symbol.clone());
        symbol
    }

    /// The symbol of the resource with this id, declaring it `existing` first if this file has
    /// not declared it.
    fn reference(&mut self, id: &str) -> String {
        if let Some(symbol) = self.symbols.get(&id.to_ascii_lowercase()) {
            return symbol.clone();
        }
        let arm_id = ArmId::parse(id).expect("plan ids are well formed");
        let parent_symbol = arm_id.parent().map(|parent| self.reference(&parent));
        let title = match self.plan.resource(id) {
            Some(resource) => resource.title.clone(),
            None => format!(
                "{} {}",
                arm_id.segments.last().map_or("", |s| s.0.as_str()),
                arm_id.name()
            ),
        };
        let symbol = self.claim_symbol(symbol_from(&title));
        let resource_type = arm_id.resource_type();

        let mut fields = vec![("name", text(arm_id.name()))];
        match parent_symbol {
            Some(parent) => fields.insert(0, ("parent", Value::Expression(parent))),
            None if arm_id.resource_group != self.resource_group => fields.push((
                "scope",
                Value::Expression(format!("resourceGroup({})", quote(&arm_id.resource_group))),
            )),
            None => {}
        }
        let _ = write!(
            self.existing,
            "resource {symbol} '{resource_type}@{}' existing = ",
            api_version(&resource_type)
        );
        write_value(&mut self.existing, &Value::Object(fields), 0);
        self.existing.push_str("\n\n");

        self.symbols.insert(id.to_ascii_lowercase(), symbol.clone());
        symbol
    }

    fn declare(&mut self, resource: &Resource) {
        let parent_symbol = resource
            .parent
            .as_ref()
            .map(|parent| self.reference(parent));
        let symbol = self.claim_symbol(symbol_from(&resource.title));
        self.symbols
            .insert(resource.id.to_ascii_lowercase(), symbol.clone());

        let mut fields = Vec::new();
        if let Some(parent) = parent_symbol {
            fields.push(("parent", Value::Expression(parent)));
        }
        fields.push(("name", text(&resource.name)));
        self.add_settings(resource, &mut fields);

        // The id shows whether a rule belongs to a namespace or to a hub; the kind alone does not.
        let resource_type = ArmId::parse(&resource.id)
            .expect("plan ids are well formed")
            .resource_type();
        let _ = writeln!(
            self.body,
            "// {}: {}",
            resource.title,
            resource.spec.summary()
        );
        let condition = if resource.opt_in {
            "if (createDatabricksWorkspace) "
        } else {
            ""
        };
        let _ = write!(
            self.body,
            "resource {symbol} '{resource_type}@{}' = {condition}",
            api_version(&resource_type)
        );
        write_value(&mut self.body, &Value::Object(fields), 0);
        self.body.push_str("\n\n");
    }

    fn add_settings(&mut self, resource: &Resource, fields: &mut Vec<(&'static str, Value)>) {
        let tags = || {
            Value::Object(
                resource
                    .tags
                    .iter()
                    .map(|(key, value)| (tag_key(key), text(value.as_str())))
                    .collect(),
            )
        };
        match &resource.spec {
            Spec::ResourceGroup(spec) => {
                fields.push(("location", text(&spec.location)));
                fields.push(("tags", tags()));
            }
            Spec::EventHubsNamespace(spec) => {
                fields.push(("location", text(&spec.location)));
                fields.push(("tags", tags()));
                fields.push((
                    "sku",
                    Value::Object(vec![
                        ("name", text(&spec.sku)),
                        ("tier", text(&spec.sku)),
                        ("capacity", Value::Number(spec.capacity.into())),
                    ]),
                ));
                let mut properties = vec![
                    ("kafkaEnabled", Value::Bool(spec.kafka_enabled)),
                    ("isAutoInflateEnabled", Value::Bool(spec.auto_inflate)),
                ];
                if spec.auto_inflate {
                    properties.push((
                        "maximumThroughputUnits",
                        Value::Number(spec.maximum_throughput_units.into()),
                    ));
                }
                properties.push(("zoneRedundant", Value::Bool(spec.zone_redundant)));
                properties.push(("minimumTlsVersion", text("1.2")));
                fields.push(("properties", Value::Object(properties)));
            }
            Spec::AuthorizationRule(spec) => {
                let rights = spec.rights.iter().map(|right| text(right.name())).collect();
                fields.push((
                    "properties",
                    Value::Object(vec![("rights", Value::Array(rights))]),
                ));
            }
            Spec::EventHub(spec) => {
                let account_id = format!(
                    "/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
                    spec.capture.storage_account_group, spec.capture.storage_account
                );
                let account = self.reference(&account_id);
                fields.push(("properties", event_hub_properties(spec, &account)));
            }
            Spec::ConsumerGroup(spec) => {
                fields.push((
                    "properties",
                    Value::Object(vec![("userMetadata", text(&spec.user_metadata))]),
                ));
            }
            Spec::SchemaGroup(spec) => {
                fields.push((
                    "properties",
                    Value::Object(vec![
                        ("schemaType", text(&spec.schema_type)),
                        ("schemaCompatibility", text(spec.compatibility.name())),
                        ("groupProperties", Value::Object(Vec::new())),
                    ]),
                ));
            }
            Spec::StorageAccount(spec) => {
                fields.push(("location", text(&spec.location)));
                fields.push(("tags", tags()));
                fields.push(("kind", text(&spec.account_kind)));
                fields.push(("sku", Value::Object(vec![("name", text(&spec.sku))])));
                fields.push((
                    "properties",
                    Value::Object(vec![
                        ("minimumTlsVersion", text(&spec.minimum_tls_version)),
                        ("supportsHttpsTrafficOnly", Value::Bool(spec.https_only)),
                        ("allowBlobPublicAccess", Value::Bool(false)),
                        ("isHnsEnabled", Value::Bool(spec.hierarchical_namespace)),
                    ]),
                ));
            }
            Spec::BlobService(spec) => {
                fields.push(("properties", blob_service_properties(spec)));
            }
            Spec::LifecyclePolicy(spec) => {
                fields.push(("properties", lifecycle_properties(spec)));
            }
            Spec::BlobContainer(spec) => {
                fields.push((
                    "properties",
                    Value::Object(vec![("publicAccess", text(&spec.public_access))]),
                ));
            }
            Spec::ImmutabilityPolicy(spec) => {
                fields.push((
                    "properties",
                    Value::Object(vec![
                        (
                            "immutabilityPeriodSinceCreationInDays",
                            Value::Number(spec.period_days.into()),
                        ),
                        (
                            "allowProtectedAppendWrites",
                            Value::Bool(spec.allow_protected_append_writes),
                        ),
                    ]),
                ));
            }
            Spec::KeyVault(spec) => {
                fields.push(("location", text(&spec.location)));
                fields.push(("tags", tags()));
                fields.push((
                    "properties",
                    Value::Object(vec![
                        (
                            "tenantId",
                            Value::Expression("subscription().tenantId".to_string()),
                        ),
                        (
                            "sku",
                            Value::Object(vec![("family", text("A")), ("name", text(&spec.sku))]),
                        ),
                        (
                            "enableRbacAuthorization",
                            Value::Bool(spec.enable_rbac_authorization),
                        ),
                        ("enableSoftDelete", Value::Bool(true)),
                        (
                            "softDeleteRetentionInDays",
                            Value::Number(spec.soft_delete_retention_days.into()),
                        ),
                    ]),
                ));
            }
            Spec::KeyVaultSecret(spec) => {
                let rule = self.hub_rule_id(&spec.source_hub, &spec.source_rule);
                let rule_symbol = self.reference(&rule);
                fields.push(("tags", tags()));
                fields.push((
                    "properties",
                    Value::Object(vec![
                        ("contentType", text(&spec.content_type)),
                        (
                            "value",
                            Value::Expression(format!(
                                "{rule_symbol}.listKeys().primaryConnectionString"
                            )),
                        ),
                    ]),
                ));
            }
            Spec::DatabricksWorkspace(spec) => {
                fields.push(("location", text(&spec.location)));
                fields.push(("tags", tags()));
                fields.push(("sku", Value::Object(vec![("name", text(&spec.sku))])));
                fields.push((
                    "properties",
                    Value::Object(vec![(
                        "managedResourceGroupId",
                        Value::Expression(format!(
                            "subscriptionResourceId('Microsoft.Resources/resourceGroups', {})",
                            quote(&spec.managed_resource_group)
                        )),
                    )]),
                ));
            }
        }
    }

    /// The id of a hub-level rule, found in the plan.
    fn hub_rule_id(&self, hub: &str, rule: &str) -> String {
        let suffix = format!("/eventhubs/{hub}/authorizationRules/{rule}").to_ascii_lowercase();
        self.plan
            .resources()
            .find(|resource| resource.id.to_ascii_lowercase().ends_with(&suffix))
            .map(|resource| resource.id.clone())
            .expect("every secret's rule is in the plan")
    }
}

/// Tag keys with hyphens must be quoted in a Bicep object.
fn tag_key(key: &str) -> &'static str {
    match key {
        "team" => "team",
        "managed-by" => "'managed-by'",
        "workshop-namespace" => "'workshop-namespace'",
        _ => "tag",
    }
}

fn event_hub_properties(spec: &EventHubSpec, account_symbol: &str) -> Value {
    let capture = &spec.capture;
    Value::Object(vec![
        ("partitionCount", Value::Number(spec.partition_count.into())),
        (
            "retentionDescription",
            Value::Object(vec![
                ("cleanupPolicy", text("Delete")),
                (
                    "retentionTimeInHours",
                    Value::Number(u64::from(spec.retention_days) * 24),
                ),
            ]),
        ),
        (
            "captureDescription",
            Value::Object(vec![
                ("enabled", Value::Bool(capture.enabled)),
                ("encoding", text(&capture.encoding)),
                (
                    "intervalInSeconds",
                    Value::Number(capture.interval_seconds.into()),
                ),
                ("sizeLimitInBytes", Value::Number(capture.size_limit_bytes)),
                (
                    "skipEmptyArchives",
                    Value::Bool(capture.skip_empty_archives),
                ),
                (
                    "destination",
                    Value::Object(vec![
                        ("name", text("EventHubArchive.AzureBlockBlob")),
                        (
                            "properties",
                            Value::Object(vec![
                                (
                                    "storageAccountResourceId",
                                    Value::Expression(format!("{account_symbol}.id")),
                                ),
                                ("blobContainer", text(&capture.container)),
                                ("archiveNameFormat", text(&capture.archive_name_format)),
                            ]),
                        ),
                    ]),
                ),
            ]),
        ),
    ])
}

fn blob_service_properties(spec: &BlobServiceSpec) -> Value {
    let retention = |days: u32| {
        Value::Object(vec![
            ("enabled", Value::Bool(true)),
            ("days", Value::Number(days.into())),
        ])
    };
    Value::Object(vec![
        ("isVersioningEnabled", Value::Bool(spec.versioning)),
        (
            "changeFeed",
            Value::Object(vec![
                ("enabled", Value::Bool(true)),
                (
                    "retentionInDays",
                    Value::Number(spec.change_feed_retention_days.into()),
                ),
            ]),
        ),
        (
            "deleteRetentionPolicy",
            retention(spec.blob_soft_delete_days),
        ),
        (
            "containerDeleteRetentionPolicy",
            retention(spec.container_soft_delete_days),
        ),
        ("restorePolicy", retention(spec.point_in_time_restore_days)),
    ])
}

fn lifecycle_properties(spec: &LifecyclePolicySpec) -> Value {
    let after = |days: u32| {
        Value::Object(vec![(
            "daysAfterModificationGreaterThan",
            Value::Number(days.into()),
        )])
    };
    let rules = spec
        .rules
        .iter()
        .map(|rule| {
            Value::Object(vec![
                ("enabled", Value::Bool(true)),
                ("name", text(&rule.name)),
                ("type", text("Lifecycle")),
                (
                    "definition",
                    Value::Object(vec![
                        (
                            "filters",
                            Value::Object(vec![(
                                "blobTypes",
                                Value::Array(rule.blob_types.iter().map(text).collect()),
                            )]),
                        ),
                        (
                            "actions",
                            Value::Object(vec![(
                                "baseBlob",
                                Value::Object(vec![
                                    ("tierToCool", after(rule.cool_after_days)),
                                    ("tierToArchive", after(rule.archive_after_days)),
                                    ("delete", after(rule.delete_after_days)),
                                ]),
                            )]),
                        ),
                    ]),
                ),
            ])
        })
        .collect();
    Value::Object(vec![(
        "policy",
        Value::Object(vec![("rules", Value::Array(rules))]),
    )])
}

/// Writes the step's Bicep files, one after another, each headed by its name and the command
/// that deploys it.
pub(super) fn export(plan: &Plan, step: StepId) -> String {
    let step = plan.step(step);
    let namespace = plan.attendee.namespace();
    let mut out = format!(
        "// EDA Workshop, the {} step (unique namespace `{namespace}`)\n\
         // Deploy the files in this order, each with the command above it.\n",
        step.title
    );

    if step.id == StepId::ResourceGroups {
        let mut file = File::new("", plan);
        for resource in &step.resources {
            file.declare(resource);
        }
        let location = &plan.attendee.region().name;
        let _ = write!(
            out,
            "\n// ===== resource-groups.bicep =====\n\
             // az deployment sub create --location {location} --template-file resource-groups.bicep\n\
             targetScope = 'subscription'\n\n{}",
            file.body
        );
        return out.trim_end().to_string() + "\n";
    }

    let mut groups: Vec<&str> = Vec::new();
    for resource in &step.resources {
        if !groups.contains(&resource.resource_group.as_str()) {
            groups.push(&resource.resource_group);
        }
    }
    for group in groups {
        let mut file = File::new(group, plan);
        let resources = step.resources.iter().filter(|r| r.resource_group == group);
        let opt_in = resources.clone().any(|resource| resource.opt_in);
        for resource in resources {
            file.declare(resource);
        }
        let _ = write!(
            out,
            "\n// ===== {group}.bicep =====\n\
             // az deployment group create --resource-group {group} --template-file {group}.bicep\n"
        );
        if opt_in {
            out.push_str(
                "\n// The Databricks workspace bills while it exists, so it is created only when\n\
                 // asked for: add --parameters createDatabricksWorkspace=true.\n\
                 param createDatabricksWorkspace bool = false\n",
            );
        }
        let _ = write!(out, "\n{}{}", file.existing, file.body);
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_camel_case_identifiers() {
        assert_eq!(
            symbol_from("capture container of `lead_purchased`"),
            "captureContainerOfLeadPurchased"
        );
        assert_eq!(symbol_from("broker namespace"), "brokerNamespace");
    }

    #[test]
    fn quoting_escapes_interpolation_and_quotes() {
        assert_eq!(quote("it's ${x}"), "'it\\'s \\${x}'");
    }
}
