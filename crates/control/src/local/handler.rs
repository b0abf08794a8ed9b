//! The request logic of the local Resource Manager, as plain functions over the state: no
//! sockets here, so the server is one thin layer of axum around [`Server::handle`].

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use course::export::ArmId;
use serde_json::{json, Value};

use super::effects::LocalEffects;
use super::keys::{connection_string, keychain_entry, random_hex};
use super::kinds::{self, kind_of, Kind};
use super::reply::{internal, Reply, Step};
use super::route::{route, Route};
use super::store::{Row, Store};
use super::validate;
use crate::arm::api;
use crate::secret::Secret;
use crate::secrets::Keychain;

/// Resource providers the local Resource Manager serves and reports as registered.
pub(crate) const REGISTERED_PROVIDERS: [&str; 5] = [
    "Microsoft.Resources",
    "Microsoft.EventHub",
    "Microsoft.Storage",
    "Microsoft.KeyVault",
    "Microsoft.Authorization",
];

/// The state and collaborators of one local Resource Manager.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) store: Mutex<Store>,
    pub(crate) keychain: Keychain,
    pub(crate) effects: Arc<dyn LocalEffects>,
    pub(crate) storage_root: PathBuf,
    pub(crate) subscription: String,
    pub(crate) tenant: String,
    pub(crate) base_url: String,
    pub(crate) token: Secret,
    pub(crate) latency: Duration,
    pub(crate) unregistered: Vec<String>,
}

/// The parts of an HTTP request the handler reads.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a str,
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) authorization: Option<&'a str>,
    pub(crate) if_match: Option<&'a str>,
    pub(crate) body: &'a [u8],
}

fn now_ms() -> i64 {
    let elapsed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
}

fn query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        key.eq_ignore_ascii_case(name).then_some(value)
    })
}

impl Server {
    /// Returns the folder of a storage account, or of a container with `[account, container]`.
    /// Storage names are lower case in Azure and ARM matches them in any case, so the folder
    /// is named in lower case. A name that is not one plain path component, such as `..`,
    /// fails, so that no folder outside the storage folder is ever made or removed. The name
    /// checks of a PUT reject such names before any folder is made.
    pub(crate) fn storage_folder(&self, names: &[&str]) -> Result<PathBuf, Reply> {
        let mut folder = self.storage_root.clone();
        for name in names {
            let mut parts = std::path::Path::new(name).components();
            match (parts.next(), parts.next()) {
                (Some(std::path::Component::Normal(part)), None) => {
                    folder.push(part.to_string_lossy().to_ascii_lowercase());
                }
                _ => return Err(internal(format!("`{name}` is not a storage name"))),
            }
        }
        Ok(folder)
    }

    /// Returns the keychain entry that contains one value of a resource. The name includes the
    /// subscription, so two data folders on one machine never share entries.
    pub(crate) fn entry_name(&self, id: &str, part: Option<&str>) -> String {
        keychain_entry(&self.subscription, id, part)
    }

    /// Handles one request and returns the response.
    pub(crate) fn handle(&self, request: &Request<'_>) -> Reply {
        if let Err(reply) = self.authorize(request.authorization) {
            return reply;
        }
        let store = self.store.lock().expect("state lock");
        let _ = store.forget_operations_before(now_ms());
        let reply = self.dispatch(&store, request);
        reply.unwrap_or_else(|reply| reply)
    }

    fn authorize(&self, header: Option<&str>) -> Step<()> {
        let Some(header) = header else {
            return Err(Reply::error(
                401,
                "AuthenticationFailed",
                "Authentication failed. The 'Authorization' header is missing.",
            )
            .header("WWW-Authenticate", "Bearer"));
        };
        let presented = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .unwrap_or_default();
        let expected = self.token.expose().as_bytes();
        if !same_bytes(presented.as_bytes(), expected) {
            return Err(Reply::error(
                401,
                "InvalidAuthenticationToken",
                "The access token is invalid: use the token this app issued at start-up.",
            )
            .header("WWW-Authenticate", "Bearer"));
        }
        Ok(())
    }

