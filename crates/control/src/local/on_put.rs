//! The effects of a successful PUT besides storing the body: entities in the broker and the
//! registry, keys and secret values in the keychain, folders for storage.

use course::export::ArmId;
use serde_json::{json, Value};

use super::handler::Server;
use super::keys::{new_key, random_hex};
use super::kinds;
use super::reply::{internal, Step};
use super::store::{Row, Store};
use super::validate::retention_hours;
use crate::secret::Secret;

/// Carries out a PUT's effects and adds the fields they produce to the stored body.
pub(crate) fn apply(
    server: &Server,
    store: &Store,
    id: &str,
    type_key: &str,
    request: &Value,
    stored: &mut Value,
    existed: bool,
) -> Step<()> {
    let parsed = ArmId::parse(id).ok_or_else(|| internal(format!("`{id}` is not an ARM id")))?;
    let namespace = parsed.name_of("namespaces").unwrap_or_default();
    let hub = parsed.name_of("eventhubs");
    let name = parsed.name();
    let effects = server.effects.as_ref();
    match type_key {
        kinds::NAMESPACE => {
            effects.create_namespace(name).map_err(internal)?;
            stored["properties"]["serviceBusEndpoint"] = json!(effects.endpoint(name));
            stored["properties"]["status"] = json!("Active");
        }
        kinds::HUB => {
            let partitions = request["properties"]["partitionCount"]
                .as_u64()
                .unwrap_or(1);
            let partitions = u32::try_from(partitions).unwrap_or(1);
            let retention = retention_hours(request);
            effects
                .create_hub(namespace, name, partitions, retention)
                .map_err(internal)?;
            // A hub created while the services run starts capturing at once, not only after
            // the next start restores it.
            effects
                .set_capture(
                    namespace,
                    name,
                    &request["properties"]["captureDescription"],
                )
                .map_err(internal)?;
            let ids: Vec<String> = (0..partitions).map(|p| p.to_string()).collect();
            stored["properties"]["partitionIds"] = json!(ids);
            stored["properties"]["status"] = json!("Active");
            // Both retention properties, as Azure returns them, whichever the request gave.
            stored["properties"]["messageRetentionInDays"] = json!(retention.div_ceil(24));
            let mut description = match stored["properties"]["retentionDescription"].take() {
                Value::Object(description) => description,
                _ => serde_json::Map::new(),
            };
            description.insert("retentionTimeInHours".to_owned(), json!(retention));
            description
                .entry("cleanupPolicy")
                .or_insert_with(|| json!("Delete"));
            stored["properties"]["retentionDescription"] = Value::Object(description);
            stamp_times(&mut stored["properties"], existed);
            if !existed {
                default_consumer_group(server, store, id, namespace, name)?;
            }
        }
        kinds::CONSUMER_GROUP => {
            effects
                .create_consumer_group(namespace, hub.unwrap_or_default(), name)
                .map_err(internal)?;
            stamp_times(&mut stored["properties"], existed);
        }
        kinds::NAMESPACE_RULE | kinds::HUB_RULE => {
            let (primary, secondary) = rule_keys(server, store, id, existed)?;
            let rights = kinds::rule_rights(request);
            effects
                .create_rule(namespace, hub, name, &rights, &primary, &secondary)
                .map_err(internal)?;
        }
        kinds::SCHEMA_GROUP => {
            let compatibility = request["properties"]["schemaCompatibility"]
                .as_str()
                .unwrap_or("None");
            effects
                .create_schema_group(namespace, name, compatibility)
                .map_err(internal)?;
        }
        kinds::STORAGE_ACCOUNT => {
            std::fs::create_dir_all(server.storage_folder(&[name])?).map_err(internal)?;
            if !existed {
                default_blob_service(server, store, id)?;
            }
        }
        kinds::CONTAINER => {
            let account = parsed.name_of("storageAccounts").unwrap_or_default();
            std::fs::create_dir_all(server.storage_folder(&[account, name])?).map_err(internal)?;
        }
        kinds::IMMUTABILITY => {
            stored["etag"] = json!(format!("\"{}\"", random_hex(8)));
            stored["properties"]["state"] = json!("Unlocked");
        }
        kinds::SECRET => {
            if let Some(value) = request["properties"]["value"].as_str() {
                let entry = server.entry_name(id, None);
                server
                    .keychain
                    .write(&entry, &Secret::new(value))
                    .map_err(internal)?;
                store.add_keychain_entry(&entry).map_err(internal)?;
            }
            // ARM never returns a secret's value.
            if let Some(properties) = stored["properties"].as_object_mut() {
                properties.remove("value");
            }
        }
        _ => {}
    }
    Ok(())
}

/// Sets `updatedAt` to now and, on a resource's first PUT, `createdAt` too, in the form Event
/// Hubs uses (UTC, milliseconds). An update keeps the `createdAt` the handler carried over.
fn stamp_times(properties: &mut Value, existed: bool) {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if !existed || properties["createdAt"].is_null() {
        properties["createdAt"] = json!(now);
    }
    properties["updatedAt"] = json!(now);
}

/// Event Hubs gives every new hub the consumer group `$Default`.
fn default_consumer_group(
    server: &Server,
    store: &Store,
    hub_id: &str,
    namespace: &str,
    hub: &str,
) -> Step<()> {
    let id = format!("{hub_id}/consumergroups/$Default");
    let body = json!({
        "id": format!("/subscriptions/{}{id}", server.subscription),
        "name": "$Default",
        "type": "Microsoft.EventHub/namespaces/eventhubs/consumergroups",
        "properties": { "provisioningState": "Succeeded" },
    });
    let row = Row {
        id,
        type_key: kinds::CONSUMER_GROUP.to_string(),
        body,
    };
    store.put(&row, Some(hub_id)).map_err(internal)?;
    server
        .effects
        .create_consumer_group(namespace, hub, "$Default")
        .map_err(internal)
}

/// Azure gives every storage account the blob service `default`.
fn default_blob_service(server: &Server, store: &Store, account_id: &str) -> Step<()> {
    let id = format!("{account_id}/blobServices/default");
    let body = json!({
        "id": format!("/subscriptions/{}{id}", server.subscription),
        "name": "default",
        "type": "Microsoft.Storage/storageAccounts/blobServices",
        "properties": {},
    });
    let row = Row {
        id,
        type_key: "microsoft.storage/storageaccounts/blobservices".to_string(),
        body,
    };
    store.put(&row, Some(account_id)).map_err(internal)
}

/// Returns the rule's keys: new random ones for a new rule, the stored ones for an update.
fn rule_keys(server: &Server, store: &Store, id: &str, existed: bool) -> Step<(Secret, Secret)> {
    let mut keys = Vec::with_capacity(2);
    for part in ["primary", "secondary"] {
        let entry = server.entry_name(id, Some(part));
        let kept = if existed {
            server.keychain.read(&entry).map_err(internal)?
        } else {
            None
        };
        let key = match kept {
            Some(key) => key,
            None => {
                let key = new_key();
                server.keychain.write(&entry, &key).map_err(internal)?;
                store.add_keychain_entry(&entry).map_err(internal)?;
                key
            }
        };
        keys.push(key);
    }
    let secondary = keys.pop().expect("two keys");
    let primary = keys.pop().expect("two keys");
    Ok((primary, secondary))
}
