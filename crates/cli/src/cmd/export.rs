//! `eda-workshop export`: one step of the plan as Bicep or as Azure CLI commands.

use clap::Args;
use course::export::Format;
use course::StepId;

use crate::cmd::attendee::AttendeeArgs;
use crate::Global;

/// Options of `eda-workshop export`.
#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,

    /// The step: resource-groups, platform, schema-registry, publishers, consumers, 1 to 5, or
    /// the step's id in `plan --json`, such as shared_platform.
    #[arg(long, value_name = "STEP")]
    step: StepId,

    /// The language: bicep, or az for Azure CLI commands.
    #[arg(long, value_name = "FORMAT", default_value = "bicep")]
    format: Format,
}

/// Prints the step in the chosen format. With `--json` the text comes wrapped in an object with
/// the step and format, for tools that want to store it.
pub(crate) async fn run(args: ExportArgs, global: &Global) -> anyhow::Result<()> {
    let plan = course::plan(&args.attendee.attendee()?);
    let text = course::export::export(&plan, args.step, args.format);
    if global.json {
        let format = match args.format {
            Format::Bicep => "bicep",
            Format::AzCli => "az",
        };
        let value = serde_json::json!({ "step": args.step, "format": format, "text": text });
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{text}");
    }
    Ok(())
}
