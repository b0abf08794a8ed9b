//! The local Resource Manager responds the way ARM does: bearer tokens, api-versions, error
//! shape, case-insensitive paths and asynchronous operations.

mod common;

use azure_core::credentials::TokenCredential;
use common::Harness;
use control::local::LocalOptions;
use control::secrets::Keychain;
use control::signin;
use serde_json::{json, Value};

async fn token(harness: &Harness) -> String {
    let credential = harness.server.credential();
    let token = credential.get_token(&["scope"], None).await.unwrap();
    token.token.secret().to_string()
}

fn url(harness: &Harness, path: &str) -> String {
    format!(
        "{}/subscriptions/{}{path}",
        harness.server.url(),
        harness.server.subscription()
    )
}

#[tokio::test]
async fn request_without_token_is_unauthorized() {
    let harness = Harness::start().await;
    let response = reqwest::Client::new()
        .get(url(&harness, "/resourceGroups/rg?api-version=2021-04-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "AuthenticationFailed");

    let response = reqwest::Client::new()
        .get(url(&harness, "/resourceGroups/rg?api-version=2021-04-01"))
        .bearer_auth("forged")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test]
async fn api_version_is_required_and_checked() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let http = reqwest::Client::new();
    let missing = http
        .get(url(&harness, "/resourceGroups/rg"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 400);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["code"], "MissingApiVersionParameter");

    let wrong = http
        .get(url(&harness, "/resourceGroups/rg?api-version=1999-01-01"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"]["code"], "InvalidApiVersionParameter");
}

#[tokio::test]
async fn namespace_put_answers_with_async_operation() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let http = reqwest::Client::new();
    let created = http
        .put(url(&harness, "/resourcegroups/rg?api-version=2021-04-01"))
        .bearer_auth(&token)
        .json(&json!({ "location": "northeurope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);

    let namespace = "/resourceGroups/RG/providers/Microsoft.EventHub/namespaces/ns-local-01";
    let response = http
        .put(url(
            &harness,
            &format!("{namespace}?api-version=2024-01-01"),
        ))
        .bearer_auth(&token)
        .json(&json!({ "location": "northeurope", "sku": { "name": "Standard" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let operation = response
        .headers()
        .get("azure-asyncoperation")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["properties"]["provisioningState"], "Accepted");

    let status: Value = http
        .get(&operation)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["status"], "Succeeded");

    let deleted = http
        .delete(url(
            &harness,
            &format!("{namespace}?api-version=2024-01-01"),
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status().as_u16(), 202);
    assert!(deleted.headers().contains_key("location"));
}

#[tokio::test]
async fn missing_parent_returns_arm_error() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let response = reqwest::Client::new()
        .put(url(
            &harness,
            "/resourceGroups/nowhere/providers/Microsoft.EventHub/namespaces/ns?api-version=2024-01-01",
        ))
        .bearer_auth(&token)
        .json(&json!({ "location": "northeurope", "sku": { "name": "Standard" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "ResourceGroupNotFound");
    assert_eq!(
        body["error"]["message"],
        "Resource group 'nowhere' could not be found."
    );
}

#[tokio::test]
async fn provider_check_names_the_fix() {
    let options = LocalOptions {
        unregistered: vec!["Microsoft.Storage".into()],
        ..Default::default()
    };
    let harness = Harness::start_with(options, Keychain::in_memory()).await;
    let problems = signin::check_providers(&harness.client, false)
        .await
        .unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].namespace, "Microsoft.Storage");
    assert_eq!(problems[0].state, "NotRegistered");
    assert_eq!(
        problems[0].fix,
        "az provider register --namespace Microsoft.Storage"
    );

    let with_databricks = signin::check_providers(&harness.client, true)
        .await
        .unwrap();
    assert_eq!(with_databricks.len(), 2);
    assert_eq!(with_databricks[1].namespace, "Microsoft.Databricks");
}

#[tokio::test]
async fn subscriptions_lists_the_local_one() {
    let harness = Harness::start().await;
    let subscriptions = signin::subscriptions(harness.server.url(), harness.server.credential())
        .await
        .unwrap();
    assert_eq!(subscriptions.len(), 1);
    let chosen = signin::choose(&subscriptions, None).unwrap();
    assert_eq!(chosen.id, harness.server.subscription());
}

/// Sends a PUT with `body` to `path` below the subscription and returns the status and body.
async fn put(harness: &Harness, token: &str, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .put(url(harness, path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Sends a PUT over a plain socket, so that path segments such as `..` reach the server as
/// written (an HTTP client library resolves them first), and returns the status code.
async fn raw_put(harness: &Harness, token: &str, path: &str, body: &Value) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = harness
        .server
        .url()
        .trim_start_matches("http://")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let body = body.to_string();
    let request = format!(
        "PUT /subscriptions/{}{path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer \
         {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: \
         close\r\n\r\n{body}",
        harness.server.subscription(),
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).await.unwrap();
    reply
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {reply:?}"))
}

/// The namespace that [`create_namespace`] creates, in resource group `rg`.
const NAMESPACE: &str = "/resourceGroups/rg/providers/Microsoft.EventHub/namespaces/ns-local-01";

/// Creates resource group `rg` and the Standard namespace [`NAMESPACE`] in it, then each of
/// `children` (a path below the namespace and its body), and fails on any error.
async fn create_namespace(harness: &Harness, token: &str, children: &[(&str, Value)]) {
    let mut steps = vec![
        (
            "/resourceGroups/rg?api-version=2021-04-01".to_owned(),
            json!({ "location": "northeurope" }),
        ),
        (
            format!("{NAMESPACE}?api-version=2024-01-01"),
            json!({ "location": "northeurope", "sku": { "name": "Standard" } }),
        ),
    ];
    for (path, body) in children {
        steps.push((
            format!("{NAMESPACE}{path}?api-version=2024-01-01"),
            body.clone(),
        ));
    }
    for (path, body) in steps {
        let (status, reply) = put(harness, token, &path, body).await;
        assert!(status == 200 || status == 201, "{path}: {status} {reply}");
    }
}

const STORAGE: &str = "providers/Microsoft.Storage/storageAccounts";
const STORAGE_VERSION: &str = "api-version=2023-05-01";

fn account_body() -> Value {
    json!({ "location": "northeurope", "kind": "StorageV2", "sku": { "name": "Standard_LRS" } })
}

#[tokio::test]
async fn storage_names_stay_inside_storage_folder() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    for group in ["rg", "other"] {
        let path = format!("/resourceGroups/{group}?api-version=2021-04-01");
        let (status, _) = put(
            &harness,
            &token,
            &path,
            json!({ "location": "northeurope" }),
        )
        .await;
        assert_eq!(status, 201);
    }
    let account = format!("/resourceGroups/rg/{STORAGE}/lakeaccount1");
    let (status, _) = put(
        &harness,
        &token,
        &format!("{account}?{STORAGE_VERSION}"),
        account_body(),
    )
    .await;
    assert_eq!(status, 201);
    let container = format!("{account}/blobServices/default/containers/raw?{STORAGE_VERSION}");
    let (status, _) = put(&harness, &token, &container, json!({})).await;
    assert_eq!(status, 201);
    let folder = harness.dir.path().join("control/storage/lakeaccount1/raw");
    assert!(folder.is_dir());

    for name in ["UPPER", "ab", "with-hyphen"] {
        let path = format!("/resourceGroups/rg/{STORAGE}/{name}?{STORAGE_VERSION}");
        let (status, body) = put(&harness, &token, &path, account_body()).await;
        assert_eq!(status, 400, "account `{name}`: {body}");
        assert_eq!(body["error"]["code"], "AccountNameInvalid", "{body}");
    }
    for name in ["..", "."] {
        let path = format!("/resourceGroups/rg/{STORAGE}/{name}?{STORAGE_VERSION}");
        assert_eq!(raw_put(&harness, &token, &path, &account_body()).await, 400);
        let path = format!("{account}/blobServices/default/containers/{name}?{STORAGE_VERSION}");
        assert_eq!(raw_put(&harness, &token, &path, &json!({})).await, 400);
    }

    // Another resource group cannot take a storage name, which is global in Azure.
    let copy = format!("/resourceGroups/other/{STORAGE}/lakeaccount1?{STORAGE_VERSION}");
    let (status, body) = put(&harness, &token, &copy, account_body()).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "StorageAccountAlreadyTaken");
    assert!(
        folder.is_dir(),
        "the first account's container folder is gone"
    );
}

#[tokio::test]
async fn invalid_resource_group_names_rejected() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    // ARM rejects an invalid resource group name with the code `InvalidResourceGroup`.
    for (name, expected) in [
        (
            "rg.",
            "it ends with `.`, but must end with a character other than a period",
        ),
        ("r%20g", "it contains ` `, but only letters of any script"),
        (
            &"r".repeat(91),
            "it is 91 characters long and the maximum is 90",
        ),
    ] {
        let path = format!("/resourceGroups/{name}?api-version=2021-04-01");
        let (status, body) = put(
            &harness,
            &token,
            &path,
            json!({ "location": "northeurope" }),
        )
        .await;
        assert_eq!(status, 400, "resource group `{name}`: {body}");
        assert_eq!(body["error"]["code"], "InvalidResourceGroup", "{body}");
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn invalid_hub_properties_are_bad_requests() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let (status, _) = put(
        &harness,
        &token,
        "/resourceGroups/rg?api-version=2021-04-01",
        json!({ "location": "northeurope" }),
    )
    .await;
    assert_eq!(status, 201);
    let namespaces = "/resourceGroups/rg/providers/Microsoft.EventHub/namespaces";
    let namespace_body = json!({ "location": "northeurope", "sku": { "name": "Standard" } });
    for name in ["1starts-with-digit", "ends-with-sb", "ab"] {
        let path = format!("{namespaces}/{name}?api-version=2024-01-01");
        let (status, body) = put(&harness, &token, &path, namespace_body.clone()).await;
        assert_eq!(status, 400, "namespace `{name}`: {body}");
        assert_eq!(body["error"]["code"], "InvalidResourceName");
    }
    let path = format!("{namespaces}/ns-local-01?api-version=2024-01-01");
    let (status, _) = put(&harness, &token, &path, namespace_body).await;
    assert_eq!(status, 201);

    let hubs = format!("{namespaces}/ns-local-01/eventhubs");
    for (count, expected) in [
        (
            json!("4"),
            "`properties.partitionCount` must be an integer, not \"4\"",
        ),
        (
            json!(4.5),
            "`properties.partitionCount` must be an integer, not 4.5",
        ),
        (
            json!(true),
            "`properties.partitionCount` must be an integer, not true",
        ),
    ] {
        let body = json!({ "properties": { "partitionCount": count } });
        let path = format!("{hubs}/lead?api-version=2024-01-01");
        let (status, reply) = put(&harness, &token, &path, body).await;
        assert_eq!(status, 400, "{reply}");
        assert_eq!(reply["error"]["code"], "InvalidRequestContent");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    let (status, reply) = put(
        &harness,
        &token,
        &format!("{hubs}/bad..name-?api-version=2024-01-01"),
        json!({ "properties": {} }),
    )
    .await;
    assert_eq!(status, 400, "{reply}");

    for (properties, expected) in [
        (json!("x"), "`properties` must be a JSON object"),
        (
            json!({ "messageRetentionInDays": "7" }),
            "`properties.messageRetentionInDays` must be an integer",
        ),
        (
            json!({ "retentionDescription": { "cleanupPolicy": 1 } }),
            "`properties.retentionDescription.cleanupPolicy` must be a string",
        ),
    ] {
        let path = format!("{hubs}/lead?api-version=2024-01-01");
        let (status, reply) =
            put(&harness, &token, &path, json!({ "properties": properties })).await;
        assert_eq!(status, 400, "{reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }

    // Retention in days or hours beyond the Standard tier's 7 days, or the two disagreeing,
    // is rejected with the property and its value.
    for (properties, expected) in [
        (
            json!({ "messageRetentionInDays": 8 }),
            "`properties.messageRetentionInDays` is 8, but retention on the Standard tier is 1 \
             to 7 days",
        ),
        (
            json!({ "messageRetentionInDays": 0 }),
            "`properties.messageRetentionInDays` is 0",
        ),
        (
            json!({ "retentionDescription": { "retentionTimeInHours": 169 } }),
            "`properties.retentionDescription.retentionTimeInHours` is 169, but retention on \
             the Standard tier is 1 to 168 hours",
        ),
        (
            json!({ "messageRetentionInDays": 1,
                    "retentionDescription": { "retentionTimeInHours": 48 } }),
            "`properties.messageRetentionInDays` (1 days) and \
             `properties.retentionDescription.retentionTimeInHours` (48 hours) give different \
             retentions",
        ),
    ] {
        let path = format!("{hubs}/kept?api-version=2024-01-01");
        let (status, reply) =
            put(&harness, &token, &path, json!({ "properties": properties })).await;
        assert_eq!(status, 400, "{reply}");
        assert_eq!(reply["error"]["code"], "InvalidRetention");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
    // Retention given in days is kept in hours too, and the reverse, as Azure returns both.
    for (properties, days, hours) in [
        (json!({ "messageRetentionInDays": 1 }), 1, 24),
        (
            json!({ "retentionDescription": { "retentionTimeInHours": 36 } }),
            2,
            36,
        ),
        (json!({}), 7, 168),
    ] {
        let path = format!("{hubs}/kept?api-version=2024-01-01");
        let (status, reply) =
            put(&harness, &token, &path, json!({ "properties": properties })).await;
        assert!(status == 200 || status == 201, "{status} {reply}");
        assert_eq!(reply["properties"]["messageRetentionInDays"], days);
        let retention = &reply["properties"]["retentionDescription"];
        assert_eq!(retention["retentionTimeInHours"], hours);
        assert_eq!(retention["cleanupPolicy"], "Delete");
        // The broker gets that retention in hours, and keeps events for whole days, rounded up.
        let broker_hub = harness
            .effects
            .entities()
            .into_iter()
            .find(|(entity, path, _)| entity == "hub" && path == "ns-local-01/kept")
            .map(|(_, _, detail)| detail);
        assert_eq!(
            broker_hub.as_deref(),
            Some(format!("partitions=1 retention_hours={hours}").as_str())
        );
    }

    // A hub read back and put again as it is, with both retention properties, is accepted, and
    // so is a body with the days rounded down.
    let path = format!("{hubs}/kept?api-version=2024-01-01");
    let (_, read_back) = put(
        &harness,
        &token,
        &path,
        json!({ "properties": { "retentionDescription": { "retentionTimeInHours": 36 } } }),
    )
    .await;
    let (status, reply) = put(&harness, &token, &path, read_back).await;
    assert_eq!(status, 200, "{reply}");
    let rounded_down = json!({ "properties": { "messageRetentionInDays": 1,
        "retentionDescription": { "retentionTimeInHours": 36 } } });
    let (status, reply) = put(&harness, &token, &path, rounded_down).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["properties"]["retentionDescription"]["retentionTimeInHours"],
        36
    );

    // A hub created without a count has one partition, which cannot change later.
    let path = format!("{hubs}/lead?api-version=2024-01-01");
    let (status, _) = put(&harness, &token, &path, json!({ "properties": {} })).await;
    assert_eq!(status, 201);
    let body = json!({ "properties": { "partitionCount": 8 } });
    let (status, reply) = put(&harness, &token, &path, body).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["error"]["code"], "InvalidPartitionCount");

    // A hub keeps its creation time across updates, and each PUT moves its update time.
    let path = format!("{hubs}/stamped?api-version=2024-01-01");
    let (status, first) = put(&harness, &token, &path, json!({ "properties": {} })).await;
    assert_eq!(status, 201, "{first}");
    let created = first["properties"]["createdAt"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        chrono::DateTime::parse_from_rfc3339(&created).is_ok(),
        "{created}"
    );
    assert!(created.ends_with('Z'), "{created}");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (status, second) = put(&harness, &token, &path, json!({ "properties": {} })).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["properties"]["createdAt"], created.as_str());
    assert_ne!(
        second["properties"]["updatedAt"],
        first["properties"]["updatedAt"]
    );

    let missing_account = "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/nosuch";
    for (destination, expected) in [
        (json!({}), "Capture needs a destination"),
        (
            json!({ "properties": { "storageAccountResourceId": missing_account,
                                    "blobContainer": "lead" } }),
            "storage account `/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/nosuch` \
             does not exist",
        ),
    ] {
        let body = json!({ "properties": { "partitionCount": 2, "captureDescription": {
            "enabled": true, "encoding": "Avro", "intervalInSeconds": 60,
            "sizeLimitInBytes": 10_485_760, "destination": destination } } });
        let path = format!("{hubs}/sale?api-version=2024-01-01");
        let (status, reply) = put(&harness, &token, &path, body).await;
        assert_eq!(status, 400, "{reply}");
        assert_eq!(reply["error"]["code"], "InvalidCaptureDestination");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(expected), "{message}");
    }
}

#[tokio::test]
async fn updates_keep_name_case_and_location() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let created = json!({ "location": "northeurope" });
    let (status, _) = put(
        &harness,
        &token,
        "/resourceGroups/Course-RG?api-version=2021-04-01",
        created,
    )
    .await;
    assert_eq!(status, 201);

    let same_place = json!({ "location": "North Europe", "tags": { "team": "platform" } });
    let path = "/resourceGroups/course-rg?api-version=2021-04-01";
    let (status, body) = put(&harness, &token, path, same_place).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "Course-RG");
    assert_eq!(body["location"], "northeurope");
    assert!(
        body["id"]
            .as_str()
            .unwrap()
            .ends_with("/resourceGroups/Course-RG"),
        "{body}"
    );

    let elsewhere = json!({ "location": "westeurope" });
    let (status, body) = put(&harness, &token, path, elsewhere).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "InvalidResourceLocation");
}

#[tokio::test]
async fn default_consumer_group_is_not_deleted() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let namespace = NAMESPACE;
    let children = [
        (
            "/eventhubs/lead",
            json!({ "properties": { "partitionCount": 2 } }),
        ),
        (
            "/eventhubs/lead/consumergroups/$Default",
            json!({ "properties": {} }),
        ),
    ];
    create_namespace(&harness, &token, &children).await;

    let response = reqwest::Client::new()
        .delete(url(
            &harness,
            &format!("{namespace}/eventhubs/lead/consumergroups/$Default?api-version=2024-01-01"),
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`$Default` cannot be deleted"),
        "{body}"
    );
}

#[tokio::test]
async fn collections_list_their_resources() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let namespace = NAMESPACE;
    let children = [
        (
            "/eventhubs/lead",
            json!({ "properties": { "partitionCount": 2 } }),
        ),
        (
            "/eventhubs/sale",
            json!({ "properties": { "partitionCount": 1 } }),
        ),
    ];
    create_namespace(&harness, &token, &children).await;
    let get = |path: String| {
        let request = reqwest::Client::new()
            .get(url(&harness, &path))
            .bearer_auth(&token);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let names = |body: &Value| -> Vec<String> {
        body["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_owned())
            .collect()
    };

    let (status, groups) = get("/resourcegroups?api-version=2021-04-01".to_owned()).await;
    assert_eq!(status, 200, "{groups}");
    assert_eq!(names(&groups), ["rg"]);
    let (status, namespaces) = get(
        "/resourceGroups/rg/providers/Microsoft.EventHub/namespaces?api-version=2024-01-01"
            .to_owned(),
    )
    .await;
    assert_eq!(status, 200, "{namespaces}");
    assert_eq!(names(&namespaces), ["ns-local-01"]);
    let (status, hubs) = get(format!("{namespace}/eventhubs?api-version=2024-01-01")).await;
    assert_eq!(status, 200, "{hubs}");
    assert_eq!(names(&hubs), ["lead", "sale"]);
    assert_eq!(hubs["value"][0]["properties"]["partitionCount"], 2);

    // A percent-encoded name reaches the same resource.
    let (status, hub) = get(format!(
        "{namespace}/eventhubs/%6Cead?api-version=2024-01-01"
    ))
    .await;
    assert_eq!(status, 200, "{hub}");
    assert_eq!(hub["name"], "lead");
    let (status, _) = get(
        "/resourceGroups/missing/providers/Microsoft.EventHub/namespaces?api-version=2024-01-01"
            .to_owned(),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn oversized_body_gets_arm_error() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let huge = json!({ "location": "northeurope", "tags": { "padding": "x".repeat(3_000_000) } });
    let (status, body) = put(
        &harness,
        &token,
        "/resourceGroups/rg?api-version=2021-04-01",
        huge,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "InvalidRequestContent");
}

#[tokio::test]
async fn regenerate_keys_replaces_one_key() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    let rule = format!("{NAMESPACE}/authorizationRules/send");
    let children = [(
        "/authorizationRules/send",
        json!({ "properties": { "rights": ["Send"] } }),
    )];
    create_namespace(&harness, &token, &children).await;
    let post = |action: &str, body: Value| {
        let request = reqwest::Client::new()
            .post(url(
                &harness,
                &format!("{rule}/{action}?api-version=2024-01-01"),
            ))
            .bearer_auth(&token)
            .json(&body);
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };

    let (status, before) = post("listKeys", json!({})).await;
    assert_eq!(status, 200);
    let (status, after) = post("regenerateKeys", json!({ "keyType": "PrimaryKey" })).await;
    assert_eq!(status, 200, "{after}");
    assert_ne!(after["primaryKey"], before["primaryKey"]);
    assert_eq!(after["secondaryKey"], before["secondaryKey"]);
    let (_, listed) = post("listKeys", json!({})).await;
    assert_eq!(listed["primaryKey"], after["primaryKey"]);

    let given = "c2VsZi1jaG9zZW4ta2V5LW9mLTMyLWJ5dGVzLWxvbmc=";
    let (status, chosen) = post(
        "regenerateKeys",
        json!({ "keyType": "SecondaryKey", "key": given }),
    )
    .await;
    assert_eq!(status, 200, "{chosen}");
    assert_eq!(chosen["secondaryKey"], given);
    let (status, refused) = post("regenerateKeys", json!({ "keyType": "Tertiary" })).await;
    assert_eq!(status, 400, "{refused}");
}

#[tokio::test]
async fn delete_in_missing_group_is_not_found() {
    let harness = Harness::start().await;
    let token = token(&harness).await;
    create_namespace(&harness, &token, &[]).await;
    let delete = |path: &str| {
        let request = reqwest::Client::new()
            .delete(url(&harness, path))
            .bearer_auth(&token);
        async move { request.send().await.unwrap().status().as_u16() }
    };

    let missing_hub = format!("{NAMESPACE}/eventhubs/never?api-version=2024-01-01");
    assert_eq!(delete(&missing_hub).await, 204);
    let in_missing_group =
        "/resourceGroups/nope/providers/Microsoft.EventHub/namespaces/ns-gone-01?api-version=2024-01-01";
    assert_eq!(delete(in_missing_group).await, 404);
    assert_eq!(
        delete("/resourceGroups/nope?api-version=2021-04-01").await,
        404
    );
}
