//! The flow on an applied namespace of the Local target, reached the way an Azure engineer
//! reaches it. The hubs' connection strings come from ARM `listKeys` on their hub-level `send`
//! and `listen` rules, the schema group is used through the registry's REST API, and the
//! capture settings are read from the hub resource.
//!
//! - [`local_flow`]: everything [`crate::start_flow`] needs for an attendee's broker
//!   namespace, with the flow's state in the data directory.
//! - [`set_capture_window`]: changes a hub's capture time window with a PUT of the hub.
//! - [`apply_timing`]: the course's timers, or demo timing with capture windows of a few
//!   seconds on the local broker only.
//! - [`RunRecord`]: the seed and customer count the flow's state was created with, so a
//!   second run resumes only with the same settings.
//!
//! Files live where the Local target keeps each resource's data:
//!
//! | what | folder |
//! |---|---|
//! | team stores, checkpoints, leads-sold files, run record | `{data_dir}/flow/{namespace}/` |
//! | data lake files | the lake account's `lake` container folder |
//! | capture files of `lead` | the capture account's `lead` container folder |

mod applied;
mod capture_window;
mod run_record;
mod timing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use broker::secret::Secret as BrokerSecret;
use control::local::{CONTROL_FOLDER, STORAGE_FOLDER};
use course::{Attendee, ResourceKind, StepId};
use local::LocalStack;
use registry::client::RegistryClient;
use registry::serializer::Serializer;
use serde_json::Value;

use crate::events::EventCodec;
use crate::run::{reset_flow_state, start_flow, FlowHandle};
use crate::services::partner::CaptureClock;
use crate::setup::{FlowConfig, FlowError};
use crate::transport::azeventhubs::{AzEventHubsTransport, HubConnections};
use crate::transport::EventTransport;

pub use applied::apply_command;
pub use capture_window::{set_capture_window, CaptureWindowChange, CAPTURE_WINDOW_SECONDS};
pub use run_record::{claim_state, RunRecord, RunRecordError, StateStart, RUN_RECORD_FILE};
pub use timing::{apply_timing, FlowTiming, DEMO_CAPTURE_WINDOW, DEMO_PARTNER_INTERVAL};

/// The folder below the data directory that contains one flow state folder per namespace.
pub const FLOW_FOLDER: &str = "flow";

/// The hub whose capture files the partner builds leads-sold files from.
pub const CAPTURED_HUB: &str = "lead";

/// The lake container of the data lake account, as the plan names it.
const LAKE_CONTAINER: &str = "lake";

