//! Apply: bring the target in line with the plan, resource by resource.
//!
//! Apply reads each resource first and sends a PUT only when it is missing or differs from
//! the plan, so running it again after success changes nothing and running it again after a
//! failure continues where it stopped. While a step deploys into a resource group, the group
//! holds a `CanNotDelete` lock, which is removed afterwards, also when the step fails.

use course::{Billing, Plan, Resource, ResourceKind, Spec, StepId};
use serde::Serialize;
use serde_json::{json, Value};

use crate::arm::{api, ArmClient};
use crate::desired::{self, Drift, Target};
use crate::error::{Error, Result};
use crate::ownership::{self, Owner};
use crate::progress::{emit, Sender, State};

/// The lock apply holds on a resource group while a step deploys into it.
pub const APPLY_LOCK: &str = "eda-workshop-apply";

/// ARM's error code for a PUT into a resource group that does not exist.
const RESOURCE_GROUP_NOT_FOUND: &str = "ResourceGroupNotFound";

/// Describes a failed PUT. A missing resource group most often means that the steps were
/// applied out of order, so that reason names the step that creates the groups.
fn put_failure(error: &Error) -> String {
    match error {
        Error::Arm { code, .. } if code == RESOURCE_GROUP_NOT_FOUND => format!(
            "{}: apply the Resource groups step first, because it creates every resource group \
             of the plan",
            error.to_string().trim_end_matches('.')
        ),
        _ => error.to_string(),
    }
}

/// The kind of target the plan is applied to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// The app's own services on 127.0.0.1.
    Local,
    /// A real Azure subscription.
    Azure,
}

/// The selection to apply.
#[derive(Debug, Clone)]
pub struct Options {
    /// The steps, in course order.
    pub steps: Vec<StepId>,
    /// Whether opt-in resources (the Databricks workspace) are included.
    pub include_opt_in: bool,
    /// The target, which decides what is emulated.
    pub target: TargetKind,
}

impl Options {
    /// Selects every step, without opt-in resources.
    pub fn all(target: TargetKind) -> Self {
        Options {
            steps: StepId::ALL.to_vec(),
            include_opt_in: false,
            target,
        }
    }
}

/// The action apply takes, or would take, on one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// It does not exist.
    Create,
    /// It exists but differs.
    Update {
        /// The differences.
        drifts: Vec<Drift>,
    },
    /// It matches the plan.
    Unchanged,
    /// It is left out.
    Skip {
        /// Why.
        reason: String,
    },
    /// It exists but belongs to someone else, or differs from the plan in a setting that
    /// cannot change in place, so apply must not change it.
    Refuse {
        /// Why.
        reason: String,
    },
}

/// One line of a preview.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The step.
    pub step: StepId,
    /// The resource's ARM id.
    pub id: String,
    /// The resource's title.
    pub title: String,
    /// Its name.
    pub name: String,
    /// Its billing.
    pub billing: Billing,
    /// The action apply would take.
    pub action: Action,
}

/// The outcome of an apply.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Resources created.
    pub created: usize,
    /// Resources changed to match the plan.
    pub updated: usize,
    /// Resources already as planned.
    pub unchanged: usize,
    /// Resources left out by the plan's options, such as an opt-in resource not asked for.
    pub skipped: usize,
    /// Resources of the failed step that were never tried because apply stopped first.
    pub not_attempted: usize,
    /// The resource that failed and why; apply stops there.
    pub failed: Option<(String, String)>,
    /// Locks that could not be removed, with the reason; remove them by hand.
    pub stuck_locks: Vec<(String, String)>,
}

impl Summary {
    /// Returns whether everything went through.
    pub fn succeeded(&self) -> bool {
        self.failed.is_none() && self.stuck_locks.is_empty()
    }
}

/// Applies and previews one plan on one target.
#[derive(Debug)]
pub struct Applier<'a> {
    client: &'a ArmClient,
    target: Target,
    plan: &'a Plan,
    options: Options,
    events: Option<Sender>,
    /// The ids of the resources this apply created, in lowercase. A child that exists as soon
    /// as its parent does, as a storage account's blob service does on Azure, is set up as
    /// part of its parent's creation when its parent is in this set.
    created: std::sync::Mutex<std::collections::HashSet<String>>,
}

impl<'a> Applier<'a> {
    /// Creates an applier that reports progress on `events`, if given.
    pub fn new(
        client: &'a ArmClient,
        target: Target,
        plan: &'a Plan,
        options: Options,
        events: Option<Sender>,
    ) -> Self {
        Applier {
            client,
            target,
            plan,
            options,
            events,
            created: Default::default(),
        }
    }

