//! The capture of one hub: reading new events from the log into each partition's window and
//! writing closed windows as Avro files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::capture_record::capture_record;
use crate::capture::{
    archive_path, write_archive, ArchiveWriter, CaptureError, CaptureSettings, ClosedWindow,
    PartitionWindow,
};
use crate::log::{EventLog, StartPosition, StoredEvent};

/// Events read from the log per partition and step at most, so one step stays short.
const MAX_EVENTS_PER_STEP: usize = 4096;

/// The folder, under the container, that contains each hub's capture positions and the files
/// of its open windows.
const STATE_FOLDER: &str = ".capture-state";

/// Seconds an archive name moves forward at most to avoid the file of an earlier window. The
/// windows of a partition open in distinct seconds, so a name moves only when a window
/// restored after a restart opens within the second of a file written before it.
const MAX_NAME_SHIFT_SECONDS: i64 = 3_600;

/// The folder, under [`STATE_FOLDER`], that contains one folder per hub with the file of each
/// partition's open window.
const OPEN_WINDOWS_FOLDER: &str = "open";

/// Capture settings of one hub and the folder its files go to.
#[derive(Debug, Clone)]
pub struct HubCapture {
    /// The hub captured.
    pub hub: String,
    /// Windows, empty-window handling and the archive name format.
    pub settings: CaptureSettings,
    /// The hub's container folder; file names from the archive name format are relative to it.
    pub container: PathBuf,
}