/// How long the registry's bearer token of one flow stays valid. The local registry issues
/// tokens in-process and the client does not renew them, so a flow open for longer than this
/// fails to register or read schemas it has not cached.
const REGISTRY_TOKEN_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// A failure to prepare the flow on a namespace of the Local target.
#[derive(Debug, thiserror::Error)]
pub enum LocalTargetError {
    /// A resource of the plan does not exist yet.
    #[error(
        "the {resource} does not exist yet: apply step {number} ({step}) with `{command}`",
        number = .step.number()
    )]
    NotApplied {
        /// The resource's role and name in the plan, such as "hub `lead`".
        resource: String,
        /// The step that creates it.
        step: StepId,
        /// Every step, in plan order, that misses a resource the flow uses; the first is `step`.
        missing_steps: Vec<StepId>,
        /// The command that applies the step.
        command: String,
    },
    /// The local Resource Manager rejected a request or could not be reached.
    #[error("the local Resource Manager failed: {0}")]
    ResourceManager(#[from] control::Error),
    /// `listKeys` of a hub's rule failed, most often because the rule's keys are not in the
    /// keychain of this session.
    #[error(
        "reading the keys of rule `{rule}` of hub `{hub}` failed: the Resource Manager \
         returned {status} for listKeys: {message}; if the rule's keys are not in this \
         keychain, such as after `apply` ran in another keychain session, run `{command}` \
         again"
    )]
    RuleKeys {
        /// The hub.
        hub: String,
        /// The rule, `send` or `listen`.
        rule: String,
        /// The HTTP status.
        status: u16,
        /// The Resource Manager's message.
        message: String,
        /// The command that applies every step.
        command: String,
    },
    /// The namespace's broker did not take the demo capture window.
    #[error(transparent)]
    Broker(#[from] control::local::EffectError),
    /// The hub's capture is off or names no container, so no leads-sold file can be built.
    #[error(
        "hub `{hub}` does not capture into a storage container ({reason}): apply step 4 \
         (publishers) again with `{command}`"
    )]
    NoCapture {
        /// The hub.
        hub: String,
        /// The missing part of its capture settings.
        reason: String,
        /// The command that applies the publishers step.
        command: String,
    },
    /// The requested capture window is outside Azure's range.
    #[error("a capture window of {seconds} s is out of range: use 60 to 900 s")]
    CaptureWindowOutOfRange {
        /// The requested window, in seconds.
        seconds: u32,
    },
    /// The hub is not one of the plan's hubs.
    #[error("hub `{hub}` is not a hub of the plan: use customer, lead, lead_abandoned, sale, lead_purchased or parked")]
    UnknownHub {
        /// The requested hub.
        hub: String,
    },
    /// The schema registry client cannot be built.
    #[error("cannot build the schema registry client: {0}")]
    Registry(String),
}

/// Everything [`start_flow`] needs to run the flow on one attendee's broker namespace.
#[derive(Debug, Clone)]
pub struct LocalFlow {
    /// The broker namespace, such as `dv-events001-ehns-eun-dgrf`.
    pub namespace: String,
    /// Event Hubs over the hubs' `send` and `listen` connection strings.
    pub transport: Arc<dyn EventTransport>,
    /// The codec over the stack's schema registry, in the plan's schema group.
    pub codec: EventCodec,
    /// The settings, with the course's defaults and the folders in the data directory; the
    /// capture window is the `lead` hub's as ARM returns it.
    pub config: FlowConfig,
}

impl LocalFlow {
    /// Starts the flow with [`LocalFlow::config`].
    pub async fn start(&self) -> Result<FlowHandle, FlowError> {
        start_flow(
            self.config.clone(),
            self.transport.clone(),
            self.codec.clone(),
        )
        .await
    }

    /// Deletes the flow's state (stores, lake files, leads-sold files and the run record) and
    /// moves every consumer group to the end of every partition, as [`reset_flow_state`]
    /// does. The flow must not be running.
    pub async fn reset(&self) -> Result<(), FlowError> {
        reset_flow_state(&self.config, self.transport.as_ref()).await?;
        RunRecord::remove(&self.config.data_folder).map_err(|error| FlowError::Folder {
            path: self.config.data_folder.join(RUN_RECORD_FILE),
            source: error,
        })
    }
}

