//! The resource types the local Resource Manager serves, with the API version it accepts and
//! whether ARM completes each kind's PUT and DELETE asynchronously.

use crate::arm::api;

/// The local Resource Manager's rules for one resource type.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kind {
    /// The type as ARM spells it in bodies.
    pub(crate) type_name: &'static str,
    /// The one API version accepted.
    pub(crate) api_version: &'static str,
    /// Whether a PUT returns 201 with an `Azure-AsyncOperation` to poll.
    pub(crate) async_put: bool,
    /// Whether a DELETE returns 202 with a `Location` to poll.
    pub(crate) async_delete: bool,
    /// Whether the kind takes `location` and `tags` (a tracked resource).
    pub(crate) tracked: bool,
}

const fn kind(type_name: &'static str, api_version: &'static str) -> Kind {
    Kind {
        type_name,
        api_version,
        async_put: false,
        async_delete: false,
        tracked: false,
    }
}

/// The lower-case type key of resource groups.
pub(crate) const RESOURCE_GROUP: &str = "microsoft.resources/resourcegroups";
/// The lower-case type key of management locks at resource group scope.
pub(crate) const LOCK: &str = "microsoft.authorization/locks";
/// Event Hubs namespaces.
pub(crate) const NAMESPACE: &str = "microsoft.eventhub/namespaces";
/// Namespace-level authorization rules.
pub(crate) const NAMESPACE_RULE: &str = "microsoft.eventhub/namespaces/authorizationrules";
/// Event hubs.
pub(crate) const HUB: &str = "microsoft.eventhub/namespaces/eventhubs";
/// Hub-level authorization rules.
pub(crate) const HUB_RULE: &str = "microsoft.eventhub/namespaces/eventhubs/authorizationrules";
/// Consumer groups.
pub(crate) const CONSUMER_GROUP: &str = "microsoft.eventhub/namespaces/eventhubs/consumergroups";
/// Schema groups.
pub(crate) const SCHEMA_GROUP: &str = "microsoft.eventhub/namespaces/schemagroups";
/// Storage accounts.
pub(crate) const STORAGE_ACCOUNT: &str = "microsoft.storage/storageaccounts";
/// Blob containers.
pub(crate) const CONTAINER: &str = "microsoft.storage/storageaccounts/blobservices/containers";
/// Container immutability policies.
pub(crate) const IMMUTABILITY: &str =
    "microsoft.storage/storageaccounts/blobservices/containers/immutabilitypolicies";
/// Key vaults.
pub(crate) const VAULT: &str = "microsoft.keyvault/vaults";
/// Key vault secrets.
pub(crate) const SECRET: &str = "microsoft.keyvault/vaults/secrets";
/// Databricks workspaces, described but not emulated.
pub(crate) const DATABRICKS: &str = "microsoft.databricks/workspaces";

/// Looks up the kind behind a lower-case type key, if the local Resource Manager serves it.
pub(crate) fn kind_of(type_key: &str) -> Option<Kind> {
    let kind = match type_key {
        RESOURCE_GROUP => Kind {
            async_delete: true,
            tracked: true,
            ..kind("Microsoft.Resources/resourceGroups", api::RESOURCES)
        },
        LOCK => kind("Microsoft.Authorization/locks", api::LOCKS),
        NAMESPACE => Kind {
            async_put: true,
            async_delete: true,
            tracked: true,
            ..kind("Microsoft.EventHub/namespaces", api::EVENT_HUB)
        },
        NAMESPACE_RULE => kind(
            "Microsoft.EventHub/namespaces/authorizationrules",
            api::EVENT_HUB,
        ),
        HUB => kind("Microsoft.EventHub/namespaces/eventhubs", api::EVENT_HUB),
        HUB_RULE => kind(
            "Microsoft.EventHub/namespaces/eventhubs/authorizationrules",
            api::EVENT_HUB,
        ),
        CONSUMER_GROUP => kind(
            "Microsoft.EventHub/namespaces/eventhubs/consumergroups",
            api::EVENT_HUB,
        ),
        SCHEMA_GROUP => kind("Microsoft.EventHub/namespaces/schemagroups", api::EVENT_HUB),
        STORAGE_ACCOUNT => Kind {
            async_put: true,
            tracked: true,
            ..kind("Microsoft.Storage/storageAccounts", api::STORAGE)
        },
        "microsoft.storage/storageaccounts/blobservices" => kind(
            "Microsoft.Storage/storageAccounts/blobServices",
            api::STORAGE,
        ),
        "microsoft.storage/storageaccounts/managementpolicies" => kind(
            "Microsoft.Storage/storageAccounts/managementPolicies",
            api::STORAGE,
        ),
        CONTAINER => kind(
            "Microsoft.Storage/storageAccounts/blobServices/containers",
            api::STORAGE,
        ),
        IMMUTABILITY => kind(
            "Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies",
            api::STORAGE,
        ),
        VAULT => Kind {
            tracked: true,
            ..kind("Microsoft.KeyVault/vaults", api::KEY_VAULT)
        },
        SECRET => Kind {
            tracked: true,
            ..kind("Microsoft.KeyVault/vaults/secrets", api::KEY_VAULT)
        },
        DATABRICKS => Kind {
            async_put: true,
            async_delete: true,
            tracked: true,
            ..kind("Microsoft.Databricks/workspaces", api::DATABRICKS)
        },
        _ => return None,
    };
    Some(kind)
}

/// Reads an authorization rule's `properties.rights` from its body, such as `["Send"]`.
pub(crate) fn rule_rights(body: &serde_json::Value) -> Vec<String> {
    body["properties"]["rights"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
