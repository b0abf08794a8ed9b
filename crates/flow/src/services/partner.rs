//! The partner's leads-sold file: a CSV `lead_id,purchase_date` built from the `lead` hub's
//! capture files, each lead in at most one file across runs.
//!
//! The leads are recorded as sold, with the number of the file they go to, before the file is
//! written. A file recorded but missing on disk (after a crash in between) is written again
//! from the store, so no lead is lost and none appears twice. Only leads the Conversions team
//! generated are sold: capture files outlive a reset of the flow, and their older leads are
//! left out.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::params;

use serde::Serialize;

use crate::capture::{
    capture_file_partition, list_capture_files, read_capture_file, CaptureReadError,
};
use crate::cloudevents::CloudEvent;
use crate::events::{EventCodec, FlowEvent};
use crate::files::write_atomically;
use crate::ids::derived_number;
use crate::sqlite::StoreError;
use crate::store::TeamStore;

/// The hub whose capture files the partner reads.
pub const LEAD_HUB: &str = "lead";

/// The header line of a leads-sold file.
pub const LEADS_SOLD_HEADER: &str = "lead_id,purchase_date";

/// The capture files a leads-sold file is built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureChoice {
    /// Every capture file.
    All,
    /// The file at this index of the sorted list, from 0.
    File(usize),
    /// One file picked at random from the whole list with this seed.
    Random {
        /// The seed.
        seed: u64,
    },
}

/// A failure to build a leads-sold file.
#[derive(Debug, thiserror::Error)]
pub enum PartnerError {
    /// Capture has written no file yet.
    #[error(
        "capture has not written a file for hub `lead` under `{folder}` yet: capture writes a \
         file when a window of {window_seconds} s closes with events in it, so the next file \
         can appear by {next_window_closes_by}"
    )]
    NoCaptureFile {
        /// The folder searched.
        folder: PathBuf,
        /// The capture time window.
        window_seconds: u64,
        /// When the current window closes at the latest, RFC 3339.
        next_window_closes_by: String,
    },
    /// The chosen index is past the end of the list.
    #[error(
        "capture file number {index} does not exist: there are {count} files, numbered 0 to {}",
        .count.saturating_sub(1)
    )]
    NoSuchFile {
        /// The index asked for.
        index: usize,
        /// How many files exist.
        count: usize,
    },
    /// A capture file cannot be read.
    #[error(transparent)]
    Capture(#[from] CaptureReadError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The leads-sold file cannot be written.
    #[error("writing leads-sold file `{path}` failed: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// A capture record the partner left out because its body cannot be decoded as a lead, such
/// as a poison event. The consumer groups of hub `lead` park the same event after their
/// retries, so it is reported, not retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedRecord {
    /// The capture file.
    pub file: PathBuf,
    /// The partition, from the file's name, or `?` when the name does not follow the archive
    /// name format.
    pub partition_id: String,
    /// The record's sequence number.
    pub sequence_number: i64,
    /// The decoder's message.
    pub reason: String,
}

impl SkippedRecord {
    /// Returns the message for the people watching.
    pub fn notice(&self) -> String {
        format!(
            "the partner skipped the record with sequence number {} of partition {} in capture \
             file `{}`, because it cannot be decoded as a lead: {}; the consumer groups of hub \
             `lead` park the same event",
            self.sequence_number,
            self.partition_id,
            self.file.display(),
            self.reason
        )
    }
}

/// The result of one build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadsSold {
    /// The capture files read.
    pub capture_files: Vec<PathBuf>,
    /// The file written, or `None` when the capture files held no lead not sold before.
    pub file: Option<PathBuf>,
    /// The leads in the new file.
    pub leads: Vec<String>,
    /// Captured leads left out because the Conversions team has no record of generating them,
    /// such as leads captured before the flow was reset.
    pub unknown_leads: Vec<String>,
    /// Records of the chosen files that are not leads the partner can decode.
    pub skipped: Vec<SkippedRecord>,
}

/// Leads recorded as sold by one build: the new file's number and leads, if any, and the
/// captured leads the team never generated.
#[derive(Debug)]
struct Recorded {
    file: Option<(i64, Vec<String>)>,
    unknown: Vec<String>,
}

/// Builds leads-sold files for the Conversions team.
#[derive(Debug, Clone)]
pub struct PartnerFiles {
    store: Arc<TeamStore>,
    codec: EventCodec,
    capture_folder: PathBuf,
    output_folder: PathBuf,
    capture_window: Duration,
    capture_clock: Option<CaptureClock>,
    /// The last sequence number of each partition of hub `lead` at the flow's last reset.
    reset_marks: HashMap<String, i64>,
}

