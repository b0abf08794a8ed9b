//! Apply and Verify of one step on the live Local target, through the Resource Manager of the
//! app's [`local::LocalStack`], which starts the first time a page needs it.
//!
//! Each result is recorded in the wizard state, so a step page shows its last Apply and Verify
//! after the app restarts.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use control::apply::{Applier, Options, Summary, TargetKind};
use control::arm::ArmClient;
use control::desired::Target;
use control::progress::{Event, State};
#[cfg(test)]
use control::secrets::Keychain;
use control::verify::{self, Report};
use course::{Attendee, Compatibility, Environment, ResourceKind, Spec, StepId};
use serde::{Deserialize, Serialize};

use crate::error::CommandError;
use crate::progress::{ProgressEvent, ProgressRows};
use crate::stack::LocalService;

/// The outcome of one resource in an Apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResourceOutcome {
    /// The resource's ARM id below the subscription.
    pub(crate) id: String,
    /// The resource's role, such as "hub `customer`".
    pub(crate) title: String,
    /// `created`, `updated`, `unchanged`, `skipped`, `not_attempted` or `failed`.
    pub(crate) outcome: String,
    /// The changes made, the reason for a skip, or the failure, in plain words.
    pub(crate) detail: Option<String>,
}

/// The result of applying one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ApplyRecord {
    /// Seconds since the Unix epoch when the Apply finished.
    pub(crate) finished_at: u64,
    /// Resources created.
    pub(crate) created: usize,
    /// Resources changed to match the plan.
    pub(crate) updated: usize,
    /// Resources already as planned.
    pub(crate) unchanged: usize,
    /// Resources left out by the plan's options.
    pub(crate) skipped: usize,
    /// Resources never tried because the failure stopped the Apply first. Results saved before
    /// this count existed read as 0.
    #[serde(default)]
    pub(crate) not_attempted: usize,
    /// The failure that stopped the Apply, if one did.
    pub(crate) failure: Option<String>,
    /// Resource group locks that could not be removed, each with the reason.
    pub(crate) stuck_locks: Vec<String>,
    /// Every resource's final state, in the order applied.
    pub(crate) resources: Vec<ResourceOutcome>,
}

impl ApplyRecord {
    pub(crate) fn new(summary: Summary, events: Vec<Event>) -> Self {
        ApplyRecord {
            finished_at: now(),
            created: summary.created,
            updated: summary.updated,
            unchanged: summary.unchanged,
            skipped: summary.skipped,
            not_attempted: summary.not_attempted,
            failure: summary
                .failed
                .map(|(id, reason)| failure_message(&id, &reason, &events)),
            stuck_locks: summary
                .stuck_locks
                .into_iter()
                .map(|(lock, reason)| format!("lock `{lock}` is still in place: {reason}"))
                .collect(),
            resources: final_states(events),
        }
    }
}

impl ApplyRecord {
    /// Writes the counts of the Apply of `step` on `target` to the log.
    pub(crate) fn log(&self, step: StepId, target: TargetKind) {
        tracing::info!(
            step = %step,
            target = ?target,
            created = self.created,
            updated = self.updated,
            unchanged = self.unchanged,
            skipped = self.skipped,
            not_attempted = self.not_attempted,
            failed = self.failure.is_some(),
            "applied a step"
        );
    }
}

/// Names the failed resource by its title and id, with the reason and how to go on.
fn failure_message(id: &str, reason: &str, events: &[Event]) -> String {
    let title = events
        .iter()
        .find(|event| event.id == id)
        .map(|event| event.title.as_str())
        .unwrap_or("the resource");
    // ARM's messages end with a full stop of their own.
    let reason = reason.trim_end_matches('.');
    format!(
        "{title} (`{id}`) failed: {reason}. Fix the cause and press Apply again: what was \
         created is kept, and Apply resumes at this resource"
    )
}

