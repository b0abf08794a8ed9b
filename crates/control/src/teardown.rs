//! Teardown: remove what the app created for one namespace, and nothing else.
//!
//! A resource is the app's when it bears the tags `managed-by=eda-workshop` and
//! `workshop-namespace={ns}` and has a name the plan gives. A child without tags (a hub, a
//! container) is the app's when its tagged parent is. Anything else with a plan name is
//! refused with the reason. A resource group is removed only when it holds nothing the plan
//! does not name, because deleting a group deletes everything in it.

use std::collections::HashSet;

use course::{Plan, Resource, ResourceKind};
use serde::Serialize;

use crate::apply::lock_id;
use crate::arm::{api, ArmClient};
use crate::error::Result;
use crate::ownership::{self, Owner};
use crate::progress::{emit, Sender, State};

/// One resource teardown deletes.
#[derive(Debug, Clone, Serialize)]
pub struct Deletion {
    /// The resource's ARM id.
    pub id: String,
    /// Its title, such as "hub `customer`".
    pub title: String,
    /// Its name.
    pub name: String,
    /// Its kind.
    pub kind: ResourceKind,
    /// The entity tag a delete must name, for kinds that require one.
    pub etag: Option<String>,
}

/// A resource with a plan name that teardown leaves alone.
#[derive(Debug, Clone, Serialize)]
pub struct Refusal {
    /// The resource's ARM id.
    pub id: String,
    /// The reason it stays.
    pub reason: String,
}

/// The dry run: what teardown will do.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Survey {
    /// Apply locks to remove first.
    pub locks: Vec<String>,
    /// Resources to delete, children before parents.
    pub deletions: Vec<Deletion>,
    /// Key vaults to purge after deletion (soft-deleted vaults keep their names taken).
    pub purges: Vec<String>,
    /// Resources left alone, with reasons.
    pub refusals: Vec<Refusal>,
}

impl Survey {
    /// Returns whether there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.locks.is_empty() && self.deletions.is_empty() && self.purges.is_empty()
    }
}

/// The outcome of a teardown.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Outcome {
    /// Resources deleted.
    pub deleted: usize,
    /// Vaults purged.
    pub purged: usize,
    /// Failures, by id, with ARM's reason.
    pub failures: Vec<(String, String)>,
}

/// Kinds ARM removes with their parent and cannot delete on their own.
fn goes_with_parent(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::KeyVaultSecret | ResourceKind::BlobService
    )
}

/// Finds the nearest resource of the plan, this one included, that carries tags.
fn tagged_ancestor<'p>(plan: &'p Plan, resource: &'p Resource) -> Option<&'p Resource> {
    let mut current = resource;
    loop {
        if current.kind().takes_tags() {
            return Some(current);
        }
        current = plan.resource(current.parent.as_deref()?)?;
    }
}

/// Reads the target and lists what teardown would remove and what it refuses.
pub async fn survey(client: &ArmClient, plan: &Plan) -> Result<Survey> {
    let namespace = plan.attendee.namespace();
    let mut survey = Survey::default();
    let mut ours: HashSet<String> = HashSet::new();
    let mut refused: HashSet<String> = HashSet::new();
    let mut groups = Vec::new();

    for resource in plan.resources() {
        let key = resource.id.to_ascii_lowercase();
        let Some(anchor) = tagged_ancestor(plan, resource) else {
            continue;
        };
        let anchor_key = anchor.id.to_ascii_lowercase();
        if anchor.id != resource.id && !ours.contains(&anchor_key) {
            continue;
        }
        let Some(actual) = client.get(resource.kind(), &resource.id).await? else {
            continue;
        };
        if resource.kind().takes_tags() {
            let owner = ownership::owner(&actual, namespace);
            if owner != Owner::Ours {
                let reason = ownership::refusal(&resource.title, &resource.name, &owner);
                survey.refusals.push(Refusal {
                    id: resource.id.clone(),
                    reason,
                });
                refused.insert(key);
                continue;
            }
        }
        ours.insert(key);
        match resource.kind() {
            ResourceKind::ResourceGroup => groups.push(resource),
            kind if goes_with_parent(kind) => {}
            kind => {
                if kind == ResourceKind::KeyVault {
                    survey.purges.push(resource.name.clone());
                }
                survey.deletions.push(Deletion {
                    id: resource.id.clone(),
                    title: resource.title.clone(),
                    name: resource.name.clone(),
                    kind,
                    etag: actual["etag"].as_str().map(str::to_string),
                });
            }
        }
    }

    for group in groups {
        let strangers: Vec<String> = client
            .group_resources(&group.name)
            .await?
            .iter()
            .filter_map(|item| item["id"].as_str())
            .map(below_subscription)
            .filter(|id| !ours.contains(&id.to_ascii_lowercase()))
            .collect();
        if strangers.is_empty() {
            survey.deletions.push(Deletion {
                id: group.id.clone(),
                title: group.title.clone(),
                name: group.name.clone(),
                kind: ResourceKind::ResourceGroup,
                etag: None,
            });
        } else {
            let names: Vec<&str> = strangers
                .iter()
                .map(|id| id.rsplit('/').next().unwrap_or(id))
                .collect();
            survey.refusals.push(Refusal {
                id: group.id.clone(),
                reason: format!(
                    "{} `{}` also holds {} that EDA Workshop did not create for this namespace \
                     (`{}`): the group is kept",
                    group.title,
                    group.name,
                    if names.len() == 1 {
                        "a resource"
                    } else {
                        "resources"
                    },
                    names.join("`, `")
                ),
            });
        }
        if client
            .get_path(&lock_id(&group.name), api::LOCKS)
            .await?
            .is_some()
        {
            survey.locks.push(lock_id(&group.name));
        }
    }

    survey.deletions.reverse();
    // Resource groups were collected last but must go after everything in them.
    survey
        .deletions
        .sort_by_key(|deletion| deletion.kind == ResourceKind::ResourceGroup);
    purge_leftovers(client, plan, &mut survey).await?;
    Ok(survey)
}

