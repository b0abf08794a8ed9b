//! Writing, listing and reading capture files.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use apache_avro::{Codec, DeflateSettings, Reader, Writer};

use super::record::{capture_schema, from_avro};
use super::window::{CaptureSettings, ClosedWindow};
use super::{CaptureError, CaptureRecord};

/// Writes a closed window's events as a deflate-compressed Avro container file under
/// `container` (the hub's capture folder), named by the settings' archive name format for the
/// window's start. Returns the file's path, or `None` for an empty window that the settings
/// skip.
///
/// The file appears whole or not at all: it is written under a temporary name, synced to disk,
/// then renamed.
pub fn write_archive(
    container: &Path,
    settings: &CaptureSettings,
    namespace: &str,
    hub: &str,
    partition: u32,
    window: &ClosedWindow,
) -> Result<Option<PathBuf>, CaptureError> {
    if !window.should_write(settings) {
        return Ok(None);
    }
    let start = chrono::DateTime::from_timestamp_millis(window.start_ms).unwrap_or_default();
    let path = container.join(
        settings
            .name_format()
            .render(namespace, hub, partition, start),
    );
    let parent = path.parent().unwrap_or(container);
    fs::create_dir_all(parent).map_err(|source| io_error(parent, source))?;

    let temporary = path.with_extension("avro.partial");
    let file = File::create(&temporary).map_err(|source| io_error(&temporary, source))?;
    let avro_error = |error: apache_avro::Error| CaptureError::Avro {
        path: temporary.display().to_string(),
        message: error.to_string(),
    };
    let codec = Codec::Deflate(DeflateSettings::default());
    let mut writer = Writer::with_codec(capture_schema(), BufWriter::new(file), codec);
    for record in &window.records {
        writer.append(record.to_avro()).map_err(avro_error)?;
    }
    let mut buffered = writer.into_inner().map_err(avro_error)?;
    buffered
        .flush()
        .map_err(|source| io_error(&temporary, source))?;
    let file = buffered
        .into_inner()
        .map_err(|error| io_error(&temporary, error.into_error()))?;
    file.sync_all()
        .map_err(|source| io_error(&temporary, source))?;
    fs::rename(&temporary, &path).map_err(|source| io_error(&path, source))?;

    tracing::info!(
        hub,
        partition,
        events = window.records.len(),
        path = %path.display(),
        "capture file written"
    );
    Ok(Some(path))
}

/// Reads every record of a capture file.
pub fn read_archive(path: &Path) -> Result<Vec<CaptureRecord>, CaptureError> {
    let file = File::open(path).map_err(|source| io_error(path, source))?;
    let avro_error = |message: String| CaptureError::Avro {
        path: path.display().to_string(),
        message,
    };
    let reader =
        Reader::new(BufReader::new(file)).map_err(|error| avro_error(error.to_string()))?;
    let mut records = Vec::new();
    for value in reader {
        let value = value.map_err(|error| avro_error(error.to_string()))?;
        let record = from_avro(value)
            .ok_or_else(|| avro_error("a record does not match the capture schema".to_owned()))?;
        records.push(record);
    }
    Ok(records)
}

/// Lists every capture file (`*.avro`) under `root`, sorted by path. With the course's name
/// format, whose date fields have fixed widths, that is the order of the windows for each hub.
/// A missing `root` has no files.
pub fn list_archives(root: &Path) -> Result<Vec<PathBuf>, CaptureError> {
    let mut files = Vec::new();
    if root.exists() {
        collect(root, &mut files)?;
    }
    files.sort();
    Ok(files)
}

fn collect(folder: &Path, files: &mut Vec<PathBuf>) -> Result<(), CaptureError> {
    let entries = fs::read_dir(folder).map_err(|source| io_error(folder, source))?;
    for entry in entries {
        let path = entry.map_err(|source| io_error(folder, source))?.path();
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

fn io_error(path: &Path, source: std::io::Error) -> CaptureError {
    CaptureError::Io {
        path: path.display().to_string(),
        source,
    }
}
