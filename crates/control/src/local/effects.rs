//! What the local Resource Manager does outside its own state: creating a hub creates it in
//! the local broker, a schema group in the local registry.
//!
//! [`LocalEffects`] is that boundary. [`RecordedEffects`] implements it by recording each
//! entity in SQLite, so the local Resource Manager works and is tested on its own. The broker
//! and the registry implement the same trait to make the entities live.

use std::path::Path;
use std::sync::Mutex;

use course::export::ArmId;
use rusqlite::{params, Connection};

use super::keys::{keychain_entry, new_key};
use super::kinds;
use super::store::Store;
use super::validate::retention_hours;
use crate::secret::Secret;
use crate::secrets::Keychain;

/// A failure of the broker or the registry behind the local Resource Manager.
#[derive(Debug, thiserror::Error)]
#[error("the local {service} failed to {action}: {reason}")]
pub struct EffectError {
    /// `broker` or `registry`.
    pub service: &'static str,
    /// The failed action, such as "create hub `customer`".
    pub action: String,
    /// The cause.
    pub reason: String,
}

/// The entities the local broker and registry keep, driven by the local Resource Manager.
///
/// Every call is idempotent: creating what exists updates it, deleting what is gone succeeds.
pub trait LocalEffects: Send + Sync + std::fmt::Debug {
    /// Creates an Event Hubs namespace in the broker.
    fn create_namespace(&self, namespace: &str) -> Result<(), EffectError>;
    /// Deletes a namespace and everything in it from the broker.
    fn delete_namespace(&self, namespace: &str) -> Result<(), EffectError>;
    /// Creates or updates a hub.
    fn create_hub(
        &self,
        namespace: &str,
        hub: &str,
        partitions: u32,
        retention_hours: u32,
    ) -> Result<(), EffectError>;
    /// Deletes a hub with its consumer groups and events.
    fn delete_hub(&self, namespace: &str, hub: &str) -> Result<(), EffectError>;
    /// Creates a consumer group on a hub.
    fn create_consumer_group(
        &self,
        namespace: &str,
        hub: &str,
        group: &str,
    ) -> Result<(), EffectError>;
    /// Deletes a consumer group.
    fn delete_consumer_group(
        &self,
        namespace: &str,
        hub: &str,
        group: &str,
    ) -> Result<(), EffectError>;
    /// Creates or updates an authorization rule on a namespace (`hub` is `None`) or a hub, with
    /// the keys the broker checks SAS tokens against.
    fn create_rule(
        &self,
        namespace: &str,
        hub: Option<&str>,
        rule: &str,
        rights: &[String],
        primary: &Secret,
        secondary: &Secret,
    ) -> Result<(), EffectError>;
    /// Deletes an authorization rule.
    fn delete_rule(
        &self,
        namespace: &str,
        hub: Option<&str>,
        rule: &str,
    ) -> Result<(), EffectError>;
    /// Creates or updates a schema group in the registry.
    fn create_schema_group(
        &self,
        namespace: &str,
        group: &str,
        compatibility: &str,
    ) -> Result<(), EffectError>;
    /// Deletes a schema group with its schemas.
    fn delete_schema_group(&self, namespace: &str, group: &str) -> Result<(), EffectError>;
    /// Returns the AMQP endpoint of a namespace as connection strings name it, such as
    /// `sb://127.0.0.1:5672`.
    fn endpoint(&self, namespace: &str) -> String;

    /// Sets a hub's capture from its ARM `captureDescription` object (`enabled`,
    /// `intervalInSeconds`, `sizeLimitInBytes`, `skipEmptyArchives` and `destination`). The
    /// default ignores capture, which suits effects that run no capture writer.
    fn set_capture(
        &self,
        namespace: &str,
        hub: &str,
        capture: &serde_json::Value,
    ) -> Result<(), EffectError> {
        let _ = (namespace, hub, capture);
        Ok(())
    }

    /// Replays into these effects every namespace, hub (with its capture), consumer group,
    /// authorization rule and schema group that the local Resource Manager's state in
    /// `data_dir` contains, parents before children, so services started afresh serve what
    /// earlier runs created. Rule keys are read from `keychain`; a rule whose keys are missing
    /// there is skipped with a warning. Returns how many entities were replayed, 0 when the
    /// data directory has no state yet.
    fn restore(&self, data_dir: &Path, keychain: &Keychain) -> Result<usize, EffectError> {
        restore_into(self, data_dir, keychain)
    }
}

/// Records the entities in a SQLite table, standing in for the broker and the registry.
///
/// Keys are never recorded: the rule's row contains its rights only.
#[derive(Debug)]
pub struct RecordedEffects {
    connection: Mutex<Connection>,
}

