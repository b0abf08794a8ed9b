//! The plan reproduces the course's facts: names, tags and every setting of every step.

use course::spec::*;
use course::{plan, Attendee, Environment, Plan, Region, Resource, StepId, Team};

fn dgrf() -> Plan {
    plan(&Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap())
}

fn find<'p>(plan: &'p Plan, title: &str) -> &'p Resource {
    plan.resources()
        .find(|resource| resource.title == title)
        .unwrap_or_else(|| panic!("no resource titled {title}"))
}

#[test]
fn ten_resource_groups_tagged_with_team() {
    let plan = dgrf();
    let groups: Vec<(&str, &str)> = plan
        .step(StepId::ResourceGroups)
        .resources
        .iter()
        .map(|resource| (resource.name.as_str(), resource.tags["team"].as_str()))
        .collect();
    assert_eq!(
        groups,
        [
            ("dv-events-broker-rg", "platform"),
            ("dv-events-schemaregistry-rg", "platform"),
            ("dv-events-lake-rg", "platform"),
            ("dv-events-databricks-rg", "platform"),
            ("dv-events-account-rg", "customer"),
            ("dv-events-contact-rg", "customer"),
            ("dv-events-product-rg", "product"),
            ("dv-events-leads-rg", "conversions"),
            ("dv-events-salesfiles-rg", "conversions"),
            ("dv-events-sales-rg", "conversions"),
        ]
    );
}

#[test]
fn every_resource_carries_teardown_tags() {
    for resource in dgrf().resources() {
        assert_eq!(
            resource.tags["managed-by"], "eda-workshop",
            "{}",
            resource.title
        );
        assert_eq!(
            resource.tags["workshop-namespace"], "dgrf",
            "{}",
            resource.title
        );
        assert_eq!(
            resource.tags["team"],
            resource.team.name(),
            "{}",
            resource.title
        );
    }
}

#[test]
fn broker_namespace_settings() {
    let plan = dgrf();
    let broker = find(&plan, "broker namespace");
    assert_eq!(broker.name, "dv-events001-ehns-eun-dgrf");
    assert_eq!(broker.resource_group, "dv-events-broker-rg");
    let Spec::EventHubsNamespace(spec) = &broker.spec else {
        panic!("not a namespace")
    };
    assert_eq!(spec.sku, "Standard");
    assert_eq!(spec.capacity, 1);
    assert!(spec.kafka_enabled);
    assert!(spec.auto_inflate);
    assert_eq!(spec.maximum_throughput_units, 20);
    assert!(spec.zone_redundant);
    assert_eq!(broker.billing, course::Billing::WhileExists);
}

#[test]
fn namespace_rules_send_and_listen() {
    let plan = dgrf();
    for (title, right) in [
        ("namespace rule `send`", Right::Send),
        ("namespace rule `listen`", Right::Listen),
    ] {
        let Spec::AuthorizationRule(spec) = &find(&plan, title).spec else {
            panic!("{title}")
        };
        assert_eq!(spec.scope, RuleScope::Namespace);
        assert_eq!(spec.rights, [right]);
    }
}

#[test]
fn capture_account_settings() {
    let plan = dgrf();
    let account = find(&plan, "capture storage account");
    assert_eq!(account.name, "dvevents001saeundgrf");
    let Spec::StorageAccount(spec) = &account.spec else {
        panic!("not an account")
    };
    assert_eq!(spec.account_kind, "StorageV2");
    assert_eq!(spec.sku, "Standard_LRS");
    assert_eq!(spec.minimum_tls_version, "TLS1_2");
    assert!(spec.https_only);
    assert!(!spec.hierarchical_namespace);

    let Spec::LifecyclePolicy(policy) = &find(&plan, "capture lifecycle policy").spec else {
        panic!("no lifecycle policy")
    };
    let rule = &policy.rules[0];
    assert_eq!(rule.blob_types, ["blockBlob"]);
    assert_eq!(
        (
            rule.cool_after_days,
            rule.archive_after_days,
            rule.delete_after_days
        ),
        (3, 5, 7)
    );

    let Spec::BlobService(blobs) = &find(&plan, "capture blob service").spec else {
        panic!("no blob service")
    };
    assert!(blobs.versioning);
    assert_eq!(blobs.change_feed_retention_days, 3);
    assert_eq!(blobs.blob_soft_delete_days, 7);
    assert_eq!(blobs.container_soft_delete_days, 7);
    assert_eq!(blobs.point_in_time_restore_days, 6);
}

