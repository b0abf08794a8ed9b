//! Token checks against a namespace: signature, expiry, scope and rights.

use broker::entity::{HubSettings, Namespace, Right, RuleScope};
use broker::sas::{
    authorize, encode_resource, generate_token, sign, AuthError, UNAUTHORIZED_ACCESS,
};
use broker::secret::Secret;

const NOW: u64 = 1_800_000_000;
const HOSTS: [&str; 2] = ["127.0.0.1", "localhost"];

fn hosts() -> Vec<String> {
    HOSTS.iter().map(|host| (*host).to_owned()).collect()
}

fn namespace() -> Namespace {
    let mut namespace = Namespace::new("eda-local").unwrap();
    let settings = HubSettings {
        partition_count: 2,
        retention_days: 1,
    };
    namespace.create_hub("orders", settings, 0).unwrap();
    namespace.create_hub("payments", settings, 0).unwrap();
    namespace
        .create_rule(RuleScope::Namespace, "listen", &[Right::Listen])
        .unwrap();
    namespace
        .create_rule(
            RuleScope::Hub("orders".to_owned()),
            "orders-send",
            &[Right::Send],
        )
        .unwrap();
    namespace
}

fn key(namespace: &Namespace, scope: RuleScope, name: &str) -> Secret<String> {
    namespace.rule(&scope, name).unwrap().primary_key.clone()
}

fn token(namespace: &Namespace, scope: RuleScope, rule: &str, resource: &str) -> String {
    let key = key(namespace, scope, rule);
    generate_token(resource, rule, &key, NOW + 3600)
        .expose()
        .clone()
}

#[test]
fn root_rule_sends_to_any_hub() {
    let namespace = namespace();
    let token = token(
        &namespace,
        RuleScope::Namespace,
        "RootManageSharedAccessKey",
        "sb://127.0.0.1:5673/",
    );
    let grant = authorize(&namespace, &hosts(), &token, NOW).unwrap();
    assert_eq!(grant.rule(), "RootManageSharedAccessKey");
    grant
        .check("amqps://127.0.0.1/orders", Some(Right::Send), NOW)
        .unwrap();
    grant
        .check(
            "payments/ConsumerGroups/$Default/Partitions/1",
            Some(Right::Listen),
            NOW,
        )
        .unwrap();
}

#[test]
fn listen_rule_cannot_send() {
    let namespace = namespace();
    let token = token(
        &namespace,
        RuleScope::Namespace,
        "listen",
        "sb://127.0.0.1:5673/orders",
    );
    let grant = authorize(&namespace, &hosts(), &token, NOW).unwrap();
    let error = grant
        .check("amqps://127.0.0.1/orders", Some(Right::Send), NOW)
        .unwrap_err();
    assert_eq!(
        error,
        AuthError::MissingRight {
            rule: "listen".to_owned(),
            right: Right::Send,
            entity: "amqps://127.0.0.1/orders".to_owned()
        }
    );
    assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);
    assert_eq!(
        error.to_string(),
        "rule `listen` lacks the Send right needed for `amqps://127.0.0.1/orders`: \
         use a rule with Send or Manage"
    );
    grant
        .check(
            "amqps://127.0.0.1/orders/ConsumerGroups/$Default/Partitions/0",
            Some(Right::Listen),
            NOW,
        )
        .unwrap();
}

#[test]
fn wrong_key_rejected() {
    let namespace = namespace();
    let wrong = Secret::new("d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkxMjM=".to_owned());
    let token = generate_token("sb://127.0.0.1/orders", "listen", &wrong, NOW + 60);
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::InvalidSignature {
            rule: "listen".to_owned()
        }
    );
    assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);
    assert!(!error.to_string().contains(wrong.expose()));
}

#[test]
fn secondary_key_accepted() {
    let namespace = namespace();
    let secondary = namespace
        .rule(&RuleScope::Namespace, "listen")
        .unwrap()
        .secondary_key
        .clone();
    let token = generate_token("sb://127.0.0.1/orders", "listen", &secondary, NOW + 60);
    assert!(authorize(&namespace, &hosts(), token.expose(), NOW).is_ok());
}

#[test]
fn expired_token_rejected() {
    let namespace = namespace();
    let key = key(&namespace, RuleScope::Namespace, "listen");
    let token = generate_token("sb://127.0.0.1/orders", "listen", &key, NOW - 30);
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::Expired {
            expiry: NOW - 30,
            ago: 30
        }
    );
    assert_eq!(
        error.to_string(),
        "the token expired at Unix time 1799999970, 30 s ago: request a new token"
    );
}

