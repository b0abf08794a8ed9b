//! Teardown of one namespace on the live Local target. It lists everything it deletes, deletes
//! the resources through the Resource Manager with per-resource progress, removes the local
//! data that outlives the resources, and checks that nothing of the namespace is left.
//!
//! Deleting an Event Hubs namespace through the Resource Manager stops its broker and removes
//! its folder, and deleting a rule or purging a key vault removes its keychain entries. What
//! remains afterwards (the registry database, the Resource Manager's state, `endpoints.json`)
//! is shared by every namespace of the folder, so it goes only when the folder contains nothing
//! else, after the services have stopped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use control::apply::TargetKind;
use control::secrets::Keychain;
use control::teardown::{self, Survey};
use course::{Attendee, Plan, ResourceKind};
use serde::Serialize;

use crate::error::CommandError;
use crate::progress::{ProgressEvent, ProgressRows, RowState};
use crate::provision::LocalTarget;

/// One resource the teardown deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DeletedResource {
    /// The resource's ARM id below the subscription.
    pub(crate) id: String,
    /// Its role, such as "hub `customer`".
    pub(crate) title: String,
    /// Its name.
    pub(crate) name: String,
}

/// A resource group and the resources the teardown deletes in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct GroupTeardown {
    /// The group's ARM id below the subscription.
    pub(crate) id: String,
    /// The group's name.
    pub(crate) name: String,
    /// Whether the group itself is deleted, after its resources.
    pub(crate) deleted: bool,
    /// The resources deleted in the group, children first.
    pub(crate) resources: Vec<DeletedResource>,
}

/// A local file or folder the teardown removes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LocalData {
    /// The path.
    pub(crate) path: PathBuf,
    /// A description of its content.
    pub(crate) what: String,
}

/// Everything a teardown of one namespace deletes, for the attendee to read before confirming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TeardownPreview {
    /// The namespace the attendee types to confirm.
    pub(crate) namespace: String,
    /// The resource groups with their resources, in the plan's order.
    pub(crate) groups: Vec<GroupTeardown>,
    /// Key vaults purged after deletion, so their names are free again.
    pub(crate) purged_vaults: Vec<String>,
    /// Names of the keychain entries removed with the rules and key vault secrets.
    pub(crate) keychain_entries: Vec<String>,
    /// Local files and folders removed.
    pub(crate) local_data: Vec<LocalData>,
    /// Resources with a plan name that teardown leaves alone, each with the reason.
    pub(crate) refusals: Vec<String>,
}

impl TeardownPreview {
    /// Returns the preview of a namespace that has nothing on the Local target.
    pub(crate) fn empty(attendee: &Attendee) -> Self {
        TeardownPreview {
            namespace: attendee.namespace().to_string(),
            groups: Vec::new(),
            purged_vaults: Vec::new(),
            keychain_entries: Vec::new(),
            local_data: Vec::new(),
            refusals: Vec::new(),
        }
    }
}

/// The result of a teardown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct TeardownRecord {
    /// Resources deleted.
    pub(crate) deleted: usize,
    /// Key vaults purged.
    pub(crate) purged: usize,
    /// Keychain entries of the namespace removed with its rules and key vault secrets; counted
    /// on the Local target only, when every deletion succeeded.
    pub(crate) keychain_removed: usize,
    /// Each failed removal with its reason; empty when everything went.
    pub(crate) failures: Vec<String>,
    /// The Local target's data folder, which `removed` is relative to. None on Azure, and none
    /// when a deletion failed, because then no local data is removed.
    pub(crate) data_folder: Option<PathBuf>,
    /// Whether the Local target's data folder itself was removed, with everything in it.
    pub(crate) removed_data_folder: bool,
    /// Files and folders removed inside the data folder, relative to it. A folder's own files
    /// and folders are not listed again, and none is listed when the whole data folder went.
    pub(crate) removed: Vec<PathBuf>,
    /// Each thing of the namespace still there afterwards. Empty when nothing is left.
    pub(crate) left_over: Vec<String>,
}

impl TeardownRecord {
    /// Records the deletions of `outcome`, with nothing removed locally or checked yet.
    pub(crate) fn new(outcome: &teardown::Outcome) -> Self {
        TeardownRecord {
            deleted: outcome.deleted,
            purged: outcome.purged,
            keychain_removed: 0,
            failures: outcome
                .failures
                .iter()
                .map(|(id, reason)| format!("`{id}`: {reason}"))
                .collect(),
            data_folder: None,
            removed_data_folder: false,
            removed: Vec::new(),
            left_over: Vec::new(),
        }
    }

