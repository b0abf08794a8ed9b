//! `eda-workshop apply`: create or update the plan's resources on Local or Azure, showing
//! progress per resource.

use std::sync::Arc;

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use control::apply::{Action, Applier, Options, Summary, TargetKind};
use control::local::LocalEffects;
use control::progress::{Event, State};
use control::secrets::{Keychain, SecretStore};
use control::session::{Session, SessionError};
use control::signin::{check_providers, Method, SignIn, SignInFault, AZURE_CLI_CLIENT_ID};
use course::{counted, Billing, StepId};
use local::LiveEffects;

use crate::cmd::attendee::AttendeeArgs;
use crate::table::Table;
use crate::Global;

/// The target the commands run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TargetChoice {
    /// The app's own services on 127.0.0.1 (no subscription needed).
    Local,
    /// A real Azure subscription.
    Azure,
}

/// How to sign in to Azure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignInChoice {
    /// Reuse `az login`.
    Cli,
    /// Show a code to enter in a browser.
    DeviceCode,
    /// A service principal whose secret is in the keychain (`secrets set azure-client-secret`).
    ServicePrincipal,
}

/// The keychain entry that contains a service principal's client secret.
pub(crate) const CLIENT_SECRET_ENTRY: &str = "azure-client-secret";

/// Options that choose and open the target, shared by apply, verify, teardown and secrets.
#[derive(Debug, Clone, Args)]
pub(crate) struct TargetArgs {
    /// The target: local or azure.
    #[arg(long, value_enum, default_value = "local")]
    pub(crate) target: TargetChoice,

    /// The Azure subscription id or name (default: the only enabled one).
    #[arg(long, value_name = "ID")]
    pub(crate) subscription: Option<String>,

    /// How to sign in to Azure.
    #[arg(long, value_enum, default_value = "cli")]
    pub(crate) sign_in: SignInChoice,

    /// The Entra tenant id for device code or service principal sign-in.
    #[arg(long, value_name = "TENANT")]
    pub(crate) tenant: Option<String>,

    /// The application (client) id for device code or service principal sign-in.
    #[arg(long, value_name = "ID")]
    pub(crate) client_id: Option<String>,
}

impl TargetArgs {
    /// Opens the target: starts the local Resource Manager, or signs in to Azure.
    pub(crate) async fn open(&self, global: &Global) -> anyhow::Result<Session> {
        match self.target {
            TargetChoice::Local => {
                let keychain = Keychain::os()?;
                let data_dir = global.data_dir()?;
                let effects = live_effects(&data_dir, &keychain).await?;
                Ok(Session::local_with(&data_dir, keychain, effects).await?)
            }
            TargetChoice::Azure => {
                let sign_in = self.sign_in().await?;
                let prompt = Arc::new(|message: &str| eprintln!("{message}"));
                match Session::azure(&sign_in, self.subscription.as_deref(), prompt).await {
                    Ok(session) => Ok(session),
                    Err(SessionError::Arm(error)) => Err(sign_in_failure(sign_in.method(), error)),
                    Err(other) => Err(other.into()),
                }
            }
        }
    }

    async fn sign_in(&self) -> anyhow::Result<SignIn> {
        let tenant = self.tenant.clone();
        match self.sign_in {
            SignInChoice::Cli => Ok(SignIn::AzureCli { tenant }),
            SignInChoice::DeviceCode => Ok(SignIn::DeviceCode {
                tenant: tenant.unwrap_or_else(|| "organizations".to_string()),
                client_id: self
                    .client_id
                    .clone()
                    .unwrap_or_else(|| AZURE_CLI_CLIENT_ID.to_string()),
            }),
            SignInChoice::ServicePrincipal => {
                let tenant = tenant.context("--tenant is required for a service principal")?;
                let client_id = self
                    .client_id
                    .clone()
                    .context("--client-id is required for a service principal")?;
                let secret = Keychain::os()?.get(CLIENT_SECRET_ENTRY).await?.context(
                    "no client secret in the keychain: store it with \
                         `eda-workshop secrets set azure-client-secret`",
                )?;
                Ok(SignIn::ServicePrincipal {
                    tenant,
                    client_id,
                    secret,
                })
            }
        }
    }

