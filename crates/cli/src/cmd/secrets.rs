//! `eda-workshop secrets`: read one secret on request, or store the service principal's
//! client secret in the keychain.

use std::io::Read;

use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use control::secrets::{KeyVaultStore, Keychain, SecretStore};
use control::Secret;
use course::ResourceKind;

use crate::cmd::apply::{TargetArgs, TargetChoice, CLIENT_SECRET_ENTRY};
use crate::cmd::attendee::AttendeeArgs;
use crate::Global;

/// Options of `eda-workshop secrets`.
#[derive(Debug, Args)]
pub(crate) struct SecretsArgs {
    #[command(subcommand)]
    command: SecretsCommand,
}

#[derive(Debug, Subcommand)]
enum SecretsCommand {
    /// Print one key vault secret of the plan, such as `eh-customer-send`.
    Show {
        /// The secret's name.
        name: String,
        #[command(flatten)]
        attendee: AttendeeArgs,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Store a secret read from standard input in the OS keychain; only
    /// `azure-client-secret` is used (service principal sign-in).
    Set {
        /// The entry's name.
        name: String,
    },
}

/// Runs a secrets command.
pub(crate) async fn run(args: SecretsArgs, global: &Global) -> anyhow::Result<()> {
    match args.command {
        SecretsCommand::Show {
            name,
            attendee,
            target,
        } => show(&name, &attendee, &target, global).await,
        SecretsCommand::Set { name } => set(&name).await,
    }
}

async fn show(
    name: &str,
    attendee: &AttendeeArgs,
    target: &TargetArgs,
    global: &Global,
) -> anyhow::Result<()> {
    let plan = course::plan(&attendee.attendee()?);
    let resource = plan
        .resources()
        .find(|r| r.kind() == ResourceKind::KeyVaultSecret && r.name == name)
        .with_context(|| {
            let names: Vec<&str> = plan
                .resources()
                .filter(|r| r.kind() == ResourceKind::KeyVaultSecret)
                .map(|r| r.name.as_str())
                .collect();
            format!(
                "the plan has no secret `{name}`; its secrets are {}",
                names.join(", ")
            )
        })?;
    let vault = plan
        .resource(resource.parent.as_deref().unwrap_or_default())
        .context("the secret's vault is not in the plan")?;

    let session = target.open(global).await?;
    let value = match target.target {
        TargetChoice::Local => {
            let server = session
                .local_server()
                .context("no local Resource Manager")?;
            let entry = server.secret_entry(&resource.id);
            Keychain::os()?.get(&entry).await
        }
        TargetChoice::Azure => {
            KeyVaultStore::new(&vault.name, session.client.credential())
                .get(name)
                .await
        }
    };
    session.close().await?;
    let Some(value) = value? else {
        bail!(
            "secret `{name}` does not exist in `{}`: run `eda-workshop apply` first",
            vault.name
        );
    };
    println!("{}", value.expose());
    Ok(())
}

async fn set(name: &str) -> anyhow::Result<()> {
    if name != CLIENT_SECRET_ENTRY {
        bail!("only `{CLIENT_SECRET_ENTRY}` can be set; other secrets are made by apply");
    }
    let mut value = String::new();
    std::io::stdin()
        .read_to_string(&mut value)
        .context("cannot read the secret from standard input")?;
    let value = value.trim_end_matches(['\r', '\n']);
    if value.is_empty() {
        bail!("standard input was empty: pipe the secret in, for example from a password manager");
    }
    Keychain::os()?.set(name, &Secret::new(value)).await?;
    eprintln!("stored `{name}` in the OS keychain");
    Ok(())
}