    fn skip_reason(&self, resource: &Resource) -> Option<String> {
        // Local is checked first: there the workspace is never created, asked for or not.
        if self.options.target == TargetKind::Local
            && resource.kind() == ResourceKind::DatabricksWorkspace
        {
            return Some(format!(
                "{} is not emulated on the Local target; it only reads the lake",
                resource.title
            ));
        }
        if resource.opt_in && !self.options.include_opt_in {
            return Some(format!(
                "{} is opt-in because it bills while it exists: include it on request \
                 (`--with-databricks` on the command line)",
                resource.title
            ));
        }
        None
    }

    /// Decides what to do with one resource by reading it.
    pub async fn decide(&self, resource: &Resource) -> Result<Action> {
        if let Some(reason) = self.skip_reason(resource) {
            return Ok(Action::Skip { reason });
        }
        let Some(actual) = self.client.get(resource.kind(), &resource.id).await? else {
            return Ok(Action::Create);
        };
        if resource.kind().takes_tags() {
            let owner = ownership::owner(&actual, self.plan.attendee.namespace());
            if owner != Owner::Ours {
                let reason = ownership::refusal(&resource.title, &resource.name, &owner);
                return Ok(Action::Refuse {
                    reason: format!("{reason}; remove it or choose another environment"),
                });
            }
        }
        let drifts = desired::compare(resource, &self.target, &actual);
        if let Some(reason) = desired::unchangeable(&drifts) {
            return Ok(Action::Refuse { reason });
        }
        if drifts.is_empty() {
            Ok(Action::Unchanged)
        } else {
            Ok(Action::Update { drifts })
        }
    }

