//! The Azure target: signing in, choosing the subscription, and Apply, Verify and Teardown of
//! the attendee's plan in that subscription, through the same control crate and the same
//! Resource Manager calls as the Local target.
//!
//! The credential lives in memory while the app runs. The wizard state keeps only how the
//! attendee signed in and which subscription they chose. A service principal's client secret
//! goes into the OS keychain, under the entry that `eda-workshop` reads too.

use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use control::apply::{Options, TargetKind};
use control::arm::{ArmClient, AZURE_ENDPOINT};
use control::credential::ARM_SCOPE;
use control::desired::Target;
use control::secrets::Keychain;
use control::signin::{
    self, ProviderProblem, SignIn, SignInFault, Subscription, AZURE_CLI_CLIENT_ID,
};
use control::teardown;
use control::Secret;
use course::{Attendee, Compatibility, StepId};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::choice::{AzureChoice, ChosenSubscription, SignInMethod};
use crate::error::CommandError;
use crate::progress::ProgressEvent;
use crate::provision::{self, ApplyRecord, VerifyRecord};
use crate::stack::KeychainSource;
use crate::teardown::{self as teardown_view, TeardownPreview, TeardownRecord};

/// The keychain entry of a service principal's client secret, shared with `eda-workshop`.
pub(crate) const CLIENT_SECRET_ENTRY: &str = "azure-client-secret";

/// The tenant a device code sign-in uses when the attendee names none: any work or school
/// account.
const ANY_ORGANIZATION: &str = "organizations";

impl AzureChoice {
    /// Returns the selection of `step` in this subscription, with the opt-in resources when
    /// the attendee asked for them.
    fn options(&self, step: StepId) -> Options {
        Options {
            steps: vec![step],
            include_opt_in: self.with_databricks,
            target: TargetKind::Azure,
        }
    }

    /// Returns the fields that decide which credential signs in.
    fn way(&self) -> SignInWay {
        (self.method, self.tenant(), self.client_id())
    }

    fn tenant(&self) -> Option<String> {
        non_empty(&self.tenant)
    }

    fn client_id(&self) -> Option<String> {
        non_empty(&self.client_id)
    }
}

/// The method, tenant and client id a credential was made with.
type SignInWay = (SignInMethod, Option<String>, Option<String>);

/// Returns a typed field without surrounding spaces, or `None` when it is blank.
fn non_empty(field: &str) -> Option<String> {
    let field = field.trim();
    (!field.is_empty()).then(|| field.to_string())
}

/// The result of choosing a subscription: the subscription and each needed resource provider
/// that is not registered in it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct SubscriptionCheck {
    /// The subscription chosen.
    pub(crate) subscription: ChosenSubscription,
    /// The providers the plan needs.
    pub(crate) needed: Vec<&'static str>,
    /// The needed providers that are not registered, each with the command that registers it.
    pub(crate) problems: Vec<ProviderProblem>,
}

/// A credential and the way it was made.
struct SignedIn {
    way: SignInWay,
    credential: Arc<dyn TokenCredential>,
}

/// The Azure target: Azure Resource Manager, reached with the attendee's credential.
pub(crate) struct AzureTarget {
    endpoint: String,
    keychain: KeychainSource,
    signed_in: Mutex<Option<SignedIn>>,
}

