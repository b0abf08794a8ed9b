//! Device code sign-in against a stand-in authority on 127.0.0.1 that speaks the OAuth 2.0
//! device authorization grant.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::routing::post;
use axum::Json;
use azure_core::credentials::TokenCredential;
use control::signin::DeviceCodeCredential;
use serde_json::{json, Value};

#[derive(Default)]
struct Authority {
    polls: AtomicUsize,
    codes: AtomicUsize,
}

async fn device_code(State(authority): State<Arc<Authority>>) -> Json<Value> {
    authority.codes.fetch_add(1, Ordering::SeqCst);
    Json(json!({
        "device_code": "device-123",
        "user_code": "ABCD-EFGH",
        "verification_uri": "https://microsoft.com/devicelogin",
        "expires_in": 30,
        "interval": 0,
        "message": "To sign in, enter ABCD-EFGH",
    }))
}

async fn token(State(authority): State<Arc<Authority>>) -> (axum::http::StatusCode, Json<Value>) {
    if authority.polls.fetch_add(1, Ordering::SeqCst) < 2 {
        let pending = json!({ "error": "authorization_pending", "error_description": "wait" });
        return (axum::http::StatusCode::BAD_REQUEST, Json(pending));
    }
    let granted =
        json!({ "access_token": "token-xyz", "expires_in": 3600, "token_type": "Bearer" });
    (axum::http::StatusCode::OK, Json(granted))
}

#[tokio::test]
async fn device_code_polls_until_granted_and_caches() {
    let authority = Arc::new(Authority::default());
    let app = axum::Router::new()
        .route("/organizations/oauth2/v2.0/devicecode", post(device_code))
        .route("/organizations/oauth2/v2.0/token", post(token))
        .with_state(authority.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let shown = Arc::new(Mutex::new(Vec::new()));
    let sink = shown.clone();
    let prompt = Arc::new(move |message: &str| sink.lock().unwrap().push(message.to_string()));
    let credential = DeviceCodeCredential::new(&base, "organizations", "client", prompt);

    let scope = "https://management.azure.com/.default";
    let first = credential.get_token(&[scope], None).await.unwrap();
    assert_eq!(first.token.secret(), "token-xyz");
    assert_eq!(*shown.lock().unwrap(), ["To sign in, enter ABCD-EFGH"]);
    assert_eq!(authority.polls.load(Ordering::SeqCst), 3);

    let second = credential.get_token(&[scope], None).await.unwrap();
    assert_eq!(second.token.secret(), "token-xyz");
    assert_eq!(
        authority.codes.load(Ordering::SeqCst),
        1,
        "the token is cached"
    );
    server.abort();
}
