//! Standalone hubs that `eda-workshop serve --hub` creates in a data folder, served again by a
//! later start.

use control::secrets::Keychain;
use course::ResourceKind;
use local::standalone::{self, HubSpec};
use local::LocalStack;
use serde_json::json;

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
    let upper: Vec<HubSpec> = vec!["DEMO".parse().unwrap(), "other".parse().unwrap()];
    let served = standalone::create_hubs(&stack, &keychain, &upper)
        .await
        .unwrap();
    assert_eq!(served, ["demo", "other"]);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_string_follows_rule_deleted_and_created_again() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::in_memory();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let hubs: Vec<HubSpec> = vec!["lead:2".parse().unwrap()];
    standalone::create_hubs(&stack, &keychain, &hubs)
        .await
        .unwrap();
    local::tokens::file_tokens(&stack, &keychain).unwrap();
    let endpoints = stack.endpoints();
    let filed = standalone::current_connection_string(&endpoints, &keychain, "lead", "listen")
        .await
        .unwrap();
    assert_eq!(
        filed.expose(),
        standalone::connection_string(&endpoints, &keychain, "lead", "listen")
            .unwrap()
            .expose()
    );

    let client = stack.resource_manager().client().unwrap();
    let rule_id = format!(
        "/resourceGroups/{}/providers/Microsoft.EventHub/namespaces/{}/eventhubs/lead/\
         authorizationRules/listen",
        standalone::STANDALONE_GROUP,
        standalone::STANDALONE_NAMESPACE
    );
    client
        .delete(ResourceKind::AuthorizationRule, &rule_id, None)
        .await
        .unwrap();
    let error = standalone::current_connection_string(&endpoints, &keychain, "lead", "listen")
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("rule `listen` of hub `lead` no longer exists in the running services"),
        "{error}"
    );

    client
        .put(
            ResourceKind::AuthorizationRule,
            &rule_id,
            json!({ "properties": { "rights": ["Listen"] } }),
        )
        .await
        .unwrap();
    let current = standalone::current_connection_string(&endpoints, &keychain, "lead", "listen")
        .await
        .unwrap();
    let new_key = client.list_keys(&rule_id).await.unwrap().primary_key;
    assert_ne!(current.expose(), filed.expose());
    assert!(current.expose().contains(new_key.expose()));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_again_hub_keeps_capture() {
    let dir = tempfile::tempdir().unwrap();
    let keychain = Keychain::in_memory();
    let stack = LocalStack::start(dir.path(), keychain.clone())
        .await
        .unwrap();
    let hubs: Vec<HubSpec> = vec!["orders:2".parse().unwrap()];
    standalone::create_hubs(&stack, &keychain, &hubs)
        .await
        .unwrap();
    let client = stack.resource_manager().client().unwrap();
    let account = format!(
        "/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/ordercapture",
        standalone::STANDALONE_GROUP
    );
    client
        .put(
            ResourceKind::StorageAccount,
            &account,
            json!({ "location": "local", "kind": "StorageV2", "sku": { "name": "Standard_LRS" } }),
        )
        .await
        .unwrap();
    client
        .put(
            ResourceKind::BlobContainer,
            &format!("{account}/blobServices/default/containers/orders"),
            json!({}),
        )
        .await
        .unwrap();
    let hub_id = format!(
        "/resourceGroups/{}/providers/Microsoft.EventHub/namespaces/{}/eventhubs/orders",
        standalone::STANDALONE_GROUP,
        standalone::STANDALONE_NAMESPACE
    );
    let capture = json!({
        "enabled": true,
        "encoding": "Avro",
        "intervalInSeconds": 60,
        "sizeLimitInBytes": 10_485_760,
        "skipEmptyArchives": true,
        "destination": { "name": "EventHubArchive.AzureBlockBlob", "properties": {
            "storageAccountResourceId": format!(
                "/subscriptions/{}{account}",
                stack.resource_manager().subscription()
            ),
            "blobContainer": "orders",
            "archiveNameFormat": "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/\
                {Hour}/{Minute}/{Second}",
        }},
    });
    client
        .put(
            ResourceKind::EventHub,
            &hub_id,
            json!({ "properties": { "partitionCount": 2, "captureDescription": capture } }),
        )
        .await
        .unwrap();

    // `serve --hub orders` again leaves the hub's capture as it was set.
    standalone::create_hubs(&stack, &keychain, &hubs)
        .await
        .unwrap();
    let hub = client
        .get(ResourceKind::EventHub, &hub_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(hub["properties"]["captureDescription"]["enabled"], true);
    assert_eq!(
        hub["properties"]["captureDescription"]["destination"]["properties"]["blobContainer"],
        "orders"
    );
    stack.stop().await;
}
