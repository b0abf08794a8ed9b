//! The effects of deleting a resource besides removing its row: entities leave the broker and
//! the registry, keys leave the keychain, folders are removed, and a key vault enters the
//! soft-deleted state until it is purged.

use course::export::ArmId;
use serde_json::json;

use super::handler::Server;
use super::kinds;
use super::reply::{internal, Step};
use super::store::{Row, Store};

/// Carries out the effects of deleting one resource (its children are handled before it).
pub(crate) fn apply(server: &Server, store: &Store, row: &Row) -> Step<()> {
    let parsed =
        ArmId::parse(&row.id).ok_or_else(|| internal(format!("`{}` is not an ARM id", row.id)))?;
    let namespace = parsed.name_of("namespaces").unwrap_or_default();
    let hub = parsed.name_of("eventhubs");
    let name = parsed.name();
    let effects = server.effects.as_ref();
    match row.type_key.as_str() {
        kinds::NAMESPACE => effects.delete_namespace(name).map_err(internal)?,
        kinds::HUB => effects.delete_hub(namespace, name).map_err(internal)?,
        kinds::CONSUMER_GROUP => effects
            .delete_consumer_group(namespace, hub.unwrap_or_default(), name)
            .map_err(internal)?,
        kinds::NAMESPACE_RULE | kinds::HUB_RULE => {
            for part in ["primary", "secondary"] {
                let entry = server.entry_name(&row.id, Some(part));
                server.keychain.remove(&entry).map_err(internal)?;
                store.remove_keychain_entry(&entry).map_err(internal)?;
            }
            effects
                .delete_rule(namespace, hub, name)
                .map_err(internal)?;
        }
        kinds::SCHEMA_GROUP => effects
            .delete_schema_group(namespace, name)
            .map_err(internal)?,
        kinds::STORAGE_ACCOUNT => remove_folder(&server.storage_folder(&[name])?)?,
        kinds::CONTAINER => {
            let account = parsed.name_of("storageAccounts").unwrap_or_default();
            remove_folder(&server.storage_folder(&[account, name])?)?;
        }
        kinds::VAULT => {
            // Key Vault keeps a deleted vault, secrets included, until it is purged.
            let location = row.body["location"].clone();
            let body = json!({
                "id": format!(
                    "/subscriptions/{}/providers/Microsoft.KeyVault/locations/{}/deletedVaults/{name}",
                    server.subscription,
                    location.as_str().unwrap_or("local")
                ),
                "name": name,
                "type": "Microsoft.KeyVault/deletedVaults",
                "properties": {
                    "vaultId": row.body["id"],
                    "location": location,
                    "tags": row.body["tags"],
                    "purgeProtectionEnabled": false,
                },
            });
            store.add_deleted_vault(name, &body).map_err(internal)?;
        }
        _ => {}
    }
    Ok(())
}

fn remove_folder(path: &std::path::Path) -> Step<()> {
    match std::fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(internal(format!(
            "cannot remove {}: {error}",
            path.display()
        ))),
    }
}