/// Prepares the flow on the attendee's broker namespace of a running [`LocalStack`].
///
/// Every resource the flow uses must be applied: resource groups, the broker namespace, the
/// storage accounts with the lake and capture containers, the schema group, the hubs with
/// their `send` and `listen` rules, and the consumer groups. The first one missing, in plan
/// order, is named in [`LocalTargetError::NotApplied`] with the `eda-workshop apply` command
/// of its step. Connection strings come from ARM `listKeys`, never from the broker itself.
///
/// ```no_run
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use course::{Attendee, Environment, Region};
/// use flow::local_target::local_flow;
/// use local::LocalStack;
///
/// let keychain = control::secrets::Keychain::os()?;
/// let stack = LocalStack::start(std::path::Path::new("/tmp/eda"), keychain).await?;
/// let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe())?;
///
/// let mut prepared = local_flow(&stack, &attendee).await?;
/// prepared.config.customers = Some(30);
/// let handle = prepared.start().await?;
/// let report = handle.report().await?;
/// println!("{} customers so far", report.customers);
/// handle.stop().await;
/// stack.stop().await;
/// # Ok(()) }
/// ```
pub async fn local_flow(
    stack: &LocalStack,
    attendee: &Attendee,
) -> Result<LocalFlow, LocalTargetError> {
    let plan = course::plan(attendee);
    let client = stack.resource_manager().client()?;
    let applied = applied::check(&client, &plan).await?;

    let mut hubs = BTreeMap::new();
    for hub in course::flow::HUBS.iter() {
        let connections =
            hub_connections(&client, &applied.namespace_id, hub.name, attendee).await?;
        hubs.insert(hub.name.to_owned(), connections);
    }
    let transport: Arc<dyn EventTransport> = Arc::new(AzEventHubsTransport::new(hubs));

    let lead = applied
        .hubs
        .get(CAPTURED_HUB)
        .expect("the applied check read every hub of the flow");
    let capture = capture_of(stack.data_dir(), lead, attendee)?;

    let codec = codec(stack)?;
    let data_folder = stack.data_dir().join(FLOW_FOLDER).join(&applied.namespace);
    let lake_folder = storage_root(stack.data_dir())
        .join(&applied.lake_account)
        .join(LAKE_CONTAINER);
    let mut config = FlowConfig::new(data_folder, lake_folder, capture.folder);
    config.capture_window = Duration::from_secs(capture.interval_seconds);
    let (effects, namespace) = (Arc::clone(stack.effects()), applied.namespace.clone());
    config.capture_clock = Some(CaptureClock::new(move || {
        effects.next_capture_close_ms(&namespace, CAPTURED_HUB)
    }));
    tracing::info!(
        namespace = %applied.namespace,
        capture_window_seconds = capture.interval_seconds,
        "the flow's namespace is applied"
    );

    Ok(LocalFlow {
        namespace: applied.namespace,
        transport,
        codec,
        config,
    })
}

/// Reads the primary connection strings of a hub's `send` and `listen` rules with `listKeys`.
async fn hub_connections(
    client: &control::arm::ArmClient,
    namespace_id: &str,
    hub: &str,
    attendee: &Attendee,
) -> Result<HubConnections, LocalTargetError> {
    let rule = |name: &str| format!("{namespace_id}/eventhubs/{hub}/authorizationRules/{name}");
    let send = primary_connection_string(client, &rule("send"))
        .await
        .map_err(|error| rule_keys_error(error, hub, "send", attendee))?;
    let listen = primary_connection_string(client, &rule("listen"))
        .await
        .map_err(|error| rule_keys_error(error, hub, "listen", attendee))?;
    Ok(HubConnections { send, listen })
}

/// Reads a rule's primary connection string with one `listKeys` request. The client's own
/// `list_keys` goes through `azure_mgmt_eventhub`, which retries a failed request with
/// growing waits, while the local Resource Manager fails `listKeys` only for reasons that
/// a retry cannot fix, such as a keychain without the rule's keys.
async fn primary_connection_string(
    client: &control::arm::ArmClient,
    rule_id: &str,
) -> Result<BrokerSecret<String>, control::Error> {
    let keys = client
        .post_path(&format!("{rule_id}/listKeys"), control::arm::api::EVENT_HUB)
        .await?;
    let connection_string = keys["primaryConnectionString"].as_str().ok_or_else(|| {
        control::Error::InvalidResponse {
            id: rule_id.to_owned(),
            reason: "listKeys returned no `primaryConnectionString`".to_owned(),
        }
    })?;
    Ok(BrokerSecret::new(connection_string.to_owned()))
}

/// Builds the error for a rule whose keys `listKeys` did not return. A response with an error
/// status becomes [`LocalTargetError::RuleKeys`], with `apply` as the fix.
fn rule_keys_error(
    error: control::Error,
    hub: &str,
    rule: &str,
    attendee: &Attendee,
) -> LocalTargetError {
    match error {
        control::Error::Arm {
            status, message, ..
        } => LocalTargetError::RuleKeys {
            hub: hub.to_owned(),
            rule: rule.to_owned(),
            status,
            message,
            command: applied::apply_all_command(attendee),
        },
        other => LocalTargetError::ResourceManager(other),
    }
}

