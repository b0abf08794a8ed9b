//! Event Hubs resources through `azure_mgmt_eventhub`: namespaces, hubs, consumer groups,
//! authorization rules with their keys, and schema groups.
//!
//! Each call sends the crate's request and keeps the raw response, so the client follows
//! long-running operations the way ARM specifies instead of the crate's re-PUT loop.

use azure_mgmt_eventhub::package_2024_01::{models, Client};
use course::export::ArmId;
use course::ResourceKind;
use serde_json::Value;

use super::Raw;
use crate::error::{credential_error, Error, Result};

/// The names an Event Hubs id is made of.
struct Names<'a> {
    group: &'a str,
    namespace: &'a str,
    hub: Option<&'a str>,
    leaf: &'a str,
}

fn names<'a>(id: &'a ArmId, raw_id: &str) -> Result<Names<'a>> {
    let namespace = id
        .name_of("namespaces")
        .ok_or_else(|| Error::InvalidId(raw_id.to_string()))?;
    Ok(Names {
        group: &id.resource_group,
        namespace,
        hub: id.name_of("eventhubs"),
        leaf: id.name(),
    })
}

fn model<T: serde::de::DeserializeOwned>(id: &str, body: Value) -> Result<T> {
    serde_json::from_value(body).map_err(|error| Error::InvalidResponse {
        id: id.to_string(),
        reason: format!("the desired body does not fit the Event Hubs model: {error}"),
    })
}

/// Turns the crate's result into a raw response or ARM's error.
async fn finish(
    id: &str,
    result: azure_core_legacy::Result<azure_core_legacy::Response>,
) -> Result<Raw> {
    let response = result.map_err(|error| legacy_error(id, error))?;
    let status = u16::from(response.status());
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), value.as_str().to_string()))
        .collect();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|error| legacy_error(id, error))?;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).map_err(|error| Error::InvalidResponse {
            id: id.to_string(),
            reason: format!("the body is not JSON: {error}"),
        })?
    };
    Ok(Raw {
        status,
        headers,
        body,
    })
}

fn legacy_error(id: &str, error: azure_core_legacy::Error) -> Error {
    match error.kind() {
        azure_core_legacy::error::ErrorKind::HttpResponse { status, error_code } => Error::Arm {
            id: id.to_string(),
            status: u16::from(*status),
            code: error_code.clone().unwrap_or_else(|| "Unknown".to_string()),
            // The Resource Manager's own message, because the error's text repeats only the status.
            message: error
                .as_http_error()
                .and_then(|http| http.error_message())
                .map(str::to_string)
                .unwrap_or_else(|| error.to_string()),
        },
        azure_core_legacy::error::ErrorKind::Credential => credential_error(&error),
        _ => Error::Unreachable {
            endpoint: id.to_string(),
            reason: error.to_string(),
        },
    }
}

macro_rules! raw {
    ($id:expr, $builder:expr) => {
        finish($id, $builder.send().await.map(|r| r.into_raw_response())).await
    };
}

/// Reads an Event Hubs resource.
pub(super) async fn get(
    client: &Client,
    subscription: &str,
    kind: ResourceKind,
    raw_id: &str,
) -> Result<Raw> {
    let id = ArmId::parse(raw_id).ok_or_else(|| Error::InvalidId(raw_id.to_string()))?;
    let n = names(&id, raw_id)?;
    let sub = subscription;
    match (kind, n.hub) {
        (ResourceKind::EventHubsNamespace, _) => {
            raw!(
                raw_id,
                client.namespaces_client().get(n.group, n.namespace, sub)
            )
        }
        (ResourceKind::AuthorizationRule, None) => raw!(
            raw_id,
            client
                .namespaces_client()
                .get_authorization_rule(n.group, n.namespace, n.leaf, sub)
        ),
        (ResourceKind::AuthorizationRule, Some(hub)) => raw!(
            raw_id,
            client.event_hubs_client().get_authorization_rule(
                n.group,
                n.namespace,
                hub,
                n.leaf,
                sub
            )
        ),
        (ResourceKind::EventHub, _) => raw!(
            raw_id,
            client
                .event_hubs_client()
                .get(n.group, n.namespace, n.leaf, sub)
        ),
        (ResourceKind::ConsumerGroup, Some(hub)) => raw!(
            raw_id,
            client
                .consumer_groups_client()
                .get(n.group, n.namespace, hub, n.leaf, sub)
        ),
        (ResourceKind::SchemaGroup, _) => raw!(
            raw_id,
            client
                .schema_registry_client()
                .get(n.group, n.namespace, n.leaf, sub)
        ),
        _ => Err(Error::InvalidId(raw_id.to_string())),
    }
}

