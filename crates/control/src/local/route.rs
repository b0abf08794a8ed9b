//! Reading request paths the way ARM does: segment names without regard to case, resource
//! ids below `/subscriptions/{id}`, and actions such as `listKeys` after a resource id.

/// The target of a request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/subscriptions`.
    Subscriptions,
    /// `/subscriptions/{sub}/providers/{namespace}`.
    Provider {
        subscription: String,
        namespace: String,
    },
    /// `.../providers/{p}/locations/{l}/operationStatuses/{id}`.
    OperationStatus {
        subscription: String,
        operation: String,
    },
    /// `.../providers/{p}/locations/{l}/operationResults/{id}`.
    OperationResult {
        subscription: String,
        operation: String,
    },
    /// `.../providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}[/purge]`.
    DeletedVault {
        subscription: String,
        name: String,
        purge: bool,
    },
    /// `/subscriptions/{sub}/resourceGroups/{group}/resources`.
    GroupResources { subscription: String, group: String },
    /// The resources of one type below a parent: `/subscriptions/{sub}/resourcegroups` (with an
    /// empty parent) or `.../resourceGroups/{group}/providers/{provider}/{type}`. Lists below
    /// a resource, such as `.../namespaces/{ns}/eventhubs`, arrive as a [`Route::Resource`]
    /// whose action is the child type.
    Collection {
        subscription: String,
        parent: String,
        type_key: String,
    },
    /// A resource: its id below the subscription, its type in lower case, and an action.
    Resource {
        subscription: String,
        id: String,
        type_key: String,
        action: Option<String>,
    },
    /// Anything else.
    Unknown,
}

fn is(segment: &str, name: &str) -> bool {
    segment.eq_ignore_ascii_case(name)
}

/// Parses a request path (without the query).
pub(crate) fn route(path: &str) -> Route {
    // Names may arrive percent-encoded, such as `%24Default` for `$Default`.
    let decoded: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .map(|part| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let parts: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match parts.as_slice() {
        [s] if is(s, "subscriptions") => Route::Subscriptions,
        [s, sub, rest @ ..] if is(s, "subscriptions") && !sub.is_empty() => {
            below_subscription(sub, rest)
        }
        _ => Route::Unknown,
    }
}

fn below_subscription(sub: &str, rest: &[&str]) -> Route {
    let subscription = sub.to_string();
    match rest {
        [p, namespace] if is(p, "providers") => Route::Provider {
            subscription,
            namespace: namespace.to_string(),
        },
        [p, _, l, _, kind, operation] if is(p, "providers") && is(l, "locations") => {
            if is(kind, "operationStatuses") {
                Route::OperationStatus {
                    subscription,
                    operation: operation.to_string(),
                }
            } else if is(kind, "operationResults") {
                Route::OperationResult {
                    subscription,
                    operation: operation.to_string(),
                }
            } else if is(kind, "deletedVaults") {
                Route::DeletedVault {
                    subscription,
                    name: operation.to_string(),
                    purge: false,
                }
            } else {
                Route::Unknown
            }
        }
        [p, _, l, _, kind, name, action]
            if is(p, "providers")
                && is(l, "locations")
                && is(kind, "deletedVaults")
                && is(action, "purge") =>
        {
            Route::DeletedVault {
                subscription,
                name: name.to_string(),
                purge: true,
            }
        }
        [g] if is(g, "resourceGroups") => Route::Collection {
            subscription,
            parent: String::new(),
            type_key: "microsoft.resources/resourcegroups".to_string(),
        },
        [g, group, p, provider, kind] if is(g, "resourceGroups") && is(p, "providers") => {
            Route::Collection {
                subscription,
                parent: format!("/resourceGroups/{group}"),
                type_key: format!("{provider}/{kind}").to_ascii_lowercase(),
            }
        }
        [g, group, r] if is(g, "resourceGroups") && is(r, "resources") => Route::GroupResources {
            subscription,
            group: group.to_string(),
        },
        [g, group, rest @ ..] if is(g, "resourceGroups") && !group.is_empty() => {
            resource(subscription, group, rest)
        }
        _ => Route::Unknown,
    }
}

fn resource(subscription: String, group: &str, rest: &[&str]) -> Route {
    let group_id = format!("/resourceGroups/{group}");
    if rest.is_empty() {
        return Route::Resource {
            subscription,
            id: group_id,
            type_key: "microsoft.resources/resourcegroups".to_string(),
            action: None,
        };
    }
    let [p, provider, pairs @ ..] = rest else {
        return Route::Unknown;
    };
    if !is(p, "providers") || pairs.is_empty() || pairs.iter().any(|part| part.is_empty()) {
        return Route::Unknown;
    }
    let (pairs, action) = if pairs.len() % 2 == 1 {
        let (last, pairs) = pairs.split_last().expect("not empty");
        (pairs, Some(last.to_string()))
    } else {
        (pairs, None)
    };
    if pairs.is_empty() {
        return Route::Unknown;
    }
    let mut id = format!("{group_id}/providers/{provider}");
    let mut type_key = provider.to_ascii_lowercase();
    for pair in pairs.chunks(2) {
        id.push_str(&format!("/{}/{}", pair[0], pair[1]));
        type_key.push('/');
        type_key.push_str(&pair[0].to_ascii_lowercase());
    }
    Route::Resource {
        subscription,
        id,
        type_key,
        action,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resource_group_in_any_case() {
        let route = route("/subscriptions/s/resourcegroups/dv-events-broker-rg");
        assert_eq!(
            route,
            Route::Resource {
                subscription: "s".into(),
                id: "/resourceGroups/dv-events-broker-rg".into(),
                type_key: "microsoft.resources/resourcegroups".into(),
                action: None,
            }
        );
    }

    #[test]
    fn routes_hub_rule_list_keys_action() {
        let route = route(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns\
             /eventhubs/customer/authorizationRules/send/listKeys",
        );
        assert_eq!(
            route,
            Route::Resource {
                subscription: "s".into(),
                id: "/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns/eventhubs\
                     /customer/authorizationRules/send"
                    .into(),
                type_key: "microsoft.eventhub/namespaces/eventhubs/authorizationrules".into(),
                action: Some("listKeys".into()),
            }
        );
    }

    #[test]
    fn routes_operations_and_deleted_vaults() {
        assert_eq!(
            route(
                "/subscriptions/s/providers/Microsoft.EventHub/locations/eun/operationStatuses/7"
            ),
            Route::OperationStatus {
                subscription: "s".into(),
                operation: "7".into()
            }
        );
        assert_eq!(
            route(
                "/subscriptions/s/providers/Microsoft.KeyVault/locations/eun/deletedVaults/v/purge"
            ),
            Route::DeletedVault {
                subscription: "s".into(),
                name: "v".into(),
                purge: true
            }
        );
        assert_eq!(
            route("/subscriptions/s/resourceGroups/rg/resources"),
            Route::GroupResources {
                subscription: "s".into(),
                group: "rg".into()
            }
        );
        assert_eq!(route("/tenants"), Route::Unknown);
    }
}
