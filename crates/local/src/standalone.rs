//! Hubs in a namespace of their own, `eda-workshop-local`, each with a hub-level `send` rule
//! (Send) and `listen` rule (Listen), so anyone can try the broker from their own code
//! without the course's plan.
//!
//! The hubs are created through the local Resource Manager like any other, so they survive a
//! restart. Each rule's primary key is also filed in the OS keychain under a name built from
//! the subscription, the hub and the rule, where [`connection_string`] reads it from another
//! process.

use std::str::FromStr;

use broker::entity::validate_hub_name;
use broker::limits::PARTITION_COUNT;
use control::secrets::{Keychain, SecretError};
use control::Secret;
use course::ResourceKind;
use serde_json::json;

use crate::endpoints::{Endpoints, EndpointsError, NamespaceEndpoint};
use crate::LocalStack;

/// The standalone namespace, valid under Event Hubs' rule of 6 to 50 letters, digits and
/// hyphens, starting with a letter.
pub const STANDALONE_NAMESPACE: &str = "eda-workshop-local";
/// The resource group of the standalone namespace.
pub const STANDALONE_GROUP: &str = "eda-workshop-local";
/// Partitions of a hub given without a count.
pub const DEFAULT_PARTITIONS: u32 = 4;
/// The rules every standalone hub gets, with their one right each.
pub const RULES: [(&str, &str); 2] = [("send", "Send"), ("listen", "Listen")];
/// Retention of standalone hubs: the Standard tier's 7 days, in hours.
const RETENTION_HOURS: u32 = 168;
/// The location the local Resource Manager records; it serves every location the same way.
const LOCATION: &str = "local";

/// A failure to create standalone hubs or to build a connection string for one.
#[derive(Debug, thiserror::Error)]
pub enum StandaloneError {
    /// A `--hub` value is not `NAME` or `NAME:PARTITIONS`.
    #[error("invalid hub `{spec}`: {reason}")]
    InvalidHub {
        /// The value as given.
        spec: String,
        /// The problem and its fix.
        reason: String,
    },
    /// Two `--hub` values name the same hub, because hub names ignore case.
    #[error(
        "`--hub {first}` and `--hub {second}` name the same hub, because Event Hubs ignores the \
         case of hub names: give each hub once"
    )]
    DuplicateHub {
        /// The first value's name.
        first: String,
        /// The later value's name.
        second: String,
    },
    /// A served hub exists with another partition count, which cannot change.
    #[error(
        "hub `{hub}` already has {existing} partitions in this data folder, and a hub's \
         partition count cannot change: serve it with `--hub {hub}:{existing}`, or give \
         `--data-dir` a new folder for a hub with {requested}"
    )]
    PartitionCountFixed {
        /// The hub.
        hub: String,
        /// Its partitions.
        existing: u64,
        /// The partitions requested.
        requested: u32,
    },
    /// The local Resource Manager rejected a request.
    #[error(transparent)]
    ResourceManager(#[from] control::Error),
    /// The keychain failed.
    #[error(transparent)]
    Keychain(#[from] SecretError),
    /// `endpoints.json` is missing or invalid.
    #[error(transparent)]
    Endpoints(#[from] EndpointsError),
    /// The services ran without standalone hubs.
    #[error(
        "the local services have no standalone hubs: start them with \
         `eda-workshop serve --hub NAME`"
    )]
    NoStandaloneNamespace,
    /// No standalone hub has that name.
    #[error("hub `{hub}` is not served: the standalone hubs are {known}; add it with `eda-workshop serve --hub {hub}`")]
    UnknownHub {
        /// The hub asked for.
        hub: String,
        /// The hubs served, comma separated.
        known: String,
    },
    /// The hub belongs to a namespace that `apply` created, whose connection strings are key
    /// vault secrets of the plan rather than keys of `serve --hub`.
    #[error(
        "hub `{hub}` belongs to namespace `{namespace}`, which `eda-workshop apply` created, \
         and `connection-string` prints strings for the hubs of `serve --hub` only. This hub's \
         string is the key vault secret `{secret}`: stop `eda-workshop serve`, then print it \
         with `eda-workshop secrets show {secret} --namespace NS`, where NS is your unique \
         namespace"
    )]
    PlanHub {
        /// The requested hub.
        hub: String,
        /// The Event Hubs namespace that contains it.
        namespace: String,
        /// The key vault secret with the hub's connection string for the requested rule.
        secret: String,
    },
    /// The hub has no rule of that name.
    #[error("hub `{hub}` has no rule `{rule}`: use {known}")]
    UnknownRule {
        /// The hub.
        hub: String,
        /// The rule asked for.
        rule: String,
        /// The hub's rules, comma separated.
        known: String,
    },
    /// The running Resource Manager no longer has the rule: it or its hub was deleted after
    /// `serve` started.
    #[error(
        "rule `{rule}` of hub `{hub}` no longer exists in the running services: it or its hub \
         was deleted after `eda-workshop serve` started. Create it again through the Resource \
         Manager, or stop `serve` and start it again with `--hub {hub}`"
    )]
    Deleted {
        /// The hub.
        hub: String,
        /// The rule.
        rule: String,
    },
    /// The keychain has no key for the rule.
    #[error(
        "the keychain has no key for rule `{rule}` of hub `{hub}`: run `eda-workshop serve \
         --hub {hub}` again to file it"
    )]
    NoKey {
        /// The hub.
        hub: String,
        /// The rule.
        rule: String,
    },
}