#[test]
fn lake_account_has_hierarchical_namespace_and_container() {
    let plan = dgrf();
    let lake = find(&plan, "data lake storage account");
    assert_eq!(lake.name, "dvlakesaeundgrf");
    assert_eq!(lake.resource_group, "dv-events-lake-rg");
    let Spec::StorageAccount(spec) = &lake.spec else {
        panic!("not an account")
    };
    assert!(spec.hierarchical_namespace);
    assert_eq!(find(&plan, "data lake container").name, "lake");
}

#[test]
fn registry_namespace_and_schema_group() {
    let plan = dgrf();
    let registry = find(&plan, "schema registry namespace");
    assert_eq!(registry.name, "dv-schemaregistry-ehns-eun-dgrf");
    assert_eq!(registry.resource_group, "dv-events-schemaregistry-rg");
    let group = &plan.step(StepId::SchemaRegistry).resources[0];
    assert_eq!(group.name, "myschemagroup");
    assert_eq!(group.parent.as_deref(), Some(registry.id.as_str()));
    let Spec::SchemaGroup(spec) = &group.spec else {
        panic!("not a schema group")
    };
    assert_eq!(spec.schema_type, "Avro");
}

#[test]
fn databricks_workspace_is_opt_in() {
    let plan = dgrf();
    let workspace = find(&plan, "Databricks workspace");
    assert_eq!(workspace.name, "dv-events-dbw-eun-dgrf");
    assert!(workspace.opt_in);
    assert_eq!(workspace.billing, course::Billing::WhileExists);
    assert_eq!(
        plan.resources().filter(|resource| resource.opt_in).count(),
        1
    );
}

#[test]
fn every_hub_follows_publisher_template() {
    let plan = dgrf();
    let hubs: Vec<&Resource> = plan
        .step(StepId::Publishers)
        .resources
        .iter()
        .filter(|resource| matches!(resource.spec, Spec::EventHub(_)))
        .collect();
    let names: Vec<&str> = hubs.iter().map(|hub| hub.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "customer",
            "lead",
            "lead_abandoned",
            "sale",
            "lead_purchased",
            "parked"
        ]
    );

    for hub in hubs {
        let Spec::EventHub(spec) = &hub.spec else {
            unreachable!()
        };
        assert_eq!(spec.partition_count, 4, "{}", hub.name);
        assert_eq!(spec.retention_days, 7, "{}", hub.name);
        let capture = &spec.capture;
        assert!(capture.enabled);
        assert_eq!(capture.encoding, "Avro");
        assert_eq!(capture.interval_seconds, 300);
        assert_eq!(capture.size_limit_bytes, 300 * 1024 * 1024);
        assert!(capture.skip_empty_archives);
        assert_eq!(capture.storage_account, "dvevents001saeundgrf");
        assert_eq!(capture.container, course::capture_container(&hub.name));
        assert_eq!(
            capture.archive_name_format,
            "{EventHub}/{Year}/{Month}/{Day}/{Hour}/{EventHub}_{Year}_{Month}_{Day}_{Hour}_\
             {Minute}_{Second}_{PartitionId}_{Namespace}"
        );
    }
}

#[test]
fn capture_container_exists_before_its_hub() {
    let plan = dgrf();
    let step = plan.step(StepId::Publishers);
    let position = |title: &str| {
        step.resources
            .iter()
            .position(|r| r.title == title)
            .unwrap()
    };
    for hub in course::flow::HUBS {
        let container = position(&format!("capture container of `{}`", hub.name));
        let created = position(&format!("hub `{}`", hub.name));
        assert!(container < created, "container of {} comes first", hub.name);
    }
}

#[test]
fn hub_rules_and_immutability_per_hub() {
    let plan = dgrf();
    for hub in course::flow::HUBS {
        for (rule, right) in [("send", Right::Send), ("listen", Right::Listen)] {
            let resource = find(&plan, &format!("`{rule}` rule of hub `{}`", hub.name));
            assert!(resource.id.ends_with(&format!(
                "/eventhubs/{}/authorizationRules/{rule}",
                hub.name
            )));
            let Spec::AuthorizationRule(spec) = &resource.spec else {
                panic!("not a rule")
            };
            assert_eq!(spec.scope, RuleScope::Hub);
            assert_eq!(spec.rights, [right]);
        }
        let container = course::capture_container(hub.name);
        let policy = find(
            &plan,
            &format!("immutability policy of container `{container}`"),
        );
        let Spec::ImmutabilityPolicy(spec) = &policy.spec else {
            panic!("not a policy")
        };
        assert_eq!(spec.period_days, 7);
    }
}