    /// Returns the target kind for apply options.
    pub(crate) fn kind(&self) -> TargetKind {
        match self.target {
            TargetChoice::Local => TargetKind::Local,
            TargetChoice::Azure => TargetKind::Azure,
        }
    }
}

/// Explains a failed sign-in with the fix for the way of signing in chosen.
fn sign_in_failure(method: Method, error: control::Error) -> anyhow::Error {
    let fix = match method.fault(&error) {
        SignInFault::AzureCliMissing => {
            "the Azure CLI (`az`) is not installed or not on PATH: install it and run `az \
             login`, or sign in with `--sign-in device-code`"
        }
        SignInFault::AzureCliSignedOut => {
            "run `az login` (with `--tenant` for another tenant) and run this command again"
        }
        SignInFault::ServicePrincipalRejected => {
            "check --tenant and --client-id, and store the client secret again with \
             `eda-workshop secrets set azure-client-secret` if it changed"
        }
        SignInFault::Unreachable => {
            "check this computer's network connection to Azure (and its proxy settings) and \
             run this command again, or use the Local target (`--target local`), which needs no \
             network"
        }
        SignInFault::Other => return error.into(),
    };
    let reason = error.problem();
    anyhow::anyhow!("signing in to Azure failed: {reason}\nFix: {fix}")
}

/// Opens the live services behind the local Resource Manager: one broker per namespace,
/// started again with the hubs, consumer groups and rules of earlier runs, and the registry's
/// store in the data directory. An `eda-workshop serve` over the same data directory then
/// serves what apply created.
async fn live_effects(
    data_dir: &std::path::Path,
    keychain: &Keychain,
) -> anyhow::Result<Arc<LiveEffects>> {
    super::ensure_not_served(data_dir)?;
    let effects = Arc::new(LiveEffects::open(data_dir)?);
    let (restoring, dir, keychain) = (
        Arc::clone(&effects),
        data_dir.to_path_buf(),
        keychain.clone(),
    );
    tokio::task::spawn_blocking(move || restoring.restore(&dir, &keychain))
        .await
        .context("restoring the local namespaces stopped")??;
    Ok(effects)
}

/// The steps to run: one by name or number, or all.
#[derive(Debug, Clone, Args)]
pub(crate) struct StepArgs {
    /// The step: resource-groups, platform, schema-registry, publishers, consumers, a number
    /// from 1 to 5, the step's id in `plan --json` (such as shared_platform), or all.
    #[arg(long, value_name = "STEP", default_value = "all")]
    pub(crate) step: String,

    /// Include the Databricks workspace (Azure only; it bills while it exists).
    #[arg(long)]
    pub(crate) with_databricks: bool,
}

impl StepArgs {
    /// Builds the apply options these arguments select.
    pub(crate) fn options(&self, target: TargetKind) -> anyhow::Result<Options> {
        let steps = if self.step.eq_ignore_ascii_case("all") {
            StepId::ALL.to_vec()
        } else {
            vec![self.step.parse::<StepId>()?]
        };
        Ok(Options {
            steps,
            include_opt_in: self.with_databricks,
            target,
        })
    }
}

/// Options of `eda-workshop apply`.
#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,

    #[command(flatten)]
    target: TargetArgs,

    #[command(flatten)]
    steps: StepArgs,

    /// Apply on Azure without asking for confirmation.
    #[arg(long)]
    yes: bool,
}

/// Applies the plan.
pub(crate) async fn run(args: ApplyArgs, global: &Global) -> anyhow::Result<()> {
    let plan = course::plan(&args.attendee.attendee()?);
    let options = args.steps.options(args.target.kind())?;
    let session = args.target.open(global).await?;
    let result = apply(&session, &plan, options, &args, global).await;
    session.close().await?;
    result
}