    /// Writes the counts of the teardown of `attendee`'s namespace on `target` to the log.
    pub(crate) fn log(&self, attendee: &Attendee, target: TargetKind) {
        tracing::info!(
            namespace = attendee.namespace(),
            target = ?target,
            deleted = self.deleted,
            purged = self.purged,
            failures = self.failures.len(),
            left_over = self.left_over.len(),
            "tore down a namespace"
        );
    }
}

/// The findings of a teardown before it starts, kept to check afterwards that all of it is gone.
struct Before {
    survey: Survey,
    keychain_entries: Vec<String>,
    folders: Vec<PathBuf>,
}

impl LocalTarget {
    /// Lists everything a teardown of the attendee's namespace deletes.
    pub(crate) async fn teardown_preview(
        &self,
        attendee: &Attendee,
    ) -> Result<TeardownPreview, CommandError> {
        let plan = course::plan(attendee);
        if !self.service().data_dir().exists() {
            // Nothing ever ran over the folder, or a teardown removed it: starting the services
            // only to find them empty would create it again.
            return Ok(TeardownPreview::empty(attendee));
        }
        let before = self.survey(&plan).await?;
        let mut local_data: Vec<LocalData> = before
            .folders
            .iter()
            .map(|path| LocalData {
                path: path.clone(),
                what: folder_role(self.service().data_dir(), path),
            })
            .collect();
        let namespace_found = !before.survey.is_empty()
            || !before.keychain_entries.is_empty()
            || !before.folders.is_empty();
        if namespace_found {
            local_data.push(LocalData {
                path: self.service().data_dir().to_path_buf(),
                what: "the Local target's own state (Resource Manager, registry database, \
                       endpoints.json), removed when no other namespace is left in it"
                    .to_string(),
            });
        }
        Ok(TeardownPreview {
            namespace: attendee.namespace().to_string(),
            groups: group_deletions(&plan, &before.survey),
            purged_vaults: before.survey.purges.clone(),
            keychain_entries: before.keychain_entries,
            local_data,
            refusals: before
                .survey
                .refusals
                .iter()
                .map(|refusal| refusal.reason.clone())
                .collect(),
        })
    }

    /// Deletes everything of the attendee's namespace once `confirmation` is the namespace,
    /// calling `progress` with each resource's state as it changes. The caller stops the live
    /// flow first, because its stores lie in a folder this removes. When every deletion
    /// succeeded it stops the services, removes the local data that is left empty, and checks
    /// that no resource, broker, keychain entry or folder of the namespace remains.
    pub(crate) async fn teardown(
        &self,
        attendee: &Attendee,
        confirmation: &str,
        progress: impl Fn(ProgressEvent),
    ) -> Result<TeardownRecord, CommandError> {
        check_confirmation(attendee, confirmation)?;
        let plan = course::plan(attendee);
        let before = self.survey(&plan).await?;
        let outcome = {
            let stack = self.service().stack().await?;
            let client = stack
                .resource_manager()
                .client()
                .map_err(|error| CommandError::Provisioning(error.to_string()))?;
            run_execute(&client, &plan, &before.survey, progress).await
        };
        let mut record = TeardownRecord::new(&outcome);
        if record.failures.is_empty() {
            let data_dir = self.service().data_dir();
            let mut removed = remove_flow_data(data_dir, &before.survey)?;
            record.left_over = self.left_over(&plan, &before).await?;
            record.keychain_removed = self.removed_entries(&before.keychain_entries)?;
            self.stop().await;
            removed.extend(remove_local_state(data_dir)?);
            record.removed_data_folder = removed.iter().any(|path| path == data_dir);
            record.removed = if record.removed_data_folder {
                Vec::new()
            } else {
                shown_paths(data_dir, removed)
            };
            record.data_folder = Some(data_dir.to_path_buf());
        }
        record.log(attendee, TargetKind::Local);
        Ok(record)
    }

    async fn survey(&self, plan: &Plan) -> Result<Before, CommandError> {
        let stack = self.service().stack().await?;
        let server = stack.resource_manager();
        let client = server
            .client()
            .map_err(|error| CommandError::Provisioning(error.to_string()))?;
        let survey = teardown::survey(&client, plan)
            .await
            .map_err(|error| CommandError::TeardownSurvey(error.to_string()))?;
        let keychain = self.service().keychain()?;
        let keychain_entries = existing_entries(
            &keychain,
            namespace_entries(server.keychain_entries(), server.subscription(), plan),
        );
        let folders = namespace_folders(stack.data_dir(), &survey);
        Ok(Before {
            survey,
            keychain_entries,
            folders,
        })
    }