/// Keeps the last reported state of each resource, dropping the queued and in-progress ones.
fn final_states(events: Vec<Event>) -> Vec<ResourceOutcome> {
    let mut outcomes: Vec<ResourceOutcome> = Vec::new();
    let mut updating: Vec<(String, Vec<String>)> = Vec::new();
    for event in events {
        let (outcome, detail) = match event.state {
            State::Queued | State::Creating | State::Deleting => continue,
            State::Updating { changes } => {
                updating.push((event.id.clone(), changes));
                continue;
            }
            State::Done => {
                let changes = updating
                    .iter()
                    .find(|(id, _)| *id == event.id)
                    .map(|(_, changes)| changes.join("; "));
                match changes {
                    Some(changes) => ("updated", Some(changes)),
                    None => ("created", None),
                }
            }
            State::Unchanged => ("unchanged", None),
            State::Skipped { reason } => ("skipped", Some(reason)),
            State::NotAttempted { reason } => ("not_attempted", Some(reason)),
            State::Failed { reason } => ("failed", Some(reason)),
        };
        outcomes.push(ResourceOutcome {
            id: event.id,
            title: event.title,
            outcome: outcome.to_string(),
            detail,
        });
    }
    outcomes
}

/// One way the target differs from the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FindingRecord {
    /// The resource's ARM id below the subscription.
    pub(crate) id: String,
    /// The difference in plain words.
    pub(crate) message: String,
}

/// The result of verifying one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct VerifyRecord {
    /// Seconds since the Unix epoch when the Verify finished.
    pub(crate) finished_at: u64,
    /// Resources compared with the plan.
    pub(crate) checked: usize,
    /// Resources left out, each with the reason.
    pub(crate) skipped: Vec<FindingRecord>,
    /// Every difference found; empty when the step matches the plan.
    pub(crate) findings: Vec<FindingRecord>,
}

impl VerifyRecord {
    pub(crate) fn new(report: Report) -> Self {
        let record = |finding: verify::Finding| FindingRecord {
            id: finding.id,
            message: finding.message,
        };
        VerifyRecord {
            finished_at: now(),
            checked: report.checked,
            skipped: report.skipped.into_iter().map(record).collect(),
            findings: report.findings.into_iter().map(record).collect(),
        }
    }
}

/// The attendee's choices that a step's results were made for, so a result is never shown
/// for names built from another namespace, environment or region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResultsFor {
    /// The target the step ran on.
    #[serde(default)]
    pub(crate) target: crate::choice::Target,
    /// The lower-case namespace.
    pub(crate) namespace: String,
    /// The environment code.
    pub(crate) environment: Environment,
    /// The region's short code.
    pub(crate) region_code: String,
}

impl ResultsFor {
    /// Returns the choices of `attendee` on `target`.
    pub(crate) fn of(target: crate::choice::Target, attendee: &Attendee) -> Self {
        ResultsFor {
            target,
            namespace: attendee.namespace().to_string(),
            environment: attendee.environment(),
            region_code: attendee.region().code.clone(),
        }
    }
}

/// The last Apply and Verify of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StepResult {
    /// The choices the results were made for.
    pub(crate) attendee: ResultsFor,
    /// The last Apply, if any.
    pub(crate) applied: Option<ApplyRecord>,
    /// The last Verify, if any.
    pub(crate) verified: Option<VerifyRecord>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}

/// The live Local target as Apply and Verify use it: the stack's Resource Manager, whose
/// namespaces get a running broker as soon as they are created.
#[derive(Debug)]
pub(crate) struct LocalTarget {
    service: LocalService,
}

impl LocalTarget {
    /// Prepares the Local target over a folder of the app data folder, with secrets in the OS
    /// keychain. Nothing starts until a command needs it.
    pub(crate) fn new(app_data_dir: &Path) -> Self {
        LocalTarget {
            service: LocalService::new(app_data_dir),
        }
    }

    /// Prepares the Local target with a keychain that lives in memory only, for tests.
    #[cfg(test)]
    pub(crate) fn with_memory_keychain(app_data_dir: &Path) -> Self {
        let keychain = Keychain::in_memory();
        LocalTarget {
            service: LocalService::with_keychain(app_data_dir, move || Ok(keychain.clone())),
        }
    }

    /// Returns the services behind the target.
    pub(crate) fn service(&self) -> &LocalService {
        &self.service
    }