#[test]
fn grant_expires_for_later_links() {
    let namespace = namespace();
    let key = key(&namespace, RuleScope::Namespace, "listen");
    let token = generate_token("sb://127.0.0.1/orders", "listen", &key, NOW + 10);
    let grant = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap();
    let error = grant
        .check("orders", Some(Right::Listen), NOW + 10)
        .unwrap_err();
    assert!(matches!(error, AuthError::Expired { .. }));
}

#[test]
fn hub_rule_limited_to_its_hub() {
    let namespace = namespace();
    let orders = RuleScope::Hub("orders".to_owned());
    let other_hub = token(
        &namespace,
        orders.clone(),
        "orders-send",
        "sb://127.0.0.1/payments",
    );
    let error = authorize(&namespace, &hosts(), &other_hub, NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::OutsideRuleScope {
            resource: "sb://127.0.0.1/payments".to_owned(),
            rule: "orders-send".to_owned(),
            hub: "orders".to_owned(),
            audience: "event hub `payments`".to_owned(),
            fix: "use a connection string of event hub `payments`, or one of a namespace-level \
                  rule"
                .to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of rule `orders-send` of event hub `orders`, which \
         covers only that hub, but the token is for event hub `payments`: use a connection \
         string of event hub `payments`, or one of a namespace-level rule"
    );

    let whole_namespace = token(&namespace, orders.clone(), "orders-send", "sb://127.0.0.1/");
    let error = authorize(&namespace, &hosts(), &whole_namespace, NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of rule `orders-send` of event hub `orders`, which \
         covers only that hub, but the token is for the whole namespace `eda-local`: sign the \
         token for `sb://127.0.0.1/orders` to use event hub `orders`, or sign it with a key of \
         a namespace-level rule to use the whole namespace"
    );

    // A hub name that misses a letter names no hub: the fix points back to the rule's hub.
    let typo = token(
        &namespace,
        orders.clone(),
        "orders-send",
        "sb://127.0.0.1/order",
    );
    let error = authorize(&namespace, &hosts(), &typo, NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of rule `orders-send` of event hub `orders`, which \
         covers only that hub, but the token is for event hub `order`: event hub `order` does \
         not exist, so if the token is meant for event hub `orders`, sign it for that hub"
    );

    let own_hub = token(
        &namespace,
        orders,
        "orders-send",
        "sb://127.0.0.1:5673/Orders",
    );
    let grant = authorize(&namespace, &hosts(), &own_hub, NOW).unwrap();
    grant
        .check(
            "amqps://127.0.0.1/orders/Partitions/1",
            Some(Right::Send),
            NOW,
        )
        .unwrap();
}

#[test]
fn hub_rule_token_for_whole_namespace_named() {
    let mut namespace = namespace();
    let orders = RuleScope::Hub("orders".to_owned());
    // The Python SDK keeps the port, and a resource may end with or without a slash.
    let cases = [
        ("sb://127.0.0.1:5673/", "sb://127.0.0.1:5673/orders"),
        ("sb://127.0.0.1:5673", "sb://127.0.0.1:5673/orders"),
        ("amqps://localhost", "amqps://localhost/orders"),
    ];
    for (resource, hub_resource) in cases {
        let whole_namespace = token(&namespace, orders.clone(), "orders-send", resource);
        let error = authorize(&namespace, &hosts(), &whole_namespace, NOW).unwrap_err();
        assert_eq!(
            error,
            AuthError::OutsideRuleScope {
                resource: resource.to_owned(),
                rule: "orders-send".to_owned(),
                hub: "orders".to_owned(),
                audience: "the whole namespace `eda-local`".to_owned(),
                fix: format!(
                    "sign the token for `{hub_resource}` to use event hub `orders`, or sign it \
                     with a key of a namespace-level rule to use the whole namespace"
                ),
            }
        );
        assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);
    }

    // A namespace rule of the same name is the one whose key covers the whole namespace.
    namespace
        .create_rule(RuleScope::Namespace, "orders-send", &[Right::Send])
        .unwrap();
    let whole_namespace = token(&namespace, orders, "orders-send", "sb://127.0.0.1:5673/");
    let error = authorize(&namespace, &hosts(), &whole_namespace, NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of rule `orders-send` of event hub `orders`, which \
         covers only that hub, but the token is for the whole namespace `eda-local`: sign the \
         token for `sb://127.0.0.1:5673/orders` to use event hub `orders`, or sign it with a key \
         of namespace rule `orders-send` to use the whole namespace"
    );
}