    /// Counts the keychain entries of `entries` that no longer exist.
    fn removed_entries(&self, entries: &[String]) -> Result<usize, CommandError> {
        let keychain = self.service().keychain()?;
        Ok(entries
            .iter()
            .filter(|entry| matches!(keychain.read(entry), Ok(None)))
            .count())
    }

    /// Lists what of the namespace is still there after a teardown: resources the Resource
    /// Manager still returns, namespaces a broker still serves, keychain entries and folders.
    async fn left_over(&self, plan: &Plan, before: &Before) -> Result<Vec<String>, CommandError> {
        let mut left = Vec::new();
        {
            let stack = self.service().stack().await?;
            let client = stack
                .resource_manager()
                .client()
                .map_err(|error| CommandError::Provisioning(error.to_string()))?;
            let again = teardown::survey(&client, plan)
                .await
                .map_err(|error| CommandError::TeardownSurvey(error.to_string()))?;
            left.extend(
                again
                    .deletions
                    .iter()
                    .map(|deletion| format!("{} `{}` still exists", deletion.title, deletion.name)),
            );
            let served = stack.endpoints();
            for deletion in &before.survey.deletions {
                if deletion.kind == ResourceKind::EventHubsNamespace
                    && served.namespace(&deletion.name).is_some()
                {
                    left.push(format!("a broker still serves `{}`", deletion.name));
                }
            }
        }
        let keychain = self.service().keychain()?;
        for entry in &before.keychain_entries {
            match keychain.read(entry) {
                Ok(None) => {}
                Ok(Some(_)) => left.push(format!("keychain entry `{entry}` is still there")),
                Err(error) => left.push(format!("keychain entry `{entry}`: {error}")),
            }
        }
        for folder in &before.folders {
            if folder.exists() {
                left.push(format!("{} is still there", folder.display()));
            }
        }
        Ok(left)
    }
}

/// Refuses a teardown unless `confirmation` is the attendee's namespace.
pub(crate) fn check_confirmation(
    attendee: &Attendee,
    confirmation: &str,
) -> Result<(), CommandError> {
    if confirmation.trim() == attendee.namespace() {
        Ok(())
    } else {
        Err(CommandError::NotConfirmed {
            typed: confirmation.to_string(),
            namespace: attendee.namespace().to_string(),
        })
    }
}

/// Runs the deletions while forwarding each event to `progress` as it arrives.
pub(crate) async fn run_execute(
    client: &control::arm::ArmClient,
    plan: &Plan,
    survey: &Survey,
    progress: impl Fn(ProgressEvent),
) -> teardown::Outcome {
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let deleting = async move {
        let outcome = teardown::execute(client, plan, survey, Some(&sender)).await;
        // Dropping the sender closes the channel and ends the forwarding below.
        drop(sender);
        outcome
    };
    // Every deletion is listed as queued first, so the count of rows is the total from the
    // start and does not grow while the teardown runs.
    for deletion in &survey.deletions {
        progress(ProgressEvent {
            id: deletion.id.clone(),
            title: deletion.title.clone(),
            state: RowState::Queued,
            detail: None,
        });
    }
    let forwarding = async {
        let mut rows = ProgressRows::default();
        while let Some(event) = receiver.recv().await {
            progress(rows.row(&event));
        }
    };
    tokio::join!(deleting, forwarding).0
}

/// Sorts the survey's deletions into the plan's resource groups, keeping their order.
pub(crate) fn group_deletions(plan: &Plan, survey: &Survey) -> Vec<GroupTeardown> {
    let mut by_group: BTreeMap<String, Vec<DeletedResource>> = BTreeMap::new();
    let mut deleted_groups = Vec::new();
    for deletion in &survey.deletions {
        if deletion.kind == ResourceKind::ResourceGroup {
            deleted_groups.push(deletion.name.to_ascii_lowercase());
            continue;
        }
        let group = group_of(&deletion.id).unwrap_or_default();
        by_group.entry(group).or_default().push(DeletedResource {
            id: deletion.id.clone(),
            title: deletion.title.clone(),
            name: deletion.name.clone(),
        });
    }
    plan.resources()
        .filter(|resource| resource.kind() == ResourceKind::ResourceGroup)
        .filter_map(|group| {
            let key = group.name.to_ascii_lowercase();
            let resources = by_group.remove(&key).unwrap_or_default();
            let deleted = deleted_groups.contains(&key);
            (deleted || !resources.is_empty()).then(|| GroupTeardown {
                id: group.id.clone(),
                name: group.name.clone(),
                deleted,
                resources,
            })
        })
        .collect()
}

