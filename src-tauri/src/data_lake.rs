//! The data lake page's backend. It lists, per hub, the capture files that Event Hubs capture
//! wrote into the hub's container in the capture account, and the lake files that the data
//! lake subscriber wrote per event type into the lake container. It decodes one file's records
//! with apache-avro.
//!
//! On the Local target a blob container is a folder: `{local}/control/storage/{account}/
//! {container}`. Capture files follow the hub's archive name format, and lake files lie at
//! `{EventType}/{Year}/{Month}/{Day}/{Hour}/{EventType}_{row}.avro` in the lake container.

use std::fs::File;
use std::io::BufReader;
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use apache_avro::types::Value;
use apache_avro::Reader;
use course::spec::StoragePurpose;
use course::{Attendee, Plan, ResourceKind, Spec};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::error::CommandError;

/// The number of records a file view shows at most.
pub(crate) const MAX_ROWS: usize = 200;

/// The folder depth searched for files in a container. The course's capture name format nests
/// five folders (hub, year, month, day, hour) and lake files five (type, year, month, day,
/// hour), so eight leaves room without walking an unexpected tree forever.
const MAX_DEPTH: usize = 8;

/// The writer of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FileSource {
    /// Event Hubs capture, in the capture account.
    Capture,
    /// The data lake subscriber, in the lake container.
    Lake,
}

/// One Avro file in a container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LakeFile {
    /// The file's writer.
    pub(crate) source: FileSource,
    /// The path inside its container, with `/` between folders.
    pub(crate) path: String,
    /// The size in bytes.
    pub(crate) size_bytes: u64,
    /// When the file was last written, in seconds since the Unix epoch.
    pub(crate) modified_at: u64,
}

/// The files of one hub.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct HubFiles {
    /// The hub's name.
    pub(crate) hub: String,
    /// The schema name of its events, which also names its lake folder.
    pub(crate) event_type: Option<String>,
    /// The capture container's name, inside the capture account.
    pub(crate) capture_container: String,
    /// The capture files, oldest first.
    pub(crate) capture: Vec<LakeFile>,
    /// The lake files of the hub's event type, oldest first.
    pub(crate) lake: Vec<LakeFile>,
}

/// Every hub's files, and the capture settings that decide when files appear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LakeOverview {
    /// The capture account's name.
    pub(crate) capture_account: String,
    /// The lake account's name.
    pub(crate) lake_account: String,
    /// The lake container's name.
    pub(crate) lake_container: String,
    /// The capture time window, in seconds: a window's file is written when it closes.
    pub(crate) capture_window_seconds: u32,
    /// The capture size window, in bytes.
    pub(crate) capture_size_limit_bytes: u64,
    /// Whether the capture account exists on this computer. It does not before Shared platform
    /// is applied, nor after a teardown.
    pub(crate) storage_exists: bool,
    /// The capture time window of the running live flow, in seconds; `None` while it is
    /// stopped.
    pub(crate) flow_capture_window_seconds: Option<u64>,
    /// The capture time window of the Local target's demo timing, in seconds.
    pub(crate) demo_capture_window_seconds: u64,
    /// The hubs, in the plan's order.
    pub(crate) hubs: Vec<HubFiles>,
}

/// The first records of one file, as rows of JSON values under the columns of its schema.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct FileRecords {
    /// The writer schema's full name, such as `Microsoft.ServiceBus.Messaging.EventData`.
    pub(crate) schema_name: Option<String>,
    /// The record's field names, in the schema's order.
    pub(crate) columns: Vec<String>,
    /// The first [`MAX_ROWS`] records, each value under its column.
    pub(crate) rows: Vec<Vec<Json>>,
    /// The number of records in the file.
    pub(crate) total: usize,
}

/// The containers of one attendee's plan on the Local target.
#[derive(Debug)]
struct Containers {
    capture_account: String,
    lake_account: String,
    lake_container: String,
    window_seconds: u32,
    size_limit_bytes: u64,
    hubs: Vec<HubContainer>,
}

#[derive(Debug)]
struct HubContainer {
    hub: String,
    event_type: Option<String>,
    container: String,
}