    fn check_subscription(&self, subscription: &str) -> Step<()> {
        if subscription.eq_ignore_ascii_case(&self.subscription) {
            return Ok(());
        }
        Err(Reply::error(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{subscription}' could not be found."),
        ))
    }

    fn check_api_version(&self, query: &str, accepted: &str) -> Step<()> {
        match query_value(query, "api-version") {
            None => Err(Reply::error(
                400,
                "MissingApiVersionParameter",
                format!(
                    "The api-version query parameter (?api-version=) is required for all \
                     requests; this resource type accepts '{accepted}'."
                ),
            )),
            Some(version) if version == accepted => Ok(()),
            Some(version) => Err(Reply::error(
                400,
                "InvalidApiVersionParameter",
                format!(
                    "The api-version '{version}' is invalid. The supported versions are \
                     '{accepted}'."
                ),
            )),
        }
    }

    fn dispatch(&self, store: &Store, request: &Request<'_>) -> Step<Reply> {
        let method = request.method;
        match route(request.path) {
            Route::Subscriptions if method == "GET" => {
                self.check_api_version(request.query, api::SUBSCRIPTIONS)?;
                Ok(Reply::json(
                    200,
                    json!({ "value": [self.subscription_body()] }),
                ))
            }
            Route::Provider {
                subscription,
                namespace,
            } if method == "GET" => {
                self.check_subscription(&subscription)?;
                self.check_api_version(request.query, api::PROVIDERS)?;
                Ok(self.provider(&namespace))
            }
            Route::OperationStatus {
                subscription,
                operation,
            } if method == "GET" => {
                self.check_subscription(&subscription)?;
                self.operation_status(store, &operation)
            }
            Route::OperationResult {
                subscription,
                operation,
            } if method == "GET" => {
                self.check_subscription(&subscription)?;
                self.operation_result(store, &operation)
            }
            Route::DeletedVault {
                subscription,
                name,
                purge,
            } => {
                self.check_subscription(&subscription)?;
                self.check_api_version(request.query, api::KEY_VAULT)?;
                match (method, purge) {
                    ("GET", false) => self.deleted_vault(store, &name),
                    ("POST", true) => self.purge_vault(store, &name),
                    _ => Err(not_allowed(method)),
                }
            }
            Route::GroupResources {
                subscription,
                group,
            } if method == "GET" => {
                self.check_subscription(&subscription)?;
                self.check_api_version(request.query, api::RESOURCES)?;
                self.group_resources(store, &group)
            }
            Route::Collection {
                subscription,
                parent,
                type_key,
            } if method == "GET" => {
                self.check_subscription(&subscription)?;
                let kind = kind_of(&type_key).ok_or_else(|| unknown_type(&type_key))?;
                self.check_api_version(request.query, kind.api_version)?;
                self.list(store, &parent, &type_key)
            }
            Route::Resource {
                subscription,
                id,
                type_key,
                action,
            } => {
                self.check_subscription(&subscription)?;
                let kind = kind_of(&type_key).ok_or_else(|| unknown_type(&type_key))?;
                if let (Some(child), "GET") = (action.as_deref(), method) {
                    let child_type = format!("{type_key}/{}", child.to_ascii_lowercase());
                    if let Some(child_kind) = kind_of(&child_type) {
                        self.check_api_version(request.query, child_kind.api_version)?;
                        return self.list(store, &id, &child_type);
                    }
                }
                self.check_api_version(request.query, kind.api_version)?;
                match (method, action.as_deref()) {
                    ("GET", None) => self.get(store, &id),
                    ("PUT", None) => self.put(store, &id, &type_key, kind, request.body),
                    ("DELETE", None) => self.delete(store, &id, &type_key, kind, request.if_match),
                    ("POST", Some(action)) if action.eq_ignore_ascii_case("listKeys") => {
                        self.list_keys(store, &id, &type_key)
                    }
                    ("POST", Some(action)) if action.eq_ignore_ascii_case("regenerateKeys") => {
                        self.regenerate_keys(store, &id, &type_key, request.body)
                    }
                    _ => Err(not_allowed(method)),
                }
            }
            Route::Unknown => Err(Reply::error(
                404,
                "InvalidResourceType",
                format!("The path '{}' names no resource type.", request.path),
            )),
            _ => Err(not_allowed(method)),
        }
    }

