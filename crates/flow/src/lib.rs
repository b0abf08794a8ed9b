//! The EDA Workshop demo flow: four teams exchanging CloudEvents with registry-encoded Avro
//! bodies over Event Hubs.
//!
//! - [`transport`]: the seam to an Event Hubs client (publish, read a partition, runtime
//!   information).
//! - [`runtime`]: consumers with checkpoints, owner levels, retries and parking.
//! - [`services`]: the team services, each with its own SQLite store and outbox.
//! - [`metrics`]: lane counts, rates and lags, streamed about ten times a second.
//! - [`controls`]: pace, pause and resume, poison events.
//! - [`run`]: start the whole flow, reset it, or run it headless to a [`FlowReport`].
//! - [`local_target`]: the flow on an applied namespace of the Local target.

pub mod capture;
pub mod checkpoint;
pub mod cloudevents;
pub mod controls;
pub mod events;
mod files;
pub mod generator;
pub mod ids;
pub mod lake;
pub mod local_target;
pub mod metrics;
pub mod outbox;
pub mod report;
mod retry;
pub mod run;
pub mod runtime;
pub mod services;
pub mod setup;
mod sqlite;
pub mod store;
pub mod transport;

pub use controls::{ControlError, FlowControls};
pub use events::{EventCodec, FlowEvent};
pub use metrics::MetricsSnapshot;
pub use report::{Check, FlowReport};
pub use run::{reset_flow_state, run_flow, start_flow, FlowHandle};
pub use setup::{FlowConfig, FlowError, FlowStores};
pub use sqlite::StoreError;
pub use transport::EventTransport;
