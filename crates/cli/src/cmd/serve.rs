//! `eda-workshop serve`: the Local target's services in the foreground until Ctrl-C.

use anyhow::Context;
use clap::Args;
use control::secrets::Keychain;
use local::standalone::{self, HubSpec, STANDALONE_NAMESPACE};
use local::tokens;
use local::{Endpoints, LocalStack};

use crate::table::Table;
use crate::Global;

/// Options of `eda-workshop serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A hub to serve in the namespace `eda-workshop-local`, as NAME or NAME:PARTITIONS, with
    /// hub-level `send` and `listen` rules. Without a count, a new hub gets 4 partitions and an
    /// existing one keeps its own. Repeat the option for more hubs.
    #[arg(long = "hub", value_name = "NAME[:PARTITIONS]")]
    hubs: Vec<HubSpec>,
}

/// Serves the Resource Manager, the schema registry and every namespace's broker on
/// 127.0.0.1 until Ctrl-C, with the endpoints in `endpoints.json` of the data directory.
pub(crate) async fn run(args: ServeArgs, global: &Global) -> anyhow::Result<()> {
    let data_dir = global.data_dir()?;
    super::ensure_not_served(&data_dir)?;
    let keychain = Keychain::os()?;
    let stack = LocalStack::start(&data_dir, keychain.clone()).await?;
    let served = serve(&stack, &keychain, &args.hubs, global).await;
    stack.stop().await;
    served
}

async fn serve(
    stack: &LocalStack,
    keychain: &Keychain,
    hubs: &[HubSpec],
    global: &Global,
) -> anyhow::Result<()> {
    let served = standalone::create_hubs(stack, keychain, hubs).await?;
    for (hub, name) in hubs.iter().zip(&served) {
        if *name != hub.name {
            eprintln!(
                "hub `{}` is served as `{name}`, the name it was created with in this data \
                 folder: hub names ignore case, and either spelling reaches it",
                hub.name
            );
        }
    }
    let endpoints = stack.endpoints();
    endpoints.write(stack.data_dir())?;
    tokens::file_tokens(stack, keychain)?;
    let served = serve_until_stopped(&endpoints, hubs, global).await;
    // The tokens stop working with the services, so they leave the keychain with them.
    if let Err(error) = tokens::remove_tokens(&endpoints.subscription, keychain) {
        tracing::warn!(%error, "removing the services' tokens from the keychain failed");
    }
    served
}

async fn serve_until_stopped(
    endpoints: &Endpoints,
    hubs: &[HubSpec],
    global: &Global,
) -> anyhow::Result<()> {
    if global.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&endpoints_json(endpoints)?)?
        );
    } else {
        print_endpoints(endpoints);
    }
    eprintln!(
        "Bearer tokens for the Resource Manager and the registry: eda-workshop token --service \
         resource-manager|registry"
    );
    if !hubs.is_empty() {
        eprintln!(
            "Connection strings for the hubs of `{STANDALONE_NAMESPACE}`: eda-workshop \
             connection-string --hub HUB --rule send|listen"
        );
    }
    eprintln!("Serving until Ctrl-C.");
    wait_for_stop().await?;
    eprintln!("Stopping.");
    Ok(())
}

/// Returns the endpoints as `serve --json` prints them: `endpoints.json` with the registry as
/// an `https://` URL, as the table shows it, like every other endpoint with its scheme. The
/// form SDKs take as the registry's fully qualified namespace, without the scheme, stays in
/// `registry_namespace`.
fn endpoints_json(endpoints: &Endpoints) -> anyhow::Result<serde_json::Value> {
    let mut json = serde_json::to_value(endpoints)?;
    json["registry"] = format!("https://{}", endpoints.registry).into();
    json["registry_namespace"] = endpoints.registry.clone().into();
    Ok(json)
}

fn print_endpoints(endpoints: &Endpoints) {
    let mut table = Table::new(&["service", "endpoint", "hubs"]);
    table.row(vec![
        "Resource Manager".to_owned(),
        endpoints.arm.clone(),
        String::new(),
    ]);
    table.row(vec![
        "Schema Registry".to_owned(),
        format!("https://{}", endpoints.registry),
        String::new(),
    ]);
    for namespace in &endpoints.namespaces {
        let hubs: Vec<String> = namespace
            .hubs
            .iter()
            .map(|hub| format!("{} ({})", hub.name, hub.partitions))
            .collect();
        table.row(vec![
            format!("namespace {}", namespace.name),
            namespace.endpoint.clone(),
            hubs.join(", "),
        ]);
        if let Some(tls_endpoint) = &namespace.tls_endpoint {
            table.row(vec![
                format!("namespace {} (TLS)", namespace.name),
                tls_endpoint.clone(),
                String::new(),
            ]);
        }
    }
    println!("{}", table.render());
    if let Some(ca) = &endpoints.registry_ca_certificate {
        println!(
            "The registry's certificate is signed by the local CA in {}",
            ca.display()
        );
    }
    if let Some(ca) = &endpoints.broker_ca_certificate {
        println!(
            "The brokers' TLS certificates are signed by the local CA in {}",
            ca.display()
        );
        println!(
            "Clients trust it with NODE_EXTRA_CA_CERTS (Node), SSL_CERT_FILE (OpenSSL) or \
             connection_verify (Python); their connection strings for a TLS endpoint leave out \
             UseDevelopmentEmulator."
        );
    }
}

/// Waits for Ctrl-C, or on Unix for SIGTERM, so that a stop by PID also shuts down cleanly.
async fn wait_for_stop() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                .context("cannot listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("cannot listen for Ctrl-C")?,
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("cannot listen for Ctrl-C")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use local::NamespaceEndpoint;

    #[test]
    fn json_endpoints_carry_schemes() {
        let endpoints = Endpoints {
            arm: "http://127.0.0.1:40001".to_owned(),
            subscription: "0000-1111".to_owned(),
            registry: "127.0.0.1:40002".to_owned(),
            registry_ca_certificate: None,
            broker_ca_certificate: None,
            namespaces: vec![NamespaceEndpoint {
                name: "eda-workshop-local".to_owned(),
                endpoint: "sb://127.0.0.1:40003".to_owned(),
                tls_endpoint: None,
                hubs: Vec::new(),
            }],
        };

        let json = endpoints_json(&endpoints).unwrap();

        assert_eq!(json["arm"], "http://127.0.0.1:40001");
        assert_eq!(json["registry"], "https://127.0.0.1:40002");
        assert_eq!(json["registry_namespace"], "127.0.0.1:40002");
        assert_eq!(json["namespaces"][0]["endpoint"], "sb://127.0.0.1:40003");
    }
}