/// A source of the closing time of the `lead` hub's next capture window, in milliseconds since
/// the Unix epoch. The broker that writes the files provides it; `None` means not known.
#[derive(Clone)]
pub struct CaptureClock(Arc<dyn Fn() -> Option<i64> + Send + Sync>);

impl CaptureClock {
    /// Wraps the function that reads the closing time from the broker.
    pub fn new(next_close_ms: impl Fn() -> Option<i64> + Send + Sync + 'static) -> Self {
        CaptureClock(Arc::new(next_close_ms))
    }

    /// Returns when the next window closes, or `None` when the broker has no time for it.
    pub fn next_close_ms(&self) -> Option<i64> {
        (self.0)()
    }
}

impl std::fmt::Debug for CaptureClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CaptureClock")
    }
}

impl PartnerFiles {
    /// Reads capture files under `capture_folder` (the `lead` hub's capture container) and
    /// writes leads-sold files into `output_folder`; `capture_window` is the hub's capture
    /// time window, and `capture_clock` gives the closing time of its next window, where known.
    pub fn new(
        store: Arc<TeamStore>,
        codec: EventCodec,
        capture_folder: PathBuf,
        output_folder: PathBuf,
        capture_window: Duration,
        capture_clock: Option<CaptureClock>,
    ) -> Self {
        PartnerFiles {
            store,
            codec,
            capture_folder,
            output_folder,
            capture_window,
            capture_clock,
            reset_marks: HashMap::new(),
        }
    }

    /// Leaves out, without a notice, the records the partner cannot decode that hub `lead`
    /// received before the flow's last reset. `marks` gives the last sequence number of each
    /// partition at the reset. The consumer groups started after those events, so they park
    /// none of them.
    pub fn with_reset_marks(mut self, marks: HashMap<String, i64>) -> Self {
        self.reset_marks = marks;
        self
    }

    /// Lists the capture files a build can choose from, in window order.
    pub fn capture_files(&self) -> Result<Vec<PathBuf>, PartnerError> {
        Ok(list_capture_files(&self.capture_folder)?)
    }

    /// Builds a leads-sold file from the chosen capture files with every lead in them not sold
    /// before.
    pub async fn build(&self, choice: CaptureChoice) -> Result<LeadsSold, PartnerError> {
        self.rewrite_missing_files()?;
        let files = self.capture_files()?;
        if files.is_empty() {
            return Err(self.no_capture_file());
        }
        let chosen = match choice {
            CaptureChoice::All => files,
            CaptureChoice::File(index) => {
                vec![files.get(index).cloned().ok_or(PartnerError::NoSuchFile {
                    index,
                    count: files.len(),
                })?]
            }
            CaptureChoice::Random { seed } => {
                let index = ChaCha8Rng::seed_from_u64(seed).random_range(0..files.len());
                vec![files[index].clone()]
            }
        };
        self.sell_leads_in(chosen).await
    }

    /// Builds a leads-sold file from the given capture files with every lead in them not sold
    /// before. [`PeriodicPartner`] passes only the files it has not read yet.
    pub async fn build_from(&self, chosen: Vec<PathBuf>) -> Result<LeadsSold, PartnerError> {
        self.rewrite_missing_files()?;
        self.sell_leads_in(chosen).await
    }

    async fn sell_leads_in(&self, chosen: Vec<PathBuf>) -> Result<LeadsSold, PartnerError> {
        let mut leads = Vec::new();
        let mut seen = HashSet::new();
        let mut skipped = Vec::new();
        for path in &chosen {
            let (file_leads, file_skipped) = self.read_leads(path).await?;
            skipped.extend(file_skipped);
            for lead in file_leads {
                if seen.insert(lead.0.clone()) {
                    leads.push(lead);
                }
            }
        }
        let Recorded {
            file: recorded,
            unknown: unknown_leads,
        } = self.record_sold(&leads)?;
        let Some((number, sold)) = recorded else {
            return Ok(LeadsSold {
                capture_files: chosen,
                file: None,
                leads: Vec::new(),
                unknown_leads,
                skipped,
            });
        };
        let path = self.write_file(number)?;
        tracing::info!(file = %path.display(), leads = sold.len(), "leads-sold file written");
        Ok(LeadsSold {
            capture_files: chosen,
            file: Some(path),
            leads: sold,
            unknown_leads,
            skipped,
        })
    }

