//! Reading Event Hubs capture files: Avro container files (deflate or null codec) of records
//! in Azure's capture schema, `Microsoft.ServiceBus.Messaging.EventData` with fields
//! `SequenceNumber`, `Offset`, `EnqueuedTimeUtc`, `SystemProperties`, `Properties` and
//! `Body`. The body contains the event's bytes exactly as published.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use apache_avro::types::Value;
use apache_avro::Reader;

use crate::transport::PropertyValue;

/// A capture file that cannot be listed or read.
#[derive(Debug, thiserror::Error)]
pub enum CaptureReadError {
    /// The folder or file cannot be read.
    #[error("reading capture path `{path}` failed: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not an Avro container file of the capture schema.
    #[error("capture file `{path}` is not a readable capture file: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The problem found.
        message: String,
    },
}

/// One captured event.
#[derive(Debug, Clone, PartialEq)]
pub struct CapturedEvent {
    /// The sequence number.
    pub sequence_number: i64,
    /// The offset.
    pub offset: String,
    /// The enqueued time as the file states it.
    pub enqueued_time_utc: String,
    /// The broker's annotations and AMQP message properties.
    pub system_properties: BTreeMap<String, PropertyValue>,
    /// The application properties.
    pub properties: BTreeMap<String, PropertyValue>,
    /// The body.
    pub body: Vec<u8>,
}

impl CapturedEvent {
    /// Returns the AMQP content type, looked up in the system properties under the AMQP
    /// property name `content-type` (any case), then in the application properties.
    // NOTE: Azure's documentation does not state under which key capture records the content
    // type; the local capture writer must use `content-type` in SystemProperties to match.
    pub fn content_type(&self) -> Option<String> {
        let find = |map: &BTreeMap<String, PropertyValue>| {
            map.iter()
                .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
                .and_then(|(_, value)| value.as_str())
                .map(str::to_string)
        };
        find(&self.system_properties).or_else(|| find(&self.properties))
    }
}

/// Lists every `.avro` file under `folder`, sorted by path, which with the course's archive
/// name format (fixed-width date fields) is the order of the capture windows. A missing
/// folder has no files.
pub fn list_capture_files(folder: &Path) -> Result<Vec<PathBuf>, CaptureReadError> {
    let mut files = Vec::new();
    if folder.exists() {
        collect(folder, &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), CaptureReadError> {
    let io = |source| CaptureReadError::Io {
        path: folder.to_path_buf(),
        source,
    };
    for entry in fs::read_dir(folder).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path
            .extension()
            .is_some_and(|extension| extension == "avro")
        {
            files.push(path);
        }
    }
    Ok(())
}

/// Returns the partition id in a capture file's name, the second-to-last `_` field of the
/// course's archive name format `{hub}_{Year}_..._{Second}_{PartitionId}_{Namespace}.avro`.
/// Namespace names contain no `_`, so the field is found from the end.
pub fn capture_file_partition(path: &Path) -> Option<&str> {
    let stem = path.file_stem()?.to_str()?;
    let mut fields = stem.rsplit('_');
    let _namespace = fields.next()?;
    fields.next().filter(|partition| !partition.is_empty())
}

/// Reads every record of a capture file; a file with no records reads as empty.
pub fn read_capture_file(path: &Path) -> Result<Vec<CapturedEvent>, CaptureReadError> {
    let invalid = |message: String| CaptureReadError::Invalid {
        path: path.to_path_buf(),
        message,
    };
    let io = |source| CaptureReadError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    if file.metadata().map_err(io)?.len() == 0 {
        return Err(invalid(
            "the file is empty (0 bytes), but even a capture file without events has an Avro \
             header: copy the file again from the capture container, or remove it"
                .to_string(),
        ));
    }
    let reader =
        Reader::new(BufReader::new(file)).map_err(|error| invalid(avro_message(&error)))?;
    let mut events = Vec::new();
    for value in reader {
        let value = value.map_err(|error| invalid(avro_message(&error)))?;
        events.push(
            captured_event(value)
                .ok_or_else(|| invalid("a record lacks a capture schema field".to_string()))?,
        );
    }
    Ok(events)
}

/// Describes an Avro failure, naming a file that ends early as cut short, because the
/// library reports it only as a read that could not fill its buffer.
fn avro_message(error: &apache_avro::Error) -> String {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        let cut_short = current
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof);
        if cut_short {
            return format!(
                "the file ends in the middle of its Avro data ({error}), so it was cut short, \
                 for example by a copy that did not finish: copy the file again from the \
                 capture container, or remove it"
            );
        }
        source = current.source();
    }
    error.to_string()
}

fn captured_event(value: Value) -> Option<CapturedEvent> {
    let Value::Record(fields) = value else {
        return None;
    };
    let mut sequence_number = None;
    let mut offset = None;
    let mut enqueued = None;
    let mut system_properties = BTreeMap::new();
    let mut properties = BTreeMap::new();
    let mut body = None;
    for (name, field) in fields {
        match (name.as_str(), unwrap_union(field)) {
            ("SequenceNumber", Value::Long(number)) => sequence_number = Some(number),
            ("Offset", Value::String(text)) => offset = Some(text),
            ("EnqueuedTimeUtc", Value::String(text)) => enqueued = Some(text),
            ("SystemProperties", Value::Map(map)) => system_properties = property_map(map),
            ("Properties", Value::Map(map)) => properties = property_map(map),
            ("Body", Value::Bytes(bytes)) => body = Some(bytes),
            // The capture schema makes the body nullable; a null body is an empty event.
            ("Body", Value::Null) => body = Some(Vec::new()),
            _ => {}
        }
    }
    Some(CapturedEvent {
        sequence_number: sequence_number?,
        offset: offset?,
        enqueued_time_utc: enqueued?,
        system_properties,
        properties,
        body: body?,
    })
}

fn unwrap_union(value: Value) -> Value {
    match value {
        Value::Union(_, inner) => *inner,
        other => other,
    }
}

fn property_map(map: std::collections::HashMap<String, Value>) -> BTreeMap<String, PropertyValue> {
    map.into_iter()
        .filter_map(|(name, value)| {
            let value = match unwrap_union(value) {
                Value::Long(number) => PropertyValue::Long(number),
                Value::Int(number) => PropertyValue::Long(i64::from(number)),
                Value::Double(number) => PropertyValue::Double(number),
                Value::String(text) => PropertyValue::String(text),
                Value::Bytes(bytes) => PropertyValue::Bytes(bytes),
                Value::Boolean(flag) => PropertyValue::Bool(flag),
                _ => return None,
            };
            Some((name, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_is_read_from_archive_name() {
        let path = Path::new(
            "lead_purchased/2026/12/04/10/lead_purchased_2026_12_04_10_05_00_3_dv-ehns-dgrf.avro",
        );
        assert_eq!(capture_file_partition(path), Some("3"));
    }

    #[test]
    fn name_without_fields_has_no_partition() {
        assert_eq!(capture_file_partition(Path::new("lead.avro")), None);
    }
}
