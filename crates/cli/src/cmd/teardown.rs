//! `eda-workshop teardown`: remove what the app created for a namespace, after showing the
//! list and asking for confirmation.

use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use course::ResourceKind;

use crate::cmd::apply::{confirm, print_progress, TargetArgs, TargetChoice};
use crate::cmd::attendee::AttendeeArgs;
use crate::table::Table;
use crate::Global;

/// Options of `eda-workshop teardown`.
#[derive(Debug, Args)]
pub(crate) struct TeardownArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,

    #[command(flatten)]
    target: TargetArgs,

    /// Show what would be removed and change nothing.
    #[arg(long)]
    dry_run: bool,

    /// Remove without asking for the namespace.
    #[arg(long)]
    yes: bool,
}

/// Tears down the namespace's resources.
pub(crate) async fn run(args: TeardownArgs, global: &Global) -> anyhow::Result<()> {
    let plan = course::plan(&args.attendee.attendee()?);
    let flow_folders = match args.target.target {
        TargetChoice::Local => flow_folders(&global.data_dir()?, &plan),
        TargetChoice::Azure => Vec::new(),
    };
    let session = args.target.open(global).await?;
    let result = teardown(&session, &plan, &flow_folders, &args, global).await;
    session.close().await?;
    let removed_everything = matches!(result, Ok(true));
    if removed_everything && args.target.target == TargetChoice::Local {
        let data_dir = global.data_dir()?;
        for path in remove_flow_folders(&data_dir, &flow_folders)? {
            eprintln!("removed {}", path.display());
        }
        for path in local::remove_empty_state(&data_dir)? {
            eprintln!("removed {}", path.display());
        }
    }
    result.map(|_| ())
}

/// Returns the existing folders of the live flow's state (team stores, outboxes, checkpoints
/// and run record) of the plan's Event Hubs namespaces. No Resource Manager resource owns
/// them, so teardown removes them itself.
fn flow_folders(data_dir: &Path, plan: &course::Plan) -> Vec<PathBuf> {
    plan.resources()
        .filter(|resource| resource.kind() == ResourceKind::EventHubsNamespace)
        .map(|resource| {
            data_dir
                .join(flow::local_target::FLOW_FOLDER)
                .join(&resource.name)
        })
        .filter(|folder| folder.exists())
        .collect()
}