impl Containers {
    fn of(plan: &Plan) -> Self {
        let mut containers = Containers {
            capture_account: String::new(),
            lake_account: String::new(),
            lake_container: String::new(),
            window_seconds: 0,
            size_limit_bytes: 0,
            hubs: Vec::new(),
        };
        for resource in plan.resources() {
            match &resource.spec {
                Spec::StorageAccount(spec) if spec.purpose == StoragePurpose::Capture => {
                    containers.capture_account = resource.name.clone();
                }
                Spec::StorageAccount(spec) if spec.purpose == StoragePurpose::Lake => {
                    containers.lake_account = resource.name.clone();
                }
                Spec::EventHub(spec) if spec.capture.enabled => {
                    containers.window_seconds = spec.capture.interval_seconds;
                    containers.size_limit_bytes = spec.capture.size_limit_bytes;
                    containers.hubs.push(HubContainer {
                        hub: resource.name.clone(),
                        event_type: spec.event_type.clone(),
                        container: spec.capture.container.clone(),
                    });
                }
                _ => {}
            }
        }
        containers.lake_container = plan
            .resources()
            .find(|resource| {
                resource.kind() == ResourceKind::BlobContainer
                    && resource
                        .parent
                        .as_deref()
                        .is_some_and(|parent| parent.contains(&containers.lake_account))
            })
            .map(|resource| resource.name.clone())
            .unwrap_or_else(|| "lake".to_string());
        containers
    }
}

/// Lists the capture and lake files of each hub of the attendee's plan, under the Local
/// target's folder `local_dir`.
pub(crate) fn overview(
    local_dir: &Path,
    attendee: &Attendee,
    flow_capture_window_seconds: Option<u64>,
) -> LakeOverview {
    let plan = course::plan(attendee);
    let containers = Containers::of(&plan);
    let storage = storage_root(local_dir);
    let capture_root = storage.join(&containers.capture_account);
    let lake_root = storage
        .join(&containers.lake_account)
        .join(&containers.lake_container);
    let hubs = containers
        .hubs
        .iter()
        .map(|hub| {
            let lake = match &hub.event_type {
                Some(event_type) => list_files(&lake_root, event_type, FileSource::Lake),
                None => Vec::new(),
            };
            HubFiles {
                hub: hub.hub.clone(),
                event_type: hub.event_type.clone(),
                capture_container: hub.container.clone(),
                capture: list_files(&capture_root.join(&hub.container), "", FileSource::Capture),
                lake,
            }
        })
        .collect();
    LakeOverview {
        capture_account: containers.capture_account,
        lake_account: containers.lake_account,
        lake_container: containers.lake_container,
        capture_window_seconds: containers.window_seconds,
        capture_size_limit_bytes: containers.size_limit_bytes,
        storage_exists: capture_root.is_dir(),
        flow_capture_window_seconds,
        demo_capture_window_seconds: flow::local_target::DEMO_CAPTURE_WINDOW.as_secs(),
        hubs,
    }
}

/// Decodes the first [`MAX_ROWS`] records of one file that [`overview`] lists for `hub`, and
/// counts them all.
pub(crate) fn read_file(
    local_dir: &Path,
    attendee: &Attendee,
    hub: &str,
    source: FileSource,
    path: &str,
) -> Result<FileRecords, CommandError> {
    let plan = course::plan(attendee);
    let containers = Containers::of(&plan);
    let unknown = || CommandError::UnknownLakeFile(path.to_string());
    let hub = containers
        .hubs
        .iter()
        .find(|candidate| candidate.hub == hub)
        .ok_or_else(unknown)?;
    let storage = storage_root(local_dir);
    let (root, prefix) = match source {
        FileSource::Capture => (
            storage
                .join(&containers.capture_account)
                .join(&hub.container),
            String::new(),
        ),
        FileSource::Lake => (
            storage
                .join(&containers.lake_account)
                .join(&containers.lake_container),
            format!("{}/", hub.event_type.as_deref().ok_or_else(unknown)?),
        ),
    };
    let relative = Path::new(path);
    let plain = relative
        .components()
        .all(|component| matches!(component, Component::Normal(_)));
    if !plain || !path.starts_with(&prefix) || !path.ends_with(".avro") {
        return Err(unknown());
    }
    decode(&root.join(relative))
}