async fn apply(
    session: &Session,
    plan: &course::Plan,
    options: Options,
    args: &ApplyArgs,
    global: &Global,
) -> anyhow::Result<()> {
    if session.kind == TargetKind::Azure {
        let problems = check_providers(&session.client, options.include_opt_in).await?;
        if !problems.is_empty() {
            let fixes: Vec<String> = problems
                .iter()
                .map(|p| format!("{} is {}: run `{}`", p.namespace, p.state, p.fix))
                .collect();
            bail!(
                "resource providers the plan needs are not registered: {}",
                fixes.join("; ")
            );
        }
        let preview = Applier::new(
            &session.client,
            session.target.clone(),
            plan,
            options.clone(),
            None,
        );
        let changes = preview.preview().await?;
        print_preview(&changes);
        if !args.yes {
            confirm(
                plan.attendee.namespace(),
                "create or change these resources on Azure",
            )?;
        }
    }

    let (sender, events) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(print_progress(events));
    let applier = Applier::new(
        &session.client,
        session.target.clone(),
        plan,
        options,
        Some(sender),
    );
    let summary = applier.apply().await;
    drop(applier);
    let _ = printer.await;

    if global.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("{}", summary_line(&summary));
    }
    for (lock, reason) in &summary.stuck_locks {
        eprintln!("warning: lock `{lock}` is still in place ({reason}); remove it by hand");
    }
    if let Some((id, reason)) = summary.failed {
        let reason = reason.trim_end_matches('.');
        bail!("apply stopped at `{id}`: {reason}. Fix it and run apply again to continue");
    }
    Ok(())
}

/// Formats the counts of an apply. Resources that a failure kept from being tried are counted
/// apart from those the plan's options left out, and only when there are any.
fn summary_line(summary: &Summary) -> String {
    let mut line = format!(
        "created {}, updated {}, unchanged {}, skipped {}",
        summary.created, summary.updated, summary.unchanged, summary.skipped
    );
    if summary.not_attempted > 0 {
        line.push_str(&format!(", not attempted {}", summary.not_attempted));
    }
    line
}

/// Prints what an Azure apply will do, and which resources bill while they exist.
fn print_preview(changes: &[control::apply::Change]) {
    let mut table = Table::new(&["step", "resource", "name", "action"]);
    for change in changes {
        let action = match &change.action {
            Action::Create => "create".to_string(),
            Action::Update { drifts } => {
                format!("update ({})", counted(drifts.len(), "change", "changes"))
            }
            Action::Unchanged => "unchanged".to_string(),
            Action::Skip { reason } => format!("skip: {reason}"),
            Action::Refuse { reason } => format!("refuse: {reason}"),
        };
        table.row(vec![
            change.step.number().to_string(),
            change.title.clone(),
            change.name.clone(),
            action,
        ]);
    }
    eprintln!("Apply will do this on Azure:\n{}", table.render());
    let billed: Vec<&str> = changes
        .iter()
        .filter(|c| c.billing == Billing::WhileExists && !matches!(c.action, Action::Skip { .. }))
        .map(|c| c.name.as_str())
        .collect();
    if !billed.is_empty() {
        eprintln!(
            "These bill by the hour for as long as they exist, used or not: {}. Run \
             `eda-workshop teardown --target azure` when the workshop is over.\n",
            billed.join(", ")
        );
    }
}

