//! Apply and Verify of one step on the Local target, through the provisioning crate's local
//! Resource Manager, which the shell starts in-process the first time a step page needs it.
//!
//! Each result is recorded in the wizard state, so a step page shows its last Apply and Verify
//! after the app restarts.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use control::apply::{Applier, Options, Summary, TargetKind};
use control::progress::{Event, State};
use control::secrets::Keychain;
use control::session::Session;
use control::verify::{self, Report};
use course::{Attendee, Environment, StepId};
use serde::{Deserialize, Serialize};
use tauri::async_runtime::Mutex;

use crate::error::CommandError;

/// The outcome of one resource in an Apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ResourceOutcome {
    /// The resource's ARM id below the subscription.
    pub(crate) id: String,
    /// The resource's role, such as "hub `customer`".
    pub(crate) title: String,
    /// `created`, `updated`, `unchanged`, `skipped` or `failed`.
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
    /// Resources left out.
    pub(crate) skipped: usize,
    /// The failure that stopped the Apply, if one did.
    pub(crate) failure: Option<String>,
    /// Resource group locks that could not be removed, each with the reason.
    pub(crate) stuck_locks: Vec<String>,
    /// Every resource's final state, in the order applied.
    pub(crate) resources: Vec<ResourceOutcome>,
}

impl ApplyRecord {
    fn new(summary: Summary, events: Vec<Event>) -> Self {
        ApplyRecord {
            finished_at: now(),
            created: summary.created,
            updated: summary.updated,
            unchanged: summary.unchanged,
            skipped: summary.skipped,
            failure: summary
                .failed
                .map(|(id, reason)| format!("`{id}` failed: {reason}")),
            stuck_locks: summary
                .stuck_locks
                .into_iter()
                .map(|(lock, reason)| format!("lock `{lock}` is still in place: {reason}"))
                .collect(),
            resources: final_states(events),
        }
    }
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
    fn new(report: Report) -> Self {
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
    /// The lower-case namespace.
    pub(crate) namespace: String,
    /// The environment code.
    pub(crate) environment: Environment,
    /// The region's short code.
    pub(crate) region_code: String,
}

impl ResultsFor {
    /// Returns the choices of `attendee`.
    pub(crate) fn of(attendee: &Attendee) -> Self {
        ResultsFor {
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

/// The Local target's Resource Manager, started on first use and kept until the app exits.
#[derive(Debug)]
pub(crate) struct LocalTarget {
    data_dir: PathBuf,
    keychain: fn() -> Result<Keychain, CommandError>,
    session: Mutex<Option<Session>>,
}

impl LocalTarget {
    /// Prepares a local Resource Manager over `data_dir` that keeps secrets in the OS keychain.
    pub(crate) fn new(data_dir: PathBuf) -> Self {
        LocalTarget {
            data_dir,
            keychain: || Keychain::os().map_err(|error| CommandError::Keychain(error.to_string())),
            session: Mutex::new(None),
        }
    }

    /// Prepares a local Resource Manager whose secrets live in memory only, for tests.
    #[cfg(test)]
    fn with_memory_keychain(data_dir: PathBuf) -> Self {
        LocalTarget {
            data_dir,
            keychain: || Ok(Keychain::in_memory()),
            session: Mutex::new(None),
        }
    }

    /// Applies one step of the attendee's plan and reports every resource's outcome.
    pub(crate) async fn apply(
        &self,
        attendee: &Attendee,
        step: StepId,
    ) -> Result<ApplyRecord, CommandError> {
        let mut session = self.session.lock().await;
        let session = self.started(&mut session).await?;
        let plan = course::plan(attendee);
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let applier = Applier::new(
            &session.client,
            session.target.clone(),
            &plan,
            options(step),
            Some(sender),
        );
        let summary = applier.apply().await;
        // Dropping the applier closes the channel, so every event is already in the receiver.
        drop(applier);
        let mut events = Vec::new();
        while let Ok(event) = receiver.try_recv() {
            events.push(event);
        }
        let record = ApplyRecord::new(summary, events);
        tracing::info!(
            step = %step,
            created = record.created,
            updated = record.updated,
            unchanged = record.unchanged,
            failed = record.failure.is_some(),
            "applied a step on the Local target"
        );
        Ok(record)
    }

    /// Compares one step of the attendee's plan with what the local Resource Manager holds.
    pub(crate) async fn verify(
        &self,
        attendee: &Attendee,
        step: StepId,
    ) -> Result<VerifyRecord, CommandError> {
        let mut session = self.session.lock().await;
        let session = self.started(&mut session).await?;
        let plan = course::plan(attendee);
        let report = verify::verify(
            &session.client,
            session.target.clone(),
            &plan,
            options(step),
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

    /// Stops the local Resource Manager if it runs.
    pub(crate) async fn stop(&self) {
        if let Some(session) = self.session.lock().await.take() {
            if let Err(error) = session.close().await {
                tracing::warn!(%error, "the local Resource Manager did not stop cleanly");
            }
        }
    }

    async fn started<'a>(
        &self,
        session: &'a mut Option<Session>,
    ) -> Result<&'a Session, CommandError> {
        if session.is_none() {
            let keychain = (self.keychain)()?;
            let opened = Session::local(&self.data_dir, keychain)
                .await
                .map_err(|error| CommandError::Provisioning(error.to_string()))?;
            tracing::info!(
                data_dir = %self.data_dir.display(),
                "started the local Resource Manager"
            );
            *session = Some(opened);
        }
        Ok(session.as_ref().expect("the session was opened above"))
    }
}

/// Selects one step on the Local target. Opt-in resources stay out: the Local target does not
/// emulate the Databricks workspace, and nothing else is opt-in.
fn options(step: StepId) -> Options {
    Options {
        steps: vec![step],
        include_opt_in: false,
        target: TargetKind::Local,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use course::{Environment, Region};

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    #[test]
    fn apply_then_verify_resource_groups() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path().to_path_buf());
        tauri::async_runtime::block_on(async {
            let before = target
                .verify(&dgrf(), StepId::ResourceGroups)
                .await
                .unwrap();
            assert_eq!(before.findings.len(), 10);

            let applied = target.apply(&dgrf(), StepId::ResourceGroups).await.unwrap();
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

            let again = target.apply(&dgrf(), StepId::ResourceGroups).await.unwrap();
            assert_eq!(again.created, 0);
            assert_eq!(again.unchanged, 10);
            target.stop().await;
        });
    }

    #[test]
    fn shared_platform_skips_databricks_locally() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path().to_path_buf());
        tauri::async_runtime::block_on(async {
            target.apply(&dgrf(), StepId::ResourceGroups).await.unwrap();
            let applied = target.apply(&dgrf(), StepId::SharedPlatform).await.unwrap();

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
}
