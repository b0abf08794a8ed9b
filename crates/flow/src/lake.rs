//! The data lake: one Avro container file per flush and event type, holding flat records (the
//! event's string fields and its position, with no unions), so any Avro tool or Spark reads
//! them without the registry.
//!
//! Files land at `{lake}/{EventType}/{Year}/{Month}/{Day}/{Hour}/{EventType}_{row}.avro`,
//! where `row` is the first staged row in the file and the date is when that row was staged.
//! Each record is assigned to one file before the file is written, so no record lands in two
//! files, and a crash before the file is complete leaves it to be written again.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apache_avro::types::Value;
use apache_avro::{Codec, DeflateSettings, Reader, Schema, Writer};
use chrono::{Datelike, Timelike};
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::capture::list_capture_files;
use crate::cloudevents::CloudEvent;
use crate::events::FlowEvent;
use crate::files::write_atomically;
use crate::sqlite::StoreError;
use crate::store::TeamStore;
use crate::transport::ReceivedEvent;

/// The Avro namespace of lake records.
pub const LAKE_NAMESPACE: &str = "example.avro.lake";

/// Metadata fields every lake record carries after the event's own fields.
const METADATA_STRINGS: [&str; 5] = [
    "event_id",
    "event_source",
    "event_time",
    "hub",
    "partition_id",
];

/// A failure to write or read the lake.
#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A lake file or folder cannot be used.
    #[error("data lake path `{path}` failed: {message}")]
    File {
        /// The path.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// A staged record cannot be read back.
    #[error("staged lake record {row} is corrupt: {message}")]
    Corrupt {
        /// The staging row.
        row: i64,
        /// The JSON error.
        message: String,
    },
}

/// One event as the lake stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LakeRecord {
    /// The event type.
    pub event_type: String,
    /// The event's own fields by name.
    pub fields: BTreeMap<String, String>,
    /// The CloudEvents id.
    pub event_id: String,
    /// The CloudEvents source.
    pub event_source: String,
    /// The CloudEvents time.
    pub event_time: String,
    /// The hub it was read from.
    pub hub: String,
    /// The partition.
    pub partition_id: String,
    /// The sequence number.
    pub sequence_number: i64,
    /// The offset.
    pub offset: String,
    /// The enqueued time in milliseconds since the Unix epoch.
    pub enqueued_time_ms: i64,
}

impl LakeRecord {
    /// Builds the record of a received, decoded event.
    pub fn new(
        hub: &str,
        received: &ReceivedEvent,
        cloud_event: &CloudEvent,
        event: &FlowEvent,
    ) -> Self {
        LakeRecord {
            event_type: event.event_type().to_string(),
            fields: event
                .fields()
                .into_iter()
                .map(|(name, value)| (name.to_string(), value))
                .collect(),
            event_id: cloud_event.id.clone(),
            event_source: cloud_event.source.clone(),
            event_time: cloud_event.time.clone(),
            hub: hub.to_string(),
            partition_id: received.partition_id.clone(),
            sequence_number: received.sequence_number,
            offset: received.offset.clone(),
            enqueued_time_ms: received.enqueued_time_ms,
        }
    }

    fn to_avro(&self, event_fields: &[&str]) -> Value {
        let text = |value: &str| Value::String(value.to_string());
        let mut fields: Vec<(String, Value)> = event_fields
            .iter()
            .map(|name| {
                let value = self.fields.get(*name).cloned().unwrap_or_default();
                (name.to_string(), Value::String(value))
            })
            .collect();
        fields.push(("event_id".to_string(), text(&self.event_id)));
        fields.push(("event_source".to_string(), text(&self.event_source)));
        fields.push(("event_time".to_string(), text(&self.event_time)));
        fields.push(("hub".to_string(), text(&self.hub)));
        fields.push(("partition_id".to_string(), text(&self.partition_id)));
        fields.push((
            "sequence_number".to_string(),
            Value::Long(self.sequence_number),
        ));
        fields.push(("offset".to_string(), text(&self.offset)));
        fields.push((
            "enqueued_time_ms".to_string(),
            Value::Long(self.enqueued_time_ms),
        ));
        Value::Record(fields)
    }
}

/// Returns the lake schema of an event type: a record of the event's string fields followed by
/// the metadata fields, every one of a plain type.
pub fn lake_schema(event_type: &str) -> Option<String> {
    let definition = course::flow::event(event_type)?;
    let mut fields: Vec<serde_json::Value> = definition
        .fields
        .iter()
        .map(|name| serde_json::json!({"name": name, "type": "string"}))
        .collect();
    for name in METADATA_STRINGS {
        fields.push(serde_json::json!({"name": name, "type": "string"}));
    }
    fields.push(serde_json::json!({"name": "sequence_number", "type": "long"}));
    fields.push(serde_json::json!({"name": "offset", "type": "string"}));
    fields.push(serde_json::json!({"name": "enqueued_time_ms", "type": "long"}));
    let schema = serde_json::json!({
        "type": "record",
        "name": event_type.replace('.', ""),
        "namespace": LAKE_NAMESPACE,
        "fields": fields,
    });
    Some(schema.to_string())
}

