//! Apply, verify and teardown of the whole plan on the local Resource Manager, through the
//! ARM client over HTTP.

mod common;

use common::{files_below, local_resource_count, plan_for, Harness};
use control::apply::{lock_id, Action};
use control::arm::api;
use control::desired;
use control::teardown;
use control::verify::verify;
use course::{ResourceKind, StepId};
use serde_json::json;

#[tokio::test]
async fn full_apply_verify_drift_and_teardown() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");

    let summary = harness.apply(&plan).await;
    assert_eq!(summary.failed, None);
    assert!(summary.stuck_locks.is_empty());
    // Azure creates a storage account's blob service with the account, and apply sets its
    // properties as part of creating the account.
    assert_eq!(summary.created, local_resource_count(&plan));
    assert_eq!(summary.updated, 0);
    assert_eq!(
        summary.skipped, 1,
        "only the Databricks workspace is left out"
    );

    let options = control::apply::Options::all(control::apply::TargetKind::Local);
    let report = verify(
        &harness.client,
        harness.server.target(),
        &plan,
        options.clone(),
    )
    .await
    .unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
    assert_eq!(report.checked, local_resource_count(&plan));

    // Change two properties by hand through the ARM API.
    let hub = plan
        .resources()
        .find(|r| r.id.ends_with("/eventhubs/customer"))
        .unwrap();
    let mut body = desired::body(hub, &harness.server.target());
    body["properties"]["retentionDescription"]["retentionTimeInHours"] = json!(24);
    harness.client.put(hub.kind(), &hub.id, body).await.unwrap();
    // A refused change carries the Resource Manager's own explanation, not only its status.
    let mut body = desired::body(hub, &harness.server.target());
    body["properties"]["partitionCount"] = json!(5);
    let refused = harness
        .client
        .put(hub.kind(), &hub.id, body)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("`InvalidPartitionCount`")
            && refused.contains("cannot change once it exists (4 now, 5 asked)"),
        "{refused}"
    );
    let account = plan
        .resources()
        .find(|r| r.name == "dvevents001saeundgrf")
        .unwrap();
    let mut body = desired::body(account, &harness.server.target());
    body["properties"]["minimumTlsVersion"] = json!("TLS1_0");
    harness
        .client
        .put(account.kind(), &account.id, body)
        .await
        .unwrap();

    let report = verify(
        &harness.client,
        harness.server.target(),
        &plan,
        options.clone(),
    )
    .await
    .unwrap();
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "capture storage account has minimum TLS version `TLS1_0`; the plan says `TLS1_2`",
            "hub `customer` has 24 hours of retention; the plan says 168",
        ]
    );

    let summary = harness.apply(&plan).await;
    assert_eq!(summary.updated, 2);
    assert_eq!(summary.created, 0);

    let summary = harness.apply(&plan).await;
    assert_eq!(summary.created, 0);
    assert_eq!(summary.updated, 0);
    assert_eq!(summary.unchanged, local_resource_count(&plan));

    let hubs: Vec<String> = harness
        .effects
        .entities()
        .into_iter()
        .filter(|(entity, _, _)| entity == "hub")
        .map(|(_, path, detail)| format!("{path} {detail}"))
        .collect();
    assert_eq!(hubs.len(), 6);
    assert!(hubs.contains(
        &"dv-events001-ehns-eun-dgrf/customer partitions=4 retention_hours=168".to_string()
    ));

    let secret = plan
        .resources()
        .find(|r| r.name == "eh-customer-send")
        .unwrap();
    let entry = harness.server.secret_entry(&secret.id);
    let value = harness.keychain.read(&entry).unwrap().unwrap();
    assert!(value
        .expose()
        .starts_with("Endpoint=sb://localhost/;SharedAccessKeyName=send;SharedAccessKey="));
    assert!(value
        .expose()
        .ends_with(";EntityPath=customer;UseDevelopmentEmulator=true"));
    assert!(!harness.server.keychain_entries().is_empty());

    // A keychain without the secret's value, such as another login session's: verify names
    // the secret as missing and apply writes it again.
    assert!(harness.keychain.remove(&entry).unwrap());
    let report = verify(
        &harness.client,
        harness.server.target(),
        &plan,
        options.clone(),
    )
    .await
    .unwrap();
    assert_eq!(report.findings.len(), 1, "{:?}", report.findings);
    assert!(
        report.findings[0].message.contains("eh-customer-send"),
        "{}",
        report.findings[0].message
    );
    let summary = harness.apply(&plan).await;
    assert_eq!(summary.created, 1);
    assert!(harness.keychain.read(&entry).unwrap().is_some());

    let survey = teardown::survey(&harness.client, &plan).await.unwrap();
    assert!(survey.refusals.is_empty(), "{:?}", survey.refusals);
    let vaults = plan
        .resources()
        .filter(|r| r.kind() == ResourceKind::KeyVault)
        .count();
    assert_eq!(survey.purges.len(), vaults);
    let last = survey.deletions.last().unwrap();
    assert_eq!(last.kind, ResourceKind::ResourceGroup);
    let outcome = teardown::execute(&harness.client, &plan, &survey, None).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    assert_eq!(outcome.purged, vaults);

    let report = verify(&harness.client, harness.server.target(), &plan, options)
        .await
        .unwrap();
    assert_eq!(report.findings.len(), local_resource_count(&plan));
    assert!(harness.server.keychain_entries().is_empty());
    assert_eq!(harness.keychain.read(&entry).unwrap(), None);
    assert!(harness.effects.entities().is_empty());

    let Harness {
        dir,
        server,
        effects,
        ..
    } = harness;
    drop(effects);
    server.stop().await.unwrap();
    assert_eq!(files_below(dir.path()), Vec::<std::path::PathBuf>::new());
}

