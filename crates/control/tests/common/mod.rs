//! A local Resource Manager over a fresh data folder, with an in-memory keychain and recorded
//! broker and registry entities, and an ARM client that reaches it over HTTP.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use control::apply::{Applier, Options, Summary, TargetKind};
use control::arm::ArmClient;
use control::local::{LocalOptions, LocalResourceManager, RecordedEffects};
use control::secrets::Keychain;
use course::{Attendee, Environment, Plan, Region};

pub(crate) struct Harness {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) server: LocalResourceManager,
    pub(crate) client: ArmClient,
    pub(crate) effects: Arc<RecordedEffects>,
    pub(crate) keychain: Keychain,
}

pub(crate) fn plan_for(namespace: &str) -> Plan {
    let attendee = Attendee::new(namespace, Environment::Dv, Region::north_europe()).unwrap();
    course::plan(&attendee)
}

impl Harness {
    pub(crate) async fn start() -> Harness {
        Harness::start_with(LocalOptions::default(), Keychain::in_memory()).await
    }

    pub(crate) async fn start_with(options: LocalOptions, keychain: Keychain) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        Harness::start_over(dir, options, keychain).await
    }

    /// Starts again over the folder of an earlier harness, with its state.
    pub(crate) async fn start_in(dir: tempfile::TempDir, keychain: Keychain) -> Harness {
        Harness::start_over(dir, LocalOptions::default(), keychain).await
    }

    async fn start_over(
        dir: tempfile::TempDir,
        options: LocalOptions,
        keychain: Keychain,
    ) -> Harness {
        let effects = Arc::new(RecordedEffects::open_in(dir.path()).unwrap());
        let server =
            LocalResourceManager::start(dir.path(), keychain.clone(), effects.clone(), options)
                .await
                .unwrap();
        let client = server.client().unwrap();
        Harness {
            dir,
            server,
            client,
            effects,
            keychain,
        }
    }

    pub(crate) fn applier<'a>(&'a self, plan: &'a Plan) -> Applier<'a> {
        Applier::new(
            &self.client,
            self.server.target(),
            plan,
            Options::all(TargetKind::Local),
            None,
        )
    }

    pub(crate) async fn apply(&self, plan: &Plan) -> Summary {
        self.applier(plan).apply().await
    }
}

/// Lists every file below a folder.
pub(crate) fn files_below(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

/// Counts the resources apply creates on Local: all but the Databricks workspace.
pub(crate) fn local_resource_count(plan: &Plan) -> usize {
    plan.resources()
        .filter(|r| r.kind() != course::ResourceKind::DatabricksWorkspace)
        .count()
}
