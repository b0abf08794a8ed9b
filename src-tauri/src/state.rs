//! The wizard's progress, kept in one small JSON file in the app data folder so that closing
//! the app and opening it again resumes on the same page with the same choices and results.
//!
//! The file contains the attendee's choices (target, namespace, environment, region), the page
//! shown last, the schema exercise's verdicts and each step's last Apply and Verify. It
//! contains no secret: the namespace and region are parts of public resource names, and the
//! results are counts, titles and messages, which the provisioning and registry crates write
//! without keys.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use course::{Environment, Region, StepId};
use serde::{Deserialize, Serialize};

use crate::choice::{AzureChoice, Target};
use crate::error::CommandError;
use crate::exercise::ExerciseLog;
use crate::provision::StepResult;

/// File name of the saved progress inside the app data folder.
pub(crate) const STATE_FILE: &str = "wizard.json";

/// The file format version. A file with another version is set aside, not misread.
const FORMAT: u32 = 1;

/// A page of the wizard that this build has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Page {
    /// The welcome page, where the attendee picks the target.
    #[default]
    Target,
    /// The namespace, environment and region.
    Namespace,
    /// Step 1.
    ResourceGroups,
    /// Step 2.
    SharedPlatform,
    /// Step 3, the compatibility exercise.
    SchemaRegistry,
    /// Step 4.
    Publishers,
    /// Step 5.
    Consumers,
    /// The teams' services running against the applied hubs.
    LiveFlow,
    /// The capture and lake files the live flow wrote.
    DataLake,
    /// The removal of everything the workshop created for the namespace.
    Teardown,
}

/// The attendee's choices on the first two pages, exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Choices {
    /// The place the workshop runs.
    pub(crate) target: Target,
    /// The namespace field's text, which may still be invalid.
    pub(crate) namespace: String,
    /// Whether the text came from `AZURE_UNIQUE_NAMESPACE` and was not edited since.
    pub(crate) namespace_from_environment: bool,
    /// The environment code.
    pub(crate) environment: Environment,
    /// The region, which may be one the attendee typed in.
    pub(crate) region: Region,
    /// Whether the attendee typed the region instead of picking a known one.
    pub(crate) custom_region: bool,
    /// How to sign in to Azure and the subscription chosen, used when the target is Azure.
    #[serde(default)]
    pub(crate) azure: AzureChoice,
}

impl Default for Choices {
    fn default() -> Self {
        Choices {
            target: Target::Local,
            namespace: String::new(),
            namespace_from_environment: false,
            environment: Environment::default(),
            region: Region::default(),
            custom_region: false,
            azure: AzureChoice::default(),
        }
    }
}

/// Everything the wizard restores at start.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WizardState {
    /// The page shown last.
    pub(crate) page: Page,
    /// The attendee's choices.
    pub(crate) choices: Choices,
    /// The schema exercise's registrations, in the order they were made.
    pub(crate) exercise: ExerciseLog,
    /// The last Apply and Verify of each resource step.
    #[serde(default)]
    pub(crate) steps: BTreeMap<StepId, StepResult>,
    /// Whether instructor mode, with its presenter view, is on.
    #[serde(default)]
    pub(crate) instructor_mode: bool,
    /// Seconds autoplay pauses on each page, once the instructor has picked a length.
    #[serde(default)]
    pub(crate) autoplay_seconds: Option<u32>,
}

/// The file's content: the state with its format version.
#[derive(Debug, Serialize, Deserialize)]
struct StateFile {
    format: u32,
    #[serde(flatten)]
    state: WizardState,
}

/// The state as the app found it at start.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LoadedState {
    /// The state to resume from.
    pub(crate) state: WizardState,
    /// Whether a saved file was found and read.
    pub(crate) resumed: bool,
    /// The reason a saved file could not be used, for the attendee to read, when that happened.
    pub(crate) notice: Option<String>,
}

/// The saved progress: the state in memory and the file it is written to after each change.
#[derive(Debug)]
pub(crate) struct StateStore {
    path: PathBuf,
    loaded: LoadedState,
    state: Mutex<WizardState>,
}

impl StateStore {
    /// Reads the state from `path`. A missing file starts a new workshop. A file that cannot be
    /// read or parsed is renamed with the suffix `.unreadable`, so the next save does not
    /// overwrite it, and the workshop starts over with a notice that names both files.
    pub(crate) fn open(path: PathBuf) -> StateStore {
        let loaded = match fs::read_to_string(&path) {
            Ok(text) => match parse(&text) {
                Ok(state) => LoadedState {
                    state,
                    resumed: true,
                    notice: None,
                },
                Err(reason) => set_aside(&path, &reason),
            },
            Err(error) if error.kind() == io::ErrorKind::NotFound => LoadedState {
                state: WizardState::default(),
                resumed: false,
                notice: None,
            },
            Err(error) => set_aside(&path, &error.to_string()),
        };
        tracing::info!(
            path = %path.display(),
            resumed = loaded.resumed,
            page = ?loaded.state.page,
            "opened the saved wizard state"
        );
        StateStore {
            path,
            state: Mutex::new(loaded.state.clone()),
            loaded,
        }
    }

    /// Returns the state as found at start, so a reloaded page resumes where the app began.
    pub(crate) fn loaded(&self) -> LoadedState {
        LoadedState {
            state: self.current(),
            ..self.loaded.clone()
        }
    }

    /// Returns the state as it is now.
    pub(crate) fn current(&self) -> WizardState {
        self.lock().clone()
    }