    fn selected(&self) -> impl Iterator<Item = (StepId, &'a Resource)> + '_ {
        self.plan
            .steps
            .iter()
            .filter(|step| self.options.steps.contains(&step.id))
            .flat_map(|step| step.resources.iter().map(move |r| (step.id, r)))
    }

    /// Reads each selected resource and returns the action apply would take, changing
    /// nothing.
    pub async fn preview(&self) -> Result<Vec<Change>> {
        let mut changes = Vec::new();
        for (step, resource) in self.selected() {
            let action = self.decide(resource).await?;
            changes.push(Change {
                step,
                id: resource.id.clone(),
                title: resource.title.clone(),
                name: resource.name.clone(),
                billing: resource.billing,
                action,
            });
        }
        Ok(changes)
    }

    /// Applies the selected steps in order, stopping at the first failure.
    pub async fn apply(&self) -> Summary {
        let mut summary = Summary::default();
        for step in self
            .plan
            .steps
            .iter()
            .filter(|step| self.options.steps.contains(&step.id))
        {
            for resource in &step.resources {
                self.emit(step.id, resource, State::Queued);
            }
            let locks = self
                .lock_groups(step.id, &step.resources, &mut summary)
                .await;
            if summary.failed.is_none() {
                self.apply_step(step.id, &step.resources, &mut summary)
                    .await;
            } else {
                let stop = "apply stopped when a resource group lock failed";
                self.abandon(step.id, &step.resources, stop, &mut summary);
            }
            self.unlock_groups(step.id, &locks, &mut summary).await;
            if summary.failed.is_some() {
                break;
            }
        }
        summary
    }

    async fn apply_step(&self, step: StepId, resources: &[Resource], summary: &mut Summary) {
        for (index, resource) in resources.iter().enumerate() {
            match self.apply_one(step, resource).await {
                Ok(Outcome::Created) => summary.created += 1,
                Ok(Outcome::Updated) => summary.updated += 1,
                Ok(Outcome::Unchanged) => summary.unchanged += 1,
                Ok(Outcome::Skipped) => summary.skipped += 1,
                Err(reason) => {
                    tracing::warn!(id = %resource.id, %reason, "apply failed");
                    self.emit(
                        step,
                        resource,
                        State::Failed {
                            reason: reason.clone(),
                        },
                    );
                    let failed = crate::verify::label(&resource.title, &resource.name);
                    let stop = format!("apply stopped when {failed} failed");
                    self.abandon(step, &resources[index + 1..], &stop, summary);
                    summary.failed = Some((resource.id.clone(), reason));
                    return;
                }
            }
        }
    }

    /// Reports `resources` as never tried because of `stop`, and counts them. A resource that
    /// the options leave out, such as the opt-in Databricks workspace, is still reported and
    /// counted as skipped, since apply would not have tried it either way.
    fn abandon(&self, step: StepId, resources: &[Resource], stop: &str, summary: &mut Summary) {
        for resource in resources {
            if let Some(reason) = self.skip_reason(resource) {
                self.emit(step, resource, State::Skipped { reason });
                summary.skipped += 1;
                continue;
            }
            let reason = stop.to_string();
            self.emit(step, resource, State::NotAttempted { reason });
            summary.not_attempted += 1;
        }
    }

    async fn apply_one(
        &self,
        step: StepId,
        resource: &Resource,
    ) -> std::result::Result<Outcome, String> {
        let action = self.decide(resource).await.map_err(|e| e.to_string())?;
        match action {
            Action::Skip { reason } => {
                self.emit(step, resource, State::Skipped { reason });
                Ok(Outcome::Skipped)
            }
            Action::Refuse { reason } => Err(reason),
            Action::Unchanged => {
                self.emit(step, resource, State::Unchanged);
                Ok(Outcome::Unchanged)
            }
            Action::Create => self.create(step, resource).await,
            Action::Update { .. } if self.parent_created(resource) => {
                self.create(step, resource).await
            }
            Action::Update { drifts } => {
                let changes = drifts.into_iter().map(|drift| drift.message).collect();
                self.emit(step, resource, State::Updating { changes });
                self.put(resource).await.map_err(|e| put_failure(&e))?;
                tracing::info!(id = %resource.id, "updated");
                self.emit(step, resource, State::Done);
                Ok(Outcome::Updated)
            }
        }
    }

    async fn create(
        &self,
        step: StepId,
        resource: &Resource,
    ) -> std::result::Result<Outcome, String> {
        self.emit(step, resource, State::Creating);
        self.put(resource).await.map_err(|e| put_failure(&e))?;
        tracing::info!(id = %resource.id, "created");
        self.created_ids().insert(resource.id.to_ascii_lowercase());
        self.emit(step, resource, State::Done);
        Ok(Outcome::Created)
    }

    /// Returns whether this apply created the resource's parent, which means the resource
    /// came into being with it and its settings are part of that creation.
    fn parent_created(&self, resource: &Resource) -> bool {
        resource
            .parent
            .as_ref()
            .is_some_and(|parent| self.created_ids().contains(&parent.to_ascii_lowercase()))
    }

    fn created_ids(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        // A panic while the set was held leaves it whole, so a poisoned lock is still usable.
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    async fn put(&self, resource: &Resource) -> Result<Value> {
        let mut body = desired::body(resource, &self.target);
        if let Spec::KeyVaultSecret(spec) = &resource.spec {
            let rule = self.source_rule(&spec.source_hub, &spec.source_rule)?;
            let keys = self.client.list_keys(&rule.id).await?;
            body["properties"]["value"] = json!(keys.primary_connection_string.expose());
        }
        self.client.put(resource.kind(), &resource.id, body).await
    }

    fn source_rule(&self, hub: &str, rule: &str) -> Result<&'a Resource> {
        let suffix = format!("/eventhubs/{hub}/authorizationRules/{rule}").to_ascii_lowercase();
        self.plan
            .resources()
            .find(|r| r.id.to_ascii_lowercase().ends_with(&suffix))
            .ok_or(Error::InvalidId(suffix))
    }

    /// Puts the apply lock on each existing group a step deploys into.
    async fn lock_groups(
        &self,
        step: StepId,
        resources: &[Resource],
        summary: &mut Summary,
    ) -> Vec<String> {
        let mut groups: Vec<&str> = resources
            .iter()
            .filter(|r| r.kind() != ResourceKind::ResourceGroup && self.skip_reason(r).is_none())
            .map(|r| r.resource_group.as_str())
            .collect();
        groups.sort_unstable();
        groups.dedup();

        let mut locked = Vec::new();
        for group in groups {
            let id = lock_id(group);
            let body = json!({ "properties": {
                "level": "CanNotDelete",
                "notes": format!("Held by EDA Workshop while step {} deploys.", step.number()),
            }});
            match self.client.put_path(&id, api::LOCKS, &body).await {
                Ok(_) => {
                    tracing::debug!(group, "locked");
                    locked.push(id);
                }
                Err(error) if error.is_not_found() => {}
                Err(error) => {
                    let reason = format!(
                        "cannot lock group `{group}` (on Azure a lock needs the Owner or User \
                         Access Administrator role): {error}"
                    );
                    summary.failed = Some((id, reason));
                    break;
                }
            }
        }
        locked
    }

    async fn unlock_groups(&self, step: StepId, locks: &[String], summary: &mut Summary) {
        for id in locks {
            if let Err(error) = self.client.delete_path(id, api::LOCKS).await {
                tracing::warn!(lock = %id, %error, "cannot remove lock");
                summary.stuck_locks.push((id.clone(), error.to_string()));
            } else {
                tracing::debug!(lock = %id, step = %step, "unlocked");
            }
        }
    }

    fn emit(&self, step: StepId, resource: &Resource, state: State) {
        emit(
            self.events.as_ref(),
            Some(step),
            &resource.id,
            &resource.title,
            state,
        );
    }
}

enum Outcome {
    Created,
    Updated,
    Unchanged,
    Skipped,
}

/// Builds the id of the apply lock on a resource group.
pub fn lock_id(group: &str) -> String {
    format!("/resourceGroups/{group}/providers/Microsoft.Authorization/locks/{APPLY_LOCK}")
}