#[test]
fn hub_rule_name_shadowing_namespace_rule_checks_scope() {
    let mut namespace = namespace();
    // A namespace rule with the same name as a hub rule: a token for another hub signed with
    // the hub rule's key must still fail.
    namespace
        .create_rule(RuleScope::Namespace, "orders-send", &[Right::Send])
        .unwrap();
    let orders_key = key(
        &namespace,
        RuleScope::Hub("orders".to_owned()),
        "orders-send",
    );
    let token = generate_token(
        "sb://127.0.0.1/payments",
        "orders-send",
        &orders_key,
        NOW + 60,
    );
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::OutsideRuleScope {
            resource: "sb://127.0.0.1/payments".to_owned(),
            rule: "orders-send".to_owned(),
            hub: "orders".to_owned(),
            audience: "event hub `payments`".to_owned(),
            fix: "use a connection string of event hub `payments`, or one of a namespace-level \
                  rule"
                .to_owned()
        }
    );
}

/// Two hubs with a `send` rule each, as the course creates them.
fn namespace_with_send_per_hub() -> Namespace {
    let mut namespace = Namespace::new("eda-local").unwrap();
    let settings = HubSettings {
        partition_count: 2,
        retention_days: 1,
    };
    for hub in ["customer", "lead_purchased"] {
        namespace.create_hub(hub, settings, 0).unwrap();
        namespace
            .create_rule(RuleScope::Hub(hub.to_owned()), "send", &[Right::Send])
            .unwrap();
    }
    namespace
}

#[test]
fn key_of_other_hub_rule_named() {
    let namespace = namespace_with_send_per_hub();
    let customer_key = key(&namespace, RuleScope::Hub("customer".to_owned()), "send");
    // A client that ignores EntityPath signs for the hub it was given.
    let token = generate_token(
        "sb://127.0.0.1:5673/lead_purchased",
        "send",
        &customer_key,
        NOW + 60,
    );
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::OutsideRuleScope {
            resource: "sb://127.0.0.1:5673/lead_purchased".to_owned(),
            rule: "send".to_owned(),
            hub: "customer".to_owned(),
            audience: "event hub `lead_purchased`".to_owned(),
            fix: "use a connection string of event hub `lead_purchased`, or one of a \
                  namespace-level rule"
                .to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of rule `send` of event hub `customer`, which covers \
         only that hub, but the token is for event hub `lead_purchased`: use a connection \
         string of event hub `lead_purchased`, or one of a namespace-level rule"
    );
    assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);
}

#[test]
fn hub_key_for_namespace_root_names_its_hub() {
    let namespace = namespace_with_send_per_hub();
    let customer_key = key(&namespace, RuleScope::Hub("customer".to_owned()), "send");
    // Hub `lead_purchased` also has a rule named `send`: the fix names the hub whose key signed.
    let token = generate_token("sb://127.0.0.1:5673/", "send", &customer_key, NOW + 60);
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of rule `send` of event hub `customer`, which covers \
         only that hub, but the token is for the whole namespace `eda-local`: sign the token for \
         `sb://127.0.0.1:5673/customer` to use event hub `customer`, or sign it with a key of a \
         namespace-level rule to use the whole namespace"
    );
}

#[test]
fn connection_string_of_deleted_hub_named() {
    let mut namespace = namespace_with_send_per_hub();
    let deleted_key = key(
        &namespace,
        RuleScope::Hub("lead_purchased".to_owned()),
        "send",
    );
    namespace.delete_hub("lead_purchased").unwrap();
    let resource = "sb://127.0.0.1:5673/lead_purchased";

    // Hub `customer` still has a rule named `send`, whose key does not sign this token.
    let with_old_rule = generate_token(resource, "send", &deleted_key, NOW + 60);
    let error = authorize(&namespace, &hosts(), with_old_rule.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::HubNotFound {
            hub: "lead_purchased".to_owned(),
            namespace: "eda-local".to_owned(),
            rule: "send".to_owned(),
        }
    );
    assert_eq!(
        error.to_string(),
        "the token is for event hub `lead_purchased`, which does not exist in namespace \
         `eda-local`, and no rule named `send` that exists signs it: a deleted event hub takes \
         its rules and keys with it, so create the event hub again and use a connection string \
         of the new hub's rule"
    );
    assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);

    let with_no_rule = generate_token(resource, "listen", &deleted_key, NOW + 60);
    let error = authorize(&namespace, &hosts(), with_no_rule.expose(), NOW).unwrap_err();
    assert!(
        matches!(&error, AuthError::HubNotFound { rule, .. } if rule == "listen"),
        "{error:?}"
    );
}

