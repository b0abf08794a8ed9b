//! `eda-workshop schema`: register schemas, run the compatibility exercise, show a schema.
//!
//! Locally each command starts the app's registry in-process over the data folder, talks to
//! it through the real REST client over HTTPS, and stops it. With `--registry-namespace` the
//! same client talks to Azure with the Azure CLI's sign-in.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use local::DataDirLock;
use registry::client::{ClientError, RegistryClient, SchemaProperties};
use registry::compat::{check_changes, check_defaults, CompatibilityMode, Warning};
use registry::course_schemas::{BACKWARD_ATTEMPTS, COURSE_GROUP, FORWARD_ATTEMPTS};
use registry::exercise::{report_text, run_exercise, AttemptReport};
use registry::service::{LocalRegistry, RegistryConfig, RegistryHandle};
use registry::{ParsedSchema, SchemaId};

/// Lifetime of the token a command issues for its in-process registry.
const TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// Log directives for the `schema` commands. The in-process registry logs each registration
/// warning (a field default that breaks the Avro specification, a changed logical type, or a
/// field that changes between bytes and string),
/// and these commands print the same warnings in their own output, so only the request
/// handler's errors reach standard error.
pub(crate) const QUIET_LOG_DIRECTIVES: &[&str] = &["registry::service::routes=error"];

/// Work with the schema registry: register, exercise, show.
#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    #[command(subcommand)]
    command: SchemaCommand,

    /// Use the Schema Registry of this Azure Event Hubs namespace (such as
    /// dv-schemaregistry-ehns-eun-dgrf.servicebus.windows.net), signed in with the Azure CLI,
    /// instead of the local registry.
    #[arg(long, global = true, value_name = "FQDN")]
    registry_namespace: Option<String>,
}

#[derive(Debug, Subcommand)]
enum SchemaCommand {
    /// Register a schema version from an Avro schema file (.avsc).
    Register(RegisterArgs),
    /// Register the exercise's five attempts one after another and print each verdict.
    Exercise(ExerciseArgs),
    /// Print a registered schema by its schema id.
    Show(ShowArgs),
}

#[derive(Debug, Args)]
struct RegisterArgs {
    /// The schema group.
    #[arg(long, value_name = "G")]
    group: String,

    /// The schema name (default: the record's full name, as the Azure SDK encoders use).
    #[arg(long, value_name = "N")]
    name: Option<String>,

    /// Set the group's compatibility mode first (local registry only, because in Azure the
    /// mode is a property of the schema group resource). Without it, a missing local group is
    /// created with mode none.
    #[arg(long, value_enum, value_name = "MODE")]
    mode: Option<ModeArg>,

    /// The Avro schema file.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

#[derive(Debug, Args)]
struct ExerciseArgs {
    /// The compatibility mode to exercise; selects the attempt files and the group's mode.
    #[arg(long, value_enum, value_name = "MODE")]
    mode: ExerciseMode,