/// Returns the lower-case resource group name of an ARM id such as
/// `/resourceGroups/dv-events-broker-rg/providers/...`.
fn group_of(id: &str) -> Option<String> {
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("resourceGroups") {
            return parts.next().map(str::to_ascii_lowercase);
        }
    }
    None
}

/// Keeps the keychain entries of resources in the plan's resource groups. The local Resource
/// Manager names each entry `local/{subscription}{resource id in lower case}`, optionally with
/// `:{part}`, where the id starts with `/resourcegroups/{group}/`.
fn namespace_entries(entries: Vec<String>, subscription: &str, plan: &Plan) -> Vec<String> {
    let prefixes: Vec<String> = plan
        .resources()
        .filter(|resource| resource.kind() == ResourceKind::ResourceGroup)
        .map(|group| format!("local/{subscription}{}/", group.id.to_ascii_lowercase()))
        .collect();
    entries
        .into_iter()
        .filter(|entry| prefixes.iter().any(|prefix| entry.starts_with(prefix)))
        .collect()
}

/// Keeps the entries that `keychain` still contains, and those it fails to read, so that the
/// check after a teardown reports them. The local Resource Manager lists the entries it wrote,
/// but a keychain replaced since then, such as a new login keyring, no longer has them, and
/// counting them would report entries removed that never existed.
fn existing_entries(keychain: &Keychain, entries: Vec<String>) -> Vec<String> {
    entries
        .into_iter()
        .filter(|entry| !matches!(keychain.read(entry), Ok(None)))
        .collect()
}

/// Returns the removed paths inside `data_dir` relative to it, each once: a path inside
/// another removed folder is left out, because that folder's entry covers it.
fn shown_paths(data_dir: &Path, removed: Vec<PathBuf>) -> Vec<PathBuf> {
    let relative: Vec<PathBuf> = removed
        .iter()
        .filter_map(|path| path.strip_prefix(data_dir).ok())
        .filter(|path| !path.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .collect();
    let mut shown: Vec<PathBuf> = Vec::new();
    for path in &relative {
        let covered = relative
            .iter()
            .any(|other| other != path && path.starts_with(other));
        if !covered && !shown.contains(path) {
            shown.push(path.clone());
        }
    }
    shown
}

/// Lists the folders of the namespace's brokers, live flows and storage accounts that exist.
fn namespace_folders(data_dir: &Path, survey: &Survey) -> Vec<PathBuf> {
    let mut folders = Vec::new();
    for deletion in &survey.deletions {
        match deletion.kind {
            ResourceKind::EventHubsNamespace => {
                let name = deletion.name.to_ascii_lowercase();
                folders.push(data_dir.join(local::BROKER_FOLDER).join(&name));
                folders.push(flow_folder(data_dir, &deletion.name));
            }
            ResourceKind::StorageAccount => folders.push(
                data_dir
                    .join(control::local::CONTROL_FOLDER)
                    .join(control::local::STORAGE_FOLDER)
                    .join(&deletion.name),
            ),
            _ => {}
        }
    }
    folders.retain(|folder| folder.exists());
    folders
}

/// Returns the folder of the live flow's team stores and checkpoints for a broker namespace.
fn flow_folder(data_dir: &Path, namespace: &str) -> PathBuf {
    data_dir
        .join(flow::local_target::FLOW_FOLDER)
        .join(namespace)
}

/// Describes a folder of [`namespace_folders`] for the list.
fn folder_role(data_dir: &Path, folder: &Path) -> String {
    if folder.starts_with(data_dir.join(local::BROKER_FOLDER)) {
        "the broker's event log, checkpoints and port of this Event Hubs namespace".to_string()
    } else if folder.starts_with(data_dir.join(flow::local_target::FLOW_FOLDER)) {
        "the live flow's team stores, outboxes and checkpoints on this namespace".to_string()
    } else {
        "the blob containers of this storage account, with the capture and lake files in them"
            .to_string()
    }
}

/// Removes the live flow's folder of each deleted broker namespace, which no Resource Manager
/// resource owns, and the parent folder once it is empty. The flow must have stopped.
fn remove_flow_data(data_dir: &Path, survey: &Survey) -> Result<Vec<PathBuf>, CommandError> {
    let mut removed = Vec::new();
    let remove_error = |path: &Path, source| CommandError::RemoveLocalData {
        path: path.to_path_buf(),
        source,
    };
    for deletion in &survey.deletions {
        if deletion.kind != ResourceKind::EventHubsNamespace {
            continue;
        }
        let folder = flow_folder(data_dir, &deletion.name);
        match std::fs::remove_dir_all(&folder) {
            Ok(()) => removed.push(folder),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(remove_error(&folder, source)),
        }
    }
    let parent = data_dir.join(flow::local_target::FLOW_FOLDER);
    let empty = std::fs::read_dir(&parent)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    if empty {
        std::fs::remove_dir(&parent).map_err(|source| remove_error(&parent, source))?;
        removed.push(parent);
    }
    Ok(removed)
}

/// Removes what a stopped Local target leaves once it contains no resource: the empty broker
/// folder and registry database, then the folder itself when only files of
/// [`is_disposable`] are left.
/// The Resource Manager removes its own state when it stops with no resource left.
fn remove_local_state(data_dir: &Path) -> Result<Vec<PathBuf>, CommandError> {
    if !data_dir.exists() {
        return Ok(Vec::new());
    }
    let mut removed =
        local::remove_empty_state(data_dir).map_err(|source| CommandError::RemoveLocalData {
            path: data_dir.to_path_buf(),
            source,
        })?;
    let only_disposable_left = std::fs::read_dir(data_dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .all(|entry| is_disposable(&entry.file_name().to_string_lossy()))
        })
        .unwrap_or(false);
    if only_disposable_left {
        std::fs::remove_dir_all(data_dir).map_err(|source| CommandError::RemoveLocalData {
            path: data_dir.to_path_buf(),
            source,
        })?;
        removed.push(data_dir.to_path_buf());
    }
    Ok(removed)
}