#[test]
fn connection_string_of_hub_created_again_named() {
    let mut namespace = namespace_with_send_per_hub();
    let old_key = key(
        &namespace,
        RuleScope::Hub("lead_purchased".to_owned()),
        "send",
    );
    let settings = HubSettings {
        partition_count: 2,
        retention_days: 1,
    };
    namespace.delete_hub("lead_purchased").unwrap();
    namespace.create_hub("lead_purchased", settings, 0).unwrap();

    let token = generate_token(
        "sb://127.0.0.1:5673/lead_purchased",
        "send",
        &old_key,
        NOW + 60,
    );
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();

    assert_eq!(
        error.to_string(),
        "event hub `lead_purchased` and namespace `eda-local` have no rule named `send`, and the \
         token is not signed by the rule of that name of event hub `customer` either: create \
         rule `send` on event hub `lead_purchased` and use a connection string with its keys, \
         or check SharedAccessKeyName"
    );
}

#[test]
fn grant_recheck_follows_rule_hub_and_key() {
    let namespace = namespace_with_send_per_hub();
    let scope = RuleScope::Hub("customer".to_owned());
    let token = token(
        &namespace,
        scope.clone(),
        "send",
        "sb://127.0.0.1:5673/customer",
    );
    let grant = authorize(&namespace, &hosts(), &token, NOW).unwrap();
    assert_eq!(grant.recheck(&namespace), Ok(()));

    let mut regenerated = namespace.clone();
    regenerated
        .put_rule(
            scope.clone(),
            "send",
            &[Right::Send],
            Secret::new("bmV3LXByaW1hcnk=".to_owned()),
            Secret::new("bmV3LXNlY29uZGFyeQ==".to_owned()),
        )
        .unwrap();
    assert_eq!(
        grant.recheck(&regenerated).unwrap_err().to_string(),
        "the key of rule `send` of event hub `customer` that signed this connection's token was \
         regenerated: use a connection string with the rule's current keys"
    );

    let mut without_rule = namespace.clone();
    without_rule.delete_rule(&scope, "send").unwrap();
    let mut without_hub = namespace.clone();
    without_hub.delete_hub("customer").unwrap();
    for changed in [without_rule, without_hub] {
        assert_eq!(
            grant.recheck(&changed).unwrap_err().to_string(),
            "rule `send` of event hub `customer`, which signed this connection's token, no \
             longer exists: it was deleted, or its event hub was. Create the rule again and use \
             a connection string with its new keys"
        );
    }
}

#[test]
fn secondary_key_of_other_hub_named() {
    let namespace = namespace_with_send_per_hub();
    let secondary = namespace
        .rule(&RuleScope::Hub("customer".to_owned()), "send")
        .unwrap()
        .secondary_key
        .clone();
    let token = generate_token(
        "amqps://127.0.0.1/lead_purchased",
        "send",
        &secondary,
        NOW + 60,
    );
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert!(
        matches!(&error, AuthError::OutsideRuleScope { hub, .. } if hub == "customer"),
        "{error:?}"
    );
}

#[test]
fn wrong_key_with_rules_at_every_scope() {
    let mut namespace = namespace_with_send_per_hub();
    namespace
        .create_rule(RuleScope::Namespace, "send", &[Right::Send])
        .unwrap();
    let wrong = Secret::new("d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXkxMjM=".to_owned());
    let token = generate_token("sb://127.0.0.1/lead_purchased", "send", &wrong, NOW + 60);
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::InvalidSignature {
            rule: "send".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "the token's signature does not match either key of rule `send`: check SharedAccessKey, \
         or sign the SharedAccessSignature with one of the rule's current keys"
    );
}

