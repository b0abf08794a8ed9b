//! The course's compatibility exercise: five successive registrations of one schema, each
//! reported with its verdict, the reasons for a rejection and the warnings.
//!
//! The registry decides. The same checker also runs on the client side, against the latest
//! version fetched over REST, so that the report names every broken field even when the
//! registry is Azure, whose error text does not.

use serde::Serialize;

use crate::client::{ClientError, RegistryClient, SchemaProperties};
use crate::compat::{check, CompatibilityMode, Incompatibility, Verdict, Warning};
use crate::model::{ParsedSchema, SchemaError};

/// A failure that stops the exercise (a rejection does not: it is a result).
#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    /// An attempt's schema text is invalid.
    #[error("attempt {attempt} is not a valid schema: {source}")]
    InvalidAttempt {
        /// One-based attempt number.
        attempt: usize,
        /// The parse error.
        source: SchemaError,
    },
    /// An attempt's top-level type has no name to register under.
    #[error("attempt {0} has no record name to register under")]
    Unnamed(usize),
    /// A registry request other than the registration itself failed.
    #[error(transparent)]
    Registry(#[from] ClientError),
}

/// The outcome of one attempt.
#[derive(Debug, Clone, Serialize)]
pub struct AttemptReport {
    /// One-based attempt number.
    pub attempt: usize,
    /// The schema name registered under (the record's full name).
    pub schema_name: String,
    /// `accepted` or `rejected`, as the registry decided.
    pub verdict: &'static str,
    /// The registered version, when accepted.
    pub registered: Option<SchemaProperties>,
    /// The version compared with (the latest at the time), if any.
    pub compared_with_version: Option<u32>,
    /// Description of what was compared with what.
    pub explanation: String,
    /// Every broken field, when rejected.
    pub reasons: Vec<Incompatibility>,
    /// Defaults that the Avro specification rejects, and fields whose logical type differs from
    /// the compared version's. Neither rejects the version.
    pub warnings: Vec<Warning>,
    /// The registry's own message for a rejection.
    pub registry_detail: Option<String>,
}

impl AttemptReport {
    /// Returns whether the registry accepted the attempt.
    pub fn accepted(&self) -> bool {
        self.verdict == "accepted"
    }
}

/// Registers the attempts one after another in `group`, whose compatibility mode the caller
/// has set to `mode`, and reports each.
///
/// The registry decides each verdict against its latest version. The reasons compare with the
/// version of the previous accepted attempt instead, because the course defines each attempt
/// as a change from that version. On a fresh schema the two are the same version. When an
/// earlier run already registered the attempts, identical attempts return their old versions
/// and the latest version can be a later attempt's, so comparing with the latest would give
/// reasons that contradict the exercise. A fresh schema group or schema name per run is no way
/// out, because a Standard namespace allows one group and 25 versions.
pub async fn run_exercise(
    client: &RegistryClient,
    group: &str,
    mode: CompatibilityMode,
    attempts: &[&str],
) -> Result<Vec<AttemptReport>, ExerciseError> {
    let mut reports = Vec::with_capacity(attempts.len());
    let mut previous: Option<Previous> = None;
    for (index, text) in attempts.iter().enumerate() {
        let attempt = index + 1;
        let parsed = ParsedSchema::parse(text)
            .map_err(|source| ExerciseError::InvalidAttempt { attempt, source })?;
        let name = parsed
            .root_name()
            .ok_or(ExerciseError::Unnamed(attempt))?
            .to_string();
        if let Some(existing) = client.get_properties(group, &name, text).await? {
            previous = Some(Previous {
                attempt,
                version: existing.version,
                schema: parsed.clone(),
            });
            reports.push(AttemptReport {
                attempt,
                schema_name: name,
                verdict: "accepted",
                explanation: format!(
                    "identical content is already registered as version {}, so the registry \
                     returns that version without checking it again",
                    existing.version
                ),
                compared_with_version: None,
                registered: Some(existing),
                reasons: Vec::new(),
                warnings: crate::compat::check_defaults(&parsed),
                registry_detail: None,
            });
            continue;
        }
        let local = local_verdict(client, group, &name, mode, &parsed, previous.as_ref()).await?;
        let report = match client.register(group, &name, text).await {
            Ok(properties) => AttemptReport {
                attempt,
                schema_name: name,
                verdict: "accepted",
                registered: Some(properties),
                compared_with_version: local.compared_with_version,
                explanation: local.explanation,
                reasons: Vec::new(),
                warnings: local.warnings,
                registry_detail: None,
            },
            // NOTE: the local registry rejects with 400; Azure's status for an incompatible
            // version is not documented, so 409 is taken as a rejection too.
            Err(ClientError::Service {
                status: 400 | 409,
                detail,
            }) => AttemptReport {
                attempt,
                schema_name: name,
                verdict: "rejected",
                registered: None,
                compared_with_version: local.compared_with_version,
                explanation: local.explanation,
                reasons: local.incompatibilities,
                warnings: local.warnings,
                registry_detail: Some(detail),
            },
            Err(error) => return Err(error.into()),
        };
        if let Some(properties) = &report.registered {
            previous = Some(Previous {
                attempt,
                version: properties.version,
                schema: parsed,
            });
        }
        if report.accepted() != local.accepted {
            tracing::warn!(
                attempt,
                registry_accepted = report.accepted(),
                local_accepted = local.accepted,
                "the registry's verdict differs from the local check"
            );
        }
        reports.push(report);
    }
    Ok(reports)
}