/// Removes the flow state folders, then the parent `flow` folder once it is empty. The
/// services must have stopped. Returns the paths removed.
fn remove_flow_folders(data_dir: &Path, folders: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for folder in folders {
        match std::fs::remove_dir_all(folder) {
            Ok(()) => removed.push(folder.clone()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
    }
    let parent = data_dir.join(flow::local_target::FLOW_FOLDER);
    let parent_empty = std::fs::read_dir(&parent)
        .map(|mut entries| entries.next().is_none())
        .unwrap_or(false);
    if parent_empty {
        std::fs::remove_dir(&parent)?;
        removed.push(parent);
    }
    Ok(removed)
}

async fn teardown(
    session: &control::session::Session,
    plan: &course::Plan,
    flow_folders: &[PathBuf],
    args: &TeardownArgs,
    global: &Global,
) -> anyhow::Result<bool> {
    let survey = control::teardown::survey(&session.client, plan).await?;
    if global.json && args.dry_run {
        println!("{}", serde_json::to_string_pretty(&survey)?);
        return Ok(false);
    }
    let preview = preview(&survey, flow_folders, plan.attendee.namespace());
    let nothing_to_remove = survey.is_empty() && flow_folders.is_empty();
    // A dry run's list is its result, so it goes to standard output. Before a removal, the
    // list is progress that the confirmation refers to, so it goes to standard error.
    if args.dry_run {
        println!("{preview}");
        return Ok(false);
    }
    eprintln!("{preview}");
    if nothing_to_remove {
        return Ok(false);
    }
    if !args.yes {
        confirm(plan.attendee.namespace(), "remove these resources")?;
    }

    let (sender, events) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(print_progress(events));
    let outcome = control::teardown::execute(&session.client, plan, &survey, Some(&sender)).await;
    drop(sender);
    let _ = printer.await;

    if global.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
    } else {
        println!("deleted {}, purged {}", outcome.deleted, outcome.purged);
    }
    if !outcome.failures.is_empty() {
        for (id, reason) in &outcome.failures {
            eprintln!("failed: `{id}`: {reason}");
        }
        let count = outcome.failures.len();
        let (removals, causes) = if count == 1 {
            ("1 removal".to_string(), "cause")
        } else {
            (format!("{count} removals"), "causes")
        };
        bail!("{removals} failed: fix the {causes} above and run teardown again");
    }
    Ok(true)
}

/// Lists what a teardown removes: the resources, children first, then the key vault purges,
/// the flow state folders and the resources left alone. With nothing to remove it is one
/// sentence instead of an empty table.
fn preview(
    survey: &control::teardown::Survey,
    flow_folders: &[PathBuf],
    namespace: &str,
) -> String {
    let mut lines = Vec::new();
    if survey.is_empty() && flow_folders.is_empty() {
        lines.push(format!("Nothing of namespace `{namespace}` to remove."));
    } else if survey.deletions.is_empty() {
        lines.push(format!(
            "Teardown deletes no resource of namespace `{namespace}`, but it:"
        ));
        for lock in &survey.locks {
            lines.push(format!("  removes the apply lock `{lock}`"));
        }
    } else {
        let mut table = Table::new(&["resource", "name"]);
        for deletion in &survey.deletions {
            table.row(vec![deletion.title.clone(), deletion.name.clone()]);
        }
        lines.push(format!(
            "Teardown removes these resources, children first:\n{}",
            table.render()
        ));
    }
    // After the table these lines continue its sentence; without it, they follow "but it:".
    let and = if survey.deletions.is_empty() {
        ""
    } else {
        "and "
    };
    for vault in &survey.purges {
        lines.push(format!(
            "  {and}purges the deleted key vault `{vault}` so its name is free again"
        ));
    }
    for folder in flow_folders {
        lines.push(format!(
            "  {and}removes the live flow's team stores, outboxes and checkpoints in {}",
            folder.display()
        ));
    }
    for refusal in &survey.refusals {
        lines.push(format!("  left alone: {}", refusal.reason));
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use course::{Attendee, Environment, Region};

    fn deletion(title: &str, name: &str) -> control::teardown::Deletion {
        control::teardown::Deletion {
            id: format!("/resourceGroups/rg/{name}"),
            title: title.to_owned(),
            name: name.to_owned(),
            kind: ResourceKind::EventHub,
            etag: None,
        }
    }

    #[test]
    fn nothing_to_remove_prints_no_table() {
        let survey = control::teardown::Survey::default();

        assert_eq!(
            preview(&survey, &[], "dgrf"),
            "Nothing of namespace `dgrf` to remove."
        );
    }

    #[test]
    fn nothing_to_remove_keeps_resources_left_alone() {
        let survey = control::teardown::Survey {
            refusals: vec![control::teardown::Refusal {
                id: "/resourceGroups/rg".to_owned(),
                reason: "resource group `rg` holds other resources".to_owned(),
            }],
            ..Default::default()
        };

        assert_eq!(
            preview(&survey, &[], "dgrf"),
            "Nothing of namespace `dgrf` to remove.\n  left alone: resource group `rg` holds \
             other resources"
        );
    }

    #[test]
    fn purge_alone_is_listed_without_table() {
        let survey = control::teardown::Survey {
            purges: vec!["dv-customer-kv-eun-dgrf".to_owned()],
            ..Default::default()
        };

        assert_eq!(
            preview(&survey, &[], "dgrf"),
            "Teardown deletes no resource of namespace `dgrf`, but it:\n  purges the deleted \
             key vault `dv-customer-kv-eun-dgrf` so its name is free again"
        );
    }

    #[test]
    fn deletions_are_listed_in_table() {
        let survey = control::teardown::Survey {
            deletions: vec![deletion("hub `lead`", "lead")],
            purges: vec!["kv".to_owned()],
            ..Default::default()
        };

        let text = preview(&survey, &[], "dgrf");

        assert!(
            text.starts_with("Teardown removes these resources, children first:\n"),
            "{text}"
        );
        assert!(text.contains("hub `lead`"), "{text}");
        assert!(
            text.ends_with("\n  and purges the deleted key vault `kv` so its name is free again"),
            "{text}"
        );
    }

    #[test]
    fn flow_folder_is_found_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let attendee = Attendee::new("rcthr", Environment::Dv, Region::north_europe()).unwrap();
        let plan = course::plan(&attendee);
        let folder = dir.path().join("flow").join("dv-events001-ehns-eun-rcthr");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("run.json"), "{}").unwrap();

        let found = flow_folders(dir.path(), &plan);
        let removed = remove_flow_folders(dir.path(), &found).unwrap();

        assert_eq!(found, vec![folder.clone()]);
        assert_eq!(removed, vec![folder, dir.path().join("flow")]);
        assert!(!dir.path().join("flow").exists());
    }

    #[test]
    fn other_namespace_flow_folder_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("flow").join("dv-events001-ehns-eun-other1");
        std::fs::create_dir_all(&other).unwrap();
        let attendee = Attendee::new("rcthr", Environment::Dv, Region::north_europe()).unwrap();

        let found = flow_folders(dir.path(), &course::plan(&attendee));
        let removed = remove_flow_folders(dir.path(), &found).unwrap();

        assert_eq!(found, Vec::<PathBuf>::new());
        assert_eq!(removed, Vec::<PathBuf>::new());
        assert!(other.is_dir());
    }
}
