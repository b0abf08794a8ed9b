//! Writing, listing and reading capture files.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use apache_avro::{Codec, DeflateSettings, Reader, Writer};

use super::record::{capture_schema, from_avro};
use super::window::CaptureSettings;
use super::{CaptureError, CaptureRecord};

/// Returns the path of a window's file under `container` (the hub's capture folder), named by
/// the settings' archive name format for the window's start.
pub fn archive_path(
    container: &Path,
    settings: &CaptureSettings,
    namespace: &str,
    hub: &str,
    partition: u32,
    start_ms: i64,
) -> PathBuf {
    let start = chrono::DateTime::from_timestamp_millis(start_ms).unwrap_or_default();
    container.join(
        settings
            .name_format()
            .render(namespace, hub, partition, start),
    )
}

/// A capture file being written: a deflate-compressed Avro container file under a temporary
/// name, which records are appended to as they arrive. The Avro writer (apache-avro 0.21) sends
/// a block to the file whenever its buffer reaches 16,000 bytes, so memory use does not grow with
/// the window.
pub struct ArchiveWriter {
    temporary: PathBuf,
    writer: Writer<'static, BufWriter<File>>,
    records: u64,
}

impl std::fmt::Debug for ArchiveWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("ArchiveWriter")
            .field("temporary", &self.temporary)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl ArchiveWriter {
    /// Creates the file at `temporary`, replacing any file there, and its folder.
    pub fn create(temporary: PathBuf) -> Result<Self, CaptureError> {
        if let Some(parent) = temporary.parent() {
            fs::create_dir_all(parent).map_err(|source| io_error(parent, source))?;
        }
        let file = File::create(&temporary).map_err(|source| io_error(&temporary, source))?;
        let codec = Codec::Deflate(DeflateSettings::default());
        let writer = Writer::with_codec(capture_schema(), BufWriter::new(file), codec);
        Ok(Self {
            temporary,
            writer,
            records: 0,
        })
    }

    /// Appends one record.
    pub fn append(&mut self, record: &CaptureRecord) -> Result<(), CaptureError> {
        self.writer
            .append(record.to_avro())
            .map_err(|error| avro_error(&self.temporary, &error))?;
        self.records += 1;
        Ok(())
    }

    /// Returns how many records were appended.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes the last block, syncs the file to disk and renames it to `path`, creating the
    /// folders on the way. The file appears at `path` whole or not at all.
    pub fn finish(self, path: &Path) -> Result<(), CaptureError> {
        let Self {
            temporary, writer, ..
        } = self;
        let mut buffered = writer
            .into_inner()
            .map_err(|error| avro_error(&temporary, &error))?;
        buffered
            .flush()
            .map_err(|source| io_error(&temporary, source))?;
        let file = buffered
            .into_inner()
            .map_err(|error| io_error(&temporary, error.into_error()))?;
        file.sync_all()
            .map_err(|source| io_error(&temporary, source))?;
        let parent = path.parent().unwrap_or(path);
        fs::create_dir_all(parent).map_err(|source| io_error(parent, source))?;
        fs::rename(&temporary, path).map_err(|source| io_error(path, source))
    }

    /// Stops writing and deletes the temporary file.
    pub fn discard(self) {
        let temporary = self.temporary.clone();
        drop(self);
        if let Err(error) = fs::remove_file(&temporary) {
            tracing::debug!(
                path = %temporary.display(),
                %error,
                "removing a discarded capture file failed"
            );
        }
    }
}

/// Writes a whole window's `records` to the capture file at `path`, through a temporary file
/// next to it, so the file appears whole or not at all. An empty slice gives a file with no
/// records.
pub fn write_archive(path: &Path, records: &[CaptureRecord]) -> Result<(), CaptureError> {
    let mut writer = ArchiveWriter::create(path.with_extension("avro.partial"))?;
    for record in records {
        if let Err(error) = writer.append(record) {
            writer.discard();
            return Err(error);
        }
    }
    writer.finish(path)
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

fn avro_error(path: &Path, error: &apache_avro::Error) -> CaptureError {
    CaptureError::Avro {
        path: path.display().to_string(),
        message: error.to_string(),
    }
}

fn io_error(path: &Path, source: std::io::Error) -> CaptureError {
    CaptureError::Io {
        path: path.display().to_string(),
        source,
    }
}