    fn subscription_body(&self) -> Value {
        json!({
            "id": format!("/subscriptions/{}", self.subscription),
            "subscriptionId": self.subscription,
            "tenantId": self.tenant,
            "displayName": "EDA Workshop (Local)",
            "state": "Enabled",
        })
    }

    fn provider(&self, namespace: &str) -> Reply {
        let known = REGISTERED_PROVIDERS
            .iter()
            .chain(["Microsoft.Databricks"].iter())
            .find(|name| name.eq_ignore_ascii_case(namespace));
        let Some(name) = known else {
            return Reply::error(
                404,
                "InvalidResourceNamespace",
                format!("The resource namespace '{namespace}' is invalid."),
            );
        };
        let registered = REGISTERED_PROVIDERS.contains(name)
            && !self
                .unregistered
                .iter()
                .any(|item| item.eq_ignore_ascii_case(name));
        let state = if registered {
            "Registered"
        } else {
            "NotRegistered"
        };
        Reply::json(
            200,
            json!({
                "id": format!("/subscriptions/{}/providers/{name}", self.subscription),
                "namespace": name,
                "registrationState": state,
            }),
        )
    }

    fn full_id(&self, id: &str) -> String {
        format!("/subscriptions/{}{id}", self.subscription)
    }

    fn operation_url(
        &self,
        provider: &str,
        kind: &str,
        operation: &str,
        api_version: &str,
    ) -> String {
        format!(
            "{}/subscriptions/{}/providers/{provider}/locations/local/{kind}/{operation}?api-version={api_version}",
            self.base_url, self.subscription
        )
    }

    fn start_operation(&self, store: &Store, id: &str) -> Step<String> {
        let operation = random_hex(16);
        let ready_at = now_ms() + i64::try_from(self.latency.as_millis()).unwrap_or(0);
        store
            .add_operation(&operation, id, ready_at)
            .map_err(internal)?;
        Ok(operation)
    }

    fn operation_status(&self, store: &Store, operation: &str) -> Step<Reply> {
        let ready_at = store
            .operation(operation)
            .map_err(internal)?
            .ok_or_else(|| no_operation(operation))?;
        let status = if now_ms() >= ready_at {
            "Succeeded"
        } else {
            "InProgress"
        };
        Ok(Reply::json(
            200,
            json!({ "id": operation, "name": operation, "status": status }),
        ))
    }

    fn operation_result(&self, store: &Store, operation: &str) -> Step<Reply> {
        let ready_at = store
            .operation(operation)
            .map_err(internal)?
            .ok_or_else(|| no_operation(operation))?;
        if now_ms() >= ready_at {
            return Ok(Reply::empty(200));
        }
        Ok(Reply::empty(202))
    }

    fn not_found(&self, store: &Store, id: &str) -> Reply {
        let parsed = ArmId::parse(id);
        let group = parsed
            .as_ref()
            .map(|parsed| parsed.resource_group.clone())
            .unwrap_or_default();
        let group_id = format!("/resourceGroups/{group}");
        let group_exists = store.get(&group_id).ok().flatten().is_some();
        if !group_exists {
            return Reply::error(
                404,
                "ResourceGroupNotFound",
                format!("Resource group '{group}' could not be found."),
            );
        }
        let name = parsed
            .map(|parsed| format!("{}/{}", parsed.resource_type(), parsed.name()))
            .unwrap_or_else(|| id.to_string());
        Reply::error(
            404,
            "ResourceNotFound",
            format!("The Resource '{name}' under resource group '{group}' was not found."),
        )
    }

    /// The stored body as ARM returns it, with the provisioning state of any pending
    /// operation.
    fn present(&self, store: &Store, row: &Row) -> Step<Value> {
        let mut body = row.body.clone();
        let pending = store.pending_until(&row.id).map_err(internal)?;
        if pending.is_some_and(|ready_at| now_ms() < ready_at) {
            body["properties"]["provisioningState"] = json!("Creating");
        }
        Ok(body)
    }