fn storage_root(local_dir: &Path) -> PathBuf {
    local_dir
        .join(control::local::CONTROL_FOLDER)
        .join(control::local::STORAGE_FOLDER)
}

/// Lists the `.avro` files under `{root}/{folder}`, oldest first, with paths relative to
/// `root`. A missing folder has no files.
fn list_files(root: &Path, folder: &str, source: FileSource) -> Vec<LakeFile> {
    let mut files = Vec::new();
    collect(root, &root.join(folder), 0, source, &mut files);
    files.sort_by(|a, b| (a.modified_at, &a.path).cmp(&(b.modified_at, &b.path)));
    files
}

fn collect(root: &Path, folder: &Path, depth: usize, source: FileSource, out: &mut Vec<LakeFile>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let Ok(metadata) = entry.metadata() else {
            continue;
        };
        if metadata.is_dir() {
            collect(root, &path, depth + 1, source, out);
        } else if path
            .extension()
            .is_some_and(|extension| extension == "avro")
        {
            let relative = path.strip_prefix(root).unwrap_or(&path);
            let parts: Vec<String> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            let modified_at = metadata
                .modified()
                .ok()
                .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
                .map(|elapsed| elapsed.as_secs())
                .unwrap_or(0);
            out.push(LakeFile {
                source,
                path: parts.join("/"),
                size_bytes: metadata.len(),
                modified_at,
            });
        }
    }
}

/// Reads an Avro container file: the schema's columns, the first rows and the total count.
fn decode(path: &Path) -> Result<FileRecords, CommandError> {
    let unreadable = |reason: String| CommandError::UnreadableLakeFile {
        path: path.to_path_buf(),
        reason,
    };
    let file = File::open(path).map_err(|error| unreadable(error.to_string()))?;
    let reader =
        Reader::new(BufReader::new(file)).map_err(|error| unreadable(error.to_string()))?;
    let (schema_name, mut columns) = match reader.writer_schema() {
        apache_avro::Schema::Record(record) => (
            Some(record.name.fullname(None)),
            record
                .fields
                .iter()
                .map(|field| field.name.clone())
                .collect(),
        ),
        _ => (None, Vec::new()),
    };
    let mut rows = Vec::new();
    let mut total = 0;
    for value in reader {
        let value = value.map_err(|error| unreadable(error.to_string()))?;
        total += 1;
        if rows.len() < MAX_ROWS {
            rows.push(row(value, &mut columns));
        }
    }
    Ok(FileRecords {
        schema_name,
        columns,
        rows,
        total,
    })
}

/// Places a record's fields under their columns; a file whose records are not records gets
/// one column `value`.
fn row(value: Value, columns: &mut Vec<String>) -> Vec<Json> {
    match value {
        Value::Record(fields) => {
            let mut cells = vec![Json::Null; columns.len()];
            for (name, field) in fields {
                match columns.iter().position(|column| *column == name) {
                    Some(index) => cells[index] = to_json(field),
                    None => {
                        columns.push(name);
                        cells.push(to_json(field));
                    }
                }
            }
            cells
        }
        other => {
            if columns.is_empty() {
                columns.push("value".to_string());
            }
            vec![to_json(other)]
        }
    }
}

/// Turns an Avro value into JSON for a table cell. Bytes that are UTF-8 text show as the
/// text, other bytes as their length and first bytes in hexadecimal.
fn to_json(value: Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Boolean(flag) => Json::Bool(flag),
        Value::Int(number) => Json::from(number),
        Value::Long(number) => Json::from(number),
        Value::Float(number) => Json::from(f64::from(number)),
        Value::Double(number) => Json::from(number),
        Value::String(text) | Value::Enum(_, text) => Json::String(text),
        Value::Bytes(bytes) | Value::Fixed(_, bytes) => Json::String(bytes_text(&bytes)),
        Value::Union(_, inner) => to_json(*inner),
        Value::Array(items) => Json::Array(items.into_iter().map(to_json).collect()),
        Value::Map(entries) => {
            let mut sorted: Vec<(String, Value)> = entries.into_iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(
                sorted
                    .into_iter()
                    .map(|(key, entry)| (key, to_json(entry)))
                    .collect(),
            )
        }
        Value::Record(fields) => Json::Object(
            fields
                .into_iter()
                .map(|(name, field)| (name, to_json(field)))
                .collect(),
        ),
        other => Json::String(format!("{other:?}")),
    }
}