impl std::fmt::Debug for AzureTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AzureTarget")
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl AzureTarget {
    /// Prepares the Azure target at Azure's Resource Manager, with a service principal's secret
    /// in the OS keychain. Nothing signs in before the attendee presses Sign in.
    pub(crate) fn new() -> Self {
        Self::with_endpoint(AZURE_ENDPOINT, || {
            Keychain::os().map_err(|error| CommandError::Keychain(error.to_string()))
        })
    }

    /// Prepares a target whose Resource Manager is at `endpoint`.
    pub(crate) fn with_endpoint(
        endpoint: &str,
        keychain: impl Fn() -> Result<Keychain, CommandError> + Send + Sync + 'static,
    ) -> Self {
        AzureTarget {
            endpoint: endpoint.to_string(),
            keychain: Box::new(keychain),
            signed_in: Mutex::new(None),
        }
    }

    /// Signs in with the method of `choice` and lists the subscriptions the account can use. A
    /// service principal's `secret`, when given, is stored in the keychain first; without one
    /// the stored secret is used. Other methods leave the keychain alone. `prompt` receives the
    /// device code message.
    pub(crate) async fn sign_in(
        &self,
        choice: &AzureChoice,
        secret: Option<Secret>,
        prompt: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Result<Vec<Subscription>, CommandError> {
        let secret = secret.filter(|_| choice.method == SignInMethod::ServicePrincipal);
        if let Some(secret) = &secret {
            (self.keychain)()?
                .write(CLIENT_SECRET_ENTRY, secret)
                .map_err(|error| CommandError::Keychain(error.to_string()))?;
        }
        let credential = self.credential_for(choice, prompt)?;
        self.connect(choice, credential).await
    }

    /// Keeps `credential` as the one of `choice` once it lists the subscriptions.
    pub(crate) async fn connect(
        &self,
        choice: &AzureChoice,
        credential: Arc<dyn TokenCredential>,
    ) -> Result<Vec<Subscription>, CommandError> {
        let subscriptions = signin::subscriptions(&self.endpoint, credential.clone())
            .await
            .map_err(|error| sign_in_failure(choice.method, &error))?;
        tracing::info!(
            method = ?choice.method,
            subscriptions = subscriptions.len(),
            "signed in to Azure"
        );
        *self.signed_in.lock().await = Some(SignedIn {
            way: choice.way(),
            credential,
        });
        Ok(subscriptions)
    }

    /// Returns whether the app has a credential made with the method and fields of `choice`.
    pub(crate) async fn is_signed_in(&self, choice: &AzureChoice) -> bool {
        self.signed_in
            .lock()
            .await
            .as_ref()
            .is_some_and(|current| current.way == choice.way())
    }

    /// Lists the subscriptions of the credential of `choice`.
    pub(crate) async fn subscriptions(
        &self,
        choice: &AzureChoice,
    ) -> Result<Vec<Subscription>, CommandError> {
        let credential = self.credential(choice).await?;
        signin::subscriptions(&self.endpoint, credential)
            .await
            .map_err(|error| sign_in_failure(choice.method, &error))
    }

    /// Picks the subscription `id` among those the credential can use and checks that the
    /// resource providers the plan needs are registered in it.
    pub(crate) async fn choose_subscription(
        &self,
        choice: &AzureChoice,
        id: &str,
    ) -> Result<SubscriptionCheck, CommandError> {
        let subscriptions = self.subscriptions(choice).await?;
        let credential = self.credential(choice).await?;
        let chosen = signin::choose(&subscriptions, Some(id))
            .map_err(|error| CommandError::AzureSubscription(error.to_string()))?;
        let client = ArmClient::new(&self.endpoint, &chosen.id, credential)
            .map_err(|error| CommandError::Azure(error.to_string()))?;
        let problems = signin::check_providers(&client, false)
            .await
            .map_err(|error| CommandError::Azure(error.to_string()))?;
        Ok(SubscriptionCheck {
            subscription: ChosenSubscription {
                id: chosen.id,
                name: chosen.name,
                tenant: chosen.tenant,
            },
            needed: signin::needed_providers(false),
            problems,
        })
    }

    /// Returns an ARM client for the chosen subscription, with the facts bodies need.
    pub(crate) async fn client(
        &self,
        choice: &AzureChoice,
    ) -> Result<(ArmClient, Target), CommandError> {
        let subscription = choice
            .subscription
            .as_ref()
            .ok_or(CommandError::NoSubscription)?;
        let credential = self.credential(choice).await?;
        // A token first, so a sign-in that no longer works is reported with its fix before any
        // resource is touched, instead of as the first resource's failure.
        credential
            .get_token(&[ARM_SCOPE], None)
            .await
            .map_err(|error| {
                sign_in_failure(
                    choice.method,
                    &control::Error::Credential(error.to_string()),
                )
            })?;
        let client = ArmClient::new(&self.endpoint, &subscription.id, credential)
            .map_err(|error| CommandError::Azure(error.to_string()))?;
        let target = Target {
            subscription: subscription.id.clone(),
            tenant: subscription.tenant.clone(),
        };
        Ok((client, target))
    }

    /// Applies one step of the attendee's plan in the chosen subscription, calling `progress`
    /// with each change of a resource's state.
    pub(crate) async fn apply(
        &self,
        choice: &AzureChoice,
        attendee: &Attendee,
        step: StepId,
        progress: impl Fn(ProgressEvent),
    ) -> Result<ApplyRecord, CommandError> {
        let (client, target) = self.client(choice).await?;
        if choice.with_databricks && step == StepId::SharedPlatform {
            // The provider check at the choice of the subscription left Databricks out, because
            // the workspace is asked for only on this step's page.
            let problems = signin::check_providers(&client, true)
                .await
                .map_err(|error| CommandError::Azure(error.to_string()))?;
            if let Some(problem) = problems.first() {
                return Err(CommandError::ProviderNotRegistered {
                    namespace: problem.namespace.clone(),
                    state: problem.state.clone(),
                    fix: problem.fix.clone(),
                });
            }
        }
        let plan = course::plan(attendee);
        let (summary, events) =
            provision::run_applier(&client, target, &plan, choice.options(step), progress).await;
        let record = ApplyRecord::new(summary, events);
        record.log(step, TargetKind::Azure);
        Ok(record)
    }

    /// Compares one step of the attendee's plan with the chosen subscription.
    pub(crate) async fn verify(
        &self,
        choice: &AzureChoice,
        attendee: &Attendee,
        step: StepId,
    ) -> Result<VerifyRecord, CommandError> {
        let (client, target) = self.client(choice).await?;
        let plan = course::plan(attendee);
        let report = control::verify::verify(&client, target, &plan, choice.options(step))
            .await
            .map_err(|error| CommandError::Azure(error.to_string()))?;
        Ok(VerifyRecord::new(report))
    }

    /// Creates the attendee's schema group in the chosen subscription, or changes its mode.
    pub(crate) async fn put_schema_group(
        &self,
        choice: &AzureChoice,
        attendee: &Attendee,
        compatibility: Compatibility,
    ) -> Result<(), CommandError> {
        let (client, target) = self.client(choice).await?;
        provision::put_schema_group(&client, target, TargetKind::Azure, attendee, compatibility)
            .await
    }

    /// Deletes the attendee's schema group in the chosen subscription.
    pub(crate) async fn delete_schema_group(
        &self,
        choice: &AzureChoice,
        attendee: &Attendee,
    ) -> Result<(), CommandError> {
        let (client, _) = self.client(choice).await?;
        provision::delete_schema_group(&client, attendee).await
    }

    /// Returns the credential of `choice`: the one made at sign-in, or, after the app
    /// restarted, a new one for the Azure CLI or a service principal. A device code sign-in
    /// needs the attendee, so it happens only on the Target page.
    pub(crate) async fn credential(
        &self,
        choice: &AzureChoice,
    ) -> Result<Arc<dyn TokenCredential>, CommandError> {
        let mut signed_in = self.signed_in.lock().await;
        if let Some(current) = signed_in.as_ref() {
            if current.way == choice.way() {
                return Ok(current.credential.clone());
            }
        }
        if choice.method == SignInMethod::DeviceCode {
            return Err(CommandError::AzureNotSignedIn);
        }
        let credential = self.credential_for(choice, Arc::new(|_: &str| {}))?;
        *signed_in = Some(SignedIn {
            way: choice.way(),
            credential: credential.clone(),
        });
        Ok(credential)
    }

    fn credential_for(
        &self,
        choice: &AzureChoice,
        prompt: Arc<dyn Fn(&str) + Send + Sync>,
    ) -> Result<Arc<dyn TokenCredential>, CommandError> {
        let sign_in = match choice.method {
            SignInMethod::AzureCli => SignIn::AzureCli {
                tenant: choice.tenant(),
            },
            SignInMethod::DeviceCode => SignIn::DeviceCode {
                tenant: choice
                    .tenant()
                    .unwrap_or_else(|| ANY_ORGANIZATION.to_string()),
                client_id: choice
                    .client_id()
                    .unwrap_or_else(|| AZURE_CLI_CLIENT_ID.to_string()),
            },
            SignInMethod::ServicePrincipal => {
                let tenant = choice
                    .tenant()
                    .ok_or(CommandError::MissingSignInField { field: "tenant" })?;
                let client_id = choice.client_id().ok_or(CommandError::MissingSignInField {
                    field: "application (client) id",
                })?;
                let secret = (self.keychain)()?
                    .read(CLIENT_SECRET_ENTRY)
                    .map_err(|error| CommandError::Keychain(error.to_string()))?
                    .ok_or(CommandError::MissingClientSecret)?;
                SignIn::ServicePrincipal {
                    tenant,
                    client_id,
                    secret,
                }
            }
        };
        signin::credential(&sign_in, prompt).map_err(|error| sign_in_failure(choice.method, &error))
    }
}

/// Describes a failed sign-in with the fix for its method.
fn sign_in_failure(method: SignInMethod, error: &control::Error) -> CommandError {
    // The credential's own advice names only `az login`, so its reason is kept without it.
    let detail = error.problem();
    let fix = match method.into_control().fault(error) {
        SignInFault::AzureCliMissing => {
            "the Azure CLI (`az`) is not installed on this computer: install it and run `az \
             login`, or choose Device code on the Target page"
        }
        SignInFault::AzureCliSignedOut => {
            "the Azure CLI has no signed-in account for this tenant: run `az login` in a \
             terminal (with `--tenant` for another tenant), then press Sign in again"
        }
        SignInFault::ServicePrincipalRejected => {
            "check the tenant, the application (client) id and the client secret, and type the \
             secret again if it changed"
        }
        SignInFault::Unreachable => {
            "check this computer's network connection to Azure, then press Sign in again, or \
             choose Local above, which needs no network"
        }
        SignInFault::Other => "press Sign in again",
    };
    CommandError::AzureSignIn {
        fix: fix.to_string(),
        detail,
    }
}

impl AzureTarget {
    /// Lists everything a teardown of the attendee's namespace deletes in the chosen
    /// subscription.
    pub(crate) async fn teardown_preview(
        &self,
        choice: &AzureChoice,
        attendee: &Attendee,
    ) -> Result<TeardownPreview, CommandError> {
        let (client, _) = self.client(choice).await?;
        let plan = course::plan(attendee);
        let survey = teardown::survey(&client, &plan)
            .await
            .map_err(|error| CommandError::TeardownSurvey(error.to_string()))?;
        Ok(TeardownPreview {
            groups: teardown_view::group_deletions(&plan, &survey),
            purged_vaults: survey.purges.clone(),
            refusals: survey
                .refusals
                .iter()
                .map(|refusal| refusal.reason.clone())
                .collect(),
            ..TeardownPreview::empty(attendee)
        })
    }

    /// Deletes everything of the attendee's namespace in the chosen subscription once
    /// `confirmation` is the namespace, purges its key vaults, and checks that nothing of it is
    /// left.
    pub(crate) async fn teardown(
        &self,
        choice: &AzureChoice,
        attendee: &Attendee,
        confirmation: &str,
        progress: impl Fn(ProgressEvent),
    ) -> Result<TeardownRecord, CommandError> {
        teardown_view::check_confirmation(attendee, confirmation)?;
        let (client, _) = self.client(choice).await?;
        let plan = course::plan(attendee);
        let survey = teardown::survey(&client, &plan)
            .await
            .map_err(|error| CommandError::TeardownSurvey(error.to_string()))?;
        let outcome = teardown_view::run_execute(&client, &plan, &survey, progress).await;
        let mut record = TeardownRecord::new(&outcome);
        if record.failures.is_empty() {
            let again = teardown::survey(&client, &plan)
                .await
                .map_err(|error| CommandError::TeardownSurvey(error.to_string()))?;
            record.left_over = again
                .deletions
                .iter()
                .map(|deletion| format!("{} `{}` still exists", deletion.title, deletion.name))
                .chain(
                    again
                        .purges
                        .iter()
                        .map(|vault| format!("key vault `{vault}` is deleted but not purged")),
                )
                .collect();
        }
        record.log(attendee, TargetKind::Azure);
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use control::local::{LocalOptions, LocalResourceManager};
    use control::session::Session;
    use course::{Environment, Region};

    fn dgrf() -> Attendee {
        Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap()
    }

    /// Starts a Resource Manager on 127.0.0.1 that speaks Azure's REST protocol, and an Azure
    /// target pointed at it and signed in with its token.
    async fn signed_in(
        folder: &std::path::Path,
    ) -> (LocalResourceManager, AzureTarget, AzureChoice) {
        let keychain = Keychain::in_memory();
        let effects = Arc::new(Session::recorded_effects(folder).unwrap());
        let server =
            LocalResourceManager::start(folder, keychain.clone(), effects, LocalOptions::default())
                .await
                .unwrap();
        let target = AzureTarget::with_endpoint(server.url(), move || Ok(keychain.clone()));
        let mut choice = AzureChoice::default();
        let subscriptions = target.connect(&choice, server.credential()).await.unwrap();
        assert_eq!(subscriptions.len(), 1);
        let check = target
            .choose_subscription(&choice, &subscriptions[0].id)
            .await
            .unwrap();
        assert_eq!(check.problems, Vec::new());
        assert_eq!(check.needed.len(), 3);
        choice.subscription = Some(check.subscription);
        (server, target, choice)
    }

    #[test]
    fn apply_verify_and_teardown_through_resource_manager() {
        let folder = tempfile::tempdir().unwrap();
        tauri::async_runtime::block_on(async {
            let (server, target, choice) = signed_in(folder.path()).await;
            let applied = target
                .apply(&choice, &dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            assert_eq!(applied.failure, None);
            assert_eq!(applied.created, 10);
            let verified = target
                .verify(&choice, &dgrf(), StepId::ResourceGroups)
                .await
                .unwrap();
            assert_eq!((verified.checked, verified.findings.len()), (10, 0));

            let preview = target.teardown_preview(&choice, &dgrf()).await.unwrap();
            assert_eq!(preview.groups.len(), 10);
            assert!(preview.local_data.is_empty());
            let unconfirmed = target.teardown(&choice, &dgrf(), "dgr", |_| {}).await;
            assert!(matches!(
                unconfirmed,
                Err(CommandError::NotConfirmed { .. })
            ));

            let record = target
                .teardown(&choice, &dgrf(), "dgrf", |_| {})
                .await
                .unwrap();
            assert_eq!(record.failures, Vec::<String>::new());
            assert_eq!(record.deleted, 10);
            assert_eq!(record.left_over, Vec::<String>::new());
            server.stop().await.unwrap();
        });
    }

    #[test]
    fn databricks_needs_its_provider_registered() {
        let folder = tempfile::tempdir().unwrap();
        tauri::async_runtime::block_on(async {
            let (server, target, mut choice) = signed_in(folder.path()).await;
            choice.with_databricks = true;
            let applied = target
                .apply(&choice, &dgrf(), StepId::ResourceGroups, |_| {})
                .await
                .unwrap();
            assert_eq!(applied.failure, None);

            // The Resource Manager on 127.0.0.1 reports Microsoft.Databricks as not registered.
            let error = target
                .apply(&choice, &dgrf(), StepId::SharedPlatform, |_| {})
                .await
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("Microsoft.Databricks is NotRegistered"),
                "{error}"
            );
            assert!(
                error.contains("az provider register --namespace Microsoft.Databricks"),
                "{error}"
            );
            server.stop().await.unwrap();
        });
    }

    #[test]
    fn unknown_subscription_names_available_ones() {
        let folder = tempfile::tempdir().unwrap();
        tauri::async_runtime::block_on(async {
            let (server, target, choice) = signed_in(folder.path()).await;
            let error = target
                .choose_subscription(&choice, "00000000-0000-0000-0000-000000000000")
                .await
                .unwrap_err()
                .to_string();
            assert!(error.contains("is not available"), "{error}");
            assert!(error.contains(&choice.subscription.unwrap().id), "{error}");
            server.stop().await.unwrap();
        });
    }

    #[test]
    fn steps_need_chosen_subscription() {
        let folder = tempfile::tempdir().unwrap();
        tauri::async_runtime::block_on(async {
            let (server, target, mut choice) = signed_in(folder.path()).await;
            choice.subscription = None;
            let error = target
                .verify(&choice, &dgrf(), StepId::ResourceGroups)
                .await
                .unwrap_err();
            assert!(matches!(error, CommandError::NoSubscription), "{error}");
            server.stop().await.unwrap();
        });
    }

    #[test]
    fn device_code_sign_in_is_not_repeated_silently() {
        let target = AzureTarget::with_endpoint("http://127.0.0.1:9", || Ok(Keychain::in_memory()));
        let choice = AzureChoice {
            method: SignInMethod::DeviceCode,
            ..AzureChoice::default()
        };
        let Err(error) = tauri::async_runtime::block_on(target.credential(&choice)) else {
            panic!("a device code credential was made without the attendee");
        };
        assert!(matches!(error, CommandError::AzureNotSignedIn), "{error}");
    }

    #[test]
    fn sign_in_failure_names_fix_for_method() {
        let missing = control::Error::Credential(
            "AzureCliCredential authentication failed. az not found on PATH".to_string(),
        );
        let message = sign_in_failure(SignInMethod::AzureCli, &missing).to_string();
        assert!(
            message.contains("is not installed on this computer"),
            "{message}"
        );
        assert!(message.ends_with("az not found on PATH"), "{message}");

        let expired = control::Error::Credential("AADSTS700082: the token expired".to_string());
        let message = sign_in_failure(SignInMethod::AzureCli, &expired).to_string();
        assert!(message.contains("run `az login`"), "{message}");
        let message = sign_in_failure(SignInMethod::ServicePrincipal, &expired).to_string();
        assert!(message.contains("client secret"), "{message}");
    }

    #[test]
    fn service_principal_needs_tenant_client_and_secret() {
        let keychain = Keychain::in_memory();
        let stored = keychain.clone();
        let target = AzureTarget::with_endpoint("http://127.0.0.1:9", move || Ok(stored.clone()));
        let mut choice = AzureChoice {
            method: SignInMethod::ServicePrincipal,
            ..AzureChoice::default()
        };
        let attempt = |choice: &AzureChoice| {
            tauri::async_runtime::block_on(target.credential(choice))
                .err()
                .map(|error| error.to_string())
        };
        assert_eq!(
            attempt(&choice).unwrap(),
            "a service principal sign-in needs the tenant: fill it in on the Target page"
        );
        choice.tenant = "contoso.onmicrosoft.com".to_string();
        assert!(attempt(&choice)
            .unwrap()
            .contains("application (client) id"));
        choice.client_id = "11111111-2222-3333-4444-555555555555".to_string();
        assert!(attempt(&choice)
            .unwrap()
            .contains("no client secret is stored"));

        keychain
            .write(CLIENT_SECRET_ENTRY, &Secret::new("s3cret"))
            .unwrap();
        assert_eq!(attempt(&choice), None);
    }
}
