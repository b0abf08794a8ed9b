//! Producer client

// TODO: mod enqueue_event_options;
// TODO: mod event_hub_buffered_producer_client;
// TODO: mod event_hub_buffered_producer_client_options;

mod create_batch_options;
mod event_data_batch;
mod event_hub_producer_client;
mod event_hub_producer_client_options;
mod partition_publishing_options;
mod send_event_options;

pub(crate) use partition_publishing_options::PartitionPublishingOptions;

pub use create_batch_options::*;
pub use event_data_batch::*;
pub use event_hub_producer_client::*;
pub use event_hub_producer_client_options::*;
pub use send_event_options::*;
pub use crate::amqp::error::TryAddError;
