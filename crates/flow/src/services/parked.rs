//! The parked-events list: consumer group `platform` on `parked` records every parked event
//! with its error and source position, for people to inspect.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::params;
use serde::Serialize;

use super::store_error;
use crate::cloudevents::{self, CloudEvent};
use crate::runtime::park::read_parked;
use crate::runtime::{EventHandler, HandlerError};
use crate::sqlite::StoreError;
use crate::store::TeamStore;
use crate::transport::ReceivedEvent;

/// The consumer group on the parked hub.
pub const PARKED_GROUP: &str = "platform";

/// A parked event as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParkedEvent {
    /// The hub it was read from.
    pub hub: String,
    /// The partition.
    pub partition_id: String,
    /// The sequence number there.
    pub sequence_number: i64,
    /// The offset there.
    pub offset: String,
    /// The consumer group that parked it.
    pub consumer_group: String,
    /// The last error.
    pub error: String,
    /// The attempts made.
    pub attempts: u32,
    /// Its CloudEvents id, when it had one.
    pub event_id: Option<String>,
    /// Its CloudEvents type, when it had one.
    pub event_type: Option<String>,
}

/// The handler of consumer group `platform` on `parked`.
#[derive(Debug, Clone)]
pub struct ParkedList {
    store: Arc<TeamStore>,
}

impl ParkedList {
    /// Creates the handler over the Platform team's store.
    pub fn new(store: Arc<TeamStore>) -> Self {
        ParkedList { store }
    }

    /// Lists the parked events, oldest first.
    pub fn events(&self) -> Result<Vec<ParkedEvent>, StoreError> {
        list_parked(&self.store)
    }
}

/// Lists the parked events recorded in the Platform team's store, oldest first.
pub fn list_parked(store: &TeamStore) -> Result<Vec<ParkedEvent>, StoreError> {
    store.read(|connection| {
        let mut statement = connection.prepare(
            "SELECT hub, partition_id, sequence_number, offset, consumer_group, error, attempts, \
             event_id, event_type FROM parked_events ORDER BY rowid",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(ParkedEvent {
                hub: row.get(0)?,
                partition_id: row.get(1)?,
                sequence_number: row.get(2)?,
                offset: row.get(3)?,
                consumer_group: row.get(4)?,
                error: row.get(5)?,
                attempts: row.get(6)?,
                event_id: row.get(7)?,
                event_type: row.get(8)?,
            })
        })?;
        rows.collect()
    })
}

#[async_trait]
impl EventHandler for ParkedList {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let info = read_parked(received).ok_or_else(|| {
            HandlerError("the parked event lacks its parking properties".to_string())
        })?;
        let cloud_event = CloudEvent::read_from(&received.properties).ok();
        let event_id = cloud_event
            .as_ref()
            .map(|event| event.id.clone())
            .or_else(|| {
                received
                    .properties
                    .get(cloudevents::ID)
                    .and_then(|value| value.as_str().map(str::to_string))
            });
        let event_type = cloud_event.map(|event| event.event_type);
        self.store
            .transaction(|transaction| {
                // The source position and group identify a parking, so a repeat changes nothing.
                transaction.execute(
                    "INSERT OR IGNORE INTO parked_events (hub, partition_id, sequence_number, \
                     consumer_group, offset, error, attempts, event_id, event_type) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        info.hub,
                        info.partition_id,
                        info.sequence_number,
                        info.consumer_group,
                        info.offset,
                        info.error,
                        info.attempts,
                        event_id,
                        event_type
                    ],
                )?;
                Ok(())
            })
            .map_err(store_error)
    }
}