/// The number of leading bytes that a cell shows of binary data.
const SHOWN_BYTES: usize = 16;

fn bytes_text(bytes: &[u8]) -> String {
    if let Ok(text) = std::str::from_utf8(bytes) {
        if !text.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return text.to_string();
        }
    }
    let shown: Vec<String> = bytes
        .iter()
        .take(SHOWN_BYTES)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let more = if bytes.len() > SHOWN_BYTES {
        " …"
    } else {
        ""
    };
    format!("{} bytes: {}{more}", bytes.len(), shown.join(" "))
}

#[cfg(test)]
mod tests {
    use apache_avro::{Codec, DeflateSettings, Schema, Writer};
    use broker::capture::{
        archive_path, write_archive, ArchiveNameFormat, CaptureRecord, CaptureSettings,
    };
    use course::{Environment, Region};

    use super::*;

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    fn capture_folder(local: &Path, hub: &str) -> PathBuf {
        storage_root(local)
            .join("dvevents001saeundgrf")
            .join(course::capture_container(hub))
    }

    fn write_capture(local: &Path, hub: &str, events: usize) -> PathBuf {
        let settings = CaptureSettings::new(300, 300, true, ArchiveNameFormat::course()).unwrap();
        let records: Vec<CaptureRecord> = (0..events)
            .map(|index| CaptureRecord {
                sequence_number: index as i64,
                offset: (index * 100).to_string(),
                enqueued_time_ms: 1_765_000_000_000 + index as i64,
                system_properties: Default::default(),
                properties: Default::default(),
                body: format!("{{\"id\":\"c{index}\"}}").into_bytes(),
            })
            .collect();
        let path = archive_path(
            &capture_folder(local, hub),
            &settings,
            "dv-events001-ehns-eun-dgrf",
            hub,
            0,
            1_765_000_000_000,
        );
        write_archive(&path, &records).unwrap();
        path
    }

