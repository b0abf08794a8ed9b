//! A namespace: its event hubs and its namespace-scoped authorization rules.

use super::names::{validate_namespace_name, validate_rule_name};
use super::{
    AuthorizationRule, EntityError, EventHub, HubSettings, KeyKind, Right, Rights, RuleScope,
};
use crate::limits::{MAX_AUTHORIZATION_RULES, MAX_HUBS_PER_NAMESPACE};
use crate::secret::Secret;

/// The rule Azure creates with every namespace, holding Manage, Send and Listen.
pub const DEFAULT_RULE_NAME: &str = "RootManageSharedAccessKey";

/// An Event Hubs namespace with its hubs and rules. Names match case-insensitively, as in Azure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Namespace {
    name: String,
    hubs: Vec<EventHub>,
    rules: Vec<AuthorizationRule>,
}

impl Namespace {
    /// Creates a namespace holding the `RootManageSharedAccessKey` rule, as Azure does.
    pub fn new(name: &str) -> Result<Self, EntityError> {
        validate_namespace_name(name)?;
        let root = AuthorizationRule::generate(
            DEFAULT_RULE_NAME,
            RuleScope::Namespace,
            Rights::from_slice(&[Right::Manage]),
        );
        Ok(Self {
            name: name.to_owned(),
            hubs: Vec::new(),
            rules: vec![root],
        })
    }

    /// Returns the namespace name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Returns the hubs in creation order.
    pub fn hubs(&self) -> &[EventHub] {
        &self.hubs
    }

    /// Finds a hub by name, ignoring case.
    pub fn hub(&self, name: &str) -> Option<&EventHub> {
        self.hubs
            .iter()
            .find(|hub| hub.name().eq_ignore_ascii_case(name))
    }

    /// Finds a hub by name for a change, ignoring case.
    pub fn hub_mut(&mut self, name: &str) -> Result<&mut EventHub, EntityError> {
        self.hubs
            .iter_mut()
            .find(|hub| hub.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| hub_not_found(name))
    }

    /// Creates a hub, up to 10 per namespace.
    pub fn create_hub(
        &mut self,
        name: &str,
        settings: HubSettings,
        created_at_ms: i64,
    ) -> Result<&EventHub, EntityError> {
        let hub = EventHub::new(name, settings, created_at_ms)?;
        if self.hub(name).is_some() {
            return Err(EntityError::AlreadyExists {
                kind: "event hub",
                name: name.to_owned(),
            });
        }
        if self.hubs.len() >= MAX_HUBS_PER_NAMESPACE {
            return Err(EntityError::TooManyHubs {
                namespace: self.name.clone(),
                limit: MAX_HUBS_PER_NAMESPACE,
            });
        }
        self.hubs.push(hub);
        Ok(self.hubs.last().expect("a hub was just pushed"))
    }

    /// Deletes a hub with its consumer groups and hub-scoped rules.
    pub fn delete_hub(&mut self, name: &str) -> Result<(), EntityError> {
        let before = self.hubs.len();
        self.hubs
            .retain(|hub| !hub.name().eq_ignore_ascii_case(name));
        if self.hubs.len() == before {
            return Err(hub_not_found(name));
        }
        Ok(())
    }

    /// Returns the namespace-scoped rules.
    pub fn rules(&self) -> &[AuthorizationRule] {
        &self.rules
    }

    /// Finds the rule that a token's `skn` names within a scope: a namespace rule, or a rule of
    /// the hub given. Rule names match case-insensitively.
    pub fn rule(&self, scope: &RuleScope, name: &str) -> Option<&AuthorizationRule> {
        let rules = match scope {
            RuleScope::Namespace => &self.rules,
            RuleScope::Hub(hub) => &self.hub(hub)?.rules,
        };
        rules
            .iter()
            .find(|rule| rule.name.eq_ignore_ascii_case(name))
    }

    /// Creates an authorization rule with fresh keys, up to 12 per scope.
    pub fn create_rule(
        &mut self,
        scope: RuleScope,
        name: &str,
        rights: &[Right],
    ) -> Result<&AuthorizationRule, EntityError> {
        validate_rule_name(name)?;
        let rights = Rights::from_slice(rights);
        if rights.is_empty() {
            return Err(EntityError::NoRights {
                name: name.to_owned(),
            });
        }
        if self.rule(&scope, name).is_some() {
            return Err(EntityError::AlreadyExists {
                kind: "authorization rule",
                name: name.to_owned(),
            });
        }
        // Store the hub's own spelling so scope checks compare against one canonical name.
        let (rules, scope, scope_label) = match scope {
            RuleScope::Namespace => {
                let label = format!("namespace `{}`", self.name);
                (&mut self.rules, RuleScope::Namespace, label)
            }
            RuleScope::Hub(hub) => {
                let hub = self
                    .hubs
                    .iter_mut()
                    .find(|candidate| candidate.name().eq_ignore_ascii_case(&hub))
                    .ok_or_else(|| hub_not_found(&hub))?;
                let canonical = hub.name().to_owned();
                let label = format!("event hub `{canonical}`");
                (&mut hub.rules, RuleScope::Hub(canonical), label)
            }
        };
        if rules.len() >= MAX_AUTHORIZATION_RULES {
            return Err(EntityError::TooManyRules {
                scope: scope_label,
                limit: MAX_AUTHORIZATION_RULES,
            });
        }
        rules.push(AuthorizationRule::generate(name, scope, rights));
        Ok(rules.last().expect("a rule was just pushed"))
    }

