//! `eda-workshop verify`: compare what exists with the plan and name each difference.

use anyhow::bail;
use clap::Args;

use crate::cmd::apply::{StepArgs, TargetArgs};
use crate::cmd::attendee::AttendeeArgs;
use crate::Global;

/// Options of `eda-workshop verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,

    #[command(flatten)]
    target: TargetArgs,

    #[command(flatten)]
    steps: StepArgs,
}

/// Verifies the plan; fails when anything differs.
pub(crate) async fn run(args: VerifyArgs, global: &Global) -> anyhow::Result<()> {
    let plan = course::plan(&args.attendee.attendee()?);
    let options = args.steps.options(args.target.kind())?;
    let session = args.target.open(global).await?;
    let report =
        control::verify::verify(&session.client, session.target.clone(), &plan, options).await;
    session.close().await?;
    let report = report?;

    if global.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for finding in &report.findings {
            println!("{}", finding.message);
        }
        for skipped in &report.skipped {
            eprintln!("skipped: {}", skipped.message);
        }
        if report.is_clean() {
            println!("{} resources match the plan", report.checked);
        }
    }
    if !report.is_clean() {
        let count = report.findings.len();
        let noun = if count == 1 {
            "difference"
        } else {
            "differences"
        };
        bail!("verify found {count} {noun} from the plan: run `eda-workshop apply` to fix them");
    }
    Ok(())
}