    fn get(&self, store: &Store, id: &str) -> Step<Reply> {
        let row = store
            .get(id)
            .map_err(internal)?
            .ok_or_else(|| self.not_found(store, id))?;
        if row.type_key == kinds::SECRET && self.secret_value_lost(store, id)? {
            return Err(self.not_found(store, id));
        }
        Ok(Reply::json(200, self.present(store, &row)?))
    }

    /// Removes a key vault secret whose value the keychain no longer has, as another login
    /// session's keychain lacks it, and returns whether it did. The secret no longer exists, so
    /// verify reports it missing and apply creates it again.
    fn secret_value_lost(&self, store: &Store, id: &str) -> Step<bool> {
        let entry = self.entry_name(id, None);
        if self.keychain.read(&entry).map_err(internal)?.is_some() {
            return Ok(false);
        }
        tracing::warn!(
            secret = id,
            "the keychain has no value for this key vault secret, so it no longer exists; \
             apply creates it again"
        );
        store.remove(id).map_err(internal)?;
        Ok(true)
    }

    fn parent_of(&self, store: &Store, id: &str, type_key: &str) -> Step<Option<String>> {
        if type_key == kinds::RESOURCE_GROUP {
            return Ok(None);
        }
        let parsed = ArmId::parse(id).ok_or_else(|| unknown_type(type_key))?;
        let parent = parsed
            .parent()
            .unwrap_or_else(|| format!("/resourceGroups/{}", parsed.resource_group));
        let parent = if type_key == kinds::LOCK {
            format!("/resourceGroups/{}", parsed.resource_group)
        } else {
            parent
        };
        if store.get(&parent).map_err(internal)?.is_none() {
            let group_id = format!("/resourceGroups/{}", parsed.resource_group);
            if parent.eq_ignore_ascii_case(&group_id) {
                return Err(self.not_found(store, &group_id));
            }
            return Err(Reply::error(
                404,
                "ParentResourceNotFound",
                format!(
                    "Can not perform requested operation on nested resource. Parent resource \
                     '{parent}' not found."
                ),
            ));
        }
        Ok(Some(parent))
    }

    fn put(&self, store: &Store, id: &str, type_key: &str, kind: Kind, body: &[u8]) -> Step<Reply> {
        let request: Value = serde_json::from_slice(body).map_err(|error| {
            Reply::error(
                400,
                "InvalidRequestContent",
                format!("The request content is not valid JSON: {error}"),
            )
        })?;
        if !request.is_object() {
            return Err(Reply::error(
                400,
                "InvalidRequestContent",
                "The request content must be a JSON object.",
            ));
        }
        let parent = self.parent_of(store, id, type_key)?;
        let existing = store.get(id).map_err(internal)?;
        self.check_read_only(store, id, type_key)?;
        validate::request(self, store, id, type_key, &request, existing.as_ref())?;

        let mut stored = self.stored_body(id, kind, &request, existing.as_ref());
        super::on_put::apply(
            self,
            store,
            id,
            type_key,
            &request,
            &mut stored,
            existing.is_some(),
        )?;
        let row = Row {
            id: existing
                .as_ref()
                .map_or_else(|| id.to_string(), |row| row.id.clone()),
            type_key: type_key.to_string(),
            body: stored.clone(),
        };
        store.put(&row, parent.as_deref()).map_err(internal)?;

        let status = if existing.is_some() { 200 } else { 201 };
        if kind.async_put {
            let operation = self.start_operation(store, id)?;
            let provider = provider_of(kind.type_name);
            let url =
                self.operation_url(provider, "operationStatuses", &operation, kind.api_version);
            stored["properties"]["provisioningState"] = json!(if existing.is_some() {
                "Updating"
            } else {
                "Accepted"
            });
            return Ok(Reply::json(status, stored).header("Azure-AsyncOperation", url));
        }
        Ok(Reply::json(status, stored))
    }