/// Writes staged records from the Platform team's store into lake files.
#[derive(Debug, Clone)]
pub struct LakeWriter {
    store: Arc<TeamStore>,
    lake_folder: PathBuf,
    /// Serializes flushes: two at once would write the same temporary file.
    flushing: Arc<Mutex<()>>,
}

impl LakeWriter {
    /// Creates the writer into `lake_folder`.
    pub fn new(store: Arc<TeamStore>, lake_folder: PathBuf) -> Self {
        LakeWriter {
            store,
            lake_folder,
            flushing: Arc::new(Mutex::new(())),
        }
    }

    /// Writes every staged record not yet in a file; returns how many were written.
    ///
    /// Records are first assigned to a file in one transaction, so each lands in exactly one
    /// file even when two writers flush at once. The file is then written from its assigned
    /// records; a file assigned but not written (after a crash) is written on the next flush.
    pub fn flush(&self) -> Result<usize, LakeError> {
        let _flushing = self
            .flushing
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for definition in course::flow::EVENTS {
            self.assign(definition.name)?;
        }
        let pending: Vec<(String, String)> = self.store.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT path, event_type FROM lake_files WHERE written = 0 ORDER BY path",
            )?;
            let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })?;
        let mut written = 0;
        for (relative, event_type) in pending {
            written += self.write_file(&relative, &event_type)?;
        }
        Ok(written)
    }

    /// Assigns every unassigned record of a type to a new file named by its first record.
    fn assign(&self, event_type: &str) -> Result<(), LakeError> {
        Ok(self.store.transaction(|transaction| {
            let first: Option<(i64, i64)> = transaction
                .query_row(
                    "SELECT row, staged_ms FROM lake_records \
                     WHERE event_type = ?1 AND file IS NULL ORDER BY row LIMIT 1",
                    params![event_type],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let Some((first_row, staged_ms)) = first else {
                return Ok(());
            };
            let relative = relative_path(event_type, first_row, staged_ms);
            transaction.execute(
                "UPDATE lake_records SET file = ?1 WHERE event_type = ?2 AND file IS NULL",
                params![relative, event_type],
            )?;
            transaction.execute(
                "INSERT OR IGNORE INTO lake_files (path, event_type) VALUES (?1, ?2)",
                params![relative, event_type],
            )?;
            Ok(())
        })?)
    }

    /// Writes one assigned file from its records and marks it written.
    fn write_file(&self, relative: &str, event_type: &str) -> Result<usize, LakeError> {
        let path = self.lake_folder.join(relative);
        let rows: Vec<(i64, String)> = self.store.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT row, record_json FROM lake_records WHERE file = ?1 ORDER BY row",
            )?;
            let rows =
                statement.query_map(params![relative], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })?;
        let event_fields = course::flow::event(event_type)
            .map(|definition| definition.fields)
            .unwrap_or_default();
        let schema_text = lake_schema(event_type).ok_or_else(|| {
            file_error(
                &path,
                format!("`{event_type}` is not an event type of the flow"),
            )
        })?;
        let schema = Schema::parse_str(&schema_text).map_err(|error| file_error(&path, error))?;
        let mut values = Vec::with_capacity(rows.len());
        for (row, json) in &rows {
            let record: LakeRecord =
                serde_json::from_str(json).map_err(|error| LakeError::Corrupt {
                    row: *row,
                    message: error.to_string(),
                })?;
            values.push(record.to_avro(event_fields));
        }
        let bytes = container_bytes(&schema, values).map_err(|error| file_error(&path, error))?;
        write_atomically(&path, &bytes).map_err(|error| file_error(&path, error))?;

        self.store.transaction(|transaction| {
            transaction.execute(
                "UPDATE lake_files SET written = 1 WHERE path = ?1",
                params![relative],
            )
        })?;
        tracing::info!(event_type, records = rows.len(), path = %path.display(), "lake file written");
        Ok(rows.len())
    }

    /// Flushes every `interval` until the task is dropped.
    pub async fn run(self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            if let Err(error) = self.flush() {
                tracing::warn!(%error, "writing lake files failed; retrying");
            }
        }
    }
}