    /// Applies one step of the attendee's plan, calling `progress` with each change of a
    /// resource's state as it happens, then serves what was applied (brokers with their
    /// captures) and reports every resource's outcome. A failed resource stops the Apply, and
    /// the next Apply skips what already matches and resumes there.
    pub(crate) async fn apply(
        &self,
        attendee: &Attendee,
        step: StepId,
        progress: impl Fn(ProgressEvent),
    ) -> Result<ApplyRecord, CommandError> {
        let plan = course::plan(attendee);
        let (summary, events) = {
            let stack = self.service.stack().await?;
            let server = stack.resource_manager();
            let client = server
                .client()
                .map_err(|error| CommandError::Provisioning(error.to_string()))?;
            run_applier(
                &client,
                server.target(),
                &plan,
                options(step, TargetKind::Local),
                progress,
            )
            .await
        };
        // Capture settings reach the brokers only through a reload; a reload that fails
        // leaves the resources applied, so the record is still returned.
        let reload = self.service.reload().await;
        let mut record = ApplyRecord::new(summary, events);
        if let Err(error) = reload {
            tracing::warn!(%error, "the brokers did not reload after an Apply");
            record.failure.get_or_insert(error.to_string());
        }
        record.log(step, TargetKind::Local);
        Ok(record)
    }

    /// Compares one step of the attendee's plan with what the local Resource Manager holds.
    pub(crate) async fn verify(
        &self,
        attendee: &Attendee,
        step: StepId,
    ) -> Result<VerifyRecord, CommandError> {
        let stack = self.service.stack().await?;
        let server = stack.resource_manager();
        let client = server
            .client()
            .map_err(|error| CommandError::Provisioning(error.to_string()))?;
        let plan = course::plan(attendee);
        let report = verify::verify(
            &client,
            server.target(),
            &plan,
            options(step, TargetKind::Local),
        )
        .await
        .map_err(|error| CommandError::Provisioning(error.to_string()))?;
        let record = VerifyRecord::new(report);
        tracing::info!(
            step = %step,
            checked = record.checked,
            findings = record.findings.len(),
            "verified a step on the Local target"
        );
        Ok(record)
    }

    /// Creates the attendee's schema group of step 3 through the Resource Manager, or changes
    /// its compatibility mode to `compatibility`, as the schema exercise needs before each
    /// registration. The group lives in the schema registry namespace of step 2.
    pub(crate) async fn put_schema_group(
        &self,
        attendee: &Attendee,
        compatibility: Compatibility,
    ) -> Result<(), CommandError> {
        let stack = self.service.stack().await?;
        let server = stack.resource_manager();
        let client = server
            .client()
            .map_err(|error| CommandError::Provisioning(error.to_string()))?;
        put_schema_group(
            &client,
            server.target(),
            TargetKind::Local,
            attendee,
            compatibility,
        )
        .await
    }

    /// Deletes the attendee's schema group of step 3, with every version in it, through the
    /// Resource Manager. A group that does not exist is already as wanted.
    pub(crate) async fn delete_schema_group(
        &self,
        attendee: &Attendee,
    ) -> Result<(), CommandError> {
        let stack = self.service.stack().await?;
        let client = stack
            .resource_manager()
            .client()
            .map_err(|error| CommandError::Provisioning(error.to_string()))?;
        delete_schema_group(&client, attendee).await
    }

    /// Stops the Local target's services if they run.
    pub(crate) async fn stop(&self) {
        self.service.stop().await;
    }
}

/// Creates the attendee's schema group of step 3 through `client`, or changes its
/// compatibility mode to `compatibility`.
pub(crate) async fn put_schema_group(
    client: &ArmClient,
    target: Target,
    kind: TargetKind,
    attendee: &Attendee,
    compatibility: Compatibility,
) -> Result<(), CommandError> {
    let mut plan = course::plan(attendee);
    for step in &mut plan.steps {
        for resource in &mut step.resources {
            if let Spec::SchemaGroup(spec) = &mut resource.spec {
                spec.compatibility = compatibility;
            }
        }
    }
    let applier = Applier::new(
        client,
        target,
        &plan,
        options(StepId::SchemaRegistry, kind),
        None,
    );
    let summary = applier.apply().await;
    match summary.failed {
        None => Ok(()),
        Some((_, reason)) => Err(CommandError::SchemaGroup {
            group: course::flow::SCHEMA_GROUP,
            reason,
        }),
    }
}

/// Deletes the attendee's schema group of step 3, with every version in it, through `client`.
/// A group that does not exist is already as wanted.
pub(crate) async fn delete_schema_group(
    client: &ArmClient,
    attendee: &Attendee,
) -> Result<(), CommandError> {
    let plan = course::plan(attendee);
    let Some(group) = plan
        .resources()
        .find(|resource| resource.kind() == ResourceKind::SchemaGroup)
    else {
        return Ok(());
    };
    client
        .delete(ResourceKind::SchemaGroup, &group.id, None)
        .await
        .map(|_| ())
        .map_err(|error| CommandError::Registry(error.to_string()))
}