#[test]
fn key_vaults_hold_hub_connection_strings() {
    let plan = dgrf();
    let vaults: Vec<(&str, &str, Team)> = plan
        .resources()
        .filter(|resource| matches!(resource.spec, Spec::KeyVault(_)))
        .map(|vault| {
            (
                vault.name.as_str(),
                vault.resource_group.as_str(),
                vault.team,
            )
        })
        .collect();
    assert_eq!(
        vaults,
        [
            (
                "dv-customer-kv-eun-dgrf",
                "dv-events-account-rg",
                Team::Customer
            ),
            (
                "dv-leads-kv-eun-dgrf",
                "dv-events-leads-rg",
                Team::Conversions
            ),
            (
                "dv-platform-kv-eun-dgrf",
                "dv-events-broker-rg",
                Team::Platform
            ),
        ]
    );
    let secrets: Vec<&str> = plan
        .resources()
        .filter(|resource| matches!(resource.spec, Spec::KeyVaultSecret(_)))
        .map(|secret| secret.name.as_str())
        .collect();
    assert_eq!(
        secrets,
        [
            "eh-customer-send",
            "eh-customer-listen",
            "eh-lead-send",
            "eh-lead-listen",
            "eh-lead-abandoned-send",
            "eh-lead-abandoned-listen",
            "eh-sale-send",
            "eh-sale-listen",
            "eh-lead-purchased-send",
            "eh-lead-purchased-listen",
            "eh-parked-send",
            "eh-parked-listen",
        ]
    );
}

#[test]
fn consumer_groups_carry_team_metadata() {
    let plan = dgrf();
    let groups: Vec<(String, String)> = plan
        .step(StepId::Consumers)
        .resources
        .iter()
        .map(|resource| {
            let Spec::ConsumerGroup(spec) = &resource.spec else {
                panic!("not a group")
            };
            let hub = resource.id.split('/').rev().nth(2).unwrap().to_string();
            (
                format!("{hub}/{}", resource.name),
                spec.user_metadata.clone(),
            )
        })
        .collect();
    assert!(groups.contains(&("customer/lead".into(), "team : conversions".into())));
    assert!(groups.contains(&("customer/datalake".into(), "team : platform".into())));
    assert!(groups.contains(&("lead/customer".into(), "team : customer".into())));
    assert!(groups.contains(&("sale/customer".into(), "team : customer".into())));
    assert!(groups.contains(&("lead_purchased/product".into(), "team : product".into())));
}

#[test]
fn events_of_the_flow_with_fields() {
    let plan = dgrf();
    let events: Vec<(&str, Vec<&str>, &str)> = plan
        .events
        .iter()
        .map(|e| {
            (
                e.name.as_str(),
                e.fields.iter().map(String::as_str).collect(),
                e.hub.as_str(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            ("Customer.Created", vec!["id", "date", "email"], "customer"),
            ("Lead.Generated", vec!["id", "date", "customer_id"], "lead"),
            (
                "Lead.Abandoned",
                vec!["id", "date", "customer_id", "reason"],
                "lead_abandoned"
            ),
            (
                "Sale.Confirmation",
                vec!["id", "date", "lead_id", "sale_date"],
                "sale"
            ),
            (
                "Lead.Purchased",
                vec!["id", "date", "purchase_date"],
                "lead_purchased"
            ),
        ]
    );
    let created = &plan.events[0];
    assert_eq!(created.publisher, Team::Customer);
    assert_eq!(created.schema_group, "myschemagroup");
    assert_eq!(created.namespace, "example.avro");
}

#[test]
fn plan_json_names_resources_as_course() {
    let json = serde_json::to_value(dgrf()).unwrap();
    let names: Vec<&str> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|step| step["resources"].as_array().unwrap())
        .map(|resource| resource["name"].as_str().unwrap())
        .collect();
    for expected in [
        "dv-events001-ehns-eun-dgrf",
        "dvevents001saeundgrf",
        "dvlakesaeundgrf",
        "dv-schemaregistry-ehns-eun-dgrf",
        "dv-events-broker-rg",
    ] {
        assert!(names.contains(&expected), "{expected} in plan JSON");
    }
    let broker_group = &json["steps"][0]["resources"][0];
    assert_eq!(broker_group["kind"], "resource_group");
    assert_eq!(broker_group["tags"]["team"], "platform");
    assert_eq!(
        json["steps"][1]["resources"][0]["settings"]["maximum_throughput_units"],
        20
    );
}
