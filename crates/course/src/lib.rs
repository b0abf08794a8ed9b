//! The EDA Workshop course as data.
//!
//! From an attendee's unique namespace, environment and region this crate derives everything
//! the workshop creates. That is the name of every resource, checked against Azure's naming
//! rules, and the plan of each step with every setting. It also holds the teams, the hubs and
//! consumer groups of the demo flow, its event types, and the schema compatibility exercise. It does no I/O, so the desktop
//! app, the command-line tool and the provisioning code all read the same facts.
//!
//! ```
//! use course::{plan, Attendee, Environment, Region, StepId};
//!
//! let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
//! let plan = plan(&attendee);
//! let platform = plan.step(StepId::SharedPlatform);
//! assert_eq!(platform.resources[0].name, "dv-events001-ehns-eun-dgrf");
//! ```

mod attendee;
mod build;
mod count;
mod environment;
pub mod exercise;
pub mod export;
pub mod flow;
mod look_alike;
mod names;
mod namespace;
mod naming;
mod plan;
pub mod spec;
mod step;
mod team;

pub use attendee::{Attendee, NAMESPACE_VARIABLE};
pub use count::counted;
pub use environment::{Environment, Region, RegionError, UnknownEnvironment};
pub use exercise::{exercise, ExerciseAttempt, ExerciseField, Verdict};
pub use flow::{event_types, EventConsumer, EventType};
pub use names::{capture_container, hub_secret};
pub use namespace::{
    check_namespace, max_namespace_length, NameProblem, NamespaceCheck, NamespaceError, PlannedName,
};
pub use naming::{validate_name, Charset, Edge, NameError, NameRule, ResourceKind, Violation};
pub use plan::{plan, Plan};
pub use spec::{Compatibility, Spec};
pub use step::{
    Billing, Resource, Step, StepId, UnknownStep, MANAGED_BY, MANAGED_BY_TAG, NAMESPACE_TAG,
    TEAM_TAG,
};
pub use team::Team;
