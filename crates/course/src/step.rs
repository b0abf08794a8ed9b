//! The steps of the course and the resources each creates.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::de::value::StrDeserializer;
use serde::de::IntoDeserializer;
use serde::{Deserialize, Serialize};

use crate::naming::ResourceKind;
use crate::spec::Spec;
use crate::team::Team;

/// The tag that carries the owning team.
pub const TEAM_TAG: &str = "team";
/// The tag that marks a resource as created by this app; teardown deletes nothing without it.
pub const MANAGED_BY_TAG: &str = "managed-by";
/// The value of [`MANAGED_BY_TAG`].
pub const MANAGED_BY: &str = "eda-workshop";
/// The tag that carries the attendee's unique namespace, so that teardown for one attendee never
/// touches another's resources in the same subscription.
pub const NAMESPACE_TAG: &str = "workshop-namespace";

/// A step of the course that creates resources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepId {
    /// Step 1: the ten tagged resource groups.
    ResourceGroups,
    /// Step 2: broker namespace, capture storage, data lake, schema registry namespace.
    SharedPlatform,
    /// Step 3: the schema group of the compatibility exercise and the flow's events.
    SchemaRegistry,
    /// Step 4: each hub with capture, rules and key vault secrets (the publisher template).
    Publishers,
    /// Step 5: each consumer group with its team (the consumer template).
    Consumers,
}

impl StepId {
    /// Every step, in course order.
    pub const ALL: [StepId; 5] = [
        StepId::ResourceGroups,
        StepId::SharedPlatform,
        StepId::SchemaRegistry,
        StepId::Publishers,
        StepId::Consumers,
    ];

    /// The step's number in the course.
    pub fn number(self) -> u8 {
        match self {
            StepId::ResourceGroups => 1,
            StepId::SharedPlatform => 2,
            StepId::SchemaRegistry => 3,
            StepId::Publishers => 4,
            StepId::Consumers => 5,
        }
    }

    /// The step's name on the command line, such as `resource-groups`.
    pub fn slug(self) -> &'static str {
        match self {
            StepId::ResourceGroups => "resource-groups",
            StepId::SharedPlatform => "platform",
            StepId::SchemaRegistry => "schema-registry",
            StepId::Publishers => "publishers",
            StepId::Consumers => "consumers",
        }
    }

    /// The step's title.
    pub fn title(self) -> &'static str {
        match self {
            StepId::ResourceGroups => "Resource groups",
            StepId::SharedPlatform => "Shared platform",
            StepId::SchemaRegistry => "Schema registry",
            StepId::Publishers => "Publishers",
            StepId::Consumers => "Consumers",
        }
    }

    /// What the step does and why, in an attendee's terms.
    pub fn summary(self) -> &'static str {
        match self {
            StepId::ResourceGroups => {
                "One resource group per team and purpose, each tagged with its owning team, so \
                 that costs, access and clean-up follow team boundaries."
            }
            StepId::SharedPlatform => {
                "The platform team runs what every other team shares: the Event Hubs namespace \
                 that brokers events, the storage account capture writes to, the data lake and \
                 the schema registry."
            }
            StepId::SchemaRegistry => {
                "A schema group that checks each new version of an event's schema against the \
                 latest one, so a publisher cannot break its consumers unnoticed."
            }
            StepId::Publishers => {
                "The platform's publisher template: for each event hub, its partitions and \
                 retention, capture into blob storage, hub-level send and listen rules, and the \
                 connection strings kept as secrets in the publishing team's key vault."
            }
            StepId::Consumers => {
                "The platform's consumer template: one consumer group per reading service, \
                 labelled with its team, so each service keeps its own place in the stream."
            }
        }
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// A step name or number that is not one of the course's steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStep(pub String);

impl fmt::Display for UnknownStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = StepId::ALL
            .iter()
            .map(|s| format!("{} ({})", s.slug(), s.number()))
            .collect();
        write!(
            f,
            "step `{}` is not known: use one of {}",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownStep {}

impl FromStr for StepId {
    type Err = UnknownStep;

    /// Parses a step's name on the command line (`platform`), its number (`2`) or its id in
    /// the plan's JSON (`shared_platform`, also written `shared-platform`), ignoring case.
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let wanted = value.trim().to_ascii_lowercase();
        let by_name = StepId::ALL
            .into_iter()
            .find(|step| step.slug() == wanted || step.number().to_string() == wanted);
        by_name
            .or_else(|| {
                let id = wanted.replace('-', "_");
                let deserializer: StrDeserializer<'_, serde::de::value::Error> =
                    id.as_str().into_deserializer();
                StepId::deserialize(deserializer).ok()
            })
            .ok_or_else(|| UnknownStep(value.to_string()))
    }
}

/// The billing model of a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    /// Free, or part of its parent's price.
    Free,
    /// Billed by use (storage held, operations); cents for a workshop.
    Usage,
    /// Billed by the hour for as long as it exists, used or not.
    WhileExists,
}

/// One resource of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// The resource's name.
    pub name: String,
    /// The resource's role, such as "capture storage account".
    pub title: String,
    /// The ARM id below the subscription, such as
    /// `/resourceGroups/dv-events-broker-rg/providers/Microsoft.EventHub/namespaces/...`.
    pub id: String,
    /// The id of the resource it lives in, for child resources.
    pub parent: Option<String>,
    /// The resource group, or the group itself for a resource group.
    pub resource_group: String,
    /// The owning team.
    pub team: Team,
    /// The tags; ARM stores them only on kinds that take tags
    /// ([`ResourceKind::takes_tags`]).
    pub tags: BTreeMap<String, String>,
    /// The resource's billing model.
    pub billing: Billing,
    /// Whether the resource is created only on the attendee's request.
    pub opt_in: bool,
    /// The kind and its settings.
    #[serde(flatten)]
    pub spec: Spec,
}

impl Resource {
    /// The resource's kind.
    pub fn kind(&self) -> ResourceKind {
        self.spec.kind()
    }
}

/// One step of the plan with its resources, in the order they are created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Which step.
    pub id: StepId,
    /// The step's number in the course.
    pub number: u8,
    /// The step's title.
    pub title: String,
    /// The step's purpose, in an attendee's terms.
    pub summary: String,
    /// The resources, parents before children.
    pub resources: Vec<Resource>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_parses_plan_json_ids() {
        for step in StepId::ALL {
            let id = serde_json::to_value(step).unwrap();
            let id = id.as_str().unwrap();
            assert_eq!(id.parse::<StepId>(), Ok(step), "{id}");
            assert_eq!(id.replace('_', "-").parse::<StepId>(), Ok(step), "{id}");
        }
        assert_eq!(
            "Shared_Platform".parse::<StepId>(),
            Ok(StepId::SharedPlatform)
        );
    }

    #[test]
    fn step_parses_slug_and_number() {
        assert_eq!("platform".parse::<StepId>(), Ok(StepId::SharedPlatform));
        assert_eq!("4".parse::<StepId>(), Ok(StepId::Publishers));
        assert_eq!(
            "lake".parse::<StepId>().unwrap_err().to_string(),
            "step `lake` is not known: use one of resource-groups (1), platform (2), \
             schema-registry (3), publishers (4), consumers (5)"
        );
    }
}