    /// Builds the body to store: the client's body with the fields ARM adds.
    fn stored_body(&self, id: &str, kind: Kind, request: &Value, existing: Option<&Row>) -> Value {
        // An existing resource keeps the case of the name and id it was created with, as in
        // Azure, whatever case an update's path uses.
        let id = existing.map_or(id, |row| row.id.as_str());
        let name = ArmId::parse(id)
            .map(|parsed| parsed.name().to_string())
            .unwrap_or_default();
        let mut body = json!({ "id": self.full_id(id), "name": name, "type": kind.type_name });
        let mut fields = vec!["sku", "kind", "identity"];
        if kind.tracked {
            fields.extend(["location", "tags"]);
        }
        for field in fields {
            if let Some(value) = request.get(field) {
                body[field] = value.clone();
            }
        }
        // ARM stores a location by its name, such as `northeurope` for `North Europe`.
        if let Some(location) = body["location"].as_str() {
            body["location"] = json!(location.replace(' ', "").to_ascii_lowercase());
        }
        let mut properties = request
            .get("properties")
            .cloned()
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        if let Some(previous) = existing.and_then(|row| row.body.get("properties")) {
            for field in ["createdAt", "partitionIds", "status"] {
                if let Some(value) = previous.get(field) {
                    properties[field] = value.clone();
                }
            }
        }
        properties["provisioningState"] = json!("Succeeded");
        body["properties"] = properties;
        body
    }

    /// Rejects a write when the group has a `ReadOnly` lock (`CanNotDelete` blocks deletes
    /// only).
    fn check_read_only(&self, store: &Store, id: &str, type_key: &str) -> Step<()> {
        if type_key == kinds::LOCK {
            return Ok(());
        }
        self.check_locks(store, id, &["ReadOnly"], "write")
    }

    fn check_locks(&self, store: &Store, id: &str, levels: &[&str], action: &str) -> Step<()> {
        let Some(parsed) = ArmId::parse(id) else {
            return Ok(());
        };
        let group = format!("/resourceGroups/{}", parsed.resource_group);
        let locks = store
            .children(&group, Some(kinds::LOCK))
            .map_err(internal)?;
        let blocking: Vec<String> = locks
            .iter()
            .filter(|lock| {
                let level = lock.body["properties"]["level"]
                    .as_str()
                    .unwrap_or_default();
                levels
                    .iter()
                    .any(|wanted| wanted.eq_ignore_ascii_case(level))
            })
            .map(|lock| self.full_id(&lock.id))
            .collect();
        if blocking.is_empty() {
            return Ok(());
        }
        Err(Reply::error(
            409,
            "ScopeLocked",
            format!(
                "The scope '{}' cannot perform {action} operation because following scope(s) \
                 are locked: '{}'. Please remove the lock and try again.",
                self.full_id(id),
                blocking.join("', '")
            ),
        ))
    }

    fn delete(
        &self,
        store: &Store,
        id: &str,
        type_key: &str,
        kind: Kind,
        if_match: Option<&str>,
    ) -> Step<Reply> {
        let Some(row) = store.get(id).map_err(internal)? else {
            // ARM reports a missing resource group, also for a resource inside one; any other
            // missing resource is deleted already.
            let group = ArmId::parse(id).map_or_else(
                || id.to_owned(),
                |parsed| format!("/resourceGroups/{}", parsed.resource_group),
            );
            if type_key == kinds::RESOURCE_GROUP || store.get(&group).map_err(internal)?.is_none() {
                return Err(self.not_found(store, &group));
            }
            return Ok(Reply::empty(204));
        };
        if type_key == kinds::CONSUMER_GROUP
            && ArmId::parse(id).is_some_and(|parsed| parsed.name().eq_ignore_ascii_case("$Default"))
        {
            return Err(Reply::error(
                400,
                "BadRequest",
                "The consumer group `$Default` cannot be deleted: every event hub has it. Delete \
                 the event hub instead.",
            ));
        }
        if type_key == kinds::SECRET {
            return Err(Reply::error(
                405,
                "MethodNotAllowed",
                "Key vault secrets cannot be deleted through the Resource Manager: delete the \
                 vault, or use the vault's data plane.",
            ));
        }
        if type_key != kinds::LOCK {
            self.check_locks(store, id, &["CanNotDelete", "ReadOnly"], "delete")?;
        }
        if type_key == kinds::IMMUTABILITY {
            let etag = row.body["etag"].as_str().unwrap_or_default();
            if if_match != Some(etag) {
                return Err(Reply::error(
                    412,
                    "PreconditionFailed",
                    "Deleting an immutability policy needs an If-Match header with the policy's \
                     current etag.",
                ));
            }
        }
        for doomed in store.tree(id).map_err(internal)? {
            super::on_delete::apply(self, store, &doomed)?;
            store.remove(&doomed.id).map_err(internal)?;
        }
        if kind.async_delete {
            let operation = self.start_operation(store, id)?;
            let provider = provider_of(kind.type_name);
            let url =
                self.operation_url(provider, "operationResults", &operation, kind.api_version);
            return Ok(Reply::empty(202).header("Location", url));
        }
        Ok(Reply::empty(200))
    }

