//! The Avro schema registry of EDA Workshop.
//!
//! - [`compat`]: compatibility checks with a reason and a fix for every broken field.
//! - [`wire`]: Azure's event payload formats (content type `avro/binary+{id}`, and the older
//!   framing), as plain functions.
//! - [`store`]: schema groups and versions in SQLite.
//! - [`service`]: the local registry, serving Azure Schema Registry's REST API over HTTPS on
//!   127.0.0.1.
//! - [`client`]: one REST client for the local registry and for Azure.
//! - [`serializer`]: encode and decode events, registering and caching schemas.
//! - [`exercise`]: the course's compatibility exercise, run through any registry client.

pub mod client;
pub mod compat;
pub mod course_schemas;
pub mod exercise;
pub mod limits;
pub mod model;
pub mod secret;
pub mod serializer;
pub mod service;
pub mod store;
pub mod wire;

pub use compat::{CompatibilityMode, Verdict};
pub use limits::Limits;
pub use model::{ParsedSchema, SchemaError};
pub use secret::Secret;
pub use store::{Store, StoreError};
pub use wire::SchemaId;