fn file_error(path: &Path, error: impl std::fmt::Display) -> LakeError {
    LakeError::File {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Returns a lake file's path relative to the lake folder, from its first record and the time
/// that record was staged.
fn relative_path(event_type: &str, first_row: i64, staged_ms: i64) -> String {
    let time = chrono::DateTime::from_timestamp_millis(staged_ms).unwrap_or_default();
    format!(
        "{event_type}/{:04}/{:02}/{:02}/{:02}/{event_type}_{first_row:010}.avro",
        time.year(),
        time.month(),
        time.day(),
        time.hour()
    )
}

/// Encodes records as a deflate-compressed Avro container file.
fn container_bytes(schema: &Schema, values: Vec<Value>) -> Result<Vec<u8>, apache_avro::Error> {
    let codec = Codec::Deflate(DeflateSettings::default());
    let mut writer = Writer::with_codec(schema, Vec::new(), codec);
    for value in values {
        writer.append(value)?;
    }
    writer.into_inner()
}

/// Counts the records in the lake per event type, reading every file.
pub fn count_lake_records(lake_folder: &Path) -> Result<BTreeMap<String, u64>, LakeError> {
    let mut counts = BTreeMap::new();
    let files = list_capture_files(lake_folder).map_err(|error| file_error(lake_folder, error))?;
    for path in files {
        let event_type = path
            .strip_prefix(lake_folder)
            .ok()
            .and_then(|relative| relative.components().next())
            .map(|component| component.as_os_str().to_string_lossy().to_string())
            .unwrap_or_default();
        let records = read_lake_file(&path)?;
        *counts.entry(event_type).or_insert(0) += records.len() as u64;
    }
    Ok(counts)
}

/// Reads a lake file's records as field maps.
pub fn read_lake_file(path: &Path) -> Result<Vec<HashMap<String, Value>>, LakeError> {
    let file = File::open(path).map_err(|error| file_error(path, error))?;
    let reader = Reader::new(BufReader::new(file)).map_err(|error| file_error(path, error))?;
    let mut records = Vec::new();
    for value in reader {
        match value.map_err(|error| file_error(path, error))? {
            Value::Record(fields) => records.push(fields.into_iter().collect()),
            other => {
                return Err(file_error(
                    path,
                    format!("a lake file holds a non-record value {other:?}"),
                ))
            }
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::datalake::open_store;

    fn stage(store: &TeamStore, number: i64) {
        let record = LakeRecord {
            event_type: "Customer.Created".to_string(),
            fields: [
                ("id".to_string(), format!("customer-{number}")),
                ("date".to_string(), "2026-12-04T10:00:00.000Z".to_string()),
                ("email".to_string(), format!("c{number}@example.com")),
            ]
            .into_iter()
            .collect(),
            event_id: format!("event-{number}"),
            event_source: "/eda-workshop/customer".to_string(),
            event_time: "2026-12-04T10:00:00.000Z".to_string(),
            hub: "customer".to_string(),
            partition_id: "0".to_string(),
            sequence_number: number,
            offset: number.to_string(),
            enqueued_time_ms: 1_796_378_400_000,
        };
        let json = serde_json::to_string(&record).unwrap();
        store
            .transaction(|transaction| {
                transaction.execute(
                    "INSERT INTO lake_records (event_id, event_type, record_json, staged_ms) \
                     VALUES (?1, 'Customer.Created', ?2, 1796378400000)",
                    params![record.event_id, json],
                )
            })
            .unwrap();
    }

    #[test]
    fn concurrent_writers_write_each_record_once() {
        let folder = tempfile::tempdir().unwrap();
        let database = folder.path().join("platform.sqlite");
        let lake = folder.path().join("lake");
        let first = LakeWriter::new(Arc::new(open_store(&database).unwrap()), lake.clone());
        let second = LakeWriter::new(Arc::new(open_store(&database).unwrap()), lake.clone());
        let staging = open_store(&database).unwrap();

        std::thread::scope(|scope| {
            scope.spawn(|| {
                for number in 0..60 {
                    stage(&staging, number);
                }
            });
            for writer in [&first, &second] {
                scope.spawn(move || {
                    for _ in 0..30 {
                        writer.flush().unwrap();
                    }
                });
            }
        });
        first.flush().unwrap();

        let counts = count_lake_records(&lake).unwrap();
        assert_eq!(counts["Customer.Created"], 60);
    }

    #[test]
    fn lake_schema_has_no_unions() {
        for definition in course::flow::EVENTS {
            let text = lake_schema(definition.name).unwrap();
            let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
            for field in schema["fields"].as_array().unwrap() {
                assert!(field["type"].is_string(), "{}: {field}", definition.name);
            }
        }
    }
}