    /// Replaces one key of an authorization rule, with the `key` given or a new random one,
    /// and returns the rule's keys as `listKeys` does. Clients holding a token signed with the
    /// old key lose the links it authorized.
    fn regenerate_keys(&self, store: &Store, id: &str, type_key: &str, body: &[u8]) -> Step<Reply> {
        let row = self.rule_row(store, id, type_key)?;
        let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let part = match request["keyType"].as_str() {
            Some("PrimaryKey") => "primary",
            Some("SecondaryKey") => "secondary",
            _ => {
                return Err(Reply::error(
                    400,
                    "InvalidRequestContent",
                    "regenerateKeys needs a JSON body with `keyType` `PrimaryKey` or \
                     `SecondaryKey`.",
                ))
            }
        };
        let key = match request.get("key").filter(|key| !key.is_null()) {
            None => super::keys::new_key(),
            Some(Value::String(given)) => {
                use base64::Engine as _;
                let decoded = base64::engine::general_purpose::STANDARD.decode(given);
                if !decoded.is_ok_and(|bytes| bytes.len() == 32) {
                    return Err(Reply::error(
                        400,
                        "InvalidRequestContent",
                        "A given `key` must be 32 bytes in base64 (44 characters), as Event Hubs \
                         keys are.",
                    ));
                }
                Secret::new(given.to_string())
            }
            Some(_) => {
                return Err(Reply::error(
                    400,
                    "InvalidRequestContent",
                    "A given `key` must be a string: 32 bytes in base64.",
                ))
            }
        };
        let entry = self.entry_name(&row.id, Some(part));
        self.keychain.write(&entry, &key).map_err(internal)?;
        store.add_keychain_entry(&entry).map_err(internal)?;

        let parsed = ArmId::parse(&row.id).ok_or_else(|| unknown_type(type_key))?;
        self.effects
            .create_rule(
                parsed.name_of("namespaces").unwrap_or_default(),
                parsed.name_of("eventhubs"),
                parsed.name(),
                &kinds::rule_rights(&row.body),
                &self.rule_key(&row, "primary")?,
                &self.rule_key(&row, "secondary")?,
            )
            .map_err(internal)?;
        tracing::info!(rule = %row.id, key = part, "rule key regenerated");
        self.list_keys(store, id, type_key)
    }

    /// Reads the stored authorization rule that a POST action such as `listKeys` names.
    fn rule_row(&self, store: &Store, id: &str, type_key: &str) -> Step<Row> {
        if type_key != kinds::NAMESPACE_RULE && type_key != kinds::HUB_RULE {
            return Err(not_allowed("POST"));
        }
        store
            .get(id)
            .map_err(internal)?
            .ok_or_else(|| self.not_found(store, id))
    }

    /// Reads the `primary` or `secondary` key of a stored rule from the keychain.
    fn rule_key(&self, row: &Row, part: &str) -> Step<Secret> {
        self.keychain
            .read(&self.entry_name(&row.id, Some(part)))
            .map_err(internal)?
            .ok_or_else(|| internal(format!("the keychain has no {part} key for `{}`", row.id)))
    }

    fn list_keys(&self, store: &Store, id: &str, type_key: &str) -> Step<Reply> {
        let row = self.rule_row(store, id, type_key)?;
        let parsed = ArmId::parse(&row.id).ok_or_else(|| unknown_type(type_key))?;
        let namespace = parsed.name_of("namespaces").unwrap_or_default();
        let hub = parsed.name_of("eventhubs");
        let rule = parsed.name();
        let primary = self.rule_key(&row, "primary")?;
        let secondary = self.rule_key(&row, "secondary")?;
        let endpoint = self.effects.endpoint(namespace);
        let connection = |key: &Secret| connection_string(&endpoint, rule, key, hub);
        Ok(Reply::json(
            200,
            json!({
                "keyName": rule,
                "primaryKey": primary.expose(),
                "secondaryKey": secondary.expose(),
                "primaryConnectionString": connection(&primary).expose(),
                "secondaryConnectionString": connection(&secondary).expose(),
            }),
        ))
    }

