//! Checking a token against a namespace's rules and a link's entity and right.

use super::resource::ResourceUri;
use super::signature::{encode_resource, verify};
use super::token::{SasToken, TokenError};
use crate::entity::{AuthorizationRule, Namespace, Right, Rights, RuleScope};
use crate::secret::Secret;

/// The AMQP error condition Azure Event Hubs uses for every authorization failure.
pub const UNAUTHORIZED_ACCESS: &str = "amqp:unauthorized-access";

/// An authorization failure. Every variant maps to [`UNAUTHORIZED_ACCESS`] on the wire, and the
/// message, which never contains a key or signature, becomes the error description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The token cannot be parsed.
    #[error("invalid SAS token: {0}")]
    Malformed(#[from] TokenError),
    /// The token's resource names another host.
    #[error("the token's resource `{resource}` is for host `{host}`, not this namespace: sign a token for {expected}")]
    WrongHost {
        /// The token's resource URI.
        resource: String,
        /// The host found in it.
        host: String,
        /// The hosts this namespace serves, for the message.
        expected: String,
    },
    /// No rule of that name exists at the token's scope.
    #[error(
        "authorization rule `{rule}` was not found for `{resource}`: check SharedAccessKeyName"
    )]
    UnknownRule {
        /// The `skn` of the token.
        rule: String,
        /// The token's resource URI.
        resource: String,
    },
    /// The token is for a hub the namespace does not have, and no rule of that name signs it:
    /// most often a connection string of a hub that was deleted with its rules and keys.
    #[error(
        "the token is for event hub `{hub}`, which does not exist in namespace `{namespace}`, \
         and no rule named `{rule}` that exists signs it: a deleted event hub takes its rules \
         and keys with it, so create the event hub again and use a connection string of the new \
         hub's rule"
    )]
    HubNotFound {
        /// The hub the token's resource names.
        hub: String,
        /// The namespace served.
        namespace: String,
        /// The `skn` of the token.
        rule: String,
    },
    /// The rule that signed a token accepted earlier no longer exists.
    #[error(
        "rule `{rule}` of {owner}, which signed this connection's token, no longer exists: it \
         was deleted, or its event hub was. Create the rule again and use a connection string \
         with its new keys"
    )]
    RuleRemoved {
        /// The rule name.
        rule: String,
        /// The rule's owner, such as "event hub `orders`" or "namespace `eda-local`".
        owner: String,
    },
    /// The key that signed a token accepted earlier was regenerated.
    #[error(
        "the key of rule `{rule}` of {owner} that signed this connection's token was \
         regenerated: use a connection string with the rule's current keys"
    )]
    KeyRegenerated {
        /// The rule name.
        rule: String,
        /// The rule's owner.
        owner: String,
    },
    /// The token's hub and the namespace have no rule of the token's name, and the keys of
    /// the other hubs' rules of that name do not sign it. Most often the token comes from a
    /// connection string of a rule deleted with its hub before the hub was created again.
    #[error(
        "event hub `{hub}` and namespace `{namespace}` have no rule named `{rule}`, and the \
         token is not signed by the rule of that name of event hub `{other}` either: create \
         rule `{rule}` on event hub `{hub}` and use a connection string with its keys, or check \
         SharedAccessKeyName"
    )]
    NoRuleForHub {
        /// The hub the token is for.
        hub: String,
        /// The namespace served.
        namespace: String,
        /// The `skn` of the token.
        rule: String,
        /// The hub whose rule of that name was tried.
        other: String,
    },
    /// Neither key of the rule produced the token's signature.
    #[error(
        "the token's signature does not match either key of rule `{rule}`: check SharedAccessKey, \
         or sign the SharedAccessSignature with one of the rule's current keys"
    )]
    InvalidSignature {
        /// The rule name.
        rule: String,
    },
    /// The token's expiry has passed.
    #[error("the token expired at Unix time {expiry}, {ago} s ago: request a new token")]
    Expired {
        /// The token's expiry in seconds since the Unix epoch.
        expiry: u64,
        /// Seconds since the expiry.
        ago: u64,
    },
    /// The token that authorized an open link expired, and no token put on the connection
    /// since then authorizes the link.
    #[error(
        "the token for `{resource}` that authorized `{entity}` expired at {expired_at} (Unix \
         time {expiry}) and no new token for it was put on this connection: put a new token on \
         $cbs before the old one expires. The SDKs do that themselves when they sign tokens \
         with a key (SharedAccessKey), but not with a fixed SharedAccessSignature"
    )]
    LinkTokenExpired {
        /// The link's address.
        entity: String,
        /// The expired token's resource URI.
        resource: String,
        /// The token's expiry in seconds since the Unix epoch.
        expiry: u64,
        /// The expiry as an RFC 3339 UTC time, such as `2027-01-15T10:00:00Z`.
        expired_at: String,
    },
    /// The entity a link or request names is outside the token's resource.
    #[error("`{entity}` is outside the scope of the token for `{resource}` signed by rule `{rule}`: sign a token for this event hub")]
    WrongScope {
        /// The entity requested.
        entity: String,
        /// The token's resource URI.
        resource: String,
        /// The rule name.
        rule: String,
    },
    /// The token is signed with a key of a hub rule, but is for another hub or the namespace.
    #[error(
        "the token is signed with a key of rule `{rule}` of event hub `{hub}`, which covers only \
         that hub, but the token is for {audience}: {fix}"
    )]
    OutsideRuleScope {
        /// The token's resource URI.
        resource: String,
        /// The rule name.
        rule: String,
        /// The hub the rule is scoped to.
        hub: String,
        /// The token's target, such as "event hub `orders`" or "the whole namespace
        /// `eda-local`".
        audience: String,
        /// The fix, which differs for an existing hub, a missing hub and the whole namespace.
        fix: String,
    },
    /// The token is signed with a key of a namespace rule, but the hub it is for has a rule of
    /// the same name, which is looked up first.
    #[error(
        "the token is signed with a key of namespace rule `{rule}`, but event hub `{hub}` has a \
         rule of its own named `{rule}`, which is checked first for tokens for that hub: use a \
         connection string of event hub `{hub}`, or one of a namespace-level rule with another \
         name"
    )]
    ShadowedByHubRule {
        /// The rule name, shared by the namespace rule and the hub rule.
        rule: String,
        /// The hub whose rule is checked first.
        hub: String,
    },
    /// The connection has no token for the entity.
    #[error("no token authorizes `{entity}`: put a SAS token for it on the $cbs node first")]
    NoToken {
        /// The entity the link or request names.
        entity: String,
    },
    /// The rule lacks the right the operation needs.
    #[error("rule `{rule}` lacks the {right} right needed for `{entity}`: use a rule with {right} or Manage")]
    MissingRight {
        /// The rule name.
        rule: String,
        /// The missing right.
        right: Right,
        /// The entity the link or request names.
        entity: String,
    },
}