/// A capture failure.
#[derive(Debug, thiserror::Error)]
pub enum CaptureTaskError {
    /// Reading the log failed.
    #[error(transparent)]
    Log(#[from] crate::log::LogError),
    /// Writing a file or the saved positions failed.
    #[error(transparent)]
    Capture(#[from] CaptureError),
}

/// The capture of one hub, driven by [`HubCaptureState::step`] with the current time.
///
/// Each partition has an open window and two positions: the next event to read, and the first
/// event not yet in a written file. Only the second is saved, under the container in
/// `.capture-state/{hub}.json`, so events of a window open at shutdown are read again after a
/// restart and land in a later file.
///
/// A window's events go to its file under `.capture-state/open/{hub}/` as they are read, and
/// the file moves to its archive name when the window closes. So memory does not grow with the
/// window: Azure's largest window, 900 s or 500 MB per partition, would otherwise be held whole.
#[derive(Debug)]
pub(crate) struct HubCaptureState {
    capture: HubCapture,
    namespace: String,
    partitions: Vec<PartitionCapture>,
}

#[derive(Debug)]
struct PartitionCapture {
    window: PartitionWindow,
    /// The file of the open window, created with its first event.
    archive: Option<ArchiveWriter>,
    /// The sequence number of the last event in `archive`.
    last_in_archive: Option<i64>,
    next_read: i64,
    next_unwritten: i64,
}

impl PartitionCapture {
    /// Forgets the open window's events and reads them again from the first event not yet in
    /// a written file, after a failure left the window's file in an unknown state.
    fn rewind(&mut self) {
        if let Some(archive) = self.archive.take() {
            archive.discard();
        }
        self.last_in_archive = None;
        self.window = PartitionWindow::new(self.window.start_ms());
        self.next_read = self.next_unwritten;
    }
}

impl HubCaptureState {
    /// Starts capturing at `now_ms`: from the saved positions, or else from the events enqueued
    /// after now, as Azure's capture covers the events that arrive after it is enabled.
    pub(crate) fn start(
        capture: HubCapture,
        namespace: &str,
        partition_count: u32,
        log: &EventLog,
        now_ms: i64,
    ) -> Result<Self, CaptureTaskError> {
        let path = state_path(&capture.container, namespace, &capture.hub);
        let legacy = legacy_state_path(&capture.container, &capture.hub);
        let (mut saved, from_legacy) =
            load_namespace_positions(&capture.container, namespace, &capture.hub)?;
        // Windows left open when the broker stopped lose their files, because their events are
        // read again from the saved positions into a window that starts with the first of them.
        remove_open_windows(&capture.container, namespace, &capture.hub)?;
        let mut positions_changed = false;
        let mut partitions = Vec::new();
        for partition in 0..partition_count {
            let next = match saved.get(&partition) {
                Some(next) => {
                    // A position past the partition's end belongs to an earlier hub of the same
                    // name, deleted since: the new hub is captured from its first event.
                    let end = log
                        .partition_info(&capture.hub, partition)?
                        .last_enqueued_sequence_number
                        + 1;
                    if *next > end {
                        tracing::warn!(
                            hub = capture.hub,
                            partition,
                            saved = *next,
                            end,
                            "capture position past the partition's end; capturing from its start"
                        );
                        log.resolve_start(&capture.hub, partition, StartPosition::Earliest)?
                            .sequence_number
                    } else {
                        *next
                    }
                }
                None => {
                    positions_changed = true;
                    log.resolve_start(&capture.hub, partition, StartPosition::Latest)?
                        .sequence_number
                }
            };
            positions_changed |= saved.insert(partition, next) != Some(next);
            // Events of a window that was open when the broker stopped keep their window, which
            // restarts at the first such event. It closes on its own time, so at once when that
            // time has passed, instead of a whole window after every start.
            let window_start = log
                .read(&capture.hub, partition, next, 1)?
                .first()
                .map_or(now_ms, |event| event.enqueued_time_ms.min(now_ms));
            partitions.push(PartitionCapture {
                window: PartitionWindow::new(window_start),
                archive: None,
                last_in_archive: None,
                next_read: next,
                next_unwritten: next,
            });
        }
        // The start is saved at once, so events that arrive before the first file is written
        // are still captured after a restart instead of being skipped as "before capture".
        if positions_changed || from_legacy {
            save_positions(&path, &saved)?;
        }
        if from_legacy {
            std::fs::remove_file(&legacy).map_err(|source| CaptureError::Io {
                path: legacy.display().to_string(),
                source,
            })?;
        }
        Ok(Self {
            capture,
            namespace: namespace.to_owned(),
            partitions,
        })
    }

    /// Returns the earliest time a window of this hub closes, in milliseconds since the Unix
    /// epoch.
    pub(crate) fn next_close_ms(&self) -> Option<i64> {
        self.partitions
            .iter()
            .map(|partition| partition.window.closes_at_ms(&self.capture.settings))
            .min()
    }

    /// Reads new events into the windows' files, closes the windows that are due at `now_ms`,
    /// and returns the files written. After a failure, the partition that failed reads its open
    /// window's events again at the next step.
    pub(crate) fn step(
        &mut self,
        log: &EventLog,
        now_ms: i64,
    ) -> Result<Vec<PathBuf>, CaptureTaskError> {
        let mut written = Vec::new();
        let saved: Vec<i64> = self
            .partitions
            .iter()
            .map(|partition| partition.next_unwritten)
            .collect();
        let mut failure = None;
        for index in 0..self.partitions.len() {
            let partition_id = u32::try_from(index).unwrap_or(u32::MAX);
            if let Err(error) = self.step_partition(log, partition_id, now_ms, &mut written) {
                self.partitions[index].rewind();
                failure.get_or_insert(error);
            }
        }
        // A partition that failed after closing a window keeps that window's position too.
        let positions_changed = self
            .partitions
            .iter()
            .zip(&saved)
            .any(|(partition, saved)| partition.next_unwritten != *saved);
        if positions_changed {
            let positions = self
                .partitions
                .iter()
                .enumerate()
                .map(|(index, partition)| {
                    (
                        u32::try_from(index).unwrap_or(u32::MAX),
                        partition.next_unwritten,
                    )
                })
                .collect();
            save_positions(
                &state_path(&self.capture.container, &self.namespace, &self.capture.hub),
                &positions,
            )?;
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(written),
        }
    }

    /// Appends a partition's new events to its window's file and closes the window when it is
    /// full or due.
    fn step_partition(
        &mut self,
        log: &EventLog,
        partition_id: u32,
        now_ms: i64,
        written: &mut Vec<PathBuf>,
    ) -> Result<(), CaptureTaskError> {
        let index = partition_id as usize;
        let next_read = self.partitions[index].next_read;
        let events = log.read(
            &self.capture.hub,
            partition_id,
            next_read,
            MAX_EVENTS_PER_STEP,
        )?;
        for event in events {
            // An event enqueued after its window's end starts a later window, also when it is
            // read late, as the events of a restored window are.
            let due = self.partitions[index]
                .window
                .poll(&self.capture.settings, event.enqueued_time_ms);
            if let Some(closed) = due {
                self.close(partition_id, closed, written)?;
            }
            self.partitions[index].next_read = event.sequence_number + 1;
            if let Some(closed) = self.append(partition_id, &event, now_ms)? {
                self.close(partition_id, closed, written)?;
            }
        }
        let settings = &self.capture.settings;
        if let Some(closed) = self.partitions[index].window.poll(settings, now_ms) {
            self.close(partition_id, closed, written)?;
        }
        Ok(())
    }

    /// Appends one event to its partition's window file, and returns the window if the event
    /// filled it. An event that does not decode is logged and left out.
    fn append(
        &mut self,
        partition_id: u32,
        event: &StoredEvent,
        now_ms: i64,
    ) -> Result<Option<ClosedWindow>, CaptureTaskError> {
        let record = match capture_record(event) {
            Ok(record) => record,
            Err(error) => {
                tracing::error!(
                    hub = self.capture.hub,
                    partition = partition_id,
                    sequence = event.sequence_number,
                    %error,
                    "a stored event does not decode; it is left out of capture"
                );
                return Ok(None);
            }
        };
        let partition = &mut self.partitions[partition_id as usize];
        let archive = match &mut partition.archive {
            Some(archive) => archive,
            None => {
                let temporary = open_window_path(
                    &self.capture.container,
                    &self.namespace,
                    &self.capture.hub,
                    partition_id,
                );
                partition.archive.insert(ArchiveWriter::create(temporary)?)
            }
        };
        archive.append(&record)?;
        partition.last_in_archive = Some(record.sequence_number);
        Ok(partition
            .window
            .push(record.estimated_size(), &self.capture.settings, now_ms))
    }

    /// Gives a closed window its file: the open window's file moved to its archive name, or an
    /// empty file when the window had no events and the settings keep empty archives. A window
    /// with events moves the partition's first unwritten event past them.
    fn close(
        &mut self,
        partition_id: u32,
        closed: ClosedWindow,
        written: &mut Vec<PathBuf>,
    ) -> Result<(), CaptureTaskError> {
        let path = self.free_archive_path(partition_id, closed.start_ms)?;
        let partition = &mut self.partitions[partition_id as usize];
        let archive = partition.archive.take();
        let last = partition.last_in_archive.take();
        match archive {
            Some(archive) => {
                let records = archive.records();
                archive.finish(&path)?;
                tracing::info!(
                    hub = self.capture.hub,
                    partition = partition_id,
                    events = records,
                    path = %path.display(),
                    "capture file written"
                );
            }
            None if closed.should_write(&self.capture.settings) => {
                write_archive(&path, &[])?;
                tracing::info!(
                    hub = self.capture.hub,
                    partition = partition_id,
                    path = %path.display(),
                    "empty capture file written"
                );
            }
            None => return Ok(()),
        }
        written.push(path);
        if let Some(last) = last {
            partition.next_unwritten = last + 1;
        }
        Ok(())
    }

    /// Ends the hub's capture because it is turned off: reads the events that arrived so far,
    /// writes every open window that has events to its file at once, and removes the saved
    /// positions. Capture turned on again later then starts with the events that arrive from
    /// then on, as on Azure, instead of catching up on the events sent while it was off.
    pub(crate) fn finish(
        mut self,
        log: &EventLog,
        now_ms: i64,
    ) -> Result<Vec<PathBuf>, CaptureTaskError> {
        let mut written = self.step(log, now_ms)?;
        for index in 0..self.partitions.len() {
            let window = &self.partitions[index].window;
            if window.is_empty() {
                continue;
            }
            let closed = ClosedWindow {
                start_ms: window.start_ms(),
                events: window.len(),
            };
            let partition_id = u32::try_from(index).unwrap_or(u32::MAX);
            self.close(partition_id, closed, &mut written)?;
        }
        forget_capture_state(&self.capture.container, &self.namespace, &self.capture.hub).map_err(
            |source| CaptureError::Io {
                path: self
                    .capture
                    .container
                    .join(STATE_FOLDER)
                    .display()
                    .to_string(),
                source,
            },
        )?;
        Ok(written)
    }

    /// Returns the archive name of a window starting at `start_ms`, or of the first later second
    /// without a file. Names have whole seconds, and a restored window can start within the
    /// second of a window written before, whose file must stay.
    ///
    /// Never replaces an existing file. When every name up to [`MAX_NAME_SHIFT_SECONDS`] later
    /// is taken, returns an error that names the file. The partition then reads the window's
    /// events again at the next step, into its next window and that window's file.
    fn free_archive_path(&self, partition_id: u32, start_ms: i64) -> Result<PathBuf, CaptureError> {
        let path_at = |start_ms: i64| {
            archive_path(
                &self.capture.container,
                &self.capture.settings,
                &self.namespace,
                &self.capture.hub,
                partition_id,
                start_ms,
            )
        };
        let free = (0..=MAX_NAME_SHIFT_SECONDS)
            .map(|shift| (shift, path_at(start_ms + shift * 1000)))
            .find(|(_, path)| !path.exists());
        if let Some((shift, path)) = &free {
            if *shift > 0 {
                tracing::info!(
                    hub = self.capture.hub,
                    partition = partition_id,
                    seconds = shift,
                    path = %path.display(),
                    "a capture file of this window's second exists, so the file is named later"
                );
            }
        }
        free.map(|(_, path)| path).ok_or_else(|| CaptureError::Io {
            path: path_at(start_ms).display().to_string(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "this file and the names of the {MAX_NAME_SHIFT_SECONDS} seconds after it \
                         exist, and capture never replaces a file: move the files out of the \
                         container"
                ),
            ),
        })
    }
}

/// Removes a hub's capture positions and open windows from its container, after the hub is
/// deleted, so that a new hub of the same name is captured from its first event.
pub fn forget_capture_state(container: &Path, namespace: &str, hub: &str) -> std::io::Result<()> {
    for result in [
        std::fs::remove_file(state_path(container, namespace, hub)),
        std::fs::remove_file(legacy_state_path(container, hub)),
        std::fs::remove_dir_all(open_windows_folder(container, namespace, hub)),
    ] {
        match result {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
    }
    Ok(())
}

/// Moves a hub's capture positions from one container to another, when its capture changes
/// container: the events of the windows open in the old one are then captured in the new one,
/// and none is skipped. Positions already in the new container, from an earlier time it was
/// used, are replaced.
pub(crate) fn move_capture_state(
    from: &Path,
    to: &Path,
    namespace: &str,
    hub: &str,
) -> Result<(), CaptureError> {
    let (positions, _) = load_namespace_positions(from, namespace, hub)?;
    if !positions.is_empty() {
        save_positions(&state_path(to, namespace, hub), &positions)?;
    }
    forget_capture_state(from, namespace, hub).map_err(|source| CaptureError::Io {
        path: from.join(STATE_FOLDER).display().to_string(),
        source,
    })
}

/// Reads one namespace's capture positions of a hub in a container or, when it has none, the
/// positions earlier versions kept per hub only. Returns whether they are the earlier ones.
fn load_namespace_positions(
    container: &Path,
    namespace: &str,
    hub: &str,
) -> Result<(BTreeMap<u32, i64>, bool), CaptureError> {
    let positions = load_positions(&state_path(container, namespace, hub))?;
    if !positions.is_empty() {
        return Ok((positions, false));
    }
    let legacy = load_positions(&legacy_state_path(container, hub))?;
    let from_legacy = !legacy.is_empty();
    Ok((legacy, from_legacy))
}

/// Returns the file of one namespace's capture positions of a hub. Several namespaces may
/// capture hubs of the same name into one container, as on Azure, so each keeps its own.
fn state_path(container: &Path, namespace: &str, hub: &str) -> PathBuf {
    container
        .join(STATE_FOLDER)
        .join(namespace.to_ascii_lowercase())
        .join(format!("{}.json", hub.to_ascii_lowercase()))
}

/// Returns the file of a hub's capture positions as earlier versions named it, without the
/// namespace.
fn legacy_state_path(container: &Path, hub: &str) -> PathBuf {
    container
        .join(STATE_FOLDER)
        .join(format!("{}.json", hub.to_ascii_lowercase()))
}

/// Returns the file of a partition's open window.
fn open_window_path(container: &Path, namespace: &str, hub: &str, partition: u32) -> PathBuf {
    open_windows_folder(container, namespace, hub).join(format!("{partition}.avro.partial"))
}

fn open_windows_folder(container: &Path, namespace: &str, hub: &str) -> PathBuf {
    container
        .join(STATE_FOLDER)
        .join(OPEN_WINDOWS_FOLDER)
        .join(namespace.to_ascii_lowercase())
        .join(hub.to_ascii_lowercase())
}

fn remove_open_windows(container: &Path, namespace: &str, hub: &str) -> Result<(), CaptureError> {
    let folder = open_windows_folder(container, namespace, hub);
    match std::fs::remove_dir_all(&folder) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CaptureError::Io {
            path: folder.display().to_string(),
            source,
        }),
    }
}

