//! Azure CLI commands for one step: a Bash script an attendee could run instead of the wizard.

use std::fmt::Write as _;

use super::arm_id::ArmId;
use crate::plan::Plan;
use crate::spec::*;
use crate::step::{Resource, StepId};

/// Quotes a value for Bash unless it is plainly safe.
fn shell(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=@,".contains(c));
    if safe {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}

/// One command, built flag by flag and written one flag per line.
struct Command {
    words: Vec<String>,
}

impl Command {
    fn new(command: &str) -> Self {
        Command {
            words: vec![command.to_string()],
        }
    }

    fn flag(mut self, name: &str, value: &str) -> Self {
        self.words.push(format!("--{name} {}", shell(value)));
        self
    }

    /// A flag whose value is written as is, such as a command substitution.
    fn raw(mut self, name: &str, value: &str) -> Self {
        self.words.push(format!("--{name} {value}"));
        self
    }

    fn switch(self, name: &str, on: bool) -> Self {
        self.flag(name, if on { "true" } else { "false" })
    }

    fn tags(mut self, resource: &Resource) -> Self {
        let tags: Vec<String> = resource
            .tags
            .iter()
            .map(|(key, value)| shell(&format!("{key}={value}")))
            .collect();
        self.words.push(format!("--tags {}", tags.join(" ")));
        self
    }

    fn render(&self) -> String {
        self.words.join(" \\\n    ")
    }
}

fn parent_of(resource: &Resource) -> ArmId {
    let parent = resource.parent.as_deref().unwrap_or(&resource.id);
    ArmId::parse(parent).expect("plan ids are well formed")
}

fn command_for(resource: &Resource) -> Command {
    let group = resource.resource_group.as_str();
    let name = resource.name.as_str();
    let parent = parent_of(resource);
    match &resource.spec {
        Spec::ResourceGroup(spec) => Command::new("az group create")
            .flag("name", name)
            .flag("location", &spec.location)
            .tags(resource),
        Spec::EventHubsNamespace(spec) => {
            let mut command = Command::new("az eventhubs namespace create")
                .flag("resource-group", group)
                .flag("name", name)
                .flag("location", &spec.location)
                .flag("sku", &spec.sku)
                .flag("capacity", &spec.capacity.to_string())
                .switch("enable-auto-inflate", spec.auto_inflate);
            if spec.auto_inflate {
                command = command.flag(
                    "maximum-throughput-units",
                    &spec.maximum_throughput_units.to_string(),
                );
            }
            command
                .switch("zone-redundant", spec.zone_redundant)
                .flag("minimum-tls-version", "1.2")
                .tags(resource)
        }
        Spec::AuthorizationRule(spec) => {
            let rights: Vec<&str> = spec.rights.iter().map(|right| right.name()).collect();
            let namespace = parent.name_of("namespaces").unwrap_or_default().to_string();
            let command = match spec.scope {
                RuleScope::Namespace => {
                    Command::new("az eventhubs namespace authorization-rule create")
                }
                RuleScope::Hub => Command::new("az eventhubs eventhub authorization-rule create"),
            };
            let command = command
                .flag("resource-group", group)
                .flag("namespace-name", &namespace);
            let command = match spec.scope {
                RuleScope::Namespace => command,
                RuleScope::Hub => command.flag("eventhub-name", parent.name()),
            };
            command.flag("name", name).flag("rights", &rights.join(" "))
        }
        Spec::EventHub(spec) => {
            let capture = &spec.capture;
            let account_id = format!(
                "\"$(az storage account show --resource-group {} --name {} --query id --output tsv)\"",
                shell(&capture.storage_account_group),
                shell(&capture.storage_account)
            );
            Command::new("az eventhubs eventhub create")
                .flag("resource-group", group)
                .flag("namespace-name", parent.name())
                .flag("name", name)
                .flag("partition-count", &spec.partition_count.to_string())
                .flag("cleanup-policy", "Delete")
                .flag(
                    "retention-time-in-hours",
                    &(spec.retention_days * 24).to_string(),
                )
                .switch("enable-capture", capture.enabled)
                .flag("encoding", &capture.encoding)
                .flag("capture-interval", &capture.interval_seconds.to_string())
                .flag("capture-size-limit", &capture.size_limit_bytes.to_string())
                .switch("skip-empty-archives", capture.skip_empty_archives)
                .flag("destination-name", "EventHubArchive.AzureBlockBlob")
                .raw("storage-account", &account_id)
                .flag("blob-container", &capture.container)
                .flag("archive-name-format", &capture.archive_name_format)
        }
        Spec::ConsumerGroup(spec) => {
            let namespace = parent.name_of("namespaces").unwrap_or_default().to_string();
            Command::new("az eventhubs eventhub consumer-group create")
                .flag("resource-group", group)
                .flag("namespace-name", &namespace)
                .flag("eventhub-name", parent.name())
                .flag("name", name)
                .flag("user-metadata", &spec.user_metadata)
        }
        Spec::SchemaGroup(spec) => Command::new("az eventhubs namespace schema-registry create")
            .flag("resource-group", group)
            .flag("namespace-name", parent.name())
            .flag("name", name)
            .flag("schema-compatibility", spec.compatibility.name())
            .flag("schema-type", &spec.schema_type),
        Spec::StorageAccount(spec) => Command::new("az storage account create")
            .flag("resource-group", group)
            .flag("name", name)
            .flag("location", &spec.location)
            .flag("kind", &spec.account_kind)
            .flag("sku", &spec.sku)
            .flag("min-tls-version", &spec.minimum_tls_version)
            .switch("https-only", spec.https_only)
            .switch("allow-blob-public-access", false)
            .switch("enable-hierarchical-namespace", spec.hierarchical_namespace)
            .tags(resource),
        Spec::BlobService(spec) => {
            Command::new("az storage account blob-service-properties update")
                .flag("resource-group", group)
                .flag("account-name", parent.name())
                .switch("enable-versioning", spec.versioning)
                .switch("enable-change-feed", true)
                .flag(
                    "change-feed-days",
                    &spec.change_feed_retention_days.to_string(),
                )
                .switch("enable-delete-retention", true)
                .flag(
                    "delete-retention-days",
                    &spec.blob_soft_delete_days.to_string(),
                )
                .switch("enable-container-delete-retention", true)
                .flag(
                    "container-delete-retention-days",
                    &spec.container_soft_delete_days.to_string(),
                )
                .switch("enable-restore-policy", true)
                .flag("restore-days", &spec.point_in_time_restore_days.to_string())
        }
        Spec::LifecyclePolicy(spec) => Command::new("az storage account management-policy create")
            .flag("resource-group", group)
            .flag("account-name", parent.name())
            .flag("policy", &lifecycle_json(spec)),
        Spec::BlobContainer(_) => {
            let account = parent
                .name_of("storageAccounts")
                .unwrap_or_default()
                .to_string();
            Command::new("az storage container-rm create")
                .flag("resource-group", group)
                .flag("storage-account", &account)
                .flag("name", name)
                .flag("public-access", "off")
        }
        Spec::ImmutabilityPolicy(spec) => {
            let account = parent
                .name_of("storageAccounts")
                .unwrap_or_default()
                .to_string();
            Command::new("az storage container immutability-policy create")
                .flag("resource-group", group)
                .flag("account-name", &account)
                .flag("container-name", parent.name())
                .flag("period", &spec.period_days.to_string())
                .switch(
                    "allow-protected-append-writes",
                    spec.allow_protected_append_writes,
                )
        }
        Spec::KeyVault(spec) => Command::new("az keyvault create")
            .flag("resource-group", group)
            .flag("name", name)
            .flag("location", &spec.location)
            .flag("sku", &spec.sku)
            .switch("enable-rbac-authorization", spec.enable_rbac_authorization)
            .flag(
                "retention-days",
                &spec.soft_delete_retention_days.to_string(),
            )
            .tags(resource),
        Spec::KeyVaultSecret(_) => unreachable!("secrets are written by secret_command"),
        Spec::DatabricksWorkspace(spec) => Command::new("az databricks workspace create")
            .flag("resource-group", group)
            .flag("name", name)
            .flag("location", &spec.location)
            .flag("sku", &spec.sku)
            .flag("managed-resource-group", &spec.managed_resource_group)
            .tags(resource),
    }
}

/// A secret's value is read from the hub rule and piped straight into Key Vault, so it never
/// appears on the screen or in the shell's history.
fn secret_command(plan: &Plan, resource: &Resource, spec: &KeyVaultSecretSpec) -> String {
    let broker = plan
        .resources()
        .find(|r| matches!(&r.spec, Spec::EventHub(_)) && r.name == spec.source_hub)
        .map(parent_of)
        .expect("every secret's hub is in the plan");
    let keys = Command::new("az eventhubs eventhub authorization-rule keys list")
        .flag("resource-group", &broker.resource_group)
        .flag("namespace-name", broker.name())
        .flag("eventhub-name", &spec.source_hub)
        .flag("name", &spec.source_rule)
        .flag("query", "primaryConnectionString")
        .flag("output", "tsv");
    let vault = parent_of(resource);
    let set = Command::new("az keyvault secret set")
        .flag("vault-name", vault.name())
        .flag("name", &resource.name)
        .flag("content-type", &spec.content_type)
        .flag("file", "/dev/stdin")
        .flag("output", "none");
    format!("{} \\\n  | {}", keys.render(), set.render())
}

fn lifecycle_json(spec: &LifecyclePolicySpec) -> String {
    let rules: Vec<String> = spec
        .rules
        .iter()
        .map(|rule| {
            let types: Vec<String> = rule.blob_types.iter().map(|t| format!("\"{t}\"")).collect();
            format!(
                "{{\"enabled\":true,\"name\":\"{}\",\"type\":\"Lifecycle\",\"definition\":\
                 {{\"filters\":{{\"blobTypes\":[{}]}},\"actions\":{{\"baseBlob\":\
                 {{\"tierToCool\":{{\"daysAfterModificationGreaterThan\":{}}},\
                 \"tierToArchive\":{{\"daysAfterModificationGreaterThan\":{}}},\
                 \"delete\":{{\"daysAfterModificationGreaterThan\":{}}}}}}}}}}}",
                rule.name,
                types.join(","),
                rule.cool_after_days,
                rule.archive_after_days,
                rule.delete_after_days
            )
        })
        .collect();
    format!("{{\"rules\":[{}]}}", rules.join(","))
}

/// Writes the step as a Bash script of Azure CLI commands, in creation order.
pub(super) fn export(plan: &Plan, step: StepId) -> String {
    let step = plan.step(step);
    let mut out = format!(
        "#!/usr/bin/env bash\n\
         # EDA Workshop, the {} step (unique namespace `{}`)\n\
         # Run after `az login` and `az account set --subscription ...`.\n\
         set -euo pipefail\n",
        step.title,
        plan.attendee.namespace()
    );
    for resource in &step.resources {
        let _ = write!(out, "\n# {}: {}\n", resource.title, resource.spec.summary());
        let command = match &resource.spec {
            Spec::KeyVaultSecret(spec) => secret_command(plan, resource, spec),
            _ => command_for(resource).render(),
        };
        if resource.opt_in {
            let _ = write!(
                out,
                "# It bills while it exists, so it is created only when asked for:\n\
                 # CREATE_DATABRICKS_WORKSPACE=yes bash this-script.sh\n\
                 if [ \"${{CREATE_DATABRICKS_WORKSPACE:-no}}\" = yes ]; then\n  {}\nfi\n",
                command.replace('\n', "\n  ")
            );
        } else {
            out.push_str(&command);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quotes_only_when_needed() {
        assert_eq!(shell("dv-events-broker-rg"), "dv-events-broker-rg");
        assert_eq!(shell("team : customer"), "'team : customer'");
        assert_eq!(shell("it's"), "'it'\\''s'");
        assert_eq!(shell("{EventHub}/{Year}"), "'{EventHub}/{Year}'");
    }
}