/// A hub to serve: `NAME` or `NAME:PARTITIONS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubSpec {
    /// The hub name.
    pub name: String,
    /// Its partitions, 1 to 32. `None` keeps an existing hub's count and gives a new hub
    /// [`DEFAULT_PARTITIONS`].
    pub partitions: Option<u32>,
}

impl FromStr for HubSpec {
    type Err = StandaloneError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let invalid = |reason: String| StandaloneError::InvalidHub {
            spec: spec.to_owned(),
            reason,
        };
        let (name, partitions) = match spec.split_once(':') {
            Some((name, count)) => {
                let partitions = count.parse::<u32>().map_err(|_| {
                    invalid(format!("`{count}` is not a partition count: use 1 to 32"))
                })?;
                if !PARTITION_COUNT.contains(&partitions) {
                    return Err(invalid(format!(
                        "{partitions} partitions is out of range: use 1 to 32"
                    )));
                }
                (name, Some(partitions))
            }
            None => (spec, None),
        };
        validate_hub_name(name).map_err(|error| invalid(error.to_string()))?;
        Ok(Self {
            name: name.to_owned(),
            partitions,
        })
    }
}

/// Returns the keychain entry that contains the primary key of a standalone hub's rule. The
/// subscription is made once per data directory, so two data directories never share entries.
pub fn keychain_entry(subscription: &str, hub: &str, rule: &str) -> String {
    format!(
        "local/{subscription}/standalone/{STANDALONE_NAMESPACE}/{}/{}",
        hub.to_ascii_lowercase(),
        rule.to_ascii_lowercase()
    )
}

fn namespace_id() -> String {
    format!(
        "/resourceGroups/{STANDALONE_GROUP}/providers/Microsoft.EventHub/namespaces/\
         {STANDALONE_NAMESPACE}"
    )
}

/// Rejects two specs of one hub before any hub is created, so none is half applied.
fn check_distinct(hubs: &[HubSpec]) -> Result<(), StandaloneError> {
    for (index, hub) in hubs.iter().enumerate() {
        if let Some(earlier) = hubs[..index]
            .iter()
            .find(|earlier| earlier.name.eq_ignore_ascii_case(&hub.name))
        {
            return Err(StandaloneError::DuplicateHub {
                first: earlier.name.clone(),
                second: hub.name.clone(),
            });
        }
    }
    Ok(())
}