fn load_positions(path: &Path) -> Result<BTreeMap<u32, i64>, CaptureError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(CaptureError::Io {
                path: path.display().to_string(),
                source,
            })
        }
    };
    serde_json::from_str(&text).map_err(|error| CaptureError::Io {
        path: path.display().to_string(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, error),
    })
}

fn save_positions(path: &Path, positions: &BTreeMap<u32, i64>) -> Result<(), CaptureError> {
    let io_error = |source| CaptureError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io_error)?;
    }
    let text = serde_json::to_string(positions).expect("a map of numbers serializes");
    let temporary = path.with_extension("json.partial");
    std::fs::write(&temporary, text).map_err(io_error)?;
    std::fs::rename(&temporary, path).map_err(io_error)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

    use amqp::Message;

    use super::*;
    use crate::capture::{list_archives, read_archive, ArchiveNameFormat};
    use crate::log::NewEvent;

    const START_MS: i64 = 1_772_874_300_000;

    fn capture(container: &Path, skip_empty: bool) -> HubCapture {
        HubCapture {
            hub: "lead".to_owned(),
            settings: CaptureSettings::new(60, 10, skip_empty, ArchiveNameFormat::course())
                .unwrap(),
            container: container.to_owned(),
        }
    }

    /// Opens a log whose events are enqueued at the time the returned clock is set to, which
    /// starts at `START_MS`.
    fn open_log(dir: &Path) -> (EventLog, Arc<AtomicI64>) {
        let now = Arc::new(AtomicI64::new(START_MS));
        let clock = Arc::clone(&now);
        let log = EventLog::open_with_clock(
            &dir.join("log.db"),
            Arc::new(move || clock.load(Ordering::SeqCst)),
        )
        .unwrap();
        (log, now)
    }

    /// Starts the capture of hub `lead` with empty windows skipped.
    fn start_at(container: &Path, log: &EventLog, partitions: u32, now_ms: i64) -> HubCaptureState {
        HubCaptureState::start(
            capture(container, true),
            "eda-local",
            partitions,
            log,
            now_ms,
        )
        .unwrap()
    }

    fn send(log: &EventLog, partition: u32, body: &str) {
        let event = NewEvent {
            message: Message::with_data(body.as_bytes().to_vec()).encode(),
            body_size: body.len(),
            properties_size: 0,
            partition_key: None,
        };
        log.append_blocking("lead", partition, vec![event]).unwrap();
    }

    #[test]
    fn windows_become_files_and_restart_resumes() {
        let dir = tempfile::tempdir().unwrap();
        let (log, now) = open_log(dir.path());
        send(&log, 0, "before capture");
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 2, START_MS);
        assert_eq!(state.next_close_ms(), Some(START_MS + 60_000));

        send(&log, 0, "lead-1");
        send(&log, 0, "lead-2");
        assert!(state.step(&log, START_MS + 1_000).unwrap().is_empty());
        let written = state.step(&log, START_MS + 60_000).unwrap();
        assert_eq!(
            written.len(),
            1,
            "partition 1 had no events and empty windows are skipped"
        );
        assert_eq!(
            written[0],
            container.join("lead/2026/03/07/09/lead_2026_03_07_09_05_00_0_eda-local.avro")
        );
        let bodies: Vec<Vec<u8>> = read_archive(&written[0])
            .unwrap()
            .into_iter()
            .map(|record| record.body)
            .collect();
        assert_eq!(bodies, vec![b"lead-1".to_vec(), b"lead-2".to_vec()]);

        // An event in an open window at shutdown is captured after a restart, in a window that
        // starts with it and closes once its time has passed.
        now.store(START_MS + 60_500, Ordering::SeqCst);
        send(&log, 0, "lead-3");
        state.step(&log, START_MS + 61_000).unwrap();
        drop(state);
        let mut restarted = start_at(&container, &log, 2, START_MS + 120_000);
        assert!(restarted.step(&log, START_MS + 120_100).unwrap().is_empty());
        let written = restarted.step(&log, START_MS + 120_500).unwrap();
        assert_eq!(written.len(), 1);
        assert_eq!(
            written[0],
            container.join("lead/2026/03/07/09/lead_2026_03_07_09_06_00_0_eda-local.avro")
        );
        let records = read_archive(&written[0]).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].body, b"lead-3");
        assert_eq!(records[0].sequence_number, 3);
    }

    #[test]
    fn restart_before_first_file_keeps_events() {
        let dir = tempfile::tempdir().unwrap();
        let (log, now) = open_log(dir.path());
        send(&log, 0, "before capture");
        let container = dir.path().join("capture");
        let state = start_at(&container, &log, 1, START_MS);
        now.store(START_MS + 500, Ordering::SeqCst);
        send(&log, 0, "lead-1");
        drop(state);

        let mut restarted = start_at(&container, &log, 1, START_MS + 30_000);
        restarted.step(&log, START_MS + 31_000).unwrap();
        let written = restarted.step(&log, START_MS + 90_000).unwrap();
        assert_eq!(written.len(), 1);
        let records = read_archive(&written[0]).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].body, b"lead-1");
    }

    #[test]
    fn empty_windows_written_unless_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state =
            HubCaptureState::start(capture(&container, false), "eda-local", 2, &log, START_MS)
                .unwrap();
        let written = state.step(&log, START_MS + 60_000).unwrap();
        assert_eq!(written.len(), 2);
        assert!(read_archive(&written[0]).unwrap().is_empty());
    }

    #[test]
    fn open_window_written_to_file() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 1, START_MS);
        send(&log, 0, "lead-1");
        assert!(state.step(&log, START_MS + 1_000).unwrap().is_empty());
        let open = open_window_path(&container, "eda-local", "lead", 0);
        assert!(
            open.exists(),
            "the open window's events are in {}",
            open.display()
        );
        assert!(list_archives(&container).unwrap().is_empty());

        let written = state.step(&log, START_MS + 60_000).unwrap();
        assert_eq!(written.len(), 1);
        assert!(!open.exists());
        assert_eq!(read_archive(&written[0]).unwrap()[0].body, b"lead-1");
    }

    #[test]
    fn open_window_files_removed_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 1, START_MS);
        send(&log, 0, "lead-1");
        state.step(&log, START_MS + 1_000).unwrap();
        let open = open_window_path(&container, "eda-local", "lead", 0);
        assert!(open.exists());
        drop(state);

        let mut restarted = start_at(&container, &log, 1, START_MS + 120_000);
        assert!(
            !open.exists(),
            "a file left by the stopped broker is removed"
        );
        let written = restarted.step(&log, START_MS + 121_000).unwrap();
        let records = read_archive(&written[0]).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].body, b"lead-1");
    }

    #[test]
    fn failed_step_reads_window_again() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 1, START_MS);
        send(&log, 0, "lead-1");
        // A file where the open windows' folder belongs makes creating the window's file fail.
        let folder = open_windows_folder(&container, "eda-local", "lead");
        std::fs::create_dir_all(folder.parent().unwrap()).unwrap();
        std::fs::write(&folder, b"in the way").unwrap();
        assert!(state.step(&log, START_MS + 1_000).is_err());

        std::fs::remove_file(&folder).unwrap();
        send(&log, 0, "lead-2");
        state.step(&log, START_MS + 2_000).unwrap();
        let written = state.step(&log, START_MS + 60_000).unwrap();
        let bodies: Vec<Vec<u8>> = read_archive(&written[0])
            .unwrap()
            .into_iter()
            .map(|record| record.body)
            .collect();
        assert_eq!(bodies, vec![b"lead-1".to_vec(), b"lead-2".to_vec()]);
    }

    #[test]
    fn window_open_at_shutdown_closes_after_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (log, now) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 1, START_MS);
        now.store(START_MS + 500, Ordering::SeqCst);
        send(&log, 0, "lead-1");
        send(&log, 0, "lead-2");
        assert!(state.step(&log, START_MS + 1_000).unwrap().is_empty());
        drop(state);

        // Ten minutes later the broker starts again and new events arrive at once. The old
        // window is written at the first step, named with its own start and holding only its
        // own events. The new event waits in a later window.
        let restart_ms = START_MS + 600_000;
        let mut restarted = start_at(&container, &log, 1, restart_ms);
        now.store(restart_ms + 100, Ordering::SeqCst);
        send(&log, 0, "lead-3");
        let written = restarted.step(&log, restart_ms + 200).unwrap();
        assert_eq!(
            written,
            [container.join("lead/2026/03/07/09/lead_2026_03_07_09_05_00_0_eda-local.avro")]
        );
        let bodies: Vec<Vec<u8>> = read_archive(&written[0])
            .unwrap()
            .into_iter()
            .map(|record| record.body)
            .collect();
        assert_eq!(bodies, vec![b"lead-1".to_vec(), b"lead-2".to_vec()]);

        let later = restarted.step(&log, restart_ms + 60_000).unwrap();
        assert_eq!(later.len(), 1);
        assert_eq!(read_archive(&later[0]).unwrap()[0].body, b"lead-3");
    }

    #[test]
    fn window_in_same_second_keeps_earlier_file() {
        let dir = tempfile::tempdir().unwrap();
        let (log, now) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 1, START_MS);
        send(&log, 0, "lead-1");
        let first = state.step(&log, START_MS + 60_000).unwrap();
        assert_eq!(first.len(), 1);

        // A window restored after a restart that starts within the second of the file above
        // gets the next second's name.
        let mut other = start_at(&container, &log, 1, START_MS + 60_000);
        other.partitions[0].window = PartitionWindow::new(START_MS + 400);
        now.store(START_MS + 60_100, Ordering::SeqCst);
        send(&log, 0, "lead-2");
        let second = other.step(&log, START_MS + 60_400).unwrap();
        assert_eq!(
            second,
            [container.join("lead/2026/03/07/09/lead_2026_03_07_09_05_01_0_eda-local.avro")]
        );
        assert_eq!(read_archive(&first[0]).unwrap()[0].body, b"lead-1");
        assert_eq!(read_archive(&second[0]).unwrap()[0].body, b"lead-2");
    }

    #[test]
    fn recreated_hub_captured_from_first_event() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let container = dir.path().join("capture");
        let mut state = start_at(&container, &log, 1, START_MS);
        for body in ["old-1", "old-2", "old-3"] {
            send(&log, 0, body);
        }
        assert_eq!(state.step(&log, START_MS + 60_000).unwrap().len(), 1);
        drop(state);

        // The hub is deleted and created again while its capture positions stay behind.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(log.delete_hub("lead")).unwrap();
        send(&log, 0, "new-1");
        let mut restarted = start_at(&container, &log, 1, START_MS + 60_000);
        let written = restarted.step(&log, START_MS + 120_000).unwrap();
        let records = read_archive(&written[0]).unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].body, b"new-1");
        assert_eq!(records[0].sequence_number, 0);

        forget_capture_state(&container, "eda-local", "lead").unwrap();
        assert!(!state_path(&container, "eda-local", "lead").exists());
        forget_capture_state(&container, "eda-local", "lead").unwrap();
    }

    #[test]
    fn namespaces_sharing_container_keep_own_events() {
        let dir = tempfile::tempdir().unwrap();
        for log_folder in ["one", "two"] {
            std::fs::create_dir_all(dir.path().join(log_folder)).unwrap();
        }
        let (first_log, _first_clock) = open_log(&dir.path().join("one"));
        let (second_log, _second_clock) = open_log(&dir.path().join("two"));
        let container = dir.path().join("capture");
        let start = |log: &EventLog, namespace: &str| {
            HubCaptureState::start(capture(&container, true), namespace, 1, log, START_MS).unwrap()
        };
        let mut first = start(&first_log, "ns-one");
        let mut second = start(&second_log, "ns-two");
        send(&first_log, 0, "one-1");
        send(&first_log, 0, "one-2");
        send(&second_log, 0, "two-1");

        let first_files = first.step(&first_log, START_MS + 60_000).unwrap();
        let second_files = second.step(&second_log, START_MS + 60_000).unwrap();

        let bodies = |files: &[PathBuf]| -> Vec<Vec<u8>> {
            read_archive(&files[0])
                .unwrap()
                .into_iter()
                .map(|record| record.body)
                .collect()
        };
        assert_eq!(bodies(&first_files), [b"one-1".to_vec(), b"one-2".to_vec()]);
        assert_eq!(bodies(&second_files), [b"two-1".to_vec()]);
        assert_eq!(
            load_positions(&state_path(&container, "ns-one", "lead")).unwrap()[&0],
            2
        );
        assert_eq!(
            load_positions(&state_path(&container, "ns-two", "lead")).unwrap()[&0],
            1
        );
    }

    #[test]
    fn legacy_positions_move_to_namespace() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let container = dir.path().join("capture");
        send(&log, 0, "already-captured");
        send(&log, 0, "not-yet");
        let legacy = legacy_state_path(&container, "lead");
        save_positions(&legacy, &BTreeMap::from([(0, 1)])).unwrap();

        let mut state = start_at(&container, &log, 1, START_MS);
        let written = state.step(&log, START_MS + 60_000).unwrap();

        assert_eq!(read_archive(&written[0]).unwrap()[0].body, b"not-yet");
        assert!(!legacy.exists());
        assert!(state_path(&container, "eda-local", "lead").exists());
    }

    #[test]
    fn moved_positions_capture_open_window_in_new_container() {
        let dir = tempfile::tempdir().unwrap();
        let (log, _clock) = open_log(dir.path());
        let old = dir.path().join("old");
        let new = dir.path().join("new");
        let mut state = start_at(&old, &log, 1, START_MS);
        send(&log, 0, "in-open-window");
        assert!(state.step(&log, START_MS + 1_000).unwrap().is_empty());
        drop(state);

        move_capture_state(&old, &new, "eda-local", "lead").unwrap();
        let mut moved = start_at(&new, &log, 1, START_MS + 2_000);
        let written = moved.step(&log, START_MS + 61_000).unwrap();

        assert_eq!(
            read_archive(&written[0]).unwrap()[0].body,
            b"in-open-window"
        );
        assert!(written[0].starts_with(&new));
        assert!(!state_path(&old, "eda-local", "lead").exists());
        assert!(!open_windows_folder(&old, "eda-local", "lead").exists());
    }

    #[test]
    fn capture_off_writes_windows_skips_gap() {
        let dir = tempfile::tempdir().unwrap();
        let (log, clock) = open_log(dir.path());
        let container = dir.path().join("container");
        let mut state = start_at(&container, &log, 2, START_MS);
        send(&log, 0, "while-on");
        assert!(state.step(&log, START_MS + 1_000).unwrap().is_empty());

        let written = state.finish(&log, START_MS + 2_000).unwrap();
        assert_eq!(
            written.len(),
            1,
            "only the partition with events gets a file"
        );
        assert_eq!(read_archive(&written[0]).unwrap()[0].body, b"while-on");
        assert!(!state_path(&container, "eda-local", "lead").exists());

        clock.store(START_MS + 3_000, Ordering::SeqCst);
        send(&log, 0, "while-off");
        let mut again = start_at(&container, &log, 2, START_MS + 4_000);
        clock.store(START_MS + 5_000, Ordering::SeqCst);
        send(&log, 0, "after");
        let written = again.step(&log, START_MS + 70_000).unwrap();
        let bodies: Vec<Vec<u8>> = written
            .iter()
            .flat_map(|path| read_archive(path).unwrap())
            .map(|record| record.body)
            .collect();
        assert_eq!(bodies, vec![b"after".to_vec()]);
    }
}