/// Asks the person to type the namespace, as a deliberate confirmation.
pub(crate) fn confirm(namespace: &str, what: &str) -> anyhow::Result<()> {
    eprint!("Type the namespace `{namespace}` to {what}: ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .context("cannot read the confirmation from standard input")?;
    if answer.trim() != namespace {
        bail!(
            "not confirmed: the namespace `{namespace}` was expected, exactly as shown, so \
             nothing was changed (pass --yes to skip the question)"
        );
    }
    Ok(())
}

/// Prints each progress event on standard error until the channel closes.
pub(crate) async fn print_progress(mut events: tokio::sync::mpsc::UnboundedReceiver<Event>) {
    while let Some(event) = events.recv().await {
        if let Some(text) = progress_text(&event) {
            eprintln!("{text}");
        }
    }
}

/// Formats one progress event as indented lines, or returns `None` for a queued resource. An
/// update lists each difference on a line of its own under the title, because a resource can
/// differ from the plan in many settings at once.
fn progress_text(event: &Event) -> Option<String> {
    let line = match &event.state {
        State::Queued => return None,
        State::Creating => format!("creating   {}", event.title),
        State::Updating { changes } => {
            let mut text = format!("updating   {}", event.title);
            for change in changes {
                text.push_str(&format!("\n             {change}"));
            }
            text
        }
        State::Deleting => format!("deleting   {}", event.title),
        State::Done => format!("done       {}", event.title),
        State::Unchanged => format!("unchanged  {}", event.title),
        State::Skipped { reason } => format!("skipped    {}: {reason}", event.title),
        State::NotAttempted { reason } => format!("not attempted  {}: {reason}", event.title),
        State::Failed { reason } => format!("failed     {}: {reason}", event.title),
    };
    Some(format!("  {line}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_lists_each_difference_on_its_line() {
        let event = Event {
            step: Some(StepId::SharedPlatform),
            id: "/blobServices/default".to_owned(),
            title: "capture blob service".to_owned(),
            state: State::Updating {
                changes: vec![
                    "capture blob service has no versioning; the plan says on".to_owned(),
                    "capture blob service has no change feed; the plan says on".to_owned(),
                ],
            },
        };

        assert_eq!(
            progress_text(&event).unwrap(),
            "  updating   capture blob service\n             capture blob service has no \
             versioning; the plan says on\n             capture blob service has no change \
             feed; the plan says on"
        );
    }

    #[test]
    fn summary_counts_resources_not_attempted() {
        let summary = Summary {
            skipped: 1,
            not_attempted: 9,
            ..Summary::default()
        };

        assert_eq!(
            summary_line(&summary),
            "created 0, updated 0, unchanged 0, skipped 1, not attempted 9"
        );
    }

    #[test]
    fn summary_leaves_out_zero_not_attempted() {
        let summary = Summary {
            created: 3,
            ..Summary::default()
        };

        assert_eq!(
            summary_line(&summary),
            "created 3, updated 0, unchanged 0, skipped 0"
        );
    }

    #[test]
    fn not_attempted_resource_names_the_failure() {
        let event = Event {
            step: Some(StepId::SharedPlatform),
            id: "/eventhubs/lead".to_owned(),
            title: "hub `lead`".to_owned(),
            state: State::NotAttempted {
                reason: "apply stopped when namespace `ns` failed".to_owned(),
            },
        };

        assert_eq!(
            progress_text(&event).unwrap(),
            "  not attempted  hub `lead`: apply stopped when namespace `ns` failed"
        );
    }

    #[test]
    fn missing_azure_cli_names_other_sign_in() {
        let error = control::Error::Credential("az not found on PATH".to_string());
        let message = sign_in_failure(Method::AzureCli, error).to_string();
        assert!(message.starts_with("signing in to Azure failed: az not found on PATH"));
        assert!(
            message.contains("Fix: the Azure CLI (`az`) is not installed"),
            "{message}"
        );
        assert!(message.contains("--sign-in device-code"), "{message}");
    }

    #[test]
    fn rejected_service_principal_names_its_settings() {
        let error = control::Error::Credential("AADSTS7000215: invalid secret".to_string());
        let message = sign_in_failure(Method::ServicePrincipal, error).to_string();
        assert!(
            message.contains("check --tenant and --client-id"),
            "{message}"
        );
    }
}