/// A hub's capture folder and time window.
#[derive(Debug)]
struct HubCapture {
    folder: PathBuf,
    interval_seconds: u64,
}

/// Azure's capture time window when a hub's capture names none, in seconds.
const DEFAULT_CAPTURE_INTERVAL_SECONDS: u64 = 300;

/// Reads the capture container folder and window from a hub resource as ARM returns it.
fn capture_of(
    data_dir: &Path,
    hub: &Value,
    attendee: &Attendee,
) -> Result<HubCapture, LocalTargetError> {
    let no_capture = |reason: &str| LocalTargetError::NoCapture {
        hub: CAPTURED_HUB.to_owned(),
        reason: reason.to_owned(),
        command: apply_command(attendee, StepId::Publishers),
    };
    let description = &hub["properties"]["captureDescription"];
    if !description["enabled"].as_bool().unwrap_or(false) {
        return Err(no_capture("capture is off"));
    }
    let destination = &description["destination"]["properties"];
    let account = destination["storageAccountResourceId"]
        .as_str()
        .and_then(|id| id.rsplit_once("/storageAccounts/"))
        .map(|(_, name)| name.trim_end_matches('/'))
        .filter(|name| !name.is_empty() && !name.contains('/'))
        .ok_or_else(|| no_capture("no storage account"))?;
    let container = destination["blobContainer"]
        .as_str()
        .filter(|name| !name.is_empty())
        .ok_or_else(|| no_capture("no blob container"))?;
    let interval_seconds = description["intervalInSeconds"]
        .as_u64()
        .unwrap_or(DEFAULT_CAPTURE_INTERVAL_SECONDS);
    Ok(HubCapture {
        folder: storage_root(data_dir).join(account).join(container),
        interval_seconds,
    })
}

/// Returns the folder that contains one folder per storage account of the Local target.
fn storage_root(data_dir: &Path) -> PathBuf {
    data_dir.join(CONTROL_FOLDER).join(STORAGE_FOLDER)
}

/// Builds the codec over the stack's registry, over HTTPS trusting only the local CA.
fn codec(stack: &LocalStack) -> Result<EventCodec, LocalTargetError> {
    let registry = stack.registry();
    let token = registry.issue_token(REGISTRY_TOKEN_LIFETIME);
    let client = RegistryClient::local(&registry.endpoint(), registry.ca_certificate_pem(), token)
        .map_err(|error| LocalTargetError::Registry(error.to_string()))?;
    let serializer = Serializer::new(client, course::flow::SCHEMA_GROUP);
    Ok(EventCodec::new(Arc::new(serializer)))
}