    /// Returns the error for a capture folder without files, with the time the current window
    /// closes by.
    pub fn no_capture_file(&self) -> PartnerError {
        let closes_at_ms = self
            .capture_clock
            .as_ref()
            .and_then(CaptureClock::next_close_ms);
        no_capture_file(&self.capture_folder, self.capture_window, closes_at_ms)
    }

    /// Returns (lead id, purchase date) of every `Lead.Generated` event in a file, and the
    /// records whose body cannot be decoded as a lead.
    async fn read_leads(
        &self,
        path: &Path,
    ) -> Result<(Vec<(String, String)>, Vec<SkippedRecord>), PartnerError> {
        let mut leads = Vec::new();
        let mut skipped = Vec::new();
        for captured in read_capture_file(path)? {
            if let Ok(cloud_event) = CloudEvent::read_from(&captured.properties) {
                if cloud_event.event_type != "Lead.Generated" {
                    continue;
                }
            }
            let decoded = self
                .codec
                .decode(
                    "Lead.Generated",
                    captured.content_type().as_deref(),
                    &captured.body,
                )
                .await;
            match decoded {
                Ok(FlowEvent::LeadGenerated(lead)) => {
                    let purchase_date = purchase_date(&lead.id, &lead.date);
                    leads.push((lead.id, purchase_date));
                }
                Ok(_) => {}
                Err(error) => {
                    let partition_id = capture_file_partition(path).unwrap_or("?");
                    let before_reset = self
                        .reset_marks
                        .get(partition_id)
                        .is_some_and(|mark| captured.sequence_number <= *mark);
                    if before_reset {
                        tracing::debug!(
                            file = %path.display(),
                            partition = partition_id,
                            sequence = captured.sequence_number,
                            %error,
                            "the partner left out a record from before the flow's reset"
                        );
                        continue;
                    }
                    skipped.push(SkippedRecord {
                        file: path.to_path_buf(),
                        partition_id: partition_id.to_string(),
                        sequence_number: captured.sequence_number,
                        reason: error.to_string(),
                    });
                }
            }
        }
        Ok((leads, skipped))
    }

    /// Records the leads not sold before under a new file number, with `None` when none is
    /// new, and returns the leads the team never generated.
    fn record_sold(&self, leads: &[(String, String)]) -> Result<Recorded, PartnerError> {
        Ok(self.store.transaction(|transaction| {
            let number: i64 = transaction.query_row(
                "SELECT COALESCE(MAX(file_number), 0) + 1 FROM sold_leads",
                [],
                |row| row.get(0),
            )?;
            let mut generated = transaction.prepare_cached(
                "SELECT COUNT(*) FROM lead_decisions WHERE lead_id = ?1 AND outcome = 'lead'",
            )?;
            let mut insert = transaction.prepare_cached(
                "INSERT OR IGNORE INTO sold_leads (lead_id, purchase_date, file_number) \
                 VALUES (?1, ?2, ?3)",
            )?;
            let mut sold = Vec::new();
            let mut unknown = Vec::new();
            for (lead_id, date) in leads {
                let decisions: i64 = generated.query_row(params![lead_id], |row| row.get(0))?;
                if decisions == 0 {
                    unknown.push(lead_id.clone());
                    continue;
                }
                let inserted = insert.execute(params![lead_id, date, number])?;
                if inserted == 1 {
                    sold.push(lead_id.clone());
                }
            }
            Ok(Recorded {
                file: (!sold.is_empty()).then_some((number, sold)),
                unknown,
            })
        })?)
    }

    fn file_path(&self, number: i64) -> PathBuf {
        self.output_folder
            .join(format!("leads-sold-{number:04}.csv"))
    }

    /// Writes file `number` from the store, whole or not at all.
    fn write_file(&self, number: i64) -> Result<PathBuf, PartnerError> {
        let rows: Vec<(String, String)> = self.store.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT lead_id, purchase_date FROM sold_leads WHERE file_number = ?1 \
                 ORDER BY rowid",
            )?;
            let rows =
                statement.query_map(params![number], |row| Ok((row.get(0)?, row.get(1)?)))?;
            rows.collect()
        })?;
        let mut text = format!("{LEADS_SOLD_HEADER}\n");
        for (lead_id, date) in rows {
            text.push_str(&format!("{lead_id},{date}\n"));
        }
        let path = self.file_path(number);
        let write_error = |source| PartnerError::Write {
            path: path.clone(),
            source,
        };
        write_atomically(&path, text.as_bytes()).map_err(write_error)?;
        Ok(path)
    }

    fn rewrite_missing_files(&self) -> Result<(), PartnerError> {
        let numbers: Vec<i64> = self.store.read(|connection| {
            let mut statement =
                connection.prepare("SELECT DISTINCT file_number FROM sold_leads")?;
            let rows = statement.query_map([], |row| row.get(0))?;
            rows.collect()
        })?;
        for number in numbers {
            if !self.file_path(number).exists() {
                let path = self.write_file(number)?;
                tracing::info!(file = %path.display(), "leads-sold file written again after an interruption");
            }
        }
        Ok(())
    }
}

