//! One module per command.

pub(crate) mod apply;
pub(crate) mod attendee;
pub(crate) mod connection_string;
pub(crate) mod export;
pub(crate) mod flow;
pub(crate) mod plan;
pub(crate) mod schema;
pub(crate) mod secrets;
pub(crate) mod serve;
pub(crate) mod teardown;
pub(crate) mod token;
pub(crate) mod verify;