    /// The schema group (the course uses myschemagroup).
    #[arg(long, value_name = "G", default_value = COURSE_GROUP)]
    group: String,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The schema id: 32 hexadecimal characters.
    #[arg(value_name = "ID")]
    id: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ModeArg {
    None,
    Backward,
    Forward,
}

impl From<ModeArg> for CompatibilityMode {
    fn from(mode: ModeArg) -> Self {
        match mode {
            ModeArg::None => CompatibilityMode::None,
            ModeArg::Backward => CompatibilityMode::Backward,
            ModeArg::Forward => CompatibilityMode::Forward,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExerciseMode {
    Backward,
    Forward,
}

/// Runs a `schema` subcommand. Input is checked before any registry starts.
pub(crate) async fn run(args: SchemaArgs, global: &crate::Global) -> anyhow::Result<()> {
    let prepared = Prepared::check(args.command)?;
    let target = Target::open(args.registry_namespace.as_deref(), global).await?;
    let result = match prepared {
        Prepared::Register(register) => run_register(&target, register, global).await,
        Prepared::Exercise(exercise) => run_exercise_command(&target, exercise, global).await,
        Prepared::Show(id) => run_show(&target, &id, global).await,
    };
    target.close().await;
    result
}

/// A subcommand whose input has been read and checked.
enum Prepared {
    Register(Registration),
    Exercise(ExerciseArgs),
    Show(SchemaId),
}

/// A schema file ready to register.
struct Registration {
    group: String,
    name: String,
    mode: Option<ModeArg>,
    content: String,
    parsed: ParsedSchema,
}

impl Prepared {
    fn check(command: SchemaCommand) -> anyhow::Result<Self> {
        Ok(match command {
            SchemaCommand::Register(args) => {
                let content = std::fs::read_to_string(&args.file).with_context(|| {
                    format!("cannot read the schema file {}", args.file.display())
                })?;
                let parsed = ParsedSchema::parse(&content).with_context(|| {
                    format!("{} is not a valid Avro schema", args.file.display())
                })?;
                let name = match (&args.name, parsed.root_name()) {
                    (Some(name), _) => name.clone(),
                    (None, Some(root)) => root.to_string(),
                    (None, None) => bail!(
                        "{} has no record name to register under: pass --name",
                        args.file.display()
                    ),
                };
                Prepared::Register(Registration {
                    group: args.group,
                    name,
                    mode: args.mode,
                    content,
                    parsed,
                })
            }
            SchemaCommand::Exercise(args) => Prepared::Exercise(args),
            SchemaCommand::Show(args) => Prepared::Show(SchemaId::parse(&args.id)?),
        })
    }
}

/// The registry a command talks to: an in-process local one, or Azure.
struct Target {
    client: RegistryClient,
    local: Option<RegistryHandle>,
    /// The data directory of the local registry, `None` for Azure.
    data_dir: Option<PathBuf>,
    /// The data directory's lock, held while the local registry runs in this process.
    _lock: Option<DataDirLock>,
}

impl Target {
    async fn open(
        registry_namespace: Option<&str>,
        global: &crate::Global,
    ) -> anyhow::Result<Self> {
        // NOTE: this branch has not run against Azure; the client's Azure path is tested with a
        // credential adapter against the local registry.
        if let Some(namespace) = registry_namespace {
            let credential = azure_identity::DeveloperToolsCredential::new(None)
                .context("cannot set up the Azure CLI sign-in")?;
            let client = RegistryClient::azure(namespace, credential as Arc<_>)?;
            eprintln!("using the schema registry of {namespace}");
            return Ok(Target {
                client,
                local: None,
                data_dir: None,
                _lock: None,
            });
        }
        // NOTE: a registry that `serve` or the app already runs over the data directory is not
        // reused: its tokens and its CA would have to come from that process. The lock makes
        // the command stop at once instead of starting a second registry over the same files.
        let data_dir = global.data_dir()?;
        let lock = DataDirLock::acquire(&data_dir)?;
        let handle = LocalRegistry::start(RegistryConfig::with_data_dir(&data_dir))
            .await
            .context("cannot start the local schema registry")?;
        eprintln!(
            "started the local schema registry on https://{} (data in {})",
            handle.endpoint(),
            data_dir.display()
        );
        let client = RegistryClient::local(
            &handle.endpoint(),
            handle.ca_certificate_pem(),
            handle.issue_token(TOKEN_LIFETIME),
        )?;
        Ok(Target {
            client,
            local: Some(handle),
            data_dir: Some(data_dir),
            _lock: Some(lock),
        })
    }

    /// Creates or updates a group's mode on the local registry, and on the group's resource in
    /// the local Resource Manager when it has one, so the mode outlasts a restart. In Azure it
    /// only reminds. Returns the group's name as stored: group names ignore case, and an
    /// existing group keeps the spelling it was created with.
    fn set_group_mode(&self, group: &str, mode: CompatibilityMode) -> anyhow::Result<String> {
        match (&self.local, &self.data_dir) {
            (Some(handle), Some(data_dir)) => {
                let group = handle.put_group(group, mode)?.name;
                let group = group.as_str();
                eprintln!("schema group {group}: compatibility mode {mode}");
                let recorded =
                    control::local::record_schema_group_mode(data_dir, group, mode.as_str())?;
                for id in recorded {
                    eprintln!(
                        "recorded mode {mode} on the schema group resource {id}: \
                         `eda-workshop verify` reports it where the plan says otherwise, and \
                         `eda-workshop apply` sets the plan's mode again"
                    );
                }
                Ok(group.to_string())
            }
            _ => {
                eprintln!(
                    "note: in Azure the compatibility mode is set on the schema group resource; \
                     this assumes {group} is in {mode} mode"
                );
                Ok(group.to_string())
            }
        }
    }

    async fn close(self) {
        if let Some(handle) = self.local {
            handle.stop().await;
        }
    }
}

async fn run_register(
    target: &Target,
    args: Registration,
    global: &crate::Global,
) -> anyhow::Result<()> {
    if let Some(handle) = &target.local {
        match (args.mode, handle.store().group(&args.group)) {
            (Some(mode), _) => {
                target.set_group_mode(&args.group, mode.into())?;
            }
            (None, Err(registry::StoreError::GroupNotFound(_))) => {
                target.set_group_mode(&args.group, CompatibilityMode::None)?;
            }
            (None, other) => {
                other?;
            }
        }
    } else if let Some(mode) = args.mode {
        target.set_group_mode(&args.group, mode.into())?;
    }

    let registered = register_with_warnings(target, &args).await?;
    if global.json {
        let properties = &registered.properties;
        let output = serde_json::json!({
            "id": properties.id,
            "group": properties.group,
            "name": properties.name,
            "version": properties.version,
            "created": registered.created,
            "warnings": registered.warnings,
        });
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else {
        println!("{}", registered_text(&registered));
    }
    Ok(())
}

/// The outcome of registering a schema file.
struct Registered {
    /// The version the registry returned.
    properties: SchemaProperties,
    /// True when the request added that version, false when a version with the same content
    /// already existed and the registry returned it instead.
    created: bool,
    /// The defaults that break the Avro specification, then the logical type changes.
    warnings: Vec<Warning>,
    /// True when the local registry compared the content, false for Azure.
    local: bool,
}

/// Registers the schema and lists its warnings: its field defaults that break the Avro
/// specification, then, when the registration created a version, the fields whose logical type
/// differs from the version that was latest before or that change between bytes and string.
async fn register_with_warnings(
    target: &Target,
    args: &Registration,
) -> anyhow::Result<Registered> {
    let latest = latest_version(&target.client, &args.group, &args.name).await?;
    let properties = target
        .client
        .register(&args.group, &args.name, &args.content)
        .await?;
    // Versions only grow, so a version not above the latest one existed before the request.
    let created = latest
        .as_ref()
        .is_none_or(|(version, _)| properties.version > *version);
    let mut warnings = check_defaults(&args.parsed);
    if let Some((version, Some(schema))) = &latest {
        if created {
            warnings.extend(check_changes(schema, *version, &args.parsed));
        }
    }
    Ok(Registered {
        properties,
        created,
        warnings,
        local: target.local.is_some(),
    })
}

/// Fetches the number of a schema's latest version with its parsed schema, or `None` when the
/// schema has no version yet. A latest version that the local model cannot parse comes
/// without its schema, so no logical type is compared with it.
async fn latest_version(
    client: &RegistryClient,
    group: &str,
    name: &str,
) -> anyhow::Result<Option<(u32, Option<ParsedSchema>)>> {
    let versions = match client.list_versions(group, name).await {
        Ok(versions) => versions,
        Err(ClientError::Service { status: 404, .. }) => return Ok(None),
        Err(error) => return Err(error.into()),
    };
    let Some(latest) = versions.into_iter().max() else {
        return Ok(None);
    };
    let schema = client.get_schema_version(group, name, latest).await?;
    Ok(Some((latest, ParsedSchema::parse(&schema.content).ok())))
}

/// Formats a registration as text: the registered version, or the existing version with the
/// same content, then each warning with its fix.
fn registered_text(registered: &Registered) -> String {
    let properties = &registered.properties;
    let mut text = if registered.created {
        format!(
            "registered {} version {} in schema group {}: schema id {}",
            properties.name, properties.version, properties.group, properties.id
        )
    } else {
        format!(
            "already registered: {} version {} in schema group {} has the same content, so the \
             registry returned it and added no version: schema id {}",
            properties.name, properties.version, properties.group, properties.id
        )
    };
    if !registered.created && registered.local {
        text.push_str(
            "\n  note: the local registry compares the JSON without whitespace and with object \
             keys sorted, so only a change to the schema itself registers a new version",
        );
    }
    for warning in &registered.warnings {
        text.push_str(&format!(
            "\n  warning: {}\n    fix: {}",
            warning.message, warning.fix
        ));
    }
    text
}

/// Formats each report as text, with each warning once: a later attempt that repeats a
/// warning refers to the attempt that printed it.
fn reports_text(reports: &[AttemptReport]) -> Vec<String> {
    let mut first_attempts: Vec<(String, usize)> = Vec::new();
    let mut texts = Vec::with_capacity(reports.len());
    for report in reports {
        let mut deduplicated = report.clone();
        let mut repeated_from = std::collections::BTreeSet::new();
        deduplicated.warnings.retain(|warning| {
            let first = first_attempts
                .iter()
                .find(|(message, _)| *message == warning.message);
            match first {
                Some((_, attempt)) => {
                    repeated_from.insert(*attempt);
                    false
                }
                None => {
                    first_attempts.push((warning.message.clone(), report.attempt));
                    true
                }
            }
        });
        let mut text = report_text(&deduplicated);
        for attempt in repeated_from {
            text.push_str(&format!(
                "\n  warning: the same as attempt {attempt}'s above"
            ));
        }
        texts.push(text);
    }
    texts
}

async fn run_exercise_command(
    target: &Target,
    args: ExerciseArgs,
    global: &crate::Global,
) -> anyhow::Result<()> {
    let reports = exercise_reports(target, &args).await?;
    if global.json {
        println!("{}", serde_json::to_string_pretty(&reports)?);
    } else {
        for text in reports_text(&reports) {
            println!("{text}\n");
        }
        let accepted: Vec<String> = reports
            .iter()
            .filter(|report| report.accepted())
            .map(|report| report.attempt.to_string())
            .collect();
        let rejected: Vec<String> = reports
            .iter()
            .filter(|report| !report.accepted())
            .map(|report| report.attempt.to_string())
            .collect();
        println!(
            "accepted: {}; rejected: {}",
            accepted.join(", "),
            rejected.join(", ")
        );
    }
    Ok(())
}

async fn exercise_reports(
    target: &Target,
    args: &ExerciseArgs,
) -> anyhow::Result<Vec<AttemptReport>> {
    let (mode, attempts) = match args.mode {
        ExerciseMode::Backward => (CompatibilityMode::Backward, &BACKWARD_ATTEMPTS),
        ExerciseMode::Forward => (CompatibilityMode::Forward, &FORWARD_ATTEMPTS),
    };
    target.set_group_mode(&args.group, mode)?;
    Ok(run_exercise(&target.client, &args.group, mode, attempts).await?)
}

async fn run_show(target: &Target, id: &SchemaId, global: &crate::Global) -> anyhow::Result<()> {
    let schema = target.client.get_schema(id).await?;
    if global.json {
        let content: serde_json::Value = serde_json::from_str(&schema.content)
            .unwrap_or(serde_json::Value::String(schema.content.clone()));
        let output = serde_json::json!({
            "id": schema.properties.id,
            "group": schema.properties.group,
            "name": schema.properties.name,
            "version": schema.properties.version,
            "content": content,
        });
        println!("{}", serde_json::to_string_pretty(&output)?);
    } else {
        println!(
            "{} version {} in schema group {} (schema id {})",
            schema.properties.name,
            schema.properties.version,
            schema.properties.group,
            schema.properties.id
        );
        println!("{}", schema.content.trim_end());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(dir: &std::path::Path) -> crate::Global {
        crate::Global {
            json: false,
            data_dir: Some(dir.to_path_buf()),
        }
    }

    async fn verdicts(mode: ExerciseMode, dir: &std::path::Path) -> Vec<&'static str> {
        let target = Target::open(None, &global(dir)).await.unwrap();
        let args = ExerciseArgs {
            mode,
            group: COURSE_GROUP.to_string(),
        };
        let reports = exercise_reports(&target, &args).await.unwrap();
        target.close().await;
        reports.iter().map(|report| report.verdict).collect()
    }

    fn register_args(dir: &std::path::Path, file_name: &str, content: &str) -> SchemaArgs {
        let file = dir.join(file_name);
        std::fs::write(&file, content).unwrap();
        SchemaArgs {
            command: SchemaCommand::Register(RegisterArgs {
                group: COURSE_GROUP.to_string(),
                name: None,
                mode: None,
                file,
            }),
            registry_namespace: None,
        }
    }

    fn show_args(id: &str) -> SchemaArgs {
        SchemaArgs {
            command: SchemaCommand::Show(ShowArgs { id: id.to_string() }),
            registry_namespace: None,
        }
    }

    #[tokio::test]
    async fn exercise_warning_printed_once() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::open(None, &global(dir.path())).await.unwrap();
        let args = ExerciseArgs {
            mode: ExerciseMode::Backward,
            group: COURSE_GROUP.to_string(),
        };
        let reports = exercise_reports(&target, &args).await.unwrap();
        target.close().await;

        let texts = reports_text(&reports);

        let warned: Vec<usize> = reports
            .iter()
            .filter(|report| !report.warnings.is_empty())
            .map(|report| report.attempt)
            .collect();
        assert!(warned.len() > 1, "{warned:?}");
        let message = &reports[warned[0] - 1].warnings[0].message;
        let printed = texts.iter().filter(|text| text.contains(message.as_str()));
        assert_eq!(printed.count(), 1, "{texts:#?}");
        let reference = format!("warning: the same as attempt {}'s above", warned[0]);
        for attempt in &warned[1..] {
            assert!(texts[attempt - 1].contains(&reference), "{texts:#?}");
        }
    }

    #[tokio::test]
    async fn register_warns_changed_logical_type() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::open(None, &global(dir.path())).await.unwrap();
        target
            .set_group_mode(COURSE_GROUP, CompatibilityMode::None)
            .unwrap();
        let registration = |logical_type: &str| {
            let content = format!(
                r#"{{"type":"record","name":"Reading","namespace":"eda","fields":[
                    {{"name":"at","type":{{"type":"long","logicalType":"{logical_type}"}}}}]}}"#
            );
            Registration {
                group: COURSE_GROUP.to_string(),
                name: "eda.Reading".to_string(),
                mode: None,
                parsed: ParsedSchema::parse(&content).unwrap(),
                content,
            }
        };

