//! The plan: every resource of every step of the course, with its settings and tags, derived
//! from the attendee alone.

use serde::{Deserialize, Serialize};

use crate::attendee::Attendee;
use crate::build::build_steps;
use crate::flow::{event_types, EventType};
use crate::names::NameParts;
use crate::step::{Resource, Step, StepId};

/// The complete plan for one attendee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Whom the plan is for.
    pub attendee: Attendee,
    /// The steps, in course order.
    pub steps: Vec<Step>,
    /// The event types of the demo flow.
    pub events: Vec<EventType>,
}

impl Plan {
    /// The step with this id.
    pub fn step(&self, id: StepId) -> &Step {
        self.steps
            .iter()
            .find(|step| step.id == id)
            .expect("a plan contains every step")
    }

    /// Every resource of every step, in creation order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.steps.iter().flat_map(|step| step.resources.iter())
    }

    /// The resource with this ARM id.
    pub fn resource(&self, id: &str) -> Option<&Resource> {
        self.resources()
            .find(|resource| resource.id.eq_ignore_ascii_case(id))
    }
}

/// Builds the complete plan for an attendee.
pub fn plan(attendee: &Attendee) -> Plan {
    let parts = NameParts {
        namespace: attendee.namespace(),
        environment: attendee.environment().code(),
        region: &attendee.region().code,
    };
    Plan {
        attendee: attendee.clone(),
        steps: build_steps(parts, attendee.region()),
        events: event_types(),
    }
}
