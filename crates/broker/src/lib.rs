//! Local Event Hubs: the parts of the broker that are not the AMQP wire protocol.
//!
//! - [`entity`]: namespaces, hubs, consumer groups and authorization rules, with Azure's naming
//!   rules and Standard-tier [`limits`].
//! - [`sas`]: shared access signature tokens, checked for signature, expiry, scope and rights.
//! - [`capture`]: Avro capture files in Azure's schema and folder layout.
//! - [`connection_string`]: parsing and validating Event Hubs connection strings.
//! - [`log`]: the durable event log of a namespace, with partition selection and start
//!   positions.
//! - [`receiver`]: start-position filters, owner levels, receiver limits and consumer lag.
//! - [`server`]: the broker on TCP, serving AMQP 1.0 with the `amqp` engine.
//! - [`secret`]: a wrapper that prints `***` in place of keys.

pub mod capture;
pub mod connection_string;
pub mod entity;
pub mod limits;
pub mod log;
pub mod receiver;
pub mod sas;
pub mod secret;
pub mod server;