#[tokio::test]
async fn apply_resumes_after_failure_and_releases_locks() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    let target = harness.server.target();

    // A vault of the plan's name, deleted but not purged, blocks step 4 as it does on Azure.
    let mut options = control::apply::Options::all(control::apply::TargetKind::Local);
    options.steps = vec![StepId::ResourceGroups];
    control::apply::Applier::new(&harness.client, target.clone(), &plan, options, None)
        .apply()
        .await;
    let vault = plan
        .resources()
        .find(|r| r.name == "dv-customer-kv-eun-dgrf")
        .unwrap();
    harness
        .client
        .put(vault.kind(), &vault.id, desired::body(vault, &target))
        .await
        .unwrap();
    assert!(harness
        .client
        .delete(vault.kind(), &vault.id, None)
        .await
        .unwrap());

    let summary = harness.apply(&plan).await;
    let (failed_id, reason) = summary.failed.clone().unwrap();
    assert_eq!(failed_id, vault.id);
    assert!(reason.contains("exists in the deleted state"), "{reason}");
    assert!(summary.stuck_locks.is_empty());
    let group_lock = lock_id("dv-events-account-rg");
    let lock = harness
        .client
        .get_path(&group_lock, api::LOCKS)
        .await
        .unwrap();
    assert_eq!(lock, None, "the lock is released after the failure");

    let purge = "/providers/Microsoft.KeyVault/locations/northeurope/deletedVaults/\
                 dv-customer-kv-eun-dgrf/purge";
    harness
        .client
        .post_path(purge, api::KEY_VAULT)
        .await
        .unwrap();

    let resumed = harness.apply(&plan).await;
    assert_eq!(resumed.failed, None);
    assert_eq!(
        resumed.created + resumed.updated + resumed.unchanged,
        local_resource_count(&plan)
    );
    assert!(
        resumed.unchanged >= summary.created,
        "work done before the failure is kept"
    );
}

#[tokio::test]
async fn recreated_hub_with_other_partition_count_refused() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    let target = harness.server.target();
    assert_eq!(harness.apply(&plan).await.failed, None);

    // The hub is deleted and created again with 8 partitions, where the plan has 4.
    let hub = plan
        .resources()
        .find(|r| r.id.ends_with("/eventhubs/sale"))
        .unwrap();
    assert!(harness
        .client
        .delete(hub.kind(), &hub.id, None)
        .await
        .unwrap());
    let mut body = desired::body(hub, &target);
    body["properties"]["partitionCount"] = json!(8);
    harness.client.put(hub.kind(), &hub.id, body).await.unwrap();

    let options = control::apply::Options::all(control::apply::TargetKind::Local);
    let report = verify(&harness.client, target.clone(), &plan, options)
        .await
        .unwrap();
    assert_eq!(report.refused, 1, "{:?}", report.findings);
    let finding = report
        .findings
        .iter()
        .find(|finding| finding.id == hub.id)
        .unwrap();
    assert!(
        finding
            .message
            .starts_with("hub `sale` has 8 partitions; the plan says 4: a hub's partition count"),
        "{}",
        finding.message
    );

    // Apply stops at the hub with the same reason, before sending anything that would fail.
    let summary = harness.apply(&plan).await;
    let (failed_id, reason) = summary.failed.unwrap();
    assert_eq!(failed_id, hub.id);
    assert!(
        reason.contains("Delete the hub, and its events with it"),
        "{reason}"
    );
}