/// Creates (or updates) the standalone namespace and each hub with its `send` and `listen`
/// rules through the local Resource Manager, and files each rule's primary key in the
/// keychain. A hub that exists keeps its keys, so connection strings stay valid. Returns the
/// hubs' names as served, in the order given: a hub created earlier keeps the case of its
/// first name, because hub names ignore case.
pub async fn create_hubs(
    stack: &LocalStack,
    keychain: &Keychain,
    hubs: &[HubSpec],
) -> Result<Vec<String>, StandaloneError> {
    if hubs.is_empty() {
        return Ok(Vec::new());
    }
    check_distinct(hubs)?;
    let client = stack.resource_manager().client()?;
    let subscription = stack.resource_manager().subscription().to_owned();
    client
        .put(
            ResourceKind::ResourceGroup,
            &format!("/resourceGroups/{STANDALONE_GROUP}"),
            json!({ "location": LOCATION }),
        )
        .await?;
    let namespace = namespace_id();
    client
        .put(
            ResourceKind::EventHubsNamespace,
            &namespace,
            json!({
                "location": LOCATION,
                "sku": { "name": "Standard", "tier": "Standard", "capacity": 1 },
                "properties": {},
            }),
        )
        .await?;
    let mut served = Vec::with_capacity(hubs.len());
    for hub in hubs {
        let hub_id = format!("{namespace}/eventhubs/{}", hub.name);
        // The Standard tier fixes a hub's partition count, and `serve` cannot delete a hub.
        let existing = client.get(ResourceKind::EventHub, &hub_id).await?;
        let existing_partitions = existing
            .as_ref()
            .and_then(|hub| hub["properties"]["partitionCount"].as_u64());
        let partitions = match (hub.partitions, existing_partitions) {
            (Some(requested), Some(existing)) if existing != u64::from(requested) => {
                return Err(StandaloneError::PartitionCountFixed {
                    hub: hub.name.clone(),
                    existing,
                    requested,
                });
            }
            (Some(requested), _) => requested,
            (None, Some(existing)) => u32::try_from(existing).unwrap_or(DEFAULT_PARTITIONS),
            (None, None) => DEFAULT_PARTITIONS,
        };
        // A hub that exists keeps its settings, such as a capture set on it through the
        // Resource Manager: a PUT would replace them all.
        if existing.is_none() {
            client
                .put(
                    ResourceKind::EventHub,
                    &hub_id,
                    json!({ "properties": {
                        "partitionCount": partitions,
                        "retentionDescription": {
                            "cleanupPolicy": "Delete",
                            "retentionTimeInHours": RETENTION_HOURS,
                        },
                    }}),
                )
                .await?;
        }
        for (rule, right) in RULES {
            let rule_id = format!("{hub_id}/authorizationRules/{rule}");
            client
                .put(
                    ResourceKind::AuthorizationRule,
                    &rule_id,
                    json!({ "properties": { "rights": [right] } }),
                )
                .await?;
            let keys = client.list_keys(&rule_id).await?;
            let entry = keychain_entry(&subscription, &hub.name, rule);
            write_key(keychain, entry, keys.primary_key).await?;
        }
        let name = existing
            .as_ref()
            .and_then(|hub| hub["name"].as_str())
            .unwrap_or(&hub.name)
            .to_owned();
        tracing::info!(hub = name, partitions, "standalone hub is live");
        served.push(name);
    }
    Ok(served)
}

async fn write_key(keychain: &Keychain, entry: String, key: Secret) -> Result<(), SecretError> {
    let keychain = keychain.clone();
    tokio::task::spawn_blocking(move || keychain.write(&entry, &key))
        .await
        .unwrap_or_else(|error| {
            Err(SecretError::NoKeychain {
                reason: format!("the keychain task stopped: {error}"),
            })
        })
}