/// Creates or updates an Event Hubs resource from its ARM body.
pub(super) async fn put(
    client: &Client,
    subscription: &str,
    kind: ResourceKind,
    raw_id: &str,
    body: Value,
) -> Result<Raw> {
    let id = ArmId::parse(raw_id).ok_or_else(|| Error::InvalidId(raw_id.to_string()))?;
    let n = names(&id, raw_id)?;
    let sub = subscription;
    match (kind, n.hub) {
        (ResourceKind::EventHubsNamespace, _) => {
            let params: models::EhNamespace = model(raw_id, body)?;
            raw!(
                raw_id,
                client
                    .namespaces_client()
                    .create_or_update(n.group, n.namespace, params, sub)
            )
        }
        (ResourceKind::AuthorizationRule, None) => {
            let params: models::AuthorizationRule = model(raw_id, body)?;
            raw!(
                raw_id,
                client
                    .namespaces_client()
                    .create_or_update_authorization_rule(n.group, n.namespace, n.leaf, params, sub)
            )
        }
        (ResourceKind::AuthorizationRule, Some(hub)) => {
            let params: models::AuthorizationRule = model(raw_id, body)?;
            raw!(
                raw_id,
                client
                    .event_hubs_client()
                    .create_or_update_authorization_rule(
                        n.group,
                        n.namespace,
                        hub,
                        n.leaf,
                        params,
                        sub
                    )
            )
        }
        (ResourceKind::EventHub, _) => {
            let params: models::Eventhub = model(raw_id, body)?;
            raw!(
                raw_id,
                client.event_hubs_client().create_or_update(
                    n.group,
                    n.namespace,
                    n.leaf,
                    params,
                    sub
                )
            )
        }
        (ResourceKind::ConsumerGroup, Some(hub)) => {
            let params: models::ConsumerGroup = model(raw_id, body)?;
            raw!(
                raw_id,
                client.consumer_groups_client().create_or_update(
                    n.group,
                    n.namespace,
                    hub,
                    n.leaf,
                    params,
                    sub
                )
            )
        }
        (ResourceKind::SchemaGroup, _) => {
            let params: models::SchemaGroup = model(raw_id, body)?;
            raw!(
                raw_id,
                client.schema_registry_client().create_or_update(
                    n.group,
                    n.namespace,
                    n.leaf,
                    params,
                    sub
                )
            )
        }
        _ => Err(Error::InvalidId(raw_id.to_string())),
    }
}

/// Deletes an Event Hubs resource.
pub(super) async fn delete(
    client: &Client,
    subscription: &str,
    kind: ResourceKind,
    raw_id: &str,
) -> Result<Raw> {
    let id = ArmId::parse(raw_id).ok_or_else(|| Error::InvalidId(raw_id.to_string()))?;
    let n = names(&id, raw_id)?;
    let sub = subscription;
    match (kind, n.hub) {
        (ResourceKind::EventHubsNamespace, _) => raw!(
            raw_id,
            client.namespaces_client().delete(n.group, n.namespace, sub)
        ),
        (ResourceKind::AuthorizationRule, None) => raw!(
            raw_id,
            client
                .namespaces_client()
                .delete_authorization_rule(n.group, n.namespace, n.leaf, sub)
        ),
        (ResourceKind::AuthorizationRule, Some(hub)) => raw!(
            raw_id,
            client.event_hubs_client().delete_authorization_rule(
                n.group,
                n.namespace,
                hub,
                n.leaf,
                sub
            )
        ),
        (ResourceKind::EventHub, _) => raw!(
            raw_id,
            client
                .event_hubs_client()
                .delete(n.group, n.namespace, n.leaf, sub)
        ),
        (ResourceKind::ConsumerGroup, Some(hub)) => raw!(
            raw_id,
            client
                .consumer_groups_client()
                .delete(n.group, n.namespace, hub, n.leaf, sub)
        ),
        (ResourceKind::SchemaGroup, _) => raw!(
            raw_id,
            client
                .schema_registry_client()
                .delete(n.group, n.namespace, n.leaf, sub)
        ),
        _ => Err(Error::InvalidId(raw_id.to_string())),
    }
}

/// Lists the keys of a namespace-level or hub-level authorization rule.
pub(super) async fn list_keys(client: &Client, subscription: &str, raw_id: &str) -> Result<Raw> {
    let id = ArmId::parse(raw_id).ok_or_else(|| Error::InvalidId(raw_id.to_string()))?;
    let n = names(&id, raw_id)?;
    match n.hub {
        None => raw!(
            raw_id,
            client
                .namespaces_client()
                .list_keys(n.group, n.namespace, n.leaf, subscription)
        ),
        Some(hub) => raw!(
            raw_id,
            client
                .event_hubs_client()
                .list_keys(n.group, n.namespace, hub, n.leaf, subscription)
        ),
    }
}