impl RecordedEffects {
    /// Opens (or creates) the record in a SQLite file.
    pub fn open(path: &Path) -> rusqlite::Result<Self> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        connection.execute_batch(
            "CREATE TABLE IF NOT EXISTS effects (
                 entity TEXT NOT NULL,
                 path TEXT NOT NULL COLLATE NOCASE,
                 detail TEXT NOT NULL,
                 PRIMARY KEY (entity, path)
             );",
        )?;
        Ok(RecordedEffects {
            connection: Mutex::new(connection),
        })
    }

    /// Opens the record inside the local Resource Manager's state database of a data
    /// directory, so that a full teardown, which empties it, leaves no file behind.
    pub fn open_in(data_dir: &Path) -> rusqlite::Result<Self> {
        let folder = data_dir.join(super::CONTROL_FOLDER);
        std::fs::create_dir_all(&folder)
            .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))?;
        RecordedEffects::open(&folder.join(super::STATE_FILE))
    }

    /// Lists every recorded entity as `(entity, path, detail)`, sorted by path.
    pub fn entities(&self) -> Vec<(String, String, String)> {
        let connection = self.connection.lock().expect("effects lock");
        let mut statement = connection
            .prepare("SELECT entity, path, detail FROM effects ORDER BY path")
            .expect("static query");
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .expect("static query")
            .filter_map(Result::ok)
            .collect()
    }

    fn record(&self, entity: &str, path: &str, detail: &str) -> Result<(), EffectError> {
        let connection = self.connection.lock().expect("effects lock");
        connection
            .execute(
                "INSERT INTO effects (entity, path, detail) VALUES (?1, ?2, ?3)
                 ON CONFLICT (entity, path) DO UPDATE SET detail = excluded.detail",
                params![entity, path, detail],
            )
            .map(|_| ())
            .map_err(|error| failure(entity, path, "record", error))
    }

    /// Forgets an entity and everything below it.
    fn forget(&self, entity: &str, path: &str) -> Result<(), EffectError> {
        let connection = self.connection.lock().expect("effects lock");
        connection
            .execute(
                "DELETE FROM effects WHERE path = ?1 OR path LIKE ?1 || '/%'",
                params![path],
            )
            .map(|_| ())
            .map_err(|error| failure(entity, path, "forget", error))
    }
}

fn failure(entity: &str, path: &str, action: &str, error: rusqlite::Error) -> EffectError {
    let service = if entity == "schema group" {
        "registry"
    } else {
        "broker"
    };
    EffectError {
        service,
        action: format!("{action} {entity} `{path}`"),
        reason: error.to_string(),
    }
}

fn rule_path(namespace: &str, hub: Option<&str>, rule: &str) -> String {
    match hub {
        Some(hub) => format!("{namespace}/{hub}/rules/{rule}"),
        None => format!("{namespace}/rules/{rule}"),
    }
}

fn restore_failure(action: &str, reason: impl std::fmt::Display) -> EffectError {
    EffectError {
        service: "broker",
        action: action.to_string(),
        reason: reason.to_string(),
    }
}

