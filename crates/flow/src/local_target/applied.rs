//! Whether every resource the flow uses is applied, read through ARM as on Azure.

use std::collections::BTreeMap;

use control::arm::ArmClient;
use course::spec::{NamespacePurpose, StoragePurpose};
use course::{Attendee, Environment, Plan, Region, Resource, Spec, StepId};
use serde_json::Value;

use super::{used_by_flow, LocalTargetError};

/// The facts of an applied plan that the flow needs.
#[derive(Debug)]
pub(super) struct Applied {
    /// The broker namespace's name.
    pub(super) namespace: String,
    /// The broker namespace's ARM id below the subscription.
    pub(super) namespace_id: String,
    /// The data lake storage account's name.
    pub(super) lake_account: String,
    /// Every hub of the plan as ARM returns it, by hub name.
    pub(super) hubs: BTreeMap<String, Value>,
}

/// Reads every resource of the plan that the flow uses, in plan order. When some are missing,
/// fails with the first one and the step that creates it. The error also lists every step that
/// misses a resource, so that a caller can apply only those.
pub(super) async fn check(client: &ArmClient, plan: &Plan) -> Result<Applied, LocalTargetError> {
    let mut hubs = BTreeMap::new();
    let mut first_missing: Option<(&Resource, StepId)> = None;
    let mut missing_steps: Vec<StepId> = Vec::new();
    for (index, step) in plan.steps.iter().enumerate() {
        for resource in step.resources.iter().filter(|resource| !resource.opt_in) {
            if !used_by_flow(resource.kind()) {
                continue;
            }
            let found = match client.get(resource.kind(), &resource.id).await {
                Ok(found) => found,
                Err(error) => match first_missing {
                    None => return Err(error.into()),
                    // A failed read leaves this step and the later ones unknown, so they are
                    // listed as missing. Applying a step that exists already is safe, because
                    // it only brings the step back to the plan.
                    Some((first, first_step)) => {
                        tracing::warn!(%error, "reading a resource after a missing one failed");
                        missing_steps.extend(plan.steps[index..].iter().map(|later| later.id));
                        return Err(not_applied(plan, first, first_step, missing_steps));
                    }
                },
            };
            let Some(body) = found else {
                first_missing.get_or_insert((resource, step.id));
                missing_steps.push(step.id);
                // The step is missing, so its other resources need no read.
                break;
            };
            if let Spec::EventHub(_) = resource.spec {
                hubs.insert(resource.name.clone(), body);
            }
        }
    }
    if let Some((resource, step)) = first_missing {
        return Err(not_applied(plan, resource, step, missing_steps));
    }

    let namespace = plan
        .resources()
        .find(|resource| {
            matches!(&resource.spec, Spec::EventHubsNamespace(spec)
                if spec.purpose == NamespacePurpose::Broker)
        })
        .expect("the plan has a broker namespace");
    let lake_account = plan
        .resources()
        .find(|resource| {
            matches!(&resource.spec, Spec::StorageAccount(spec)
                if spec.purpose == StoragePurpose::Lake)
        })
        .expect("the plan has a data lake account");
    Ok(Applied {
        namespace: namespace.name.clone(),
        namespace_id: namespace.id.clone(),
        lake_account: lake_account.name.clone(),
        hubs,
    })
}

fn not_applied(
    plan: &Plan,
    resource: &Resource,
    step: StepId,
    missing_steps: Vec<StepId>,
) -> LocalTargetError {
    // Titles such as "hub `lead`" already name the resource.
    let resource_name = if resource.title.contains(&format!("`{}`", resource.name)) {
        resource.title.clone()
    } else {
        format!("{} `{}`", resource.title, resource.name)
    };
    LocalTargetError::NotApplied {
        resource: resource_name,
        step,
        missing_steps,
        command: apply_command(&plan.attendee, step),
    }
}

/// Returns the `eda-workshop apply` command that applies one step for an attendee, with the
/// environment and region options only where they differ from the defaults.
pub fn apply_command(attendee: &Attendee, step: StepId) -> String {
    let mut command = apply_all_command(attendee);
    command.push_str(&format!(" --step {}", step.slug()));
    command
}

/// Returns the `eda-workshop apply` command that applies every step for the attendee.
pub(super) fn apply_all_command(attendee: &Attendee) -> String {
    let mut command = format!("eda-workshop apply --namespace {}", attendee.namespace());
    if attendee.environment() != Environment::Dv {
        command.push_str(&format!(" --env {}", attendee.environment().code()));
    }
    let region = attendee.region();
    if *region != Region::north_europe() {
        command.push_str(&format!(" --region {}", region.name));
        if Region::known(&region.name).ok().as_ref() != Some(region) {
            command.push_str(&format!(" --region-code {}", region.code));
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_command_for_defaults() {
        let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
        assert_eq!(
            apply_command(&attendee, StepId::Consumers),
            "eda-workshop apply --namespace dgrf --step consumers"
        );
    }

    #[test]
    fn apply_command_names_other_environment_and_region() {
        let region = Region::new("westeurope", "euw").unwrap();
        let attendee = Attendee::new("dgrf", Environment::Qa, region).unwrap();
        assert_eq!(
            apply_command(&attendee, StepId::Publishers),
            "eda-workshop apply --namespace dgrf --env qa --region westeurope --step publishers"
        );
        let custom = Region::new("swedencentral", "sdc").unwrap();
        let attendee = Attendee::new("dgrf", Environment::Dv, custom).unwrap();
        assert_eq!(
            apply_command(&attendee, StepId::SharedPlatform),
            "eda-workshop apply --namespace dgrf --region swedencentral --region-code sdc \
             --step platform"
        );
    }
}
