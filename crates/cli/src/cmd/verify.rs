//! `eda-workshop verify`: compare what exists with the plan and name each difference.

use anyhow::bail;
use clap::Args;
use course::counted;

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
            println!("{}", clean_line(report.checked));
        }
    }
    if !report.is_clean() {
        bail!(
            "{}",
            differences_error(report.findings.len(), report.refused)
        );
    }
    Ok(())
}

/// Formats the line of a verify that found no difference.
fn clean_line(checked: usize) -> String {
    let resources = counted(checked, "resource matches", "resources match");
    format!("{resources} the plan")
}

/// Formats the error of a verify that found `count` differences, `refused` of which apply
/// cannot fix.
fn differences_error(count: usize, refused: usize) -> String {
    let (differences, them) = if count == 1 {
        ("1 difference".to_string(), "it")
    } else {
        (format!("{count} differences"), "them")
    };
    match refused {
        0 => format!(
            "verify found {differences} from the plan: run `eda-workshop apply` to fix {them}"
        ),
        _ if refused == count => format!(
            "verify found {differences} from the plan that `eda-workshop apply` cannot fix: \
             fix {them} as the lines above say"
        ),
        _ => format!(
            "verify found {differences} from the plan, and `eda-workshop apply` cannot fix \
             {refused} of them: fix those as the lines above say, then run `eda-workshop apply` \
             for the rest"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_difference_in_singular() {
        assert_eq!(
            differences_error(1, 0),
            "verify found 1 difference from the plan: run `eda-workshop apply` to fix it"
        );
    }

    #[test]
    fn differences_in_plural() {
        assert_eq!(
            differences_error(3, 0),
            "verify found 3 differences from the plan: run `eda-workshop apply` to fix them"
        );
    }

    #[test]
    fn differences_apply_cannot_fix() {
        assert_eq!(
            differences_error(1, 1),
            "verify found 1 difference from the plan that `eda-workshop apply` cannot fix: fix \
             it as the lines above say"
        );
        assert_eq!(
            differences_error(3, 1),
            "verify found 3 differences from the plan, and `eda-workshop apply` cannot fix 1 of \
             them: fix those as the lines above say, then run `eda-workshop apply` for the rest"
        );
    }

    #[test]
    fn clean_verify_counts_resources() {
        assert_eq!(clean_line(1), "1 resource matches the plan");
        assert_eq!(clean_line(12), "12 resources match the plan");
    }
}
