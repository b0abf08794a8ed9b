//! The checks ARM and the Standard tier apply to a PUT, enforced locally with Azure's limits.

use course::export::ArmId;
use serde_json::Value;

use super::handler::Server;
use super::kinds;
use super::reply::{internal, Reply, Step};
use super::store::{Row, Store};

/// Hubs per Standard namespace.
const MAX_HUBS: usize = 10;
/// Partitions per hub on the Standard tier.
const MAX_PARTITIONS: i64 = 32;
/// Retention on the Standard tier: 7 days.
const MAX_RETENTION_HOURS: i64 = 168;
/// Consumer groups per hub on the Standard tier, `$Default` included.
const MAX_CONSUMER_GROUPS: usize = 20;
/// Authorization rules per namespace.
const MAX_NAMESPACE_RULES: usize = 12;
/// Capture's time window, in seconds.
const CAPTURE_INTERVAL: std::ops::RangeInclusive<i64> = 60..=900;
/// Capture's size window: 10 MiB to 500 MiB.
const CAPTURE_SIZE: std::ops::RangeInclusive<i64> = 10_485_760..=524_288_000;

fn bad(code: &str, message: impl Into<String>) -> Reply {
    Reply::error(400, code, message)
}

fn text<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer).and_then(Value::as_str)
}

fn number(body: &Value, pointer: &str) -> Option<i64> {
    body.pointer(pointer).and_then(Value::as_i64)
}

/// Checks a PUT body for its kind.
pub(crate) fn request(
    server: &Server,
    store: &Store,
    id: &str,
    type_key: &str,
    body: &Value,
    existing: Option<&Row>,
) -> Step<()> {
    let parsed = ArmId::parse(id).ok_or_else(|| bad("InvalidResourceId", format!("`{id}`")))?;
    let parent = parsed.parent().unwrap_or_default();
    match type_key {
        kinds::RESOURCE_GROUP | kinds::STORAGE_ACCOUNT | kinds::VAULT | kinds::NAMESPACE
            if text(body, "/location").is_none() =>
        {
            Err(bad(
                "LocationRequired",
                "The location property is required for this resource.",
            ))
        }
        kinds::NAMESPACE => namespace(body),
        kinds::HUB => hub(server, store, &parent, body, existing),
        kinds::CONSUMER_GROUP => {
            if parsed.name().len() > 50 {
                return Err(bad(
                    "InvalidConsumerGroupName",
                    "A consumer group name has at most 50 characters.",
                ));
            }
            let count = store
                .children(&parent, Some(kinds::CONSUMER_GROUP))
                .map_err(internal)?
                .len();
            if existing.is_none() && count >= MAX_CONSUMER_GROUPS {
                return Err(bad(
                    "QuotaExceeded",
                    format!("A Standard hub has at most {MAX_CONSUMER_GROUPS} consumer groups."),
                ));
            }
            Ok(())
        }
        kinds::NAMESPACE_RULE | kinds::HUB_RULE => {
            rights(body)?;
            if type_key == kinds::NAMESPACE_RULE && existing.is_none() {
                let count = store
                    .children(&parent, Some(kinds::NAMESPACE_RULE))
                    .map_err(internal)?
                    .len();
                if count >= MAX_NAMESPACE_RULES {
                    return Err(bad(
                        "QuotaExceeded",
                        format!(
                            "A namespace has at most {MAX_NAMESPACE_RULES} authorization rules."
                        ),
                    ));
                }
            }
            Ok(())
        }
        kinds::SCHEMA_GROUP => schema_group(store, &parent, body, existing),
        kinds::STORAGE_ACCOUNT
            if text(body, "/kind").is_none() || text(body, "/sku/name").is_none() =>
        {
            Err(bad(
                "MissingRequiredProperty",
                "A storage account needs `kind` and `sku.name`.",
            ))
        }
        "microsoft.storage/storageaccounts/blobservices"
        | "microsoft.storage/storageaccounts/managementpolicies"
            if !parsed.name().eq_ignore_ascii_case("default") =>
        {
            Err(bad(
                "InvalidResourceName",
                "The only name allowed here is `default`.",
            ))
        }
        kinds::VAULT => vault(store, parsed.name(), body),
        kinds::SECRET if existing.is_none() && text(body, "/properties/value").is_none() => {
            Err(bad(
                "MissingRequiredProperty",
                "A new secret needs `properties.value`.",
            ))
        }
        kinds::LOCK => match text(body, "/properties/level") {
            Some("CanNotDelete") | Some("ReadOnly") => Ok(()),
            _ => Err(bad(
                "InvalidLockLevel",
                "A lock's `properties.level` is `CanNotDelete` or `ReadOnly`.",
            )),
        },
        kinds::DATABRICKS => Err(bad(
            "NotEmulatedLocally",
            "Databricks workspaces are not emulated on the Local target; apply the Databricks \
             workspace on Azure, where it bills while it exists.",
        )),
        _ => {
            let _ = server;
            Ok(())
        }
    }
}

fn namespace(body: &Value) -> Step<()> {
    match text(body, "/sku/name") {
        Some("Basic") | Some("Standard") | Some("Premium") => {}
        _ => {
            return Err(bad(
                "InvalidSku",
                "A namespace's `sku.name` is `Basic`, `Standard` or `Premium`.",
            ))
        }
    }
    if let Some(capacity) = number(body, "/sku/capacity") {
        if !(1..=40).contains(&capacity) {
            return Err(bad("InvalidCapacity", "A namespace's capacity is 1 to 40."));
        }
    }
    Ok(())
}