/// Reads the stored resources, shortest id first (a parent's id is a prefix of its
/// children's), and calls the effect that creating each one had.
fn restore_into<E: LocalEffects + ?Sized>(
    effects: &E,
    data_dir: &Path,
    keychain: &Keychain,
) -> Result<usize, EffectError> {
    let path = data_dir.join(super::CONTROL_FOLDER).join(super::STATE_FILE);
    if !path.exists() {
        return Ok(0);
    }
    let action = "read the local Resource Manager's state";
    let store = Store::open(&path).map_err(|error| restore_failure(action, error))?;
    let Some(subscription) = store
        .meta("subscription")
        .map_err(|error| restore_failure(action, error))?
    else {
        return Ok(0);
    };
    let mut rows = store
        .tree("")
        .map_err(|error| restore_failure(action, error))?;
    rows.sort_by_key(|row| row.id.len());

    let mut replayed = 0;
    for row in rows {
        let Some(parsed) = ArmId::parse(&row.id) else {
            continue;
        };
        let namespace = parsed.name_of("namespaces").unwrap_or_default();
        let hub = parsed.name_of("eventhubs");
        let name = parsed.name();
        let properties = &row.body["properties"];
        match row.type_key.as_str() {
            kinds::NAMESPACE => effects.create_namespace(name)?,
            kinds::HUB => {
                // The same defaults as a PUT without these properties.
                let partitions = properties["partitionCount"].as_u64().unwrap_or(1);
                effects.create_hub(
                    namespace,
                    name,
                    u32::try_from(partitions).unwrap_or(1),
                    retention_hours(&row.body),
                )?;
                let capture = &properties["captureDescription"];
                if capture.is_object() {
                    effects.set_capture(namespace, name, capture)?;
                }
            }
            kinds::CONSUMER_GROUP => {
                effects.create_consumer_group(namespace, hub.unwrap_or_default(), name)?
            }
            kinds::NAMESPACE_RULE | kinds::HUB_RULE => {
                let read = |part: &str| {
                    let entry = keychain_entry(&subscription, &row.id, Some(part));
                    keychain
                        .read(&entry)
                        .map_err(|error| restore_failure("read a rule key", error))
                };
                let (primary, secondary) = match (read("primary")?, read("secondary")?) {
                    (Some(primary), Some(secondary)) => (primary, secondary),
                    _ => {
                        // Another keychain, such as a new login session, lacks the keys. A rule
                        // without keys admits no client, so it gets new ones, as regenerating
                        // keys does on Azure. Strings made with the old keys stop working.
                        tracing::warn!(
                            namespace,
                            hub,
                            rule = name,
                            "the keychain has no keys for this rule, so it gets new keys; \
                             connection strings made with its old keys no longer work"
                        );
                        let write = |part: &str, key: &Secret| {
                            let entry = keychain_entry(&subscription, &row.id, Some(part));
                            keychain
                                .write(&entry, key)
                                .map_err(|error| restore_failure("store a new rule key", error))
                        };
                        let (primary, secondary) = (new_key(), new_key());
                        write("primary", &primary)?;
                        write("secondary", &secondary)?;
                        (primary, secondary)
                    }
                };
                let rights = kinds::rule_rights(&row.body);
                effects.create_rule(namespace, hub, name, &rights, &primary, &secondary)?;
            }
            kinds::SCHEMA_GROUP => {
                let compatibility = properties["schemaCompatibility"].as_str().unwrap_or("None");
                effects.create_schema_group(namespace, name, compatibility)?;
            }
            _ => continue,
        }
        replayed += 1;
    }
    Ok(replayed)
}

impl LocalEffects for RecordedEffects {
    fn create_namespace(&self, namespace: &str) -> Result<(), EffectError> {
        self.record("namespace", namespace, "")
    }

    fn delete_namespace(&self, namespace: &str) -> Result<(), EffectError> {
        self.forget("namespace", namespace)
    }

    fn create_hub(
        &self,
        namespace: &str,
        hub: &str,
        partitions: u32,
        retention_hours: u32,
    ) -> Result<(), EffectError> {
        let detail = format!("partitions={partitions} retention_hours={retention_hours}");
        self.record("hub", &format!("{namespace}/{hub}"), &detail)
    }

    fn delete_hub(&self, namespace: &str, hub: &str) -> Result<(), EffectError> {
        self.forget("hub", &format!("{namespace}/{hub}"))
    }

    fn create_consumer_group(
        &self,
        namespace: &str,
        hub: &str,
        group: &str,
    ) -> Result<(), EffectError> {
        self.record(
            "consumer group",
            &format!("{namespace}/{hub}/groups/{group}"),
            "",
        )
    }

    fn delete_consumer_group(
        &self,
        namespace: &str,
        hub: &str,
        group: &str,
    ) -> Result<(), EffectError> {
        self.forget(
            "consumer group",
            &format!("{namespace}/{hub}/groups/{group}"),
        )
    }

    fn create_rule(
        &self,
        namespace: &str,
        hub: Option<&str>,
        rule: &str,
        rights: &[String],
        _primary: &Secret,
        _secondary: &Secret,
    ) -> Result<(), EffectError> {
        let detail = format!("rights={}", rights.join(","));
        self.record("rule", &rule_path(namespace, hub, rule), &detail)
    }

    fn delete_rule(
        &self,
        namespace: &str,
        hub: Option<&str>,
        rule: &str,
    ) -> Result<(), EffectError> {
        self.forget("rule", &rule_path(namespace, hub, rule))
    }

    fn create_schema_group(
        &self,
        namespace: &str,
        group: &str,
        compatibility: &str,
    ) -> Result<(), EffectError> {
        let detail = format!("compatibility={compatibility}");
        self.record(
            "schema group",
            &format!("{namespace}/schemagroups/{group}"),
            &detail,
        )
    }

    fn delete_schema_group(&self, namespace: &str, group: &str) -> Result<(), EffectError> {
        self.forget("schema group", &format!("{namespace}/schemagroups/{group}"))
    }

