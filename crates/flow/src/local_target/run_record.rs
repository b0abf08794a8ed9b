//! The run record: the seed and customer count a flow's state was created with.
//!
//! The team stores, checkpoints and outboxes make a flow resumable, so a second start
//! continues where the first one stopped. That holds only for the same customers, so the
//! record is written with the state and a start with another seed or customer count is
//! rejected.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::write_atomically;
use crate::setup::FlowConfig;

/// The file in a flow's data folder that contains its [`RunRecord`].
pub const RUN_RECORD_FILE: &str = "run.json";

/// The Customer team's store, whose presence shows that a flow ran in a data folder.
const CUSTOMER_STORE_FILE: &str = "customer.sqlite";

/// The settings a flow's state was created with, and the poison events injected into it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The seed of the customer generator.
    pub seed: u64,
    /// The customer limit; `None` for a flow that creates customers until it stops.
    pub customers: Option<u64>,
    /// The hubs a poison event was injected into, so a resumed run does not inject another.
    #[serde(default)]
    pub poisoned_hubs: BTreeSet<String>,
}

/// A failure to read or write a run record, or a start that does not match it.
#[derive(Debug, thiserror::Error)]
pub enum RunRecordError {
    /// The state was created with another seed or customer count.
    #[error(
        "the flow state in {folder} was created with seed {recorded_seed} and {recorded}, not \
         seed {seed} and {requested}: run with the recorded settings to resume, or reset the \
         flow (`eda-workshop flow --reset`) to start over",
        recorded = describe(*.recorded_customers),
        requested = describe(*.customers)
    )]
    Different {
        /// The flow's data folder.
        folder: PathBuf,
        /// The seed the state was created with.
        recorded_seed: u64,
        /// The customer limit the state was created with.
        recorded_customers: Option<u64>,
        /// The seed of this start.
        seed: u64,
        /// The customer limit of this start.
        customers: Option<u64>,
    },
    /// The folder contains team stores but no record, so the customers in them are unknown.
    #[error(
        "the flow state in {folder} has no run record, so its seed and customer count are \
         unknown: reset the flow (`eda-workshop flow --reset`) to start over"
    )]
    Unrecorded {
        /// The flow's data folder.
        folder: PathBuf,
    },
    /// The record cannot be read or written.
    #[error("cannot use the run record {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The record is not valid JSON of the expected shape.
    #[error(
        "the run record {path} is invalid ({source}): start the flow over (Reset on the live flow \
         page, or `eda-workshop flow --reset`)"
    )]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

fn describe(customers: Option<u64>) -> String {
    match customers {
        Some(1) => "1 customer".to_owned(),
        Some(count) => format!("{count} customers"),
        None => "no customer limit".to_owned(),
    }
}

/// The relation of a start to the state in the data folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateStart {
    /// No record existed; one was written for this start.
    Fresh(RunRecord),
    /// The record matches this start, which resumes the state.
    Resumed(RunRecord),
}

impl StateStart {
    /// Returns the record in the data folder.
    pub fn record(&self) -> &RunRecord {
        match self {
            StateStart::Fresh(record) | StateStart::Resumed(record) => record,
        }
    }
}

impl RunRecord {
    /// Returns the record of a start with `config`.
    pub fn of(config: &FlowConfig) -> Self {
        RunRecord {
            seed: config.seed,
            customers: config.customers,
            poisoned_hubs: BTreeSet::new(),
        }
    }

    fn path(folder: &Path) -> PathBuf {
        folder.join(RUN_RECORD_FILE)
    }

