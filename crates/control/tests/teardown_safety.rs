//! Teardown never touches what EDA Workshop did not create for the namespace at hand.

mod common;

use common::{plan_for, Harness};
use control::arm::api;
use control::desired;
use control::teardown;
use control::verify::verify;
use course::ResourceKind;
use serde_json::json;

#[tokio::test]
async fn untagged_look_alike_group_is_refused() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    let look_alike = "/resourceGroups/dv-events-broker-rg";
    harness
        .client
        .put_path(
            look_alike,
            api::RESOURCES,
            &json!({ "location": "northeurope" }),
        )
        .await
        .unwrap();

    let summary = harness.apply(&plan).await;
    let (id, reason) = summary.failed.unwrap();
    assert_eq!(id, look_alike);
    assert_eq!(
        reason,
        "broker resource group `dv-events-broker-rg` exists but was not created by EDA Workshop \
         (no tag `managed-by=eda-workshop`): it is left alone; remove it or choose another \
         environment"
    );

    let survey = teardown::survey(&harness.client, &plan).await.unwrap();
    let refusal = survey.refusals.iter().find(|r| r.id == look_alike).unwrap();
    assert!(refusal.reason.contains("was not created by EDA Workshop"));
    assert!(survey.deletions.iter().all(|d| d.id != look_alike));

    teardown::execute(&harness.client, &plan, &survey, None).await;
    let group = harness
        .client
        .get(ResourceKind::ResourceGroup, look_alike)
        .await;
    assert!(
        group.unwrap().is_some(),
        "the look-alike group survives teardown"
    );
}

#[tokio::test]
async fn another_namespace_resources_are_never_touched() {
    let harness = Harness::start().await;
    let theirs = plan_for("abcd");
    let ours = plan_for("dgrf");
    let summary = harness.apply(&theirs).await;
    assert_eq!(summary.failed, None);

    let survey = teardown::survey(&harness.client, &ours).await.unwrap();
    assert!(survey.deletions.is_empty(), "{:?}", survey.deletions);
    assert_eq!(
        survey.refusals.len(),
        10,
        "the ten shared-name resource groups"
    );
    assert_eq!(
        survey.refusals[0].reason,
        "broker resource group `dv-events-broker-rg` belongs to namespace `abcd` (tag \
         `workshop-namespace`): it is left alone"
    );
    let outcome = teardown::execute(&harness.client, &ours, &survey, None).await;
    assert_eq!(outcome.deleted, 0);

    let options = control::apply::Options::all(control::apply::TargetKind::Local);
    let report = verify(&harness.client, harness.server.target(), &theirs, options)
        .await
        .unwrap();
    assert!(report.is_clean(), "{:?}", report.findings);
}

#[tokio::test]
async fn group_holding_foreign_resource_is_kept() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    assert_eq!(harness.apply(&plan).await.failed, None);

    // Another attendee's storage account in the shared broker group.
    let other = plan_for("zzzz");
    let account = other
        .resources()
        .find(|r| r.name == "dvevents001saeunzzzz")
        .unwrap();
    let body = desired::body(account, &harness.server.target());
    harness
        .client
        .put(account.kind(), &account.id, body)
        .await
        .unwrap();

    let survey = teardown::survey(&harness.client, &plan).await.unwrap();
    let kept = survey
        .refusals
        .iter()
        .find(|r| r.id == "/resourceGroups/dv-events-broker-rg")
        .unwrap();
    assert_eq!(
        kept.reason,
        "broker resource group `dv-events-broker-rg` also holds a resource that EDA Workshop did \
         not create for this namespace (`dvevents001saeunzzzz`): the group is kept"
    );
    let outcome = teardown::execute(&harness.client, &plan, &survey, None).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);

    let foreign = harness
        .client
        .get(account.kind(), &account.id)
        .await
        .unwrap();
    assert!(foreign.is_some(), "the other attendee's account survives");
    let namespace = plan
        .resources()
        .find(|r| r.name == "dv-events001-ehns-eun-dgrf")
        .unwrap();
    let gone = harness
        .client
        .get(namespace.kind(), &namespace.id)
        .await
        .unwrap();
    assert_eq!(gone, None, "our own namespace in that group is deleted");
}

#[tokio::test]
async fn teardown_removes_leftover_apply_lock() {
    let harness = Harness::start().await;
    let plan = plan_for("dgrf");
    assert_eq!(harness.apply(&plan).await.failed, None);

    // A lock left behind by an apply that was stopped mid-step.
    let lock = control::apply::lock_id("dv-events-broker-rg");
    let body = json!({ "properties": { "level": "CanNotDelete" } });
    harness
        .client
        .put_path(&lock, api::LOCKS, &body)
        .await
        .unwrap();

    let survey = teardown::survey(&harness.client, &plan).await.unwrap();
    assert_eq!(survey.locks, vec![lock]);
    let outcome = teardown::execute(&harness.client, &plan, &survey, None).await;
    assert!(outcome.failures.is_empty(), "{:?}", outcome.failures);
    let group = harness
        .client
        .get(
            ResourceKind::ResourceGroup,
            "/resourceGroups/dv-events-broker-rg",
        )
        .await
        .unwrap();
    assert_eq!(group, None);
}
