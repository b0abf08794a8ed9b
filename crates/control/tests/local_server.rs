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