/// Adds vaults of the plan that an earlier teardown deleted but did not purge.
async fn purge_leftovers(client: &ArmClient, plan: &Plan, survey: &mut Survey) -> Result<()> {
    let namespace = plan.attendee.namespace();
    for vault in plan
        .resources()
        .filter(|r| r.kind() == ResourceKind::KeyVault)
    {
        if survey.purges.contains(&vault.name) {
            continue;
        }
        let path = deleted_vault_path(&vault.spec, &vault.name);
        let Some(deleted) = client.get_path(&path, api::KEY_VAULT).await? else {
            continue;
        };
        let tags = serde_json::json!({ "tags": deleted["properties"]["tags"] });
        if ownership::owner(&tags, namespace) == Owner::Ours {
            survey.purges.push(vault.name.clone());
        }
    }
    Ok(())
}

fn deleted_vault_path(spec: &course::Spec, name: &str) -> String {
    let location = match spec {
        course::Spec::KeyVault(spec) => spec.location.as_str(),
        _ => "",
    };
    format!("/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}")
}

fn below_subscription(id: &str) -> String {
    let parts: Vec<&str> = id.splitn(4, '/').collect();
    match parts.as_slice() {
        ["", subscriptions, _, rest] if subscriptions.eq_ignore_ascii_case("subscriptions") => {
            format!("/{rest}")
        }
        _ => id.to_string(),
    }
}

/// Carries out a survey: removes the apply locks, deletes children before parents, then
/// purges the deleted key vaults. It goes on past a failure and reports each one.
pub async fn execute(
    client: &ArmClient,
    plan: &Plan,
    survey: &Survey,
    events: Option<&Sender>,
) -> Outcome {
    let mut outcome = Outcome::default();
    for lock in &survey.locks {
        if let Err(error) = client.delete_path(lock, api::LOCKS).await {
            outcome.failures.push((lock.clone(), error.to_string()));
        }
    }
    for deletion in &survey.deletions {
        emit(events, None, &deletion.id, &deletion.title, State::Deleting);
        let result = client
            .delete(deletion.kind, &deletion.id, deletion.etag.as_deref())
            .await;
        match result {
            Ok(_) => {
                tracing::info!(id = %deletion.id, "deleted");
                outcome.deleted += 1;
                emit(events, None, &deletion.id, &deletion.title, State::Done);
            }
            Err(error) => {
                let reason = error.to_string();
                tracing::warn!(id = %deletion.id, %reason, "delete failed");
                emit(
                    events,
                    None,
                    &deletion.id,
                    &deletion.title,
                    State::Failed {
                        reason: reason.clone(),
                    },
                );
                outcome.failures.push((deletion.id.clone(), reason));
            }
        }
    }
    for name in &survey.purges {
        let Some(vault) = plan
            .resources()
            .find(|r| r.kind() == ResourceKind::KeyVault && &r.name == name)
        else {
            continue;
        };
        let path = format!("{}/purge", deleted_vault_path(&vault.spec, name));
        match client.post_path(&path, api::KEY_VAULT).await {
            Ok(_) => {
                tracing::info!(vault = %name, "purged");
                outcome.purged += 1;
            }
            Err(error) => outcome.failures.push((path, error.to_string())),
        }
    }
    outcome
}
