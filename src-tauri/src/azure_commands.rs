//! The Target page's Azure commands: sign in, list the subscriptions, choose one.

use std::sync::Arc;

use control::signin::Subscription;
use control::Secret;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;

use crate::azure::SubscriptionCheck;
use crate::choice::AzureChoice;
use crate::error::CommandError;
use crate::AppState;

/// The Azure sign-in as the Target page shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AzureAccount {
    /// Whether the app has a credential made with the method and fields of the choice.
    signed_in: bool,
    /// The subscriptions the account can use, in the order Azure lists them.
    subscriptions: Vec<Subscription>,
}

/// Signs in with the method of `choice` and lists the account's subscriptions. A service principal's
/// `client_secret`, when typed, goes into the OS keychain, never into the saved progress. The
/// device code message ("To sign in, use a web browser to open ...") is sent on `prompt`.
#[tauri::command]
pub(crate) async fn azure_sign_in(
    app: State<'_, AppState>,
    choice: AzureChoice,
    client_secret: Option<String>,
    prompt: Channel<String>,
) -> Result<AzureAccount, CommandError> {
    let secret = client_secret
        .filter(|secret| !secret.trim().is_empty())
        .map(|secret| Secret::new(secret.trim()));
    let show = Arc::new(move |message: &str| {
        if let Err(error) = prompt.send(message.to_string()) {
            tracing::warn!(%error, "the device code message did not reach the window");
        }
    });
    let subscriptions = app.azure.sign_in(&choice, secret, show).await?;
    Ok(AzureAccount {
        signed_in: true,
        subscriptions,
    })
}

/// Returns whether the app is signed in with the method and fields of `choice`, with the
/// account's subscriptions when it is. It never prompts: an app that just started is signed in
/// only after the attendee presses Sign in again.
#[tauri::command]
pub(crate) async fn azure_account(
    app: State<'_, AppState>,
    choice: AzureChoice,
) -> Result<AzureAccount, CommandError> {
    if !app.azure.is_signed_in(&choice).await {
        return Ok(AzureAccount {
            signed_in: false,
            subscriptions: Vec::new(),
        });
    }
    let subscriptions = app.azure.subscriptions(&choice).await?;
    Ok(AzureAccount {
        signed_in: true,
        subscriptions,
    })
}

/// Chooses the subscription `id` and checks the resource providers the plan needs in it.
#[tauri::command]
pub(crate) async fn azure_choose_subscription(
    app: State<'_, AppState>,
    choice: AzureChoice,
    id: String,
) -> Result<SubscriptionCheck, CommandError> {
    app.azure.choose_subscription(&choice, &id).await
}