    /// Reads the record of a data folder; `None` when there is none.
    pub fn read(folder: &Path) -> Result<Option<Self>, RunRecordError> {
        let path = Self::path(folder);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(RunRecordError::Io { path, source }),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|source| RunRecordError::Invalid { path, source })
    }

    /// Writes the record into a data folder in one step, creating the folder.
    pub fn write(&self, folder: &Path) -> Result<(), RunRecordError> {
        let path = Self::path(folder);
        let text =
            serde_json::to_string_pretty(self).map_err(|source| RunRecordError::Invalid {
                path: path.clone(),
                source,
            })?;
        write_atomically(&path, text.as_bytes())
            .map_err(|source| RunRecordError::Io { path, source })
    }

    /// Removes the record of a data folder, if there is one.
    pub fn remove(folder: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(Self::path(folder)) {
            Ok(()) => Ok(()),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// Records that a poison event was injected into `hub`.
    pub fn add_poisoned_hub(&mut self, folder: &Path, hub: &str) -> Result<(), RunRecordError> {
        self.poisoned_hubs.insert(hub.to_owned());
        self.write(folder)
    }
}

/// Compares a start with `config` to the run record of its data folder. Without a record, it
/// writes one and the start is fresh, unless team stores exist without a record
/// ([`RunRecordError::Unrecorded`]). With a matching record the start resumes the state. With
/// another seed or customer count it fails with [`RunRecordError::Different`].
pub fn claim_state(config: &FlowConfig) -> Result<StateStart, RunRecordError> {
    let folder = &config.data_folder;
    let requested = RunRecord::of(config);
    match RunRecord::read(folder)? {
        None if folder.join(CUSTOMER_STORE_FILE).exists() => Err(RunRecordError::Unrecorded {
            folder: folder.clone(),
        }),
        None => {
            requested.write(folder)?;
            Ok(StateStart::Fresh(requested))
        }
        Some(recorded)
            if recorded.seed == requested.seed && recorded.customers == requested.customers =>
        {
            Ok(StateStart::Resumed(recorded))
        }
        Some(recorded) => Err(RunRecordError::Different {
            folder: folder.clone(),
            recorded_seed: recorded.seed,
            recorded_customers: recorded.customers,
            seed: requested.seed,
            customers: requested.customers,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(folder: &Path, seed: u64, customers: Option<u64>) -> FlowConfig {
        let mut config =
            FlowConfig::new(folder.to_path_buf(), folder.join("lake"), folder.join("c"));
        config.seed = seed;
        config.customers = customers;
        config
    }

    #[test]
    fn first_start_is_fresh_and_second_resumes() {
        let folder = tempfile::tempdir().unwrap();
        let first = claim_state(&config(folder.path(), 42, Some(30))).unwrap();
        assert!(matches!(first, StateStart::Fresh(_)));
        let second = claim_state(&config(folder.path(), 42, Some(30))).unwrap();
        assert_eq!(second, StateStart::Resumed(first.record().clone()));
    }

    #[test]
    fn other_seed_or_count_is_rejected_with_fix() {
        let folder = tempfile::tempdir().unwrap();
        claim_state(&config(folder.path(), 42, Some(30))).unwrap();
        let error = claim_state(&config(folder.path(), 7, Some(30))).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "the flow state in {} was created with seed 42 and 30 customers, not seed 7 and \
                 30 customers: run with the recorded settings to resume, or reset the flow \
                 (`eda-workshop flow --reset`) to start over",
                folder.path().display()
            )
        );
        let error = claim_state(&config(folder.path(), 42, Some(31))).unwrap_err();
        assert!(matches!(
            error,
            RunRecordError::Different {
                customers: Some(31),
                ..
            }
        ));
        let error = claim_state(&config(folder.path(), 42, None)).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("not seed 42 and no customer limit"),
            "{error}"
        );
    }

    #[test]
    fn poisoned_hubs_survive_resume() {
        let folder = tempfile::tempdir().unwrap();
        let mut record = claim_state(&config(folder.path(), 1, Some(3)))
            .unwrap()
            .record()
            .clone();
        record.add_poisoned_hub(folder.path(), "customer").unwrap();
        let resumed = claim_state(&config(folder.path(), 1, Some(3))).unwrap();
        assert!(resumed.record().poisoned_hubs.contains("customer"));
    }

    #[test]
    fn stores_without_record_are_rejected() {
        let folder = tempfile::tempdir().unwrap();
        std::fs::write(folder.path().join(CUSTOMER_STORE_FILE), b"").unwrap();
        let error = claim_state(&config(folder.path(), 1, Some(3))).unwrap_err();
        assert!(
            matches!(error, RunRecordError::Unrecorded { .. }),
            "{error}"
        );
        assert!(!folder.path().join(RUN_RECORD_FILE).exists());
    }

    #[test]
    fn removed_record_starts_fresh() {
        let folder = tempfile::tempdir().unwrap();
        claim_state(&config(folder.path(), 1, Some(3))).unwrap();
        RunRecord::remove(folder.path()).unwrap();
        RunRecord::remove(folder.path()).unwrap();
        let start = claim_state(&config(folder.path(), 2, Some(3))).unwrap();
        assert!(matches!(start, StateStart::Fresh(_)));
    }
}
