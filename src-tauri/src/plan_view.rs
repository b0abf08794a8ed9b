//! One step of the course's plan as the step pages show it, and the same step as Bicep or as
//! Azure CLI commands.

use course::export::Format;
use course::{Attendee, Billing, Environment, Region, ResourceKind, StepId, Team};
use serde::{Deserialize, Serialize};

use crate::error::CommandError;

/// The choices a plan is built from, as the namespace page keeps them.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AttendeeChoice {
    /// The namespace as typed; the course crate lower-cases and trims it.
    pub(crate) namespace: String,
    /// The environment code.
    pub(crate) environment: Environment,
    /// The region name and short code.
    pub(crate) region: Region,
}

impl AttendeeChoice {
    /// Checks the choice against every planned name and returns the attendee.
    pub(crate) fn attendee(&self) -> Result<Attendee, CommandError> {
        let region = Region::new(&self.region.name, &self.region.code)?;
        Ok(Attendee::new(&self.namespace, self.environment, region)?)
    }
}

/// One resource of a step, with its settings in one line.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ResourceView {
    /// The ARM id below the subscription, which Apply and Verify results refer to.
    pub(crate) id: String,
    /// The resource's name.
    pub(crate) name: String,
    /// The resource's role, such as "capture storage account".
    pub(crate) title: String,
    /// The kind, as the course crate names it in JSON.
    pub(crate) kind: ResourceKind,
    /// The kind in words, such as "event hub".
    pub(crate) kind_label: &'static str,
    /// The resource group it lives in.
    pub(crate) resource_group: String,
    /// The owning team.
    pub(crate) team: Team,
    /// The name of the resource it lives in, such as the hub of a consumer group.
    pub(crate) parent_name: Option<String>,
    /// The settings in one line, such as "4 partitions, 7 days retention".
    pub(crate) settings: String,
    /// The billing model in Azure.
    pub(crate) billing: Billing,
    /// Whether it is created only on the attendee's request.
    pub(crate) opt_in: bool,
}

/// One step of the plan for the page of that step.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepPlan {
    /// Which step.
    pub(crate) id: StepId,
    /// The step's number in the course.
    pub(crate) number: u8,
    /// The step's title.
    pub(crate) title: String,
    /// The lower-case namespace the names were built from.
    pub(crate) namespace: String,
    /// The resources in creation order, parents before children.
    pub(crate) resources: Vec<ResourceView>,
}

/// Builds the view of `step` for the attendee.
pub(crate) fn step_plan(attendee: &Attendee, step: StepId) -> StepPlan {
    let plan = course::plan(attendee);
    let planned = plan.step(step);
    let resources = planned
        .resources
        .iter()
        .map(|resource| ResourceView {
            id: resource.id.clone(),
            name: resource.name.clone(),
            title: resource.title.clone(),
            kind: resource.kind(),
            kind_label: resource.kind().label(),
            resource_group: resource.resource_group.clone(),
            team: resource.team,
            parent_name: resource
                .parent
                .as_deref()
                .and_then(|parent| plan.resource(parent))
                .map(|parent| parent.name.clone()),
            settings: resource.spec.summary(),
            billing: resource.billing,
            opt_in: resource.opt_in,
        })
        .collect();
    StepPlan {
        id: planned.id,
        number: planned.number,
        title: planned.title.clone(),
        namespace: attendee.namespace().to_string(),
        resources,
    }
}

/// A language the export panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum ExportFormat {
    /// Bicep files, one per resource group.
    Bicep,
    /// A Bash script of `az` commands.
    AzCli,
}

/// Writes `step` for the attendee in `format`.
pub(crate) fn step_export(attendee: &Attendee, step: StepId, format: ExportFormat) -> String {
    let format = match format {
        ExportFormat::Bicep => Format::Bicep,
        ExportFormat::AzCli => Format::AzCli,
    };
    course::export::export(&course::plan(attendee), step, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    #[test]
    fn resource_groups_step_lists_ten_groups() {
        let plan = step_plan(&dgrf(), StepId::ResourceGroups);
        assert_eq!(plan.number, 1);
        assert_eq!(plan.resources.len(), 10);
        assert_eq!(plan.resources[0].name, "dv-events-broker-rg");
        assert_eq!(plan.resources[0].team, Team::Platform);
        assert_eq!(plan.resources[0].settings, "northeurope");
    }

    #[test]
    fn databricks_workspace_is_opt_in_and_billed() {
        let plan = step_plan(&dgrf(), StepId::SharedPlatform);
        let workspace = plan
            .resources
            .iter()
            .find(|resource| resource.kind == ResourceKind::DatabricksWorkspace)
            .unwrap();
        assert_eq!(workspace.name, "dv-events-dbw-eun-dgrf");
        assert!(workspace.opt_in);
        assert_eq!(workspace.billing, Billing::WhileExists);
    }

    #[test]
    fn consumer_group_names_its_hub() {
        let plan = step_plan(&dgrf(), StepId::Consumers);
        let first = &plan.resources[0];
        assert_eq!(first.kind, ResourceKind::ConsumerGroup);
        assert_eq!(first.name, "lead");
        assert_eq!(first.parent_name.as_deref(), Some("customer"));
    }

    #[test]
    fn export_writes_broker_namespace_in_both_formats() {
        let bicep = step_export(&dgrf(), StepId::SharedPlatform, ExportFormat::Bicep);
        let az = step_export(&dgrf(), StepId::SharedPlatform, ExportFormat::AzCli);
        assert!(bicep.contains("dv-events001-ehns-eun-dgrf"), "{bicep}");
        assert!(az.contains("az eventhubs namespace create"), "{az}");
        assert!(az.contains("dv-events001-ehns-eun-dgrf"), "{az}");
    }

    #[test]
    fn invalid_namespace_is_reported_with_its_problem() {
        let choice = AttendeeChoice {
            namespace: "toolongforvaults".to_string(),
            environment: Environment::Dv,
            region: Region::north_europe(),
        };
        let error = choice.attendee().unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("unique namespace `toolongforvaults` is invalid"),
            "{error}"
        );
    }
}