    /// Lists the resources of one type below `parent` (below the subscription when it is
    /// empty) with their whole bodies, as ARM's list operations return them.
    fn list(&self, store: &Store, parent: &str, type_key: &str) -> Step<Reply> {
        let rows = if parent.is_empty() {
            let mut rows = store.tree("").map_err(internal)?;
            rows.retain(|row| row.type_key == type_key);
            rows.sort_by_key(|row| row.id.to_ascii_lowercase());
            rows
        } else {
            if store.get(parent).map_err(internal)?.is_none() {
                return Err(self.not_found(store, parent));
            }
            store.children(parent, Some(type_key)).map_err(internal)?
        };
        let items = rows
            .iter()
            .map(|row| self.present(store, row))
            .collect::<Step<Vec<Value>>>()?;
        Ok(Reply::json(200, json!({ "value": items })))
    }

    fn group_resources(&self, store: &Store, group: &str) -> Step<Reply> {
        let group_id = format!("/resourceGroups/{group}");
        if store.get(&group_id).map_err(internal)?.is_none() {
            return Err(self.not_found(store, &group_id));
        }
        let items: Vec<Value> = store
            .children(&group_id, None)
            .map_err(internal)?
            .into_iter()
            .filter(|row| row.type_key != kinds::LOCK)
            .map(|row| {
                json!({
                    "id": row.body["id"],
                    "name": row.body["name"],
                    "type": row.body["type"],
                    "location": row.body["location"],
                    "tags": row.body.get("tags").cloned().unwrap_or_else(|| json!({})),
                })
            })
            .collect();
        Ok(Reply::json(200, json!({ "value": items })))
    }

    fn deleted_vault(&self, store: &Store, name: &str) -> Step<Reply> {
        let body = store
            .deleted_vault(name)
            .map_err(internal)?
            .ok_or_else(|| no_deleted_vault(name))?;
        Ok(Reply::json(200, body))
    }

    fn purge_vault(&self, store: &Store, name: &str) -> Step<Reply> {
        let body = store
            .deleted_vault(name)
            .map_err(internal)?
            .ok_or_else(|| no_deleted_vault(name))?;
        let vault_id = body["properties"]["vaultId"].as_str().unwrap_or_default();
        let below = vault_id
            .strip_prefix(&format!("/subscriptions/{}", self.subscription))
            .unwrap_or(vault_id);
        let prefix = self.entry_name(&format!("{below}/"), None);
        for entry in store.keychain_entries(&prefix).map_err(internal)? {
            self.keychain.remove(&entry).map_err(internal)?;
            store.remove_keychain_entry(&entry).map_err(internal)?;
        }
        store.remove_deleted_vault(name).map_err(internal)?;
        Ok(Reply::empty(200))
    }
}

/// Compares two byte strings in time that depends on their length only, so the token cannot
/// be guessed one byte at a time.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn provider_of(type_name: &str) -> &str {
    type_name.split('/').next().unwrap_or(type_name)
}

fn not_allowed(method: &str) -> Reply {
    Reply::error(
        405,
        "MethodNotAllowed",
        format!("The method '{method}' is not supported on this path."),
    )
}

fn unknown_type(type_key: &str) -> Reply {
    Reply::error(
        400,
        "NoRegisteredProviderFound",
        format!("No registered resource provider found for the resource type '{type_key}'."),
    )
}

fn no_operation(operation: &str) -> Reply {
    Reply::error(
        404,
        "OperationNotFound",
        format!("The operation '{operation}' was not found."),
    )
}

fn no_deleted_vault(name: &str) -> Reply {
    Reply::error(
        404,
        "ResourceNotFound",
        format!("The deleted vault '{name}' was not found."),
    )
}
