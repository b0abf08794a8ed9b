mod basic_retry_policy;
mod recoverable_transport;
mod transport_client;
mod transport_consumer;
mod transport_event_batch;
mod transport_producer;
mod transport_producer_features;

pub(crate) use self::{
    recoverable_transport::*, transport_client::*, transport_event_batch::*, transport_producer::*,
    transport_producer_features::*,
};

pub use basic_retry_policy::BasicRetryPolicy;