fn hub(
    server: &Server,
    store: &Store,
    namespace: &str,
    body: &Value,
    existing: Option<&Row>,
) -> Step<()> {
    let partitions = number(body, "/properties/partitionCount").unwrap_or(1);
    if !(1..=MAX_PARTITIONS).contains(&partitions) {
        return Err(bad(
            "InvalidPartitionCount",
            format!("A Standard hub has 1 to {MAX_PARTITIONS} partitions; {partitions} was asked."),
        ));
    }
    if let Some(row) = existing {
        let current = number(&row.body, "/properties/partitionCount").unwrap_or(partitions);
        if current != partitions {
            return Err(bad(
                "InvalidPartitionCount",
                format!(
                    "The partition count of a hub on the Standard tier cannot change once it \
                     exists ({current} now, {partitions} asked): delete the hub and create it \
                     again."
                ),
            ));
        }
    } else {
        let hubs = store
            .children(namespace, Some(kinds::HUB))
            .map_err(internal)?
            .len();
        if hubs >= MAX_HUBS {
            return Err(bad(
                "QuotaExceeded",
                format!("A Standard namespace has at most {MAX_HUBS} hubs."),
            ));
        }
    }
    let retention = number(
        body,
        "/properties/retentionDescription/retentionTimeInHours",
    );
    if retention.is_some_and(|hours| !(1..=MAX_RETENTION_HOURS).contains(&hours)) {
        return Err(bad(
            "InvalidRetention",
            format!("Retention on the Standard tier is 1 to {MAX_RETENTION_HOURS} hours."),
        ));
    }
    capture(server, store, body)
}

fn capture(server: &Server, store: &Store, body: &Value) -> Step<()> {
    let capture = &body["properties"]["captureDescription"];
    if capture["enabled"] != Value::Bool(true) {
        return Ok(());
    }

    let interval = capture["intervalInSeconds"].as_i64().unwrap_or(300);
    let size = capture["sizeLimitInBytes"].as_i64().unwrap_or(314_572_800);
    if !CAPTURE_INTERVAL.contains(&interval) || !CAPTURE_SIZE.contains(&size) {
        return Err(bad(
            "InvalidCaptureDescription",
            "Capture windows are 60 to 900 seconds and 10 to 500 MiB.",
        ));
    }

    let destination = &capture["destination"]["properties"];
    let account = destination["storageAccountResourceId"]
        .as_str()
        .unwrap_or_default();
    let container = destination["blobContainer"].as_str().unwrap_or_default();
    let prefix = format!("/subscriptions/{}", server.subscription);
    let account = account
        .get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(&prefix))
        .map_or(account, |_| &account[prefix.len()..]);

    let container_id = format!("{account}/blobServices/default/containers/{container}");
    if store.get(&container_id).map_err(internal)?.is_none() {
        return Err(bad(
            "InvalidCaptureDestination",
            format!(
                "The capture destination container `{container}` does not exist in storage \
                 account `{account}`: create the container before the hub."
            ),
        ));
    }
    Ok(())
}

fn rights(body: &Value) -> Step<()> {
    let rights: Vec<&str> = body["properties"]["rights"]
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let known = rights
        .iter()
        .all(|right| matches!(*right, "Send" | "Listen" | "Manage"));
    if rights.is_empty() || !known {
        return Err(bad(
            "InvalidRights",
            "An authorization rule grants one or more of `Send`, `Listen` and `Manage`.",
        ));
    }
    if rights.contains(&"Manage") && !(rights.contains(&"Send") && rights.contains(&"Listen")) {
        return Err(bad(
            "InvalidRights",
            "A rule with `Manage` must also grant `Send` and `Listen`.",
        ));
    }
    Ok(())
}

fn schema_group(store: &Store, namespace: &str, body: &Value, existing: Option<&Row>) -> Step<()> {
    match text(body, "/properties/schemaCompatibility") {
        Some("None") | Some("Backward") | Some("Forward") => {}
        _ => {
            return Err(bad(
                "InvalidSchemaCompatibility",
                "`schemaCompatibility` is `None`, `Backward` or `Forward`.",
            ))
        }
    }
    if text(body, "/properties/schemaType") != Some("Avro") {
        return Err(bad(
            "InvalidSchemaType",
            "The local registry serves `Avro` schemas.",
        ));
    }
    let groups = store
        .children(namespace, Some(kinds::SCHEMA_GROUP))
        .map_err(internal)?
        .len();
    if existing.is_none() && groups >= 1 {
        return Err(bad(
            "QuotaExceeded",
            "A Standard namespace holds one schema group.",
        ));
    }
    Ok(())
}

fn vault(store: &Store, name: &str, body: &Value) -> Step<()> {
    if text(body, "/properties/tenantId").is_none() || text(body, "/properties/sku/name").is_none()
    {
        return Err(bad(
            "MissingRequiredProperty",
            "A key vault needs `properties.tenantId` and `properties.sku`.",
        ));
    }
    if store.deleted_vault(name).map_err(internal)?.is_some() {
        return Err(Reply::error(
            409,
            "ConflictError",
            format!(
                "A vault named `{name}` exists in the deleted state: purge it (or recover it) \
                 before creating it again."
            ),
        ));
    }
    Ok(())
}