/// Runs the applier on the selection `options` while forwarding each event to `progress` as it
/// arrives, and returns the summary with every event in order.
pub(crate) async fn run_applier(
    client: &ArmClient,
    target: Target,
    plan: &course::Plan,
    options: Options,
    progress: impl Fn(ProgressEvent),
) -> (Summary, Vec<Event>) {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let applying = async move {
        let applier = Applier::new(client, target, plan, options, Some(sender));
        // The applier, and with it the sender, is dropped when this block ends, which closes
        // the channel and ends the forwarding below.
        applier.apply().await
    };
    let forwarding = async {
        let mut rows = ProgressRows::default();
        let mut events = Vec::new();
        while let Some(event) = receiver.recv().await {
            progress(rows.row(&event));
            events.push(event);
        }
        events
    };
    tokio::join!(applying, forwarding)
}

/// Selects one step without opt-in resources: the Local target does not emulate the Databricks
/// workspace. On Azure the attendee's choice decides (`AzureChoice::options`).
pub(crate) fn options(step: StepId, target: TargetKind) -> Options {
    Options {
        steps: vec![step],
        include_opt_in: false,
        target,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::RowState;
    use course::{Environment, Region};

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    #[test]
    fn apply_then_verify_resource_groups() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        tauri::async_runtime::block_on(async {
            let before = target
                .verify(&dgrf(), StepId::ResourceGroups)
                .await
                .unwrap();
            assert_eq!(before.findings.len(), 10);

            let applied = target
                .apply(&dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            assert_eq!(applied.failure, None);
            assert_eq!(applied.created, 10);
            assert_eq!(applied.resources.len(), 10);
            assert_eq!(applied.resources[0].outcome, "created");

            let after = target
                .verify(&dgrf(), StepId::ResourceGroups)
                .await
                .unwrap();
            assert_eq!(after.checked, 10);
            assert_eq!(after.findings, Vec::new());

            let again = target
                .apply(&dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            assert_eq!(again.created, 0);
            assert_eq!(again.unchanged, 10);
            target.stop().await;
        });
    }

    #[test]
    fn failure_message_ends_reason_once() {
        let events = vec![Event {
            step: Some(StepId::SharedPlatform),
            id: "/resourceGroups/g/providers/p/namespaces/n".into(),
            title: "broker namespace".into(),
            state: State::Queued,
        }];

        let message = failure_message(
            "/resourceGroups/g/providers/p/namespaces/n",
            "Resource group 'g' could not be found.",
            &events,
        );

        assert_eq!(
            message,
            "broker namespace (`/resourceGroups/g/providers/p/namespaces/n`) failed: Resource \
             group 'g' could not be found. Fix the cause and press Apply again: what was \
             created is kept, and Apply resumes at this resource"
        );
    }

    #[test]
    fn shared_platform_skips_databricks_locally() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        tauri::async_runtime::block_on(async {
            target
                .apply(&dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            let applied = target
                .apply(&dgrf(), StepId::SharedPlatform, |_| {})
                .await
                .unwrap();

            assert_eq!(applied.failure, None);
            assert_eq!(applied.skipped, 1);
            let skipped: Vec<&ResourceOutcome> = applied
                .resources
                .iter()
                .filter(|resource| resource.outcome == "skipped")
                .collect();
            assert_eq!(skipped.len(), 1);
            assert!(skipped[0].title.contains("Databricks"), "{:?}", skipped[0]);
            target.stop().await;
        });
    }

    /// Sends the AMQP protocol header for SASL and returns the header the broker replies with.
    fn amqp_header_reply(endpoint: &str) -> [u8; 8] {
        use std::io::{Read as _, Write as _};

        let address = endpoint.trim_start_matches("sb://").trim_end_matches('/');
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        stream.write_all(b"AMQP\x03\x01\x00\x00").unwrap();
        let mut reply = [0u8; 8];
        stream.read_exact(&mut reply).unwrap();
        reply
    }

    #[test]
    fn applied_publishers_are_served_by_live_broker() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        let attendee = dgrf();
        let progress = std::sync::Mutex::new(Vec::new());
        tauri::async_runtime::block_on(async {
            for step in [StepId::ResourceGroups, StepId::SharedPlatform] {
                let applied = target.apply(&attendee, step, |_| {}).await.unwrap();
                assert_eq!(applied.failure, None, "{step}");
            }
            let applied = target
                .apply(&attendee, StepId::Publishers, |event| {
                    progress.lock().unwrap().push(event)
                })
                .await
                .unwrap();
            assert_eq!(applied.failure, None);

            let endpoints = target.service().stack().await.unwrap().endpoints();
            let namespace = endpoints
                .namespace("dv-events001-ehns-eun-dgrf")
                .expect("the broker namespace is served");
            assert!(namespace.hub("customer").is_some(), "{namespace:?}");
            assert_eq!(
                &amqp_header_reply(&namespace.endpoint),
                b"AMQP\x03\x01\x00\x00"
            );

            let written = local::Endpoints::read(target.service().data_dir()).unwrap();
            assert!(written.namespace("dv-events001-ehns-eun-dgrf").is_some());
            target.stop().await;
        });

        let progress = progress.into_inner().unwrap();
        let hub = progress
            .iter()
            .find(|event| event.title.contains("customer") && event.id.ends_with("/customer"))
            .expect("the customer hub reports progress");
        let states: Vec<RowState> = progress
            .iter()
            .filter(|event| event.id == hub.id)
            .map(|event| event.state)
            .collect();
        assert_eq!(
            states,
            [RowState::Queued, RowState::InProgress, RowState::Created]
        );
    }

    #[test]
    fn failed_apply_names_resource_and_resumes() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        tauri::async_runtime::block_on(async {
            // Without step 1, the first resource of step 2 has no resource group to go into.
            let failed = target
                .apply(&dgrf(), StepId::SharedPlatform, |_| {})
                .await
                .unwrap();
            let failure = failed.failure.expect("the Apply fails");
            assert!(failure.contains("Apply again"), "{failure}");
            let failed_row = failed
                .resources
                .iter()
                .find(|resource| resource.outcome == "failed")
                .expect("one resource is marked failed");
            assert!(failure.contains(&failed_row.title), "{failure}");

            target
                .apply(&dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            let resumed = target
                .apply(&dgrf(), StepId::SharedPlatform, |_| {})
                .await
                .unwrap();
            assert_eq!(resumed.failure, None);
            assert!(resumed.created > 0);
            target.stop().await;
        });
    }

    #[test]
    fn final_states_keep_last_state_per_resource() {
        let event = |id: &str, state: State| Event {
            step: Some(StepId::Publishers),
            id: id.to_string(),
            title: format!("hub `{id}`"),
            state,
        };
        let outcomes = final_states(vec![
            event("a", State::Queued),
            event("b", State::Queued),
            event("a", State::Creating),
            event("a", State::Done),
            event(
                "b",
                State::Updating {
                    changes: vec!["partitions differ".to_string()],
                },
            ),
            event("b", State::Done),
        ]);

        assert_eq!(outcomes.len(), 2);
        assert_eq!(outcomes[0].outcome, "created");
        assert_eq!(outcomes[1].outcome, "updated");
        assert_eq!(outcomes[1].detail.as_deref(), Some("partitions differ"));
    }

    #[test]
    fn stopped_apply_records_not_attempted() {
        let event = |id: &str, state: State| Event {
            step: Some(StepId::SharedPlatform),
            id: id.to_string(),
            title: format!("hub `{id}`"),
            state,
        };
        let summary = Summary {
            not_attempted: 1,
            failed: Some(("a".to_string(), "quota exceeded".to_string())),
            ..Summary::default()
        };
        let reason = "apply stopped when hub `a` failed".to_string();

        let record = ApplyRecord::new(
            summary,
            vec![
                event(
                    "a",
                    State::Failed {
                        reason: "quota exceeded".to_string(),
                    },
                ),
                event("b", State::NotAttempted { reason }),
            ],
        );

        assert_eq!(record.not_attempted, 1);
        assert_eq!(record.skipped, 0);
        assert_eq!(record.resources[1].outcome, "not_attempted");
        assert_eq!(
            record.resources[1].detail.as_deref(),
            Some("apply stopped when hub `a` failed")
        );
    }

    #[test]
    fn saved_record_without_not_attempted_reads_zero() {
        let saved = serde_json::json!({
            "finished_at": 1,
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "skipped": 1,
            "failure": null,
            "stuck_locks": [],
            "resources": [],
        });

        let record: ApplyRecord = serde_json::from_value(saved).unwrap();

        assert_eq!(record.not_attempted, 0);
        assert_eq!(record.created, 2);
    }
}