#[tokio::test]
async fn step_holds_lock_while_it_deploys() {
    let options = control::local::LocalOptions {
        latency: std::time::Duration::from_millis(400),
        ..Default::default()
    };
    let harness = Harness::start_with(options, control::secrets::Keychain::in_memory()).await;
    let plan = plan_for("dgrf");
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
    let applier = control::apply::Applier::new(
        &harness.client,
        harness.server.target(),
        &plan,
        control::apply::Options::all(control::apply::TargetKind::Local),
        Some(sender),
    );
    let group = plan
        .resources()
        .find(|r| r.name == "dv-events-broker-rg")
        .unwrap();
    let probe = async {
        while let Some(event) = events.recv().await {
            let creating = event.state == control::progress::State::Creating;
            if creating && event.title == "broker namespace" {
                return harness
                    .client
                    .delete(ResourceKind::ResourceGroup, &group.id, None)
                    .await;
            }
        }
        panic!("the broker namespace was never created");
    };
    let (summary, attempt) = tokio::join!(applier.apply(), probe);
    let error = attempt.unwrap_err().to_string();
    assert!(error.contains("ScopeLocked"), "{error}");
    assert_eq!(summary.failed, None);
    let lock = harness
        .client
        .get_path(&lock_id("dv-events-broker-rg"), api::LOCKS)
        .await
        .unwrap();
    assert_eq!(lock, None);
}

#[tokio::test]
async fn preview_lists_creations_and_billing() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    let changes = harness.applier(&plan).preview().await.unwrap();
    let billed: Vec<&str> = changes
        .iter()
        .filter(|c| c.billing == course::Billing::WhileExists && c.action == Action::Create)
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        billed,
        [
            "dv-events001-ehns-eun-dgrf",
            "dv-schemaregistry-ehns-eun-dgrf"
        ]
    );
    let databricks = changes
        .iter()
        .find(|c| c.name == "dv-events-dbw-eun-dgrf")
        .unwrap();
    assert!(matches!(databricks.action, Action::Skip { .. }));
}

#[tokio::test]
async fn recorded_group_mode_is_drift() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    assert_eq!(harness.apply(&plan).await.failed, None);
    let Harness {
        dir,
        server,
        keychain,
        ..
    } = harness;
    server.stop().await.unwrap();

    let changed =
        control::local::record_schema_group_mode(dir.path(), "MySchemaGroup", "Forward").unwrap();
    let group = plan
        .resources()
        .find(|resource| resource.kind() == ResourceKind::SchemaGroup)
        .unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(group.id.eq_ignore_ascii_case(&changed[0]), "{changed:?}");
    let unchanged =
        control::local::record_schema_group_mode(dir.path(), "myschemagroup", "Forward").unwrap();
    assert_eq!(unchanged, Vec::<String>::new());

    let harness = Harness::start_in(dir, keychain).await;
    let options = control::apply::Options::all(control::apply::TargetKind::Local);
    let report = verify(&harness.client, harness.server.target(), &plan, options)
        .await
        .unwrap();
    let messages: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        messages,
        ["schema group has compatibility mode `Forward`; the plan says `Backward`"]
    );
    let summary = harness.apply(&plan).await;
    assert_eq!(summary.updated, 1);
}

#[tokio::test]
async fn early_step_names_resource_groups() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    let mut options = control::apply::Options::all(control::apply::TargetKind::Local);
    options.steps = vec![StepId::SharedPlatform];

    let summary = control::apply::Applier::new(
        &harness.client,
        harness.server.target(),
        &plan,
        options,
        None,
    )
    .apply()
    .await;

    let (failed_id, reason) = summary.failed.unwrap();
    assert!(
        failed_id.ends_with("/namespaces/dv-events001-ehns-eun-dgrf"),
        "{failed_id}"
    );
    assert!(reason.contains("`ResourceGroupNotFound`"), "{reason}");
    assert!(
        reason.ends_with(
            "could not be found: apply the Resource groups step first, because it creates \
             every resource group of the plan"
        ),
        "{reason}"
    );
}

#[tokio::test]
async fn stopped_apply_counts_resources_not_attempted() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    let mut options = control::apply::Options::all(control::apply::TargetKind::Local);
    options.steps = vec![StepId::SharedPlatform];
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();

    let summary = control::apply::Applier::new(
        &harness.client,
        harness.server.target(),
        &plan,
        options,
        Some(sender),
    )
    .apply()
    .await;

    let mut not_attempted = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let control::progress::State::NotAttempted { reason } = event.state {
            not_attempted.push(reason);
        }
    }
    let step_size = plan
        .steps
        .iter()
        .find(|step| step.id == StepId::SharedPlatform)
        .unwrap()
        .resources
        .len();
    // The broker namespace fails, and the Databricks workspace is skipped as on every Local
    // apply, so the rest of the step is not attempted.
    assert!(summary.failed.is_some());
    assert_eq!(summary.skipped, 1);
    assert_eq!(summary.not_attempted, step_size - 2);
    assert_eq!(not_attempted.len(), summary.not_attempted);
    assert!(
        not_attempted.iter().all(|reason| reason
            == "apply stopped when broker namespace `dv-events001-ehns-eun-dgrf` failed"),
        "{not_attempted:?}"
    );
}