/// Returns whether a file of the stack's folder only describes services that have stopped, so
/// it goes with the folder: `endpoints.json`, and the registry's and the brokers' CA
/// certificates, which the services make anew at each start.
fn is_disposable(name: &str) -> bool {
    name == local::ENDPOINTS_FILE
        || name == format!("{}.partial", local::ENDPOINTS_FILE)
        || name == registry::service::CA_CERTIFICATE_FILE
        || name == broker::server::CA_CERTIFICATE_FILE
}

#[cfg(test)]
mod tests {
    use super::*;
    use course::{Environment, Region, StepId};

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    #[test]
    fn shown_paths_are_relative_and_listed_once() {
        let data_dir = Path::new("/data/local");
        let removed = vec![
            data_dir.join("flow/dv-events001-ehns-eun-dgrf"),
            data_dir.join("flow"),
            data_dir.join("broker"),
            data_dir.join("broker"),
            data_dir.join("registry.sqlite"),
        ];

        let shown = shown_paths(data_dir, removed);

        assert_eq!(
            shown,
            vec![
                PathBuf::from("flow"),
                PathBuf::from("broker"),
                PathBuf::from("registry.sqlite")
            ]
        );
    }

    #[test]
    fn group_is_read_from_id() {
        assert_eq!(
            group_of("/resourceGroups/dv-events-broker-rg/providers/Microsoft.EventHub/x"),
            Some("dv-events-broker-rg".to_string())
        );
        assert_eq!(group_of("/providers/Microsoft.KeyVault/x"), None);
    }

    #[test]
    fn wrong_confirmation_deletes_nothing() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        tauri::async_runtime::block_on(async {
            target
                .apply(&dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            let error = target.teardown(&dgrf(), "dgr", |_| {}).await.unwrap_err();
            assert!(error.to_string().contains("`dgrf`"), "{error}");
            let preview = target.teardown_preview(&dgrf()).await.unwrap();
            assert_eq!(preview.groups.len(), 10);
            target.stop().await;
        });
    }