/// Builds a connection string like [`connection_string`]. While the services run, it first
/// requests the rule's keys from the running Resource Manager. A rule deleted since `serve` filed
/// its key is reported, and a rule created again gets its current key used and filed.
pub async fn current_connection_string(
    endpoints: &Endpoints,
    keychain: &Keychain,
    hub: &str,
    rule: &str,
) -> Result<Secret, StandaloneError> {
    let filed = connection_string(endpoints, keychain, hub, rule)?;
    let Ok(token) = crate::tokens::token(
        endpoints,
        keychain,
        crate::tokens::TokenService::ResourceManager,
    ) else {
        return Ok(filed);
    };

    let credential = std::sync::Arc::new(control::credential::LocalCredential::new(token));
    let client = control::arm::ArmClient::new(&endpoints.arm, &endpoints.subscription, credential)?;
    let served = endpoints
        .namespace(STANDALONE_NAMESPACE)
        .and_then(|namespace| namespace.hub(hub))
        .map_or(hub, |served| served.name.as_str());
    let rule_name = rule.to_ascii_lowercase();
    let rule_id = format!(
        "{}/eventhubs/{served}/authorizationRules/{rule_name}",
        namespace_id()
    );
    let keys = match client.list_keys(&rule_id).await {
        Ok(keys) => keys,
        Err(control::Error::Arm { status: 404, .. }) => {
            return Err(StandaloneError::Deleted {
                hub: served.to_owned(),
                rule: rule_name,
            })
        }
        Err(error) => return Err(error.into()),
    };

    let entry = keychain_entry(&endpoints.subscription, served, &rule_name);
    let filed_key = keychain.read(&entry)?;
    if filed_key.is_some_and(|key| key.expose() == keys.primary_key.expose()) {
        return Ok(filed);
    }
    write_key(keychain, entry, keys.primary_key).await?;
    connection_string(endpoints, keychain, hub, rule)
}

/// Describes a hub that is not a standalone hub: a hub of a namespace that `apply` created
/// gets the key vault secret that contains its string, and any other name gets the list of
/// standalone hubs.
fn unknown_hub(
    endpoints: &Endpoints,
    standalone: &NamespaceEndpoint,
    hub: &str,
    rule: &str,
) -> StandaloneError {
    plan_hub(endpoints, hub, rule).unwrap_or_else(|| StandaloneError::UnknownHub {
        hub: hub.to_owned(),
        known: names(standalone.hubs.iter().map(|hub| hub.name.as_str())),
    })
}

/// Returns the error that names the key vault secret of `hub`'s string when the hub belongs
/// to a namespace that `apply` created, whether or not `serve` runs standalone hubs too.
fn plan_hub(endpoints: &Endpoints, hub: &str, rule: &str) -> Option<StandaloneError> {
    let (namespace, planned_hub) = endpoints
        .namespaces
        .iter()
        .filter(|namespace| namespace.name != STANDALONE_NAMESPACE)
        .find_map(|namespace| Some((namespace, namespace.hub(hub)?)))?;
    Some(StandaloneError::PlanHub {
        hub: planned_hub.name.clone(),
        namespace: namespace.name.clone(),
        secret: course::hub_secret(&planned_hub.name, &rule.to_ascii_lowercase()),
    })
}

/// Builds a connection string for a standalone hub's rule in the form Microsoft's SDKs
/// accept for a local emulator: the port from `endpoints`, the key from the keychain.
pub fn connection_string(
    endpoints: &Endpoints,
    keychain: &Keychain,
    hub: &str,
    rule: &str,
) -> Result<Secret, StandaloneError> {
    // A name no hub can have gets the naming rule, not a `serve --hub` command that would fail.
    validate_hub_name(hub).map_err(|error| StandaloneError::InvalidHub {
        spec: hub.to_owned(),
        reason: error.to_string(),
    })?;
    let Some(namespace) = endpoints.namespace(STANDALONE_NAMESPACE) else {
        return Err(
            plan_hub(endpoints, hub, rule).unwrap_or(StandaloneError::NoStandaloneNamespace)
        );
    };
    let Some(served) = namespace.hub(hub) else {
        return Err(unknown_hub(endpoints, namespace, hub, rule));
    };
    let rule_name = served
        .rules
        .iter()
        .find(|name| name.eq_ignore_ascii_case(rule))
        .ok_or_else(|| StandaloneError::UnknownRule {
            hub: served.name.clone(),
            rule: rule.to_owned(),
            known: names(served.rules.iter().map(String::as_str)),
        })?;
    let entry = keychain_entry(&endpoints.subscription, &served.name, rule_name);
    let key = keychain
        .read(&entry)?
        .ok_or_else(|| StandaloneError::NoKey {
            hub: served.name.clone(),
            rule: rule_name.clone(),
        })?;
    Ok(Secret::new(format!(
        "Endpoint={};SharedAccessKeyName={rule_name};SharedAccessKey={};EntityPath={};\
         UseDevelopmentEmulator=true",
        namespace.endpoint,
        key.expose(),
        served.name
    )))
}