    /// Replaces one key of a rule with a fresh one and returns the changed rule.
    pub fn regenerate_key(
        &mut self,
        scope: &RuleScope,
        name: &str,
        kind: KeyKind,
    ) -> Result<&AuthorizationRule, EntityError> {
        let rules = match scope {
            RuleScope::Namespace => &mut self.rules,
            RuleScope::Hub(hub) => &mut self.hub_mut(hub)?.rules,
        };
        let rule = rules
            .iter_mut()
            .find(|rule| rule.name.eq_ignore_ascii_case(name))
            .ok_or_else(|| EntityError::NotFound {
                kind: "authorization rule",
                name: name.to_owned(),
            })?;
        rule.regenerate(kind);
        Ok(rule)
    }

    /// Deletes an authorization rule.
    pub fn delete_rule(&mut self, scope: &RuleScope, name: &str) -> Result<(), EntityError> {
        let rules = match scope {
            RuleScope::Namespace => &mut self.rules,
            RuleScope::Hub(hub) => &mut self.hub_mut(hub)?.rules,
        };
        let before = rules.len();
        rules.retain(|rule| !rule.name.eq_ignore_ascii_case(name));
        if rules.len() == before {
            return Err(EntityError::NotFound {
                kind: "authorization rule",
                name: name.to_owned(),
            });
        }
        Ok(())
    }

    /// Creates an authorization rule, or replaces the rights and keys of an existing one, with
    /// keys chosen by the caller. The local Resource Manager generates rule keys and returns
    /// them from listKeys, so the broker must check tokens against exactly those keys. A new
    /// rule counts against the limit of 12 per scope, as in [`Namespace::create_rule`].
    pub fn put_rule(
        &mut self,
        scope: RuleScope,
        name: &str,
        rights: &[Right],
        primary_key: Secret<String>,
        secondary_key: Secret<String>,
    ) -> Result<&AuthorizationRule, EntityError> {
        let granted = Rights::from_slice(rights);
        if granted.is_empty() {
            return Err(EntityError::NoRights {
                name: name.to_owned(),
            });
        }
        if self.rule(&scope, name).is_none() {
            self.create_rule(scope.clone(), name, rights)?;
        }
        let rules = match &scope {
            RuleScope::Namespace => &mut self.rules,
            RuleScope::Hub(hub) => &mut self.hub_mut(hub)?.rules,
        };
        let rule = rules
            .iter_mut()
            .find(|rule| rule.name.eq_ignore_ascii_case(name))
            .expect("the rule existed or was just created");
        rule.rights = granted;
        rule.primary_key = primary_key;
        rule.secondary_key = secondary_key;
        Ok(rule)
    }
}