        let first = register_with_warnings(&target, &registration("timestamp-millis"))
            .await
            .unwrap()
            .warnings;
        let second = register_with_warnings(&target, &registration("timestamp-micros"))
            .await
            .unwrap();
        let repeated = register_with_warnings(&target, &registration("timestamp-micros"))
            .await
            .unwrap()
            .warnings;
        target.close().await;

        assert!(first.is_empty(), "{first:?}");
        assert_eq!(second.properties.version, 2);
        assert_eq!(second.warnings.len(), 1, "{:?}", second.warnings);
        let text = registered_text(&second);
        assert!(
            text.contains(
                "\n  warning: field `at` changes from long with the logical type \
                 `timestamp-millis` to long with the logical type `timestamp-micros`."
            ),
            "{text}"
        );
        assert!(
            text.contains("\n    fix: keep the logical type `timestamp-millis` on field `at`"),
            "{text}"
        );
        // Content that is already registered creates no version, so nothing is compared.
        assert!(repeated.is_empty(), "{repeated:?}");
    }

    #[tokio::test]
    async fn same_content_reported_as_existing() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::open(None, &global(dir.path())).await.unwrap();
        target
            .set_group_mode(COURSE_GROUP, CompatibilityMode::Backward)
            .unwrap();
        let registration = |content: &str| Registration {
            group: COURSE_GROUP.to_string(),
            name: "eda.Reading".to_string(),
            mode: None,
            parsed: ParsedSchema::parse(content).unwrap(),
            content: content.to_string(),
        };
        let compact = r#"{"type":"record","name":"Reading","namespace":"eda","fields":[{"name":"at","type":"long"}]}"#;
        let spaced_and_reordered = r#"{
            "fields": [ { "type": "long", "name": "at" } ],
            "namespace": "eda", "name": "Reading", "type": "record"
        }"#;