    fn write_lake(local: &Path, event_type: &str, records: usize) -> PathBuf {
        let schema = Schema::parse_str(
            r#"{"type": "record", "name": "Customer_Created", "namespace": "example.avro.lake",
                "fields": [{"name": "id", "type": "string"}, {"name": "email", "type": "string"},
                           {"name": "sequence_number", "type": "long"}]}"#,
        )
        .unwrap();
        let folder = storage_root(local)
            .join("dvlakesaeundgrf")
            .join("lake")
            .join(event_type)
            .join("2026/12/04/17");
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join(format!("{event_type}_1.avro"));
        let mut writer = Writer::with_codec(
            &schema,
            File::create(&path).unwrap(),
            Codec::Deflate(DeflateSettings::default()),
        );
        for index in 0..records {
            let mut record = apache_avro::types::Record::new(&schema).unwrap();
            record.put("id", format!("c{index}"));
            record.put("email", format!("c{index}@example.com"));
            record.put("sequence_number", index as i64);
            writer.append(record).unwrap();
        }
        writer.flush().unwrap();
        path
    }

    #[test]
    fn empty_folder_lists_every_hub_without_files() {
        let folder = tempfile::tempdir().unwrap();
        let overview = overview(folder.path(), &dgrf(), None);

        assert_eq!(overview.capture_account, "dvevents001saeundgrf");
        assert_eq!(overview.lake_account, "dvlakesaeundgrf");
        assert_eq!(overview.lake_container, "lake");
        assert_eq!(overview.capture_window_seconds, 300);
        assert!(
            !overview.storage_exists,
            "no capture account folder exists yet"
        );
        assert_eq!(overview.flow_capture_window_seconds, None);
        assert_eq!(overview.demo_capture_window_seconds, 5);
        assert!(overview.hubs.iter().any(|hub| hub.hub == "customer"));
        assert!(overview
            .hubs
            .iter()
            .all(|hub| hub.capture.is_empty() && hub.lake.is_empty()));
    }

    #[test]
    fn capture_and_lake_files_are_listed_per_hub() {
        let folder = tempfile::tempdir().unwrap();
        write_capture(folder.path(), "customer", 3);
        write_lake(folder.path(), "Customer.Created", 2);

        let overview = overview(folder.path(), &dgrf(), None);
        assert!(overview.storage_exists);
        let customer = overview
            .hubs
            .iter()
            .find(|hub| hub.hub == "customer")
            .unwrap();
        assert_eq!(customer.event_type.as_deref(), Some("Customer.Created"));
        assert_eq!(customer.capture.len(), 1);
        assert!(customer.capture[0].path.starts_with("customer/2025/"));
        assert!(customer.capture[0].size_bytes > 0);
        assert!(customer.capture[0].modified_at > 0);
        assert_eq!(customer.lake.len(), 1);
        assert_eq!(
            customer.lake[0].path,
            "Customer.Created/2026/12/04/17/Customer.Created_1.avro"
        );
        let lead = overview.hubs.iter().find(|hub| hub.hub == "lead").unwrap();
        assert!(lead.capture.is_empty());
        assert!(lead.lake.is_empty());
    }

    #[test]
    fn capture_file_decodes_to_rows() {
        let folder = tempfile::tempdir().unwrap();
        write_capture(folder.path(), "customer", 3);
        let listed = overview(folder.path(), &dgrf(), None);
        let path = &listed.hubs[0].capture[0].path;

        let records = read_file(
            folder.path(),
            &dgrf(),
            "customer",
            FileSource::Capture,
            path,
        )
        .unwrap();

        assert_eq!(
            records.schema_name.as_deref(),
            Some("Microsoft.ServiceBus.Messaging.EventData")
        );
        assert_eq!(
            records.columns,
            [
                "SequenceNumber",
                "Offset",
                "EnqueuedTimeUtc",
                "SystemProperties",
                "Properties",
                "Body"
            ]
        );
        assert_eq!(records.total, 3);
        assert_eq!(records.rows.len(), 3);
        assert_eq!(records.rows[2][0], Json::from(2));
        assert_eq!(records.rows[0][5], Json::from("{\"id\":\"c0\"}"));
    }

    #[test]
    fn lake_file_shows_first_rows_of_many() {
        let folder = tempfile::tempdir().unwrap();
        write_lake(folder.path(), "Customer.Created", 250);
        let path = "Customer.Created/2026/12/04/17/Customer.Created_1.avro";

        let records =
            read_file(folder.path(), &dgrf(), "customer", FileSource::Lake, path).unwrap();

        assert_eq!(records.columns, ["id", "email", "sequence_number"]);
        assert_eq!(records.total, 250);
        assert_eq!(records.rows.len(), MAX_ROWS);
        assert_eq!(records.rows[199][1], Json::from("c199@example.com"));
    }

    #[test]
    fn paths_outside_hub_containers_are_rejected() {
        let folder = tempfile::tempdir().unwrap();
        write_lake(folder.path(), "Customer.Created", 1);
        let attempts = [
            ("customer", FileSource::Lake, "../../../etc/passwd.avro"),
            ("customer", FileSource::Lake, "/etc/passwd.avro"),
            ("customer", FileSource::Lake, "Lead.Generated/x.avro"),
            ("customer", FileSource::Capture, "customer/notes.txt"),
            ("nohub", FileSource::Capture, "nohub/x.avro"),
        ];
        for (hub, source, path) in attempts {
            let error = read_file(folder.path(), &dgrf(), hub, source, path).unwrap_err();
            assert!(
                matches!(error, CommandError::UnknownLakeFile(_)),
                "{path}: {error}"
            );
        }
    }

    #[test]
    fn binary_bytes_show_length_and_hex() {
        assert_eq!(bytes_text(&[0, 1, 255]), "3 bytes: 00 01 ff");
        assert_eq!(bytes_text(b"plain text"), "plain text");
    }
}