fn names<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let quoted: Vec<String> = items.map(|name| format!("`{name}`")).collect();
    if quoted.is_empty() {
        "none".to_owned()
    } else {
        quoted.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoints::HubEndpoint;

    fn endpoints() -> Endpoints {
        Endpoints {
            arm: "http://127.0.0.1:1".to_owned(),
            subscription: "sub-1".to_owned(),
            registry: "127.0.0.1:2".to_owned(),
            registry_ca_certificate: None,
            broker_ca_certificate: None,
            namespaces: vec![NamespaceEndpoint {
                name: STANDALONE_NAMESPACE.to_owned(),
                endpoint: "sb://127.0.0.1:5673".to_owned(),
                tls_endpoint: None,
                hubs: vec![HubEndpoint {
                    name: "demo".to_owned(),
                    partitions: 2,
                    consumer_groups: vec!["$Default".to_owned()],
                    rules: vec!["send".to_owned(), "listen".to_owned()],
                }],
            }],
        }
    }

    #[test]
    fn same_hub_other_case_rejected() {
        let hubs: Vec<HubSpec> = ["demo:2", "orders", "DEMO:3"]
            .iter()
            .map(|spec| spec.parse().unwrap())
            .collect();
        let message = check_distinct(&hubs).unwrap_err().to_string();
        assert!(
            message.starts_with("`--hub demo` and `--hub DEMO` name the same hub"),
            "{message}"
        );
        assert!(check_distinct(&hubs[..2]).is_ok());
    }

    #[test]
    fn hub_spec_parses_name_and_partitions() {
        assert_eq!(
            "demo:2".parse::<HubSpec>().unwrap(),
            HubSpec {
                name: "demo".to_owned(),
                partitions: Some(2)
            }
        );
        assert_eq!("demo".parse::<HubSpec>().unwrap().partitions, None);
    }

    #[test]
    fn hub_spec_rejects_bad_counts() {
        let error = "demo:33".parse::<HubSpec>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid hub `demo:33`: 33 partitions is out of range: use 1 to 32"
        );
        let error = "demo:two".parse::<HubSpec>().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid hub `demo:two`: `two` is not a partition count: use 1 to 32"
        );
        assert!("-demo".parse::<HubSpec>().is_err());
    }

    #[test]
    fn connection_string_uses_port_and_keychain_key() {
        let keychain = Keychain::in_memory();
        let entry = keychain_entry("sub-1", "demo", "send");
        keychain.write(&entry, &Secret::new("a2V5")).unwrap();
        let text = connection_string(&endpoints(), &keychain, "Demo", "SEND").unwrap();
        assert_eq!(
            text.expose(),
            "Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=send;SharedAccessKey=a2V5;\
             EntityPath=demo;UseDevelopmentEmulator=true"
        );
    }

    #[test]
    fn applied_hub_names_its_secret() {
        let mut endpoints = endpoints();
        endpoints.namespaces.push(NamespaceEndpoint {
            name: "dv-events001-ehns-eun-dgrf".to_owned(),
            endpoint: "sb://127.0.0.1:5674".to_owned(),
            tls_endpoint: None,
            hubs: vec![HubEndpoint {
                name: "lead_purchased".to_owned(),
                partitions: 4,
                consumer_groups: vec!["$Default".to_owned()],
                rules: vec!["send".to_owned(), "listen".to_owned()],
            }],
        });
        let keychain = Keychain::in_memory();

        let error =
            connection_string(&endpoints, &keychain, "lead_purchased", "LISTEN").unwrap_err();

        assert_eq!(
            error.to_string(),
            "hub `lead_purchased` belongs to namespace `dv-events001-ehns-eun-dgrf`, which \
             `eda-workshop apply` created, and `connection-string` prints strings for the hubs \
             of `serve --hub` only. This hub's string is the key vault secret \
             `eh-lead-purchased-listen`: stop `eda-workshop serve`, then print it with \
             `eda-workshop secrets show eh-lead-purchased-listen --namespace NS`, where NS is \
             your unique namespace"
        );
    }

    #[test]
    fn applied_hub_names_its_secret_without_standalone_hubs() {
        let mut endpoints = endpoints();
        endpoints.namespaces = vec![NamespaceEndpoint {
            name: "dv-events001-ehns-eun-dgrf".to_owned(),
            endpoint: "sb://127.0.0.1:5674".to_owned(),
            tls_endpoint: None,
            hubs: vec![HubEndpoint {
                name: "customer".to_owned(),
                partitions: 4,
                consumer_groups: vec!["$Default".to_owned()],
                rules: vec!["send".to_owned(), "listen".to_owned()],
            }],
        }];
        let keychain = Keychain::in_memory();

        let error = connection_string(&endpoints, &keychain, "customer", "send").unwrap_err();

        assert_eq!(
            error.to_string(),
            "hub `customer` belongs to namespace `dv-events001-ehns-eun-dgrf`, which \
             `eda-workshop apply` created, and `connection-string` prints strings for the hubs \
             of `serve --hub` only. This hub's string is the key vault secret \
             `eh-customer-send`: stop `eda-workshop serve`, then print it with \
             `eda-workshop secrets show eh-customer-send --namespace NS`, where NS is your \
             unique namespace"
        );
    }

    #[test]
    fn unknown_hub_without_standalone_hubs_says_serve_hub() {
        let mut endpoints = endpoints();
        endpoints.namespaces.clear();
        let keychain = Keychain::in_memory();

        let error = connection_string(&endpoints, &keychain, "orders", "send").unwrap_err();

        assert_eq!(
            error.to_string(),
            "the local services have no standalone hubs: start them with \
             `eda-workshop serve --hub NAME`"
        );
    }

    #[test]
    fn connection_string_errors_name_the_fix() {
        let keychain = Keychain::in_memory();
        let error = connection_string(&endpoints(), &keychain, "orders", "send").unwrap_err();
        assert_eq!(
            error.to_string(),
            "hub `orders` is not served: the standalone hubs are `demo`; add it with \
             `eda-workshop serve --hub orders`"
        );
        let error = connection_string(&endpoints(), &keychain, "demo", "manage").unwrap_err();
        assert_eq!(
            error.to_string(),
            "hub `demo` has no rule `manage`: use `send`, `listen`"
        );
        let error = connection_string(&endpoints(), &keychain, "demo", "listen").unwrap_err();
        assert!(matches!(error, StandaloneError::NoKey { .. }), "{error}");
        for unusable in ["", "de mo"] {
            let error = connection_string(&endpoints(), &keychain, unusable, "send").unwrap_err();
            assert!(
                matches!(error, StandaloneError::InvalidHub { .. }),
                "{unusable:?}: {error}"
            );
            assert!(!error.to_string().contains("serve --hub"), "{error}");
        }
        let mut empty = endpoints();
        empty.namespaces.clear();
        let error = connection_string(&empty, &keychain, "demo", "send").unwrap_err();
        assert!(matches!(error, StandaloneError::NoStandaloneNamespace));
    }
}
