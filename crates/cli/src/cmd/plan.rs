//! `eda-workshop plan`: the plan of every step, as a table or as JSON.

use clap::Args;
use course::{Billing, Plan};

use crate::cmd::attendee::AttendeeArgs;
use crate::table::Table;
use crate::Global;

/// Options of `eda-workshop plan`.
#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,
}

/// Prints the plan.
pub(crate) async fn run(args: PlanArgs, global: &Global) -> anyhow::Result<()> {
    let plan = course::plan(&args.attendee.attendee()?);
    if global.json {
        println!("{}", serde_json::to_string_pretty(&plan)?);
    } else {
        print!("{}", render(&plan));
    }
    Ok(())
}

fn render(plan: &Plan) -> String {
    let attendee = &plan.attendee;
    let mut out = format!(
        "Plan for unique namespace `{}`, environment {}, region {} ({})\n",
        attendee.namespace(),
        attendee.environment(),
        attendee.region().name,
        attendee.region().code
    );

    for step in &plan.steps {
        out.push_str(&format!(
            "\nStep {} · {}\n  {}\n\n",
            step.number, step.title, step.summary
        ));
        let mut table = Table::new(&["resource", "name", "resource group", "team", "settings"]);
        for resource in &step.resources {
            let mut settings = resource.spec.summary();
            if resource.opt_in {
                settings.push_str(" [created only on request]");
            } else if resource.billing == Billing::WhileExists {
                settings.push_str(" [bills while it exists]");
            }
            table.row(vec![
                resource.title.clone(),
                resource.name.clone(),
                resource.resource_group.clone(),
                resource.team.name().to_string(),
                settings,
            ]);
        }
        out.push_str(&table.render());
    }

    out.push_str("\nEvents of the demo flow\n\n");
    let mut table = Table::new(&["event", "hub", "publisher", "fields", "read by"]);
    for event in &plan.events {
        let readers: Vec<String> = event
            .consumers
            .iter()
            .map(|consumer| format!("{} ({})", consumer.consumer_group, consumer.team))
            .collect();
        table.row(vec![
            event.name.clone(),
            event.hub.clone(),
            event.publisher.name().to_string(),
            event.fields.join(", "),
            readers.join(", "),
        ]);
    }
    out.push_str(&table.render());
    out
}