/// The partner as the running flow drives it: each round builds a leads-sold file from the
/// capture files not read in an earlier round. A capture file is complete once it is listed,
/// because the broker renames it into place, so each is read once, and each record skipped in
/// it is reported once. When a round fails with several new files, each is tried alone, so one
/// file that cannot be read does not hold back the others. A failing file is tried again in
/// every round and reported once per error.
#[derive(Debug)]
pub struct PeriodicPartner {
    files: PartnerFiles,
    read: HashSet<PathBuf>,
    failing: HashMap<PathBuf, String>,
}

/// The outcome of one round of [`PeriodicPartner`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    /// The errors not reported before, one per failing file.
    pub failures: Vec<String>,
    /// The records skipped in the files read in this round.
    pub skipped: Vec<SkippedRecord>,
}

impl PeriodicPartner {
    /// Starts with no capture file read.
    pub fn new(files: PartnerFiles) -> Self {
        PeriodicPartner {
            files,
            read: HashSet::new(),
            failing: HashMap::new(),
        }
    }

    /// Builds a leads-sold file from the capture files not read yet. Fails with
    /// [`PartnerError::NoCaptureFile`] while capture has written no file, and when the
    /// capture folder cannot be listed.
    pub async fn round(&mut self) -> Result<Round, PartnerError> {
        let files = self.files.capture_files()?;
        if files.is_empty() {
            return Err(self.files.no_capture_file());
        }
        let unread: Vec<PathBuf> = files
            .into_iter()
            .filter(|file| !self.read.contains(file))
            .collect();
        let mut round = Round::default();
        if unread.is_empty() {
            return Ok(round);
        }
        let error = match self.files.build_from(unread.clone()).await {
            Ok(sold) => {
                self.mark_read(unread);
                round.skipped = sold.skipped;
                return Ok(round);
            }
            Err(error) => error,
        };
        if let [file] = unread.as_slice() {
            round.failures.extend(self.failed(file, &error));
            return Ok(round);
        }
        for file in unread {
            match self.files.build_from(vec![file.clone()]).await {
                Ok(sold) => {
                    self.mark_read(vec![file]);
                    round.skipped.extend(sold.skipped);
                }
                Err(error) => round.failures.extend(self.failed(&file, &error)),
            }
        }
        Ok(round)
    }

    fn mark_read(&mut self, files: Vec<PathBuf>) {
        for file in files {
            self.failing.remove(&file);
            self.read.insert(file);
        }
    }

    /// Records the failure of `file` and returns its message, or `None` when the last round
    /// already reported the same error for it.
    fn failed(&mut self, file: &Path, error: &PartnerError) -> Option<String> {
        let message = error.to_string();
        if self.failing.get(file) == Some(&message) {
            return None;
        }
        self.failing.insert(file.to_path_buf(), message.clone());
        Some(message)
    }
}

/// Returns the error for a capture folder without files, with the time the current window
/// closes: `closes_at_ms` from the broker when it is known, or else the latest it can close, one
/// `capture_window` from now.
pub fn no_capture_file(
    capture_folder: &Path,
    capture_window: Duration,
    closes_at_ms: Option<i64>,
) -> PartnerError {
    let latest =
        chrono::Utc::now() + chrono::Duration::from_std(capture_window).unwrap_or_default();
    let closes_by = closes_at_ms
        .and_then(chrono::DateTime::from_timestamp_millis)
        .unwrap_or(latest);
    PartnerError::NoCaptureFile {
        folder: capture_folder.to_path_buf(),
        window_seconds: capture_window.as_secs(),
        next_window_closes_by: closes_by.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    }
}

/// Derives a lead's purchase date: one to fourteen days after the lead's date, as a calendar
/// date. A lead date that is not RFC 3339 counts from today.
fn purchase_date(lead_id: &str, lead_date: &str) -> String {
    let start = chrono::DateTime::parse_from_rfc3339(lead_date)
        .map(|date| date.with_timezone(&chrono::Utc))
        .unwrap_or_else(|_| chrono::Utc::now());
    let days = (derived_number(&["purchase date", lead_id]) % 14 + 1) as i64;
    (start + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}