        let first = register_with_warnings(&target, &registration(compact))
            .await
            .unwrap();
        let again = register_with_warnings(&target, &registration(spaced_and_reordered))
            .await
            .unwrap();
        target.close().await;

        assert!(first.created);
        assert!(!again.created);
        assert_eq!(again.properties.version, 1);
        assert_eq!(again.properties.id, first.properties.id);
        assert_eq!(
            registered_text(&again),
            format!(
                "already registered: eda.Reading version 1 in schema group {COURSE_GROUP} has \
                 the same content, so the registry returned it and added no version: schema id \
                 {}\n  note: the local registry compares the JSON without whitespace and with \
                 object keys sorted, so only a change to the schema itself registers a new \
                 version",
                first.properties.id
            )
        );
    }

    #[tokio::test]
    async fn register_then_show_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let global = global(dir.path());
        let schema = registry::course_schemas::event_schema("Customer.Created").unwrap();

        run(register_args(dir.path(), "customer.avsc", schema), &global)
            .await
            .unwrap();

        let store = registry::Store::open(
            &dir.path().join(registry::service::DATABASE_FILE),
            registry::Limits::STANDARD,
        )
        .unwrap();
        assert_eq!(
            store.versions(COURSE_GROUP, "Customer.Created").unwrap(),
            [1]
        );
        let id = store
            .version(COURSE_GROUP, "Customer.Created", 1)
            .unwrap()
            .id;
        run(show_args(id.as_str()), &global).await.unwrap();
    }

    #[tokio::test]
    async fn invalid_input_fails_with_message() {
        let dir = tempfile::tempdir().unwrap();
        let global = global(dir.path());

        let error = run(
            register_args(dir.path(), "bad.avsc", "{\"type\": "),
            &global,
        )
        .await
        .unwrap_err();
        assert!(
            format!("{error:#}").contains("line 1, position 9"),
            "{error:#}"
        );

        let error = run(show_args("123"), &global).await.unwrap_err();
        assert!(format!("{error:#}").contains("32 hexadecimal"), "{error:#}");

        let error = run(show_args(&"0".repeat(32)), &global).await.unwrap_err();
        assert!(format!("{error:#}").contains("does not exist"), "{error:#}");
    }

    #[tokio::test]
    async fn group_mode_keeps_stored_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::open(None, &global(dir.path())).await.unwrap();

        let created = target
            .set_group_mode("myschemagroup", CompatibilityMode::Backward)
            .unwrap();
        let updated = target
            .set_group_mode("MySchemaGroup", CompatibilityMode::Forward)
            .unwrap();
        let stored = target
            .local
            .as_ref()
            .unwrap()
            .store()
            .group("MYSCHEMAGROUP")
            .unwrap();
        target.close().await;

        assert_eq!(created, "myschemagroup");
        assert_eq!(updated, "myschemagroup");
        assert_eq!(stored.name, "myschemagroup");
        assert_eq!(stored.mode, CompatibilityMode::Forward);
    }

    #[tokio::test]
    async fn exercise_verdicts_survive_rerun() {
        let dir = tempfile::tempdir().unwrap();
        let backward = ["accepted", "accepted", "rejected", "accepted", "rejected"];
        let forward = ["accepted", "accepted", "accepted", "rejected", "rejected"];
        assert_eq!(verdicts(ExerciseMode::Backward, dir.path()).await, backward);
        assert_eq!(verdicts(ExerciseMode::Forward, dir.path()).await, forward);
        // A second run over the same data folder compares with what the first one stored.
        assert_eq!(verdicts(ExerciseMode::Backward, dir.path()).await, backward);
        assert_eq!(verdicts(ExerciseMode::Forward, dir.path()).await, forward);
    }
}