    fn endpoint(&self, _namespace: &str) -> String {
        // NOTE: no broker listens behind the recorded entities, so connection strings name the
        // emulator host; the broker's implementation returns its listener's address.
        "sb://localhost".to_string()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::local::store::Row;

    const NAMESPACE_ID: &str =
        "/resourceGroups/dv-rg/providers/Microsoft.EventHub/namespaces/dv-ehns-dgrf";

    fn put(store: &Store, id: &str, type_key: &str, parent: Option<&str>, properties: Value) {
        let row = Row {
            id: id.to_string(),
            type_key: type_key.to_string(),
            body: json!({ "properties": properties }),
        };
        store.put(&row, parent).unwrap();
    }

    #[test]
    fn restore_replays_stored_entities() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join(crate::local::CONTROL_FOLDER);
        std::fs::create_dir_all(&folder).unwrap();
        let store = Store::open(&folder.join(crate::local::STATE_FILE)).unwrap();
        store.set_meta("subscription", "sub-1").unwrap();
        let hub_id = format!("{NAMESPACE_ID}/eventhubs/customer");
        let rule_id = format!("{hub_id}/authorizationRules/send");
        let orphan_id = format!("{hub_id}/authorizationRules/listen");
        put(
            &store,
            "/resourceGroups/dv-rg",
            kinds::RESOURCE_GROUP,
            None,
            json!({}),
        );
        put(
            &store,
            NAMESPACE_ID,
            kinds::NAMESPACE,
            Some("/resourceGroups/dv-rg"),
            json!({}),
        );
        put(
            &store,
            &hub_id,
            kinds::HUB,
            Some(NAMESPACE_ID),
            json!({ "partitionCount": 4, "retentionDescription": { "retentionTimeInHours": 24 } }),
        );
        put(
            &store,
            &format!("{hub_id}/consumergroups/billing"),
            kinds::CONSUMER_GROUP,
            Some(&hub_id),
            json!({}),
        );
        put(
            &store,
            &rule_id,
            kinds::HUB_RULE,
            Some(&hub_id),
            json!({ "rights": ["Send"] }),
        );
        put(
            &store,
            &orphan_id,
            kinds::HUB_RULE,
            Some(&hub_id),
            json!({ "rights": ["Listen"] }),
        );
        put(
            &store,
            &format!("{NAMESPACE_ID}/schemagroups/events"),
            kinds::SCHEMA_GROUP,
            Some(NAMESPACE_ID),
            json!({ "schemaCompatibility": "Backward" }),
        );
        let keychain = Keychain::in_memory();
        for part in ["primary", "secondary"] {
            let entry = keychain_entry("sub-1", &rule_id, Some(part));
            keychain.write(&entry, &Secret::new("a2V5")).unwrap();
        }
        drop(store);

        let replay = tempfile::tempdir().unwrap();
        let effects = RecordedEffects::open(&replay.path().join("effects.db")).unwrap();
        let replayed = effects.restore(dir.path(), &keychain).unwrap();

        assert_eq!(replayed, 6, "the rule without keys gets new ones");
        let paths: Vec<(String, String)> = effects
            .entities()
            .into_iter()
            .map(|(entity, path, _)| (entity, path))
            .collect();
        let expected = [
            ("namespace", "dv-ehns-dgrf"),
            ("hub", "dv-ehns-dgrf/customer"),
            ("consumer group", "dv-ehns-dgrf/customer/groups/billing"),
            ("rule", "dv-ehns-dgrf/customer/rules/listen"),
            ("rule", "dv-ehns-dgrf/customer/rules/send"),
            ("schema group", "dv-ehns-dgrf/schemagroups/events"),
        ];
        assert_eq!(
            paths,
            expected.map(|(entity, path)| (entity.to_string(), path.to_string()))
        );
        for part in ["primary", "secondary"] {
            let entry = keychain_entry("sub-1", &orphan_id, Some(part));
            let key = keychain.read(&entry).unwrap().expect("a new key is stored");
            assert_eq!(key.expose().len(), 44, "32 bytes in base64");
        }
        let hub_detail = effects
            .entities()
            .into_iter()
            .find(|(entity, _, _)| entity == "hub")
            .map(|(_, _, detail)| detail);
        assert_eq!(
            hub_detail.as_deref(),
            Some("partitions=4 retention_hours=24")
        );
    }

    #[test]
    fn restore_without_state_replays_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let effects = RecordedEffects::open(&dir.path().join("effects.db")).unwrap();
        assert_eq!(
            effects.restore(dir.path(), &Keychain::in_memory()).unwrap(),
            0
        );
        assert!(!dir.path().join(crate::local::CONTROL_FOLDER).exists());
    }
}
