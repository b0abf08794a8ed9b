//! `eda-workshop token`: a bearer token of the Resource Manager or the schema registry that
//! `eda-workshop serve` runs, for calling their endpoints from a script or an SDK.

use clap::{Args, ValueEnum};
use control::secrets::Keychain;
use local::tokens::{self, TokenService};
use local::Endpoints;

use crate::Global;

/// The service a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ServiceChoice {
    /// The local Resource Manager, valid until `serve` stops.
    ResourceManager,
    /// The schema registry's REST API, valid for 24 hours or until `serve` stops.
    Registry,
}

/// Options of `eda-workshop token`.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// The service to call.
    #[arg(long, value_enum)]
    service: ServiceChoice,
}

/// Prints the token `serve` filed in the keychain for the data directory's services.
pub(crate) async fn run(args: TokenArgs, global: &Global) -> anyhow::Result<()> {
    let data_dir = global.data_dir()?;
    let endpoints = Endpoints::read(&data_dir)?;
    let keychain = Keychain::os()?;
    let service = match args.service {
        ServiceChoice::ResourceManager => TokenService::ResourceManager,
        ServiceChoice::Registry => TokenService::Registry,
    };
    let token = tokens::token(&endpoints, &keychain, service)?;
    if global.json {
        let value = serde_json::json!({ "token": token.expose() });
        println!("{value}");
    } else {
        println!("{}", token.expose());
    }
    Ok(())
}
