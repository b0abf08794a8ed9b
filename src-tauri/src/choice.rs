//! The attendee's choice of target as the wizard state keeps it: Local, or Azure with the way
//! of signing in and the subscription. These are plain data. What the app does with them lives
//! in [`crate::azure`] and [`crate::provision`].

use serde::{Deserialize, Serialize};

/// The place the workshop runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Target {
    /// The app's own services on 127.0.0.1.
    #[default]
    Local,
    /// The attendee's own Azure subscription.
    Azure,
}

/// The attendee's way of signing in to Azure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SignInMethod {
    /// Reuse the Azure CLI's sign-in (`az login`).
    #[default]
    AzureCli,
    /// Enter a code in a browser, on this or another device.
    DeviceCode,
    /// A service principal with a client secret.
    ServicePrincipal,
}

impl SignInMethod {
    /// Returns the same way of signing in as the provisioning crate names it.
    pub(crate) fn into_control(self) -> control::signin::Method {
        match self {
            SignInMethod::AzureCli => control::signin::Method::AzureCli,
            SignInMethod::DeviceCode => control::signin::Method::DeviceCode,
            SignInMethod::ServicePrincipal => control::signin::Method::ServicePrincipal,
        }
    }
}

/// The subscription the attendee chose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChosenSubscription {
    /// The subscription id.
    pub(crate) id: String,
    /// Its display name.
    pub(crate) name: String,
    /// The tenant it belongs to.
    pub(crate) tenant: String,
}

/// The Azure part of the attendee's choices, as the wizard state keeps it. It contains no
/// secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AzureChoice {
    /// How to sign in.
    pub(crate) method: SignInMethod,
    /// The Entra tenant id or domain; empty for the default.
    pub(crate) tenant: String,
    /// The application (client) id; empty for the Azure CLI's own.
    pub(crate) client_id: String,
    /// The chosen subscription, once there is one.
    pub(crate) subscription: Option<ChosenSubscription>,
    /// Whether Apply creates the plan's opt-in Databricks workspace, which bills by the hour.
    #[serde(default)]
    pub(crate) with_databricks: bool,
}