    #[test]
    fn teardown_counts_only_entries_in_keychain() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        let attendee = dgrf();
        tauri::async_runtime::block_on(async {
            for step in [
                StepId::ResourceGroups,
                StepId::SharedPlatform,
                StepId::Publishers,
            ] {
                let applied = target.apply(&attendee, step, |_| {}).await.unwrap();
                assert_eq!(applied.failure, None, "{step}");
            }
            let written = target.teardown_preview(&attendee).await.unwrap();
            assert!(
                written.keychain_entries.len() > 2,
                "{:?}",
                written.keychain_entries
            );

            // A keychain replaced since Apply, such as a new login keyring, lacks these two.
            let keychain = target.service().keychain().unwrap();
            for entry in &written.keychain_entries[..2] {
                assert!(keychain.remove(entry).unwrap(), "{entry}");
            }
            let preview = target.teardown_preview(&attendee).await.unwrap();
            assert_eq!(
                preview.keychain_entries,
                written.keychain_entries[2..].to_vec()
            );

            let record = target.teardown(&attendee, "dgrf", |_| {}).await.unwrap();
            assert_eq!(record.failures, Vec::<String>::new());
            assert_eq!(record.left_over, Vec::<String>::new());
            assert_eq!(record.keychain_removed, written.keychain_entries.len() - 2);
        });
    }

    #[test]
    fn teardown_leaves_nothing_of_namespace() {
        let folder = tempfile::tempdir().unwrap();
        let target = LocalTarget::with_memory_keychain(folder.path());
        let attendee = dgrf();
        let progress = std::sync::Mutex::new(Vec::new());
        tauri::async_runtime::block_on(async {
            for step in [
                StepId::ResourceGroups,
                StepId::SharedPlatform,
                StepId::SchemaRegistry,
                StepId::Publishers,
                StepId::Consumers,
            ] {
                let applied = target.apply(&attendee, step, |_| {}).await.unwrap();
                assert_eq!(applied.failure, None, "{step}");
            }

            // The live flow keeps its stores next to the brokers; no resource owns them.
            let flow_data = flow_folder(target.service().data_dir(), "dv-events001-ehns-eun-dgrf");
            std::fs::create_dir_all(&flow_data).unwrap();
            std::fs::write(flow_data.join("customer.sqlite"), b"store").unwrap();

            let preview = target.teardown_preview(&attendee).await.unwrap();
            assert_eq!(preview.namespace, "dgrf");
            assert!(preview.local_data.iter().any(|item| item.path == flow_data));
            assert_eq!(preview.groups.len(), 10);
            assert!(preview.groups.iter().all(|group| group.deleted));
            let broker = preview
                .groups
                .iter()
                .find(|group| group.name == "dv-events-broker-rg")
                .unwrap();
            assert!(broker
                .resources
                .iter()
                .any(|resource| resource.name == "dv-events001-ehns-eun-dgrf"));
            assert!(
                !preview.keychain_entries.is_empty(),
                "rule keys and secrets are listed"
            );
            assert!(preview
                .local_data
                .iter()
                .any(|item| item.path.ends_with("broker/dv-events001-ehns-eun-dgrf")));
            assert_eq!(preview.refusals, Vec::<String>::new());

            let record = target
                .teardown(&attendee, "dgrf", |event| {
                    progress.lock().unwrap().push(event)
                })
                .await
                .unwrap();
            assert_eq!(record.failures, Vec::<String>::new());
            assert_eq!(record.left_over, Vec::<String>::new());
            assert!(record.deleted > 0);
            assert_eq!(record.keychain_removed, preview.keychain_entries.len());
            assert!(record.removed_data_folder);
            assert_eq!(record.removed, Vec::<PathBuf>::new());
            assert_eq!(
                record.data_folder.as_deref(),
                Some(target.service().data_dir())
            );

            let after = target.teardown_preview(&attendee).await.unwrap();
            assert_eq!(after, TeardownPreview::empty(&attendee));
        });

        let progress = progress.into_inner().unwrap();
        assert!(progress
            .iter()
            .any(|event| event.state == crate::progress::RowState::Deleted));
        let queued_first = progress
            .iter()
            .take_while(|event| event.state == RowState::Queued)
            .count();
        let deleted = progress
            .iter()
            .filter(|event| event.state == RowState::Deleted)
            .count();
        assert_eq!(
            queued_first, deleted,
            "every deletion is queued before the first one runs"
        );
        let local_dir = target.service().data_dir();
        assert!(
            !local_dir.exists(),
            "the Local target's folder is removed, but it contains {:?}",
            std::fs::read_dir(local_dir)
                .map(|entries| entries
                    .filter_map(Result::ok)
                    .map(|entry| entry.path())
                    .collect::<Vec<_>>())
                .unwrap_or_default()
        );
        let left: Vec<_> = std::fs::read_dir(folder.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|entry| entry.file_name())
            .filter(|name| name != "local.lock")
            .collect();
        assert!(left.is_empty(), "left in the app data folder: {left:?}");
    }
}
