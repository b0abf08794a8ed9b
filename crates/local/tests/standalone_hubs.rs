//! Standalone hubs that `eda-workshop serve --hub` creates in a data folder, served again by a
//! later start.

use control::secrets::Keychain;
use local::standalone::{self, HubSpec};
use local::LocalStack;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_hub_keeps_partition_count() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::in_memory();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let four: Vec<HubSpec> = vec!["demo:4".parse().unwrap()];
    standalone::create_hubs(&stack, &keychain, &four)
        .await
        .unwrap();

    let two: Vec<HubSpec> = vec!["demo:2".parse().unwrap()];
    let error = standalone::create_hubs(&stack, &keychain, &two)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "hub `demo` already has 4 partitions in this data folder, and a hub's partition count \
         cannot change: serve it with `--hub demo:4`, or give `--data-dir` a new folder for a \
         hub with 2"
    );
    let upper: Vec<HubSpec> = vec!["DEMO:4".parse().unwrap(), "other".parse().unwrap()];
    let served = standalone::create_hubs(&stack, &keychain, &upper)
        .await
        .unwrap();
    assert_eq!(served, ["demo", "other"]);
    stack.stop().await;
}