/// Returns whether a kind of resource is one the flow uses.
fn used_by_flow(kind: ResourceKind) -> bool {
    matches!(
        kind,
        ResourceKind::ResourceGroup
            | ResourceKind::EventHubsNamespace
            | ResourceKind::AuthorizationRule
            | ResourceKind::EventHub
            | ResourceKind::ConsumerGroup
            | ResourceKind::SchemaGroup
            | ResourceKind::StorageAccount
            | ResourceKind::BlobContainer
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn attendee() -> Attendee {
        Attendee::new(
            "dgrf",
            course::Environment::Dv,
            course::Region::north_europe(),
        )
        .unwrap()
    }

    fn hub(capture: Value) -> Value {
        json!({ "properties": { "partitionCount": 4, "captureDescription": capture } })
    }

    /// Serves a Resource Manager on 127.0.0.1 that responds to every request with 500 and the
    /// message the local one sends for a keychain without the rule's keys. Returns its
    /// endpoint and a receiver of the request lines it received.
    async fn failing_resource_manager() -> (String, tokio::sync::mpsc::UnboundedReceiver<String>) {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (requests, received) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                reader.read_line(&mut request_line).await.unwrap();
                let mut content_length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).await.unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':') {
                        if name.eq_ignore_ascii_case("content-length") {
                            content_length = value.trim().parse().unwrap();
                        }
                    }
                }
                let mut body = vec![0; content_length];
                reader.read_exact(&mut body).await.unwrap();
                requests.send(request_line.trim().to_owned()).unwrap();
                let answer = r#"{"error":{"code":"InternalError","message":"the keychain has no key for rule `send`"}}"#;
                let response = format!(
                    "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                reader
                    .get_mut()
                    .write_all(response.as_bytes())
                    .await
                    .unwrap();
            }
        });
        (endpoint, received)
    }

    #[tokio::test]
    async fn missing_rule_keys_fail_without_retry() {
        let (endpoint, mut requests) = failing_resource_manager().await;
        let credential =
            control::credential::LocalCredential::new(control::Secret::new("token".to_owned()));
        let client = control::arm::ArmClient::new(&endpoint, "0000", Arc::new(credential)).unwrap();
        let namespace_id = "/resourceGroups/dv-events-broker-rg/providers/Microsoft.EventHub\
                            /namespaces/dv-events001-ehns-eun-dgrf";

        let answered = tokio::time::timeout(
            Duration::from_secs(10),
            hub_connections(&client, namespace_id, "customer", &attendee()),
        )
        .await
        .expect("listKeys fails at once instead of retrying");
        let error = answered.unwrap_err();

        assert_eq!(
            error.to_string(),
            "reading the keys of rule `send` of hub `customer` failed: the Resource Manager \
             returned 500 for listKeys: the keychain has no key for rule `send`; if the rule's \
             keys are not in this keychain, such as after `apply` ran in another keychain \
             session, run `eda-workshop apply --namespace dgrf` again"
        );
        let request = requests.recv().await.unwrap();
        assert_eq!(
            request,
            format!(
                "POST /subscriptions/0000{namespace_id}/eventhubs/customer/authorizationRules\
                 /send/listKeys?api-version=2024-01-01 HTTP/1.1"
            )
        );
        assert!(requests.try_recv().is_err(), "listKeys was sent once");
    }

    #[test]
    fn capture_folder_is_container_of_account() {
        let body = hub(json!({
            "enabled": true,
            "intervalInSeconds": 60,
            "destination": { "properties": {
                "storageAccountResourceId": "/subscriptions/0000/resourceGroups/dv-events-broker-rg\
                    /providers/Microsoft.Storage/storageAccounts/dvevents001saeundgrf",
                "blobContainer": "lead",
            }},
        }));
        let capture = capture_of(Path::new("/data"), &body, &attendee()).unwrap();
        assert_eq!(
            capture.folder,
            Path::new("/data/control/storage/dvevents001saeundgrf/lead")
        );
        assert_eq!(capture.interval_seconds, 60);
    }

    #[test]
    fn capture_off_names_publishers_step() {
        let body = hub(json!({ "enabled": false }));
        let error = capture_of(Path::new("/data"), &body, &attendee()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "hub `lead` does not capture into a storage container (capture is off): apply step \
             4 (publishers) again with `eda-workshop apply --namespace dgrf --step publishers`"
        );
    }

    #[test]
    fn capture_without_container_is_rejected() {
        let body = hub(json!({
            "enabled": true,
            "destination": { "properties": {
                "storageAccountResourceId": "/subscriptions/0000/resourceGroups/g/providers\
                    /Microsoft.Storage/storageAccounts/acct",
            }},
        }));
        let error = capture_of(Path::new("/data"), &body, &attendee()).unwrap_err();
        assert!(
            matches!(&error, LocalTargetError::NoCapture { reason, .. } if reason == "no blob container"),
            "{error}"
        );
    }
}
