//! The Local target end to end: the course's plan applied through the ARM client, then
//! Microsoft's Python SDK sending and receiving with the keys listKeys returned, before and
//! after a restart of the services.

mod common;

use std::path::Path;

use common::roundtrip;
use control::apply::{Applier, Options, TargetKind};
use control::arm::ArmClient;
use control::secrets::Keychain;
use control::Secret;
use course::{Attendee, Environment, Region};
use local::LocalStack;
use serde_json::Value;

async fn connection_string(client: &ArmClient, plan: &course::Plan, rule: &str) -> Secret {
    let suffix = format!("/eventhubs/customer/authorizationRules/{rule}");
    let resource = plan
        .resources()
        .find(|resource| resource.id.ends_with(&suffix))
        .unwrap_or_else(|| panic!("the plan has the `{rule}` rule of hub `customer`"));
    client
        .list_keys(&resource.id)
        .await
        .unwrap()
        .primary_connection_string
}

async fn run_peer(python: &Path, connection_string: &Secret, args: &[&str]) -> Value {
    let (python, text) = (python.to_path_buf(), connection_string.expose().to_owned());
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        roundtrip(&python, &text, &args)
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applied_hub_serves_python_sdk_across_restart() {
    let Some(python) = peers::python("Python peer test") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::in_memory();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
    let plan = course::plan(&attendee);
    let client = stack.resource_manager().client().unwrap();
    let summary = Applier::new(
        &client,
        stack.resource_manager().target(),
        &plan,
        Options::all(TargetKind::Local),
        None,
    )
    .apply()
    .await;
    assert_eq!(summary.failed, None);
    // Hub PUTs carry no capture to the brokers; a reload replays the stored capture settings.
    assert!(stack.reload().await.unwrap() > 0);

    let send = connection_string(&client, &plan, "send").await;
    let listen = connection_string(&client, &plan, "listen").await;
    assert!(
        send.expose().contains(";UseDevelopmentEmulator=true"),
        "a local connection string selects plain AMQP"
    );

    let sent = run_peer(&python, &send, &["send", "customer", "customer-registered"]).await;
    assert_eq!(sent["sent"], "customer-registered");

    let read = run_peer(&python, &listen, &["receive", "customer"]).await;
    assert_eq!(read["errors"], serde_json::json!([]));
    assert_eq!(read["received"], serde_json::json!(["customer-registered"]));

    let denied = run_peer(&python, &send, &["receive", "customer"]).await;
    assert_eq!(denied["received"], serde_json::json!([]));
    let errors = denied["errors"].to_string();
    assert!(
        errors.contains("Listen"),
        "the error names the missing right: {errors}"
    );

    let endpoints = stack.endpoints();
    let namespace = endpoints
        .namespaces
        .iter()
        .find(|namespace| namespace.hub("customer").is_some())
        .expect("the namespace with hub `customer` is served");
    assert!(send.expose().contains(&namespace.endpoint));
    assert!(
        stack
            .effects()
            .next_capture_close_ms(&namespace.name, "customer")
            .is_some(),
        "the plan's capture of hub `customer` runs after the reload"
    );
    stack.stop().await;

    // A restart over the same data directory serves the hub again, on the same port, with
    // the same keys: the connection strings listKeys returned before still work.
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let after = stack.endpoints();
    assert_eq!(
        after
            .namespace(&namespace.name)
            .map(|found| found.endpoint.clone()),
        Some(namespace.endpoint.clone())
    );
    let read = run_peer(&python, &listen, &["receive", "customer"]).await;
    assert_eq!(read["errors"], serde_json::json!([]));
    assert_eq!(read["received"], serde_json::json!(["customer-registered"]));
    // The capture writer ticks every second; the receive above took longer than that.
    assert!(
        stack
            .effects()
            .next_capture_close_ms(&namespace.name, "customer")
            .is_some(),
        "the plan's capture of hub `customer` runs after the restart"
    );
    stack.stop().await;
}
