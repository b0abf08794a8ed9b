//! `eda-workshop teardown`: remove what the app created for a namespace, after showing the
//! list and asking for confirmation.

use anyhow::bail;
use clap::Args;

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
    let session = args.target.open(global).await?;
    let result = teardown(&session, &plan, &args, global).await;
    session.close().await?;
    let removed_everything = matches!(result, Ok(true));
    if removed_everything && args.target.target == TargetChoice::Local {
        for path in local::remove_empty_state(&global.data_dir()?)? {
            eprintln!("removed {}", path.display());
        }
    }
    result.map(|_| ())
}

async fn teardown(
    session: &control::session::Session,
    plan: &course::Plan,
    args: &TeardownArgs,
    global: &Global,
) -> anyhow::Result<bool> {
    let survey = control::teardown::survey(&session.client, plan).await?;
    if global.json && args.dry_run {
        println!("{}", serde_json::to_string_pretty(&survey)?);
        return Ok(false);
    }
    let mut table = Table::new(&["resource", "name"]);
    for deletion in &survey.deletions {
        table.row(vec![deletion.title.clone(), deletion.name.clone()]);
    }
    eprintln!(
        "Teardown removes these resources, children first:\n{}",
        table.render()
    );
    for vault in &survey.purges {
        eprintln!("  and purges the deleted key vault `{vault}` so its name is free again");
    }
    for refusal in &survey.refusals {
        eprintln!("  left alone: {}", refusal.reason);
    }
    if args.dry_run || survey.is_empty() {
        if survey.is_empty() {
            eprintln!(
                "Nothing of namespace `{}` to remove.",
                plan.attendee.namespace()
            );
        }
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
        bail!(
            "{} removals failed: fix the causes above and run teardown again",
            outcome.failures.len()
        );
    }
    Ok(true)
}
