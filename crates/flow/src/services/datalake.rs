//! The data lake service: consumer group `datalake` on every hub but `parked` stages each
//! decoded event as a flat record in the Platform team's store. Then [`crate::lake`] writes the
//! staged records to Avro files.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use course::Team;
use rusqlite::params;

use super::{decode, prepare_then_store, store_error};
use crate::events::EventCodec;
use crate::lake::LakeRecord;
use crate::runtime::{BatchFailure, EventHandler, HandlerError};
use crate::sqlite::StoreError;
use crate::store::TeamStore;
use crate::transport::ReceivedEvent;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lake_records (
    row INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    record_json TEXT NOT NULL,
    staged_ms INTEGER NOT NULL,
    file TEXT
);
CREATE INDEX IF NOT EXISTS lake_records_unfiled ON lake_records (event_type, row) WHERE file IS NULL;
CREATE INDEX IF NOT EXISTS lake_records_by_file ON lake_records (file) WHERE file IS NOT NULL;
CREATE TABLE IF NOT EXISTS lake_files (
    path TEXT PRIMARY KEY,
    event_type TEXT NOT NULL,
    written INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS parked_events (
    hub TEXT NOT NULL,
    partition_id TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    consumer_group TEXT NOT NULL,
    offset TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    event_id TEXT,
    event_type TEXT,
    PRIMARY KEY (hub, partition_id, sequence_number, consumer_group)
);
";

/// The data lake's consumer group on every hub.
pub const DATALAKE_GROUP: &str = "datalake";

/// Opens the Platform team's store, which contains the data lake staging and the parked events.
pub fn open_store(path: &Path) -> Result<TeamStore, StoreError> {
    TeamStore::open(path, Team::Platform, SCHEMA)
}

/// The handler of consumer group `datalake` on one hub.
#[derive(Debug, Clone)]
pub struct DatalakeService {
    store: Arc<TeamStore>,
    codec: EventCodec,
    hub: String,
}

impl DatalakeService {
    /// Creates the handler for `hub`.
    pub fn new(store: Arc<TeamStore>, codec: EventCodec, hub: &str) -> Self {
        DatalakeService {
            store,
            codec,
            hub: hub.to_string(),
        }
    }
}

/// A decoded event as the record to stage.
struct StagedRecord {
    event_id: String,
    event_type: &'static str,
    json: String,
}

impl DatalakeService {
    /// Decodes an event into its lake record.
    async fn prepare(&self, received: &ReceivedEvent) -> Result<StagedRecord, HandlerError> {
        let decoded = decode(&self.codec, &self.hub, received).await?;
        let record = LakeRecord::new(&self.hub, received, &decoded.cloud_event, &decoded.event);
        let json = serde_json::to_string(&record)
            .map_err(|error| HandlerError(format!("staging a lake record failed: {error}")))?;
        Ok(StagedRecord {
            event_id: decoded.cloud_event.id,
            event_type: decoded.event.event_type(),
            json,
        })
    }

    /// Stages records in one transaction, skipping repeated events. A staged record is never
    /// deleted, so the unique event id of `lake_records` alone marks a repeated delivery, and
    /// no row in `handled_events` is needed.
    fn stage_all(&self, records: &[StagedRecord]) -> Result<(), HandlerError> {
        let staged_ms = chrono::Utc::now().timestamp_millis();
        self.store
            .transaction(|transaction| {
                let mut insert = transaction.prepare_cached(
                    "INSERT OR IGNORE INTO lake_records \
                     (event_id, event_type, record_json, staged_ms) \
                     VALUES (?1, ?2, ?3, ?4)",
                )?;
                for record in records {
                    insert.execute(params![
                        record.event_id,
                        record.event_type,
                        record.json,
                        staged_ms
                    ])?;
                }
                Ok(())
            })
            .map_err(store_error)
    }
}

#[async_trait]
impl EventHandler for DatalakeService {
    async fn handle(&self, received: &ReceivedEvent) -> Result<(), HandlerError> {
        let record = self.prepare(received).await?;
        self.stage_all(&[record])
    }

    async fn handle_batch(&self, events: &[ReceivedEvent]) -> Result<(), BatchFailure> {
        prepare_then_store(
            events,
            |received| self.prepare(received),
            |records| self.stage_all(records),
        )
        .await
    }
}