/// The previous accepted attempt of a run: its number, its version and its schema.
struct Previous {
    attempt: usize,
    version: u32,
    schema: ParsedSchema,
}

/// Checks an attempt on the client side: against the previous accepted attempt of this run
/// when there is one, otherwise against the registry's latest version.
async fn local_verdict(
    client: &RegistryClient,
    group: &str,
    name: &str,
    mode: CompatibilityMode,
    parsed: &ParsedSchema,
    previous: Option<&Previous>,
) -> Result<Verdict, ExerciseError> {
    let versions = match client.list_versions(group, name).await {
        Ok(versions) => versions,
        Err(ClientError::Service { status: 404, .. }) => Vec::new(),
        Err(error) => return Err(error.into()),
    };
    let Some(latest_version) = versions.iter().max().copied() else {
        return Ok(check(mode, parsed, None));
    };
    if let Some(previous) = previous {
        let mut verdict = check(mode, parsed, Some((&previous.schema, previous.version)));
        if previous.version != latest_version {
            verdict.explanation = format!(
                "the registry decided in {mode} mode against version {latest_version}, its \
                 latest, which an earlier run of the exercise registered. The reasons compare \
                 with version {}, which attempt {} returned, because each attempt of the \
                 exercise changes the previous accepted one, as in a fresh run",
                previous.version, previous.attempt
            );
        }
        return Ok(verdict);
    }
    let latest = client
        .get_schema_version(group, name, latest_version)
        .await?;
    match ParsedSchema::parse(&latest.content) {
        Ok(latest_parsed) => Ok(check(mode, parsed, Some((&latest_parsed, latest_version)))),
        // The registry contains a schema this model cannot read, so only the registry decides.
        Err(error) => Ok(Verdict {
            mode,
            accepted: true,
            compared_with_version: Some(latest_version),
            incompatibilities: Vec::new(),
            warnings: crate::compat::check_defaults(parsed),
            explanation: format!(
                "the latest version ({latest_version}) cannot be read by the local checker \
                 ({error}), so the verdict is the registry's alone"
            ),
        }),
    }
}

/// Formats a report as the lines a person reads: verdict, explanation, reasons, warnings.
pub fn report_text(report: &AttemptReport) -> String {
    let mut text = format!(
        "attempt {}: {} ({})",
        report.attempt, report.verdict, report.schema_name
    );
    if let Some(properties) = &report.registered {
        text.push_str(&format!(
            "\n  registered as version {} with schema id {}",
            properties.version, properties.id
        ));
    }
    text.push_str(&format!("\n  {}", report.explanation));
    for reason in &report.reasons {
        text.push_str(&format!("\n  - {}\n    fix: {}", reason.reason, reason.fix));
    }
    if report.reasons.is_empty() {
        if let Some(detail) = &report.registry_detail {
            text.push_str(&format!("\n  - the registry says: {detail}"));
        }
    }
    for warning in &report.warnings {
        text.push_str(&format!(
            "\n  warning: {}\n    fix: {}",
            warning.message, warning.fix
        ));
    }
    text
}
