//! `eda-workshop connection-string`: a connection string for a hub served by
//! `eda-workshop serve --hub`.

use clap::{Args, ValueEnum};
use control::secrets::Keychain;
use local::{standalone, Endpoints};

use crate::Global;

/// The rule a connection string is signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum RuleChoice {
    /// The hub's `send` rule (Send).
    Send,
    /// The hub's `listen` rule (Listen).
    Listen,
}

impl RuleChoice {
    fn name(self) -> &'static str {
        match self {
            RuleChoice::Send => "send",
            RuleChoice::Listen => "listen",
        }
    }
}

/// Options of `eda-workshop connection-string`.
#[derive(Debug, Args)]
pub(crate) struct ConnectionStringArgs {
    /// The hub, as given to `eda-workshop serve --hub`.
    #[arg(long, value_name = "HUB")]
    hub: String,

    /// The rule to sign with.
    #[arg(long, value_enum)]
    rule: RuleChoice,
}

/// Prints the connection string: the port from `endpoints.json`, the key from the keychain,
/// checked with the running Resource Manager.
pub(crate) async fn run(args: ConnectionStringArgs, global: &Global) -> anyhow::Result<()> {
    let data_dir = global.data_dir()?;
    let endpoints = Endpoints::read(&data_dir)?;
    let keychain = Keychain::os()?;
    let text =
        standalone::current_connection_string(&endpoints, &keychain, &args.hub, args.rule.name())
            .await?;
    if global.json {
        let value = serde_json::json!({ "connection_string": text.expose() });
        println!("{value}");
    } else {
        println!("{}", text.expose());
    }
    Ok(())
}
