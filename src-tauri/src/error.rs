//! Errors the commands return to the front end.

use std::path::PathBuf;

use serde::{Serialize, Serializer};

/// A command failure the attendee can act on. It crosses IPC as its message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CommandError {
    /// The region name or short code cannot be used in resource names.
    #[error(transparent)]
    InvalidRegion(#[from] course::RegionError),
    /// The namespace breaks the naming rule of at least one planned resource.
    #[error("{0} Go back to the Namespace page to change it")]
    InvalidNamespace(#[from] course::NamespaceError),
    /// The wizard state could not be written.
    #[error("saving the workshop's progress to {path} failed: {source}. Check that the folder is writable")]
    SaveState {
        /// The state file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The exercise has no attempt with this number.
    #[error("the exercise has no attempt {0}: use 1 to 5")]
    NoSuchAttempt(usize),
    /// An attempt was requested before the ones that come first.
    #[error("attempt {attempt} comes later: register attempt {next} first")]
    AttemptOutOfOrder {
        /// The attempt requested.
        attempt: usize,
        /// The attempt that comes next.
        next: usize,
    },
    /// Every attempt of the mode is registered.
    #[error(
        "all five attempts in {0} mode are registered: start the exercise over to repeat them"
    )]
    ExerciseComplete(&'static str),
    /// The attendee's schema text is empty or only white space.
    #[error("the schema is empty: write or paste an Avro schema, such as the next attempt")]
    EmptySchema,
    /// The attendee's schema text is not JSON, so the registry cannot read it as Avro either.
    #[error(
        "the schema has a JSON syntax error at line {line}, column {column}: {reason}. Fix the \
         JSON there, such as a missing bracket, quote or comma"
    )]
    SchemaNotJson {
        /// The JSON parser's description of the problem, such as "EOF while parsing a list".
        reason: String,
        /// The line of the problem, from 1.
        line: usize,
        /// The column of the problem, from 1.
        column: usize,
    },
    /// The attendee's schema is valid JSON but not valid Avro.
    #[error("the schema is not valid Avro: {0}")]
    InvalidSchema(String),
    /// The attendee's schema has no record name to register under.
    #[error("the schema has no record name to register under: give the top-level record a `name`")]
    UnnamedSchema,
    /// The exercise's schema group could not be created or put into the requested mode.
    #[error(
        "the schema group `{group}` could not be created: {reason}. Apply the Resource groups \
         and Shared platform steps first, because the group lives in the schema registry \
         namespace that Shared platform creates"
    )]
    SchemaGroup {
        /// The schema group.
        group: &'static str,
        /// The Resource Manager's reason.
        reason: String,
    },
    /// The schema registry of the Local target or of the Azure namespace failed to start or to
    /// respond.
    #[error("the schema registry failed: {0}")]
    Registry(String),
    /// The OS keychain, where the Local target keeps its keys, cannot be opened.
    #[error("{0}")]
    Keychain(String),
    /// The local Resource Manager failed to start or to respond.
    #[error("the local Resource Manager failed: {0}")]
    Provisioning(String),
    /// Another app instance has the lock on the Local target's folder.
    #[error(
        "another EDA Workshop window{} already runs the local services in {}: close that \
         window, then try again",
        process_note(*.process),
        .folder.display()
    )]
    LocalInUse {
        /// The Local target's folder.
        folder: PathBuf,
        /// The process id the other instance wrote into the lock file, when readable.
        process: Option<u32>,
    },
    /// An `eda-workshop serve` runs over the Local target's folder.
    #[error(
        "`eda-workshop serve` already serves {} (Resource Manager at {arm}): stop it, then \
         try again",
        .folder.display()
    )]
    LocalServedElsewhere {
        /// The Local target's folder.
        folder: PathBuf,
        /// The other process's Resource Manager URL.
        arm: String,
    },
    /// The lock file that keeps a second instance out cannot be opened.
    #[error(
        "cannot open the lock file {path}: {source}. Check that the app data folder is writable"
    )]
    LockFile {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The Local target's services failed to start or to reload.
    #[error("the local services failed: {0}")]
    LocalStack(String),
    /// The text typed to confirm a teardown is not the namespace.
    #[error(
        "teardown not confirmed: type the namespace `{namespace}` exactly (you typed `{typed}`)"
    )]
    NotConfirmed {
        /// The text typed.
        typed: String,
        /// The namespace expected.
        namespace: String,
    },
    /// Reading the target for a teardown failed.
    #[error("listing what teardown removes failed: {0}. Try again in a moment")]
    TeardownSurvey(String),
    /// A local data file or folder could not be removed.
    #[error("cannot remove {path}: {source}. Close programs that use it and run Teardown again")]
    RemoveLocalData {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Signing in to Azure or listing the account's subscriptions failed.
    #[error("signing in to Azure did not work: {fix}. Details: {detail}")]
    AzureSignIn {
        /// The fix for the attendee to make.
        fix: String,
        /// The sign-in library's or Azure's own message.
        detail: String,
    },
    /// The subscription asked for is not one the account can use.
    #[error("{0}")]
    AzureSubscription(String),
    /// Azure Resource Manager refused a request or could not be reached.
    #[error("Azure: {0}")]
    Azure(String),
    /// A resource provider that the selected resources need is not registered.
    #[error(
        "the resource provider {namespace} is {state} in this subscription: run `{fix}`, wait \
         until it is registered (a minute or two), then press Apply again"
    )]
    ProviderNotRegistered {
        /// The provider, such as `Microsoft.Databricks`.
        namespace: String,
        /// Its registration state.
        state: String,
        /// The command that registers it.
        fix: String,
    },
    /// An Azure step ran before a subscription was chosen.
    #[error("no Azure subscription is chosen: sign in and choose one on the Target page")]
    NoSubscription,
    /// A device code sign-in ended when the app closed.
    #[error(
        "the app is not signed in to Azure since it started: sign in with a device code again \
         on the Target page"
    )]
    AzureNotSignedIn,
    /// A service principal sign-in lacks a field.
    #[error("a service principal sign-in needs the {field}: fill it in on the Target page")]
    MissingSignInField {
        /// The field's label.
        field: &'static str,
    },
    /// A service principal sign-in has no client secret in the keychain.
    #[error(
        "no client secret is stored for the service principal: type it on the Target page, \
         which keeps it in the OS keychain"
    )]
    MissingClientSecret,
    /// A secret asked for is not one of the plan.
    #[error("the plan has no secret `{name}`: its secrets are {known}")]
    UnknownSecret {
        /// The name asked for.
        name: String,
        /// The plan's secrets.
        known: String,
    },
    /// A secret of the plan does not exist on the target yet.
    #[error(
        "secret `{name}` does not exist in key vault `{vault}` yet: apply the Publishers step \
         first"
    )]
    SecretMissing {
        /// The secret's name.
        name: String,
        /// The key vault that should keep it.
        vault: String,
    },
    /// A page that runs on the Local target only was used with the Azure target.
    #[error(
        "{0} runs on the Local target only: choose Local on the Target page to use it, and \
         see your Azure resources in the Azure portal"
    )]
    LocalOnly(&'static str),
    /// A data lake or capture file requested is not one the page lists.
    #[error("`{0}` is not a capture or lake file of this namespace: pick a file from the list")]
    UnknownLakeFile(String),
    /// A capture or lake file cannot be read as Avro.
    #[error("cannot read {path} as an Avro container file: {reason}")]
    UnreadableLakeFile {
        /// The file.
        path: PathBuf,
        /// The I/O or Avro error.
        reason: String,
    },
}

/// Names the other instance's process in [`CommandError::LocalInUse`], when it is known.
fn process_note(process: Option<u32>) -> String {
    process
        .map(|id| format!(" (process {id})"))
        .unwrap_or_default()
}

impl Serialize for CommandError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}