    /// Applies `change` to the state and writes the file. The state in memory changes only
    /// when the file was written, so the two never disagree.
    pub(crate) fn update<T>(
        &self,
        change: impl FnOnce(&mut WizardState) -> T,
    ) -> Result<T, CommandError> {
        let mut state = self.lock();
        let mut next = state.clone();
        let result = change(&mut next);
        write_atomically(&self.path, &next).map_err(|source| CommandError::SaveState {
            path: self.path.clone(),
            source,
        })?;
        *state = next;
        Ok(result)
    }

    fn lock(&self) -> MutexGuard<'_, WizardState> {
        // Each change replaces the whole value after the file is written, so a panic in another
        // thread cannot leave it half-changed.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn parse(text: &str) -> Result<WizardState, String> {
    let file: StateFile = serde_json::from_str(text).map_err(|error| error.to_string())?;
    if file.format != FORMAT {
        return Err(format!(
            "it has format {}, and this app reads format {FORMAT}",
            file.format
        ));
    }
    Ok(file.state)
}

/// Renames an unusable state file out of the way and returns a fresh state with the reason.
fn set_aside(path: &Path, reason: &str) -> LoadedState {
    let aside = path.with_extension("json.unreadable");
    let outcome = match fs::rename(path, &aside) {
        Ok(()) => format!("it was kept as {}", aside.display()),
        Err(error) => format!("it could not be renamed ({error})"),
    };
    tracing::warn!(path = %path.display(), reason, "the saved wizard state is unusable");
    LoadedState {
        state: WizardState::default(),
        resumed: false,
        notice: Some(format!(
            "The saved progress in {} could not be read ({reason}), so the workshop starts \
             over; {outcome}.",
            path.display()
        )),
    }
}

/// Writes the state to a temporary file next to `path` and renames it over `path`, so a crash
/// mid-write leaves the previous file intact.
fn write_atomically(path: &Path, state: &WizardState) -> io::Result<()> {
    if let Some(folder) = path.parent() {
        fs::create_dir_all(folder)?;
    }
    let file = StateFile {
        format: FORMAT,
        state: state.clone(),
    };
    let text = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    let temporary = path.with_extension("json.partial");
    let mut output = fs::File::create(&temporary)?;
    output.write_all(&text)?;
    output.sync_all()?;
    fs::rename(&temporary, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edited_state() -> WizardState {
        WizardState {
            page: Page::SharedPlatform,
            choices: Choices {
                namespace: "dgrf".to_string(),
                environment: Environment::Qa,
                region: Region::new("westeurope", "euw").unwrap(),
                ..Choices::default()
            },
            exercise: ExerciseLog::default(),
            steps: BTreeMap::new(),
            ..WizardState::default()
        }
    }

    #[test]
    fn missing_file_starts_new_workshop() {
        let folder = tempfile::tempdir().unwrap();
        let store = StateStore::open(folder.path().join(STATE_FILE));

        let loaded = store.loaded();
        assert!(!loaded.resumed);
        assert_eq!(loaded.notice, None);
        assert_eq!(loaded.state, WizardState::default());
    }

    #[test]
    fn saved_state_is_restored_by_next_start() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(STATE_FILE);
        let store = StateStore::open(path.clone());
        store.update(|state| *state = edited_state()).unwrap();
        drop(store);

        let reopened = StateStore::open(path);
        let loaded = reopened.loaded();
        assert!(loaded.resumed);
        assert_eq!(loaded.state, edited_state());
    }

    #[test]
    fn unreadable_file_is_kept_aside_with_notice() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(STATE_FILE);
        fs::write(&path, "{ not json").unwrap();

        let loaded = StateStore::open(path.clone()).loaded();

        assert!(!loaded.resumed);
        assert_eq!(loaded.state, WizardState::default());
        let notice = loaded.notice.unwrap();
        assert!(notice.contains("could not be read"), "{notice}");
        assert!(notice.contains("wizard.json.unreadable"), "{notice}");
        assert_eq!(
            fs::read_to_string(folder.path().join("wizard.json.unreadable")).unwrap(),
            "{ not json"
        );
        assert!(!path.exists());
    }

    #[test]
    fn other_format_version_is_not_misread() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(STATE_FILE);
        let mut value = serde_json::to_value(StateFile {
            format: FORMAT,
            state: edited_state(),
        })
        .unwrap();
        value["format"] = serde_json::json!(FORMAT + 1);
        fs::write(&path, value.to_string()).unwrap();

        let loaded = StateStore::open(path).loaded();

        assert_eq!(loaded.state, WizardState::default());
        assert!(loaded.notice.unwrap().contains("format 2"));
    }

    #[test]
    fn failed_write_leaves_state_unchanged() {
        let folder = tempfile::tempdir().unwrap();
        // A folder where the file should be makes the rename fail.
        let path = folder.path().join(STATE_FILE);
        fs::create_dir(&path).unwrap();
        let store = StateStore {
            path: path.clone(),
            loaded: LoadedState {
                state: WizardState::default(),
                resumed: false,
                notice: None,
            },
            state: Mutex::new(WizardState::default()),
        };

        let error = store
            .update(|state| state.page = Page::Consumers)
            .unwrap_err();

        assert!(error.to_string().contains("wizard.json"), "{error}");
        assert_eq!(store.current().page, Page::Target);
    }

    #[test]
    fn file_names_pages_in_snake_case() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join(STATE_FILE);
        let store = StateStore::open(path.clone());
        store
            .update(|state| state.page = Page::SchemaRegistry)
            .unwrap();

        let saved: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(saved["format"], 1);
        assert_eq!(saved["page"], "schema_registry");
        assert_eq!(saved["choices"]["region"]["code"], "eun");
    }
}