fn hub_not_found(name: &str) -> EntityError {
    EntityError::NotFound {
        kind: "event hub",
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> HubSettings {
        HubSettings {
            partition_count: 2,
            retention_days: 1,
        }
    }

    #[test]
    fn new_namespace_has_root_rule() {
        let namespace = Namespace::new("eda-local").unwrap();
        let root = namespace
            .rule(&RuleScope::Namespace, "rootmanagesharedaccesskey")
            .unwrap();
        assert_eq!(root.name, DEFAULT_RULE_NAME);
        assert!(root.rights.contains(Right::Manage));
        assert_ne!(root.primary_key, root.secondary_key);
    }

    #[test]
    fn ten_hubs_at_most() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        for i in 0..10 {
            namespace
                .create_hub(&format!("hub{i}"), settings(), 0)
                .unwrap();
        }
        let error = namespace.create_hub("hub10", settings(), 0).unwrap_err();
        assert_eq!(
            error.to_string(),
            "namespace `eda-local` already has 10 event hubs, the maximum: delete one first"
        );
    }

    #[test]
    fn hub_names_unique_ignoring_case() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        namespace.create_hub("Orders", settings(), 0).unwrap();
        assert!(namespace.hub("orders").is_some());
        assert_eq!(
            namespace.create_hub("ORDERS", settings(), 0).unwrap_err(),
            EntityError::AlreadyExists {
                kind: "event hub",
                name: "ORDERS".to_owned()
            }
        );
    }

    #[test]
    fn hub_rule_stored_with_hub_spelling() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        namespace.create_hub("Orders", settings(), 0).unwrap();
        let rule = namespace
            .create_rule(RuleScope::Hub("orders".to_owned()), "send", &[Right::Send])
            .unwrap();
        assert_eq!(rule.scope, RuleScope::Hub("Orders".to_owned()));
        assert!(namespace
            .rule(&RuleScope::Hub("ORDERS".to_owned()), "SEND")
            .is_some());
        assert!(namespace.rule(&RuleScope::Namespace, "send").is_none());
    }

    #[test]
    fn rule_on_missing_hub_rejected() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        let error = namespace
            .create_rule(RuleScope::Hub("nope".to_owned()), "send", &[Right::Send])
            .unwrap_err();
        assert_eq!(error.to_string(), "event hub `nope` was not found");
    }

    #[test]
    fn twelve_rules_per_scope() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        // The root rule is the first of twelve.
        for i in 1..12 {
            namespace
                .create_rule(RuleScope::Namespace, &format!("rule{i}"), &[Right::Listen])
                .unwrap();
        }
        let error = namespace
            .create_rule(RuleScope::Namespace, "rule12", &[Right::Listen])
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "namespace `eda-local` already has 12 authorization rules, the maximum: delete one first"
        );
        namespace.create_hub("orders", settings(), 0).unwrap();
        let hub_scope = RuleScope::Hub("orders".to_owned());
        assert!(namespace
            .create_rule(hub_scope, "rule12", &[Right::Send])
            .is_ok());
    }

    #[test]
    fn rule_without_rights_rejected() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        assert_eq!(
            namespace
                .create_rule(RuleScope::Namespace, "empty", &[])
                .unwrap_err()
                .to_string(),
            "authorization rule `empty` has no rights: give it Send, Listen or Manage"
        );
    }

    #[test]
    fn regenerate_and_delete_rule() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        let key = namespace
            .create_rule(RuleScope::Namespace, "listen", &[Right::Listen])
            .unwrap()
            .primary_key
            .clone();
        let rule = namespace
            .regenerate_key(&RuleScope::Namespace, "listen", KeyKind::Primary)
            .unwrap();
        assert_ne!(rule.primary_key, key);
        namespace
            .delete_rule(&RuleScope::Namespace, "LISTEN")
            .unwrap();
        assert!(namespace.rule(&RuleScope::Namespace, "listen").is_none());
    }

    #[test]
    fn delete_hub_removes_its_rules() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        namespace.create_hub("orders", settings(), 0).unwrap();
        namespace.delete_hub("ORDERS").unwrap();
        assert!(namespace.hub("orders").is_none());
        assert!(matches!(
            namespace.delete_hub("orders"),
            Err(EntityError::NotFound { .. })
        ));
    }

    #[test]
    fn put_rule_keeps_given_keys() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        namespace.create_hub("orders", settings(), 0).unwrap();
        let scope = RuleScope::Hub("orders".to_owned());
        let primary = Secret::new("cHJpbWFyeS1rZXk=".to_owned());
        let secondary = Secret::new("c2Vjb25kYXJ5LWtleQ==".to_owned());
        let rule = namespace
            .put_rule(
                scope.clone(),
                "send",
                &[Right::Send],
                primary.clone(),
                secondary,
            )
            .unwrap();
        assert_eq!(rule.primary_key, primary);
        assert!(rule.rights.contains(Right::Send));

        let replaced = Secret::new("cmVwbGFjZWQ=".to_owned());
        let rule = namespace
            .put_rule(
                scope.clone(),
                "SEND",
                &[Right::Listen],
                replaced.clone(),
                primary,
            )
            .unwrap();
        assert_eq!(rule.name, "send");
        assert_eq!(rule.primary_key, replaced);
        assert!(!rule.rights.contains(Right::Send));
        assert!(rule.rights.contains(Right::Listen));
        assert_eq!(namespace.hub("orders").unwrap().rules().len(), 1);
    }

    #[test]
    fn put_rule_without_rights_rejected() {
        let mut namespace = Namespace::new("eda-local").unwrap();
        let key = Secret::new("a2V5".to_owned());
        let error = namespace
            .put_rule(RuleScope::Namespace, "empty", &[], key.clone(), key)
            .unwrap_err();
        assert_eq!(
            error,
            EntityError::NoRights {
                name: "empty".to_owned()
            }
        );
        assert!(namespace.rule(&RuleScope::Namespace, "empty").is_none());
    }
}