impl AuthError {
    /// Returns the AMQP error condition for this failure.
    pub fn condition(&self) -> &'static str {
        UNAUTHORIZED_ACCESS
    }
}

/// The access a verified token grants: a resource prefix, the signing rule's rights and an
/// expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    rule: String,
    scope: RuleScope,
    /// The key that produced the token's signature, to notice when it is regenerated.
    key: Secret<String>,
    rights: Rights,
    resource: ResourceUri,
    resource_text: String,
    expiry: u64,
}

impl Grant {
    /// Returns the name of the rule that signed the token.
    pub fn rule(&self) -> &str {
        &self.rule
    }

    /// Returns the signing rule's rights.
    pub fn rights(&self) -> Rights {
        self.rights
    }

    /// Returns the token's expiry in seconds since the Unix epoch.
    pub fn expiry(&self) -> u64 {
        self.expiry
    }

    /// Returns the token's resource URI as the client wrote it.
    pub fn resource(&self) -> &str {
        &self.resource_text
    }

    /// Checks that the grant covers `entity` (a link address: a full URL or the bare entity
    /// path), includes `right`, and has not expired at `now` (seconds since the Unix epoch).
    /// `None` as the right accepts any right, as reading hub and partition properties does.
    pub fn check(&self, entity: &str, right: Option<Right>, now: u64) -> Result<(), AuthError> {
        check_expiry(self.expiry, now)?;
        let target = ResourceUri::parse(entity, entity.contains("://"));
        if !self.resource.is_prefix_of(&target) {
            return Err(AuthError::WrongScope {
                entity: entity.to_owned(),
                resource: self.resource_text.clone(),
                rule: self.rule.clone(),
            });
        }
        if let Some(right) = right {
            if !self.rights.contains(right) {
                return Err(AuthError::MissingRight {
                    rule: self.rule.clone(),
                    right,
                    entity: entity.to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Checks that the rule that signed the token still exists with the key that signed it.
    /// A grant that fails authorizes nothing more: its rule, its hub or its key is gone.
    pub fn recheck(&self, namespace: &Namespace) -> Result<(), AuthError> {
        let owner = match &self.scope {
            RuleScope::Namespace => format!("namespace `{}`", namespace.name()),
            RuleScope::Hub(hub) => format!("event hub `{hub}`"),
        };
        let Some(rule) = namespace.rule(&self.scope, &self.rule) else {
            return Err(AuthError::RuleRemoved {
                rule: self.rule.clone(),
                owner,
            });
        };
        if rule.primary_key != self.key && rule.secondary_key != self.key {
            return Err(AuthError::KeyRegenerated {
                rule: self.rule.clone(),
                owner,
            });
        }
        Ok(())
    }

    /// Returns whether the grant's resource covers `entity`, ignoring rights and expiry.
    pub fn covers(&self, entity: &str) -> bool {
        let target = ResourceUri::parse(entity, entity.contains("://"));
        self.resource.is_prefix_of(&target)
    }
}

/// Verifies a token against a namespace: syntax, host, rule, signature (primary or secondary
/// key), expiry at `now` (seconds since the Unix epoch) and the rule's scope.
///
/// `hosts` lists the host names the namespace is reached by, such as `127.0.0.1` and
/// `localhost`; an empty list accepts any host.
pub fn authorize(
    namespace: &Namespace,
    hosts: &[String],
    token: &str,
    now: u64,
) -> Result<Grant, AuthError> {
    let token = SasToken::parse(token)?;
    let resource = ResourceUri::parse(token.resource(), true);
    check_host(&token, &resource, hosts)?;

    let candidates = rules_named(namespace, &resource, token.key_name());
    let signing = candidates.iter().copied().find_map(|rule| {
        [&rule.primary_key, &rule.secondary_key]
            .into_iter()
            .find(|key| signature_matches(&token, &[key]))
            .map(|key| (rule, key))
    });
    let missing_hub = resource
        .hub()
        .filter(|hub| namespace.hub(hub).is_none())
        .map(|hub| AuthError::HubNotFound {
            hub: hub.to_owned(),
            namespace: namespace.name().to_owned(),
            rule: token.key_name().to_owned(),
        });
    let Some(deciding) = candidates.first().copied() else {
        return Err(missing_hub.unwrap_or_else(|| AuthError::UnknownRule {
            rule: token.key_name().to_owned(),
            resource: token.resource().to_owned(),
        }));
    };
    let Some((rule, key)) = signing else {
        if let Some(error) = missing_hub {
            return Err(error);
        }
        return Err(match (resource.hub(), &deciding.scope) {
            (Some(hub), RuleScope::Hub(other)) if !other.eq_ignore_ascii_case(hub) => {
                AuthError::NoRuleForHub {
                    hub: namespace
                        .hub(hub)
                        .map_or(hub, |found| found.name())
                        .to_owned(),
                    namespace: namespace.name().to_owned(),
                    rule: token.key_name().to_owned(),
                    other: other.clone(),
                }
            }
            _ => AuthError::InvalidSignature {
                rule: deciding.name.clone(),
            },
        });
    };
    check_expiry(token.expiry(), now)?;
    check_rule_scope(namespace, &token, &resource, rule, deciding)?;

    Ok(Grant {
        rule: rule.name.clone(),
        scope: rule.scope.clone(),
        key: key.clone(),
        rights: rule.rights,
        resource: ResourceUri {
            // Entities are compared on their path only: the host was checked above.
            host: String::new(),
            segments: resource.segments,
        },
        resource_text: token.resource().to_owned(),
        expiry: token.expiry(),
    })
}

/// Lists the rules named `key_name` in the order they are looked up for `resource`: the rule of
/// the resource's hub, then the namespace rule, then the rules of the other hubs. The first one decides whether the token is valid. The others are tried only to
/// explain a signature it rejects: a key copied from another hub's connection string signs for
/// a rule of the same name elsewhere.
fn rules_named<'a>(
    namespace: &'a Namespace,
    resource: &ResourceUri,
    key_name: &str,
) -> Vec<&'a AuthorizationRule> {
    let audience_hub = resource
        .hub()
        .and_then(|name| namespace.hub(name))
        .map(|hub| hub.name());
    let own_hub = audience_hub.map(|hub| RuleScope::Hub(hub.to_owned()));
    let other_hubs = namespace
        .hubs()
        .iter()
        .filter(|hub| Some(hub.name()) != audience_hub)
        .map(|hub| RuleScope::Hub(hub.name().to_owned()));
    own_hub
        .into_iter()
        .chain([RuleScope::Namespace])
        .chain(other_hubs)
        .filter_map(|scope| namespace.rule(&scope, key_name))
        .collect()
}

/// Checks that the rule whose key signed the token covers the token's resource and is the rule
/// the resource's scope looks up by that name.
fn check_rule_scope(
    namespace: &Namespace,
    token: &SasToken,
    resource: &ResourceUri,
    signing: &AuthorizationRule,
    deciding: &AuthorizationRule,
) -> Result<(), AuthError> {
    match (&signing.scope, &deciding.scope) {
        (RuleScope::Hub(scope_hub), _) => {
            let within = resource
                .hub()
                .is_some_and(|name| name.eq_ignore_ascii_case(scope_hub));
            if within {
                return Ok(());
            }
            let audience = audience(namespace, resource);
            let fix = match resource.hub() {
                Some(name) if namespace.hub(name).is_none() => format!(
                    "event hub `{name}` does not exist, so if the token is meant for event hub \
                     `{scope_hub}`, sign it for that hub"
                ),
                Some(_) => format!(
                    "use a connection string of {audience}, or one of a namespace-level rule"
                ),
                None => whole_namespace_fix(token.resource(), scope_hub, deciding),
            };
            Err(AuthError::OutsideRuleScope {
                resource: token.resource().to_owned(),
                rule: signing.name.clone(),
                hub: scope_hub.clone(),
                audience,
                fix,
            })
        }
        (RuleScope::Namespace, RuleScope::Hub(hub)) => Err(AuthError::ShadowedByHubRule {
            rule: signing.name.clone(),
            hub: hub.clone(),
        }),
        (RuleScope::Namespace, RuleScope::Namespace) => Ok(()),
    }
}

/// Describes what a token's resource is for: an event hub, or the whole namespace.
fn audience(namespace: &Namespace, resource: &ResourceUri) -> String {
    match resource.hub() {
        Some(name) => {
            let hub = namespace.hub(name).map_or(name, |hub| hub.name());
            format!("event hub `{hub}`")
        }
        None => format!("the whole namespace `{}`", namespace.name()),
    }
}

/// Builds the fix for a token for the whole namespace signed with a key of a rule of `hub`: sign
/// it for that hub, or sign it with a key of a namespace-level rule. When the namespace has a
/// rule of the token's name, that rule is the one to name.
fn whole_namespace_fix(resource: &str, hub: &str, deciding: &AuthorizationRule) -> String {
    let hub_resource = format!("{}/{hub}", resource.trim_end_matches('/'));
    let namespace_rule = match deciding.scope {
        RuleScope::Namespace => format!("namespace rule `{}`", deciding.name),
        RuleScope::Hub(_) => "a namespace-level rule".to_owned(),
    };
    format!(
        "sign the token for `{hub_resource}` to use event hub `{hub}`, or sign it with a key of \
         {namespace_rule} to use the whole namespace"
    )
}

fn check_host(token: &SasToken, resource: &ResourceUri, hosts: &[String]) -> Result<(), AuthError> {
    if hosts.is_empty()
        || hosts
            .iter()
            .any(|host| host.eq_ignore_ascii_case(&resource.host))
    {
        return Ok(());
    }
    Err(AuthError::WrongHost {
        resource: token.resource().to_owned(),
        host: resource.host.clone(),
        expected: hosts.join(" or "),
    })
}

fn check_expiry(expiry: u64, now: u64) -> Result<(), AuthError> {
    if expiry <= now {
        return Err(AuthError::Expired {
            expiry,
            ago: now - expiry,
        });
    }
    Ok(())
}

/// Tries the resource exactly as the client encoded it first, then the two usual re-encodings,
/// because SDKs differ in the case of their `%XX` escapes.
fn signature_matches(token: &SasToken, keys: &[&crate::secret::Secret<String>]) -> bool {
    let canonical = encode_resource(token.resource());
    let lower = lower_case_escapes(&canonical);
    let candidates = [token.encoded_resource(), canonical.as_str(), lower.as_str()];
    keys.iter().any(|key| {
        candidates
            .iter()
            .any(|encoded| verify(encoded, token.expiry(), key, token.signature().expose()))
    })
}

fn lower_case_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(
                chars
                    .by_ref()
                    .take(2)
                    .map(|digit| digit.to_ascii_lowercase()),
            );
        }
    }
    out
}
