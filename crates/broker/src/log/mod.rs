//! The durable event log: one SQLite database (WAL mode) per namespace.
//!
//! Appends go through one writer thread that commits many producers' batches in one
//! transaction (group commit). A sync thread then syncs the WAL to disk and acknowledges them,
//! so an acknowledged event is on disk, while the writer already commits the next group.
//! Consumers near the end of a partition read from an in-memory tail of durable events.
//!
//! Each partition numbers its events from 0 without gaps. Offsets are byte positions handed out
//! as opaque strings. Enqueued times are UTC milliseconds that never go backwards within a
//! partition.

mod batch;
mod checkpoint;
mod error;
mod event;
mod partitioner;
mod position;
mod schema;
mod search;
mod size;
mod store;
mod sync;
mod tail;
mod writer;

pub use error::LogError;
pub use event::{AppendedEvent, NewEvent, StoredEvent};
pub(crate) use partitioner::shown_key;
pub use partitioner::{partition_for_key, PartitionTarget, RoundRobin, TargetError};
pub use position::{StartPoint, StartPosition};
pub use store::{BoundedRead, EventLog, LogStats, PartitionInfo, PendingAppend};