#[test]
fn namespace_key_shadowed_by_hub_rule_named() {
    let mut namespace = namespace_with_send_per_hub();
    namespace
        .create_rule(RuleScope::Namespace, "send", &[Right::Send])
        .unwrap();
    let namespace_key = key(&namespace, RuleScope::Namespace, "send");
    let token = generate_token(
        "sb://127.0.0.1/lead_purchased",
        "send",
        &namespace_key,
        NOW + 60,
    );
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error,
        AuthError::ShadowedByHubRule {
            rule: "send".to_owned(),
            hub: "lead_purchased".to_owned()
        }
    );
    assert_eq!(
        error.to_string(),
        "the token is signed with a key of namespace rule `send`, but event hub \
         `lead_purchased` has a rule of its own named `send`, which is checked first for tokens \
         for that hub: use a connection string of event hub `lead_purchased`, or one of a \
         namespace-level rule with another name"
    );
    assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);

    let own_key = key(
        &namespace,
        RuleScope::Hub("lead_purchased".to_owned()),
        "send",
    );
    let token = generate_token("sb://127.0.0.1/lead_purchased", "send", &own_key, NOW + 60);
    let grant = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap();
    assert_eq!(grant.rule(), "send");
}

#[test]
fn hub_token_does_not_cover_other_hub() {
    let namespace = namespace();
    let token = token(
        &namespace,
        RuleScope::Namespace,
        "RootManageSharedAccessKey",
        "sb://127.0.0.1/orders",
    );
    let grant = authorize(&namespace, &hosts(), &token, NOW).unwrap();
    let error = grant
        .check("amqps://127.0.0.1/payments", Some(Right::Send), NOW)
        .unwrap_err();
    assert_eq!(
        error,
        AuthError::WrongScope {
            entity: "amqps://127.0.0.1/payments".to_owned(),
            resource: "sb://127.0.0.1/orders".to_owned(),
            rule: "RootManageSharedAccessKey".to_owned()
        }
    );
    let error = grant
        .check("amqps://127.0.0.1/orders2", Some(Right::Send), NOW)
        .unwrap_err();
    assert!(matches!(error, AuthError::WrongScope { .. }));
}

#[test]
fn python_consumer_audience_covers_partition_link() {
    let namespace = namespace();
    let token = token(
        &namespace,
        RuleScope::Namespace,
        "listen",
        "sb://127.0.0.1:5673/orders/consumergroups/$default",
    );
    let grant = authorize(&namespace, &hosts(), &token, NOW).unwrap();
    grant
        .check(
            "amqps://127.0.0.1:5673/orders/ConsumerGroups/$Default/Partitions/1",
            Some(Right::Listen),
            NOW,
        )
        .unwrap();
    assert!(!grant.covers("amqps://127.0.0.1/orders/ConsumerGroups/billing/Partitions/1"));
}

#[test]
fn wrong_host_rejected() {
    let namespace = namespace();
    let token = token(
        &namespace,
        RuleScope::Namespace,
        "listen",
        "sb://elsewhere.example/orders",
    );
    let error = authorize(&namespace, &hosts(), &token, NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "the token's resource `sb://elsewhere.example/orders` is for host `elsewhere.example`, \
         not this namespace: sign a token for 127.0.0.1 or localhost"
    );
}

#[test]
fn unknown_rule_rejected() {
    let namespace = namespace();
    let key = Secret::new("a2V5".to_owned());
    let token = generate_token("sb://127.0.0.1/orders", "nobody", &key, NOW + 60);
    let error = authorize(&namespace, &hosts(), token.expose(), NOW).unwrap_err();
    assert_eq!(
        error.to_string(),
        "authorization rule `nobody` was not found for `sb://127.0.0.1/orders`: check SharedAccessKeyName"
    );
}

#[test]
fn lower_case_escapes_accepted() {
    let namespace = namespace();
    let key = key(&namespace, RuleScope::Namespace, "listen");
    // A client that escapes with lower-case hex digits signs its own spelling.
    let encoded = encode_resource("sb://127.0.0.1/orders").to_ascii_lowercase();
    let signature = encode_resource(&sign(&encoded, NOW + 60, &key));
    let token = format!(
        "SharedAccessSignature sr={encoded}&sig={signature}&se={}&skn=listen",
        NOW + 60
    );
    assert!(authorize(&namespace, &hosts(), &token, NOW).is_ok());
}

#[test]
fn malformed_token_is_unauthorized() {
    let namespace = namespace();
    let error = authorize(&namespace, &hosts(), "Bearer abc", NOW).unwrap_err();
    assert_eq!(error.condition(), UNAUTHORIZED_ACCESS);
    assert!(error.to_string().starts_with("invalid SAS token"));
}
