//! Azure Event Hubs Consumer

mod event_hub_consumer_client;
mod event_hub_consumer_client_options;
mod event_position;
mod last_enqueued_event_properties;
// mod partition_context; // TODO: implement processor
// mod partition_event; // TODO: implement processor
mod read_event_options;

pub mod error;

pub use crate::amqp::amqp_consumer::EventStream;
pub use event_hub_consumer_client::*;
pub use event_hub_consumer_client_options::*;
pub use event_position::*;
pub use last_enqueued_event_properties::*;
// pub use partition_context::PartitionContext; // TODO: implement processor
// pub use partition_event::PartitionEvent; // TODO: implement processor
pub use read_event_options::*;
