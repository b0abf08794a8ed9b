//! The checks ARM and the Standard tier apply to a PUT, enforced locally with Azure's limits.

use course::export::ArmId;
use course::{validate_name, ResourceKind};
use serde_json::Value;

use super::handler::Server;
use super::kinds;
use super::reply::{internal, Reply, Step};
use super::store::{Row, Store};

/// Hubs per Standard namespace.
const MAX_HUBS: usize = 10;
/// Partitions per hub on the Standard tier.
const MAX_PARTITIONS: i64 = 32;
/// Retention on the Standard tier: 7 days.
const MAX_RETENTION_HOURS: i64 = 168;
/// Retention on the Standard tier in days, as `messageRetentionInDays` gives it.
const MAX_RETENTION_DAYS: i64 = MAX_RETENTION_HOURS / 24;
/// The retention of a hub created without one: the Standard tier's maximum.
pub(super) const DEFAULT_RETENTION_HOURS: u32 = 168;
/// Consumer groups per hub on the Standard tier, `$Default` included.
const MAX_CONSUMER_GROUPS: usize = 20;
/// Authorization rules per namespace.
const MAX_NAMESPACE_RULES: usize = 12;
/// Capture's time window, in seconds.
const CAPTURE_INTERVAL: std::ops::RangeInclusive<i64> = 60..=900;
/// Capture's size window: 10 MiB to 500 MiB.
const CAPTURE_SIZE: std::ops::RangeInclusive<i64> = 10_485_760..=524_288_000;

fn bad(code: &str, message: impl Into<String>) -> Reply {
    Reply::error(400, code, message)
}

fn text<'a>(body: &'a Value, pointer: &str) -> Option<&'a str> {
    body.pointer(pointer).and_then(Value::as_str)
}

fn number(body: &Value, pointer: &str) -> Option<i64> {
    body.pointer(pointer).and_then(Value::as_i64)
}

/// Checks a PUT body for its kind.
pub(crate) fn request(
    server: &Server,
    store: &Store,
    id: &str,
    type_key: &str,
    body: &Value,
    existing: Option<&Row>,
) -> Step<()> {
    let parsed = ArmId::parse(id).ok_or_else(|| bad("InvalidResourceId", format!("`{id}`")))?;
    let parent = parsed.parent().unwrap_or_default();
    name(type_key, parsed.name())?;
    property_types(body)?;
    match existing {
        None => globally_unique(store, type_key, parsed.name())?,
        Some(row) => same_location(row, body)?,
    }
    match type_key {
        kinds::RESOURCE_GROUP | kinds::STORAGE_ACCOUNT | kinds::VAULT | kinds::NAMESPACE
            if text(body, "/location").is_none() =>
        {
            Err(bad(
                "LocationRequired",
                "The location property is required for this resource.",
            ))
        }
        kinds::NAMESPACE => namespace(body),
        kinds::HUB => hub(server, store, &parent, parsed.name(), body, existing),
        kinds::CONSUMER_GROUP => {
            if parsed.name().len() > 50 {
                return Err(bad(
                    "InvalidConsumerGroupName",
                    "A consumer group name has at most 50 characters.",
                ));
            }
            let count = store
                .children(&parent, Some(kinds::CONSUMER_GROUP))
                .map_err(internal)?
                .len();
            if existing.is_none() && count >= MAX_CONSUMER_GROUPS {
                return Err(bad(
                    "QuotaExceeded",
                    format!("A Standard hub has at most {MAX_CONSUMER_GROUPS} consumer groups."),
                ));
            }
            Ok(())
        }
        kinds::NAMESPACE_RULE | kinds::HUB_RULE => {
            rights(body)?;
            if type_key == kinds::NAMESPACE_RULE && existing.is_none() {
                let count = store
                    .children(&parent, Some(kinds::NAMESPACE_RULE))
                    .map_err(internal)?
                    .len();
                if count >= MAX_NAMESPACE_RULES {
                    return Err(bad(
                        "QuotaExceeded",
                        format!(
                            "A namespace has at most {MAX_NAMESPACE_RULES} authorization rules."
                        ),
                    ));
                }
            }
            Ok(())
        }
        kinds::SCHEMA_GROUP => schema_group(store, &parent, body, existing),
        kinds::STORAGE_ACCOUNT
            if text(body, "/kind").is_none() || text(body, "/sku/name").is_none() =>
        {
            Err(bad(
                "MissingRequiredProperty",
                "A storage account needs `kind` and `sku.name`.",
            ))
        }
        "microsoft.storage/storageaccounts/blobservices"
        | "microsoft.storage/storageaccounts/managementpolicies"
            if !parsed.name().eq_ignore_ascii_case("default") =>
        {
            Err(bad(
                "InvalidResourceName",
                "The only name allowed here is `default`.",
            ))
        }
        kinds::VAULT => vault(store, parsed.name(), body),
        kinds::SECRET => secret(body, existing),
        kinds::LOCK => match text(body, "/properties/level") {
            Some("CanNotDelete") | Some("ReadOnly") => Ok(()),
            _ => Err(bad(
                "InvalidLockLevel",
                "A lock's `properties.level` is `CanNotDelete` or `ReadOnly`.",
            )),
        },
        kinds::DATABRICKS => Err(bad(
            "NotEmulatedLocally",
            "Databricks workspaces are not emulated on the Local target; apply the Databricks \
             workspace on Azure, where it bills while it exists.",
        )),
        _ => {
            let _ = server;
            Ok(())
        }
    }
}

/// Key Vault's limit on a secret's value: 25 KB.
const MAX_SECRET_BYTES: usize = 25 * 1024;

fn secret(body: &Value, existing: Option<&Row>) -> Step<()> {
    match body.pointer("/properties/value") {
        None | Some(Value::Null) if existing.is_some() => Ok(()),
        None | Some(Value::Null) => Err(bad(
            "MissingRequiredProperty",
            "A new secret needs `properties.value`.",
        )),
        Some(Value::String(value)) if value.len() > MAX_SECRET_BYTES => Err(bad(
            "BadParameter",
            format!(
                "A secret's value is at most {MAX_SECRET_BYTES} bytes; this one has {}.",
                value.len()
            ),
        )),
        Some(Value::String(_)) => Ok(()),
        Some(_) => Err(bad(
            "InvalidRequestContent",
            "A secret's `properties.value` must be a string.",
        )),
    }
}

/// Maps each type whose names Azure restricts to its kind in the course.
fn resource_kind(type_key: &str) -> Option<ResourceKind> {
    Some(match type_key {
        kinds::RESOURCE_GROUP => ResourceKind::ResourceGroup,
        kinds::NAMESPACE => ResourceKind::EventHubsNamespace,
        kinds::NAMESPACE_RULE | kinds::HUB_RULE => ResourceKind::AuthorizationRule,
        kinds::HUB => ResourceKind::EventHub,
        kinds::CONSUMER_GROUP => ResourceKind::ConsumerGroup,
        kinds::SCHEMA_GROUP => ResourceKind::SchemaGroup,
        kinds::STORAGE_ACCOUNT => ResourceKind::StorageAccount,
        kinds::CONTAINER => ResourceKind::BlobContainer,
        kinds::VAULT => ResourceKind::KeyVault,
        kinds::SECRET => ResourceKind::KeyVaultSecret,
        _ => return None,
    })
}

/// Rejects a name that breaks Azure's rule for its type, as ARM does before anything is
/// created. Storage account and container names also become folder names, so the rule keeps
/// every path inside the storage folder.
fn name(type_key: &str, name: &str) -> Step<()> {
    // Azure's own consumer group, which every hub has.
    if type_key == kinds::CONSUMER_GROUP && name.eq_ignore_ascii_case("$Default") {
        return Ok(());
    }
    let Some(kind) = resource_kind(type_key) else {
        return Ok(());
    };
    validate_name(kind, name).map_err(|error| {
        // The codes ARM and the resource providers return for an invalid name.
        let code = match kind {
            ResourceKind::ResourceGroup => "InvalidResourceGroup",
            ResourceKind::StorageAccount => "AccountNameInvalid",
            ResourceKind::KeyVault => "VaultNameNotValid",
            _ => "InvalidResourceName",
        };
        bad(code, format!("{error}."))
    })
}

/// Rejects a new namespace, storage account or key vault whose name another resource group
/// already uses: these names are global in Azure (they become host names), and here the
/// broker's and the storage's folders are named after them.
fn globally_unique(store: &Store, type_key: &str, name: &str) -> Step<()> {
    let (code, what) = match type_key {
        kinds::NAMESPACE => ("NamespaceNameInUse", "An Event Hubs namespace"),
        kinds::STORAGE_ACCOUNT => ("StorageAccountAlreadyTaken", "A storage account"),
        kinds::VAULT => ("VaultAlreadyExists", "A key vault"),
        _ => return Ok(()),
    };
    let rows = store.tree("").map_err(internal)?;
    let holder = rows.iter().find(|row| {
        row.type_key == type_key
            && ArmId::parse(&row.id).is_some_and(|parsed| parsed.name().eq_ignore_ascii_case(name))
    });
    match holder {
        Some(row) => Err(Reply::error(
            409,
            code,
            format!(
                "{what} named `{name}` already exists ({}), and the name must be unique across \
                 Azure: choose another name, or use the existing resource.",
                row.id
            ),
        )),
        None => Ok(()),
    }
}

/// Rejects an update that moves a resource to another location, which Azure does not do: a
/// resource is created again to live elsewhere.
fn same_location(existing: &Row, body: &Value) -> Step<()> {
    let (Some(current), Some(requested)) =
        (text(&existing.body, "/location"), text(body, "/location"))
    else {
        return Ok(());
    };
    let normalized = |location: &str| location.replace(' ', "").to_ascii_lowercase();
    if normalized(current) == normalized(requested) {
        return Ok(());
    }
    Err(Reply::error(
        409,
        "InvalidResourceLocation",
        format!(
            "The resource `{}` already exists in location `{current}`, and a resource cannot \
             move to `{requested}`: keep `{current}`, or delete the resource and create it \
             there.",
            existing.id
        ),
    ))
}

/// The properties that must be JSON integers when present.
const INTEGER_PROPERTIES: [&str; 8] = [
    "/sku/capacity",
    "/properties/maximumThroughputUnits",
    "/properties/partitionCount",
    "/properties/messageRetentionInDays",
    "/properties/retentionDescription/retentionTimeInHours",
    "/properties/retentionDescription/tombstoneRetentionTimeInHours",
    "/properties/captureDescription/intervalInSeconds",
    "/properties/captureDescription/sizeLimitInBytes",
];
/// The properties that must be JSON booleans when present.
const BOOLEAN_PROPERTIES: [&str; 6] = [
    "/properties/isAutoInflateEnabled",
    "/properties/kafkaEnabled",
    "/properties/zoneRedundant",
    "/properties/disableLocalAuth",
    "/properties/captureDescription/enabled",
    "/properties/captureDescription/skipEmptyArchives",
];
/// The properties that must be JSON strings when present.
const STRING_PROPERTIES: [&str; 6] = [
    "/location",
    "/properties/userMetadata",
    "/properties/retentionDescription/cleanupPolicy",
    "/properties/captureDescription/encoding",
    "/properties/captureDescription/destination/properties/archiveNameFormat",
    "/properties/captureDescription/destination/properties/blobContainer",
];
/// The properties that must be JSON objects when present.
const OBJECT_PROPERTIES: [&str; 5] = [
    "/sku",
    "/properties",
    "/properties/retentionDescription",
    "/properties/captureDescription",
    "/properties/captureDescription/destination",
];

/// Rejects a property of the wrong JSON type, such as `"partitionCount": "4"`, which would
/// otherwise be stored as given and read as absent.
fn property_types(body: &Value) -> Step<()> {
    let wrong = |pointer: &str, expected: &str| {
        let name = pointer.trim_start_matches('/').replace('/', ".");
        bad(
            "InvalidRequestContent",
            format!(
                "The request content was invalid: `{name}` must be {expected}, not {}.",
                body.pointer(pointer)
                    .map_or_else(String::new, Value::to_string)
            ),
        )
    };
    for pointer in INTEGER_PROPERTIES {
        match body.pointer(pointer) {
            None | Some(Value::Null) => {}
            Some(value) if value.is_i64() => {}
            Some(_) => return Err(wrong(pointer, "an integer")),
        }
    }
    for pointer in BOOLEAN_PROPERTIES {
        match body.pointer(pointer) {
            None | Some(Value::Null) | Some(Value::Bool(_)) => {}
            Some(_) => return Err(wrong(pointer, "true or false")),
        }
    }
    for pointer in STRING_PROPERTIES {
        match body.pointer(pointer) {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(_) => return Err(wrong(pointer, "a string")),
        }
    }
    for pointer in OBJECT_PROPERTIES {
        match body.pointer(pointer) {
            None | Some(Value::Null) | Some(Value::Object(_)) => {}
            Some(_) => return Err(wrong(pointer, "a JSON object")),
        }
    }
    Ok(())
}

fn namespace(body: &Value) -> Step<()> {
    match text(body, "/sku/name") {
        Some("Basic") | Some("Standard") | Some("Premium") => {}
        _ => {
            return Err(bad(
                "InvalidSku",
                "A namespace's `sku.name` is `Basic`, `Standard` or `Premium`.",
            ))
        }
    }
    if let Some(capacity) = number(body, "/sku/capacity") {
        if !(1..=40).contains(&capacity) {
            return Err(bad("InvalidCapacity", "A namespace's capacity is 1 to 40."));
        }
    }
    Ok(())
}

fn hub(
    server: &Server,
    store: &Store,
    namespace: &str,
    hub_name: &str,
    body: &Value,
    existing: Option<&Row>,
) -> Step<()> {
    let partitions = number(body, "/properties/partitionCount").unwrap_or(1);
    if !(1..=MAX_PARTITIONS).contains(&partitions) {
        return Err(bad(
            "InvalidPartitionCount",
            format!("A Standard hub has 1 to {MAX_PARTITIONS} partitions; {partitions} was asked."),
        ));
    }
    if let Some(row) = existing {
        // A hub created without a count has 1 partition, as the broker creates it.
        let current = number(&row.body, "/properties/partitionCount").unwrap_or(1);
        if current != partitions {
            return Err(bad(
                "InvalidPartitionCount",
                format!(
                    "The partition count of a hub on the Standard tier cannot change once it \
                     exists ({current} now, {partitions} asked): delete the hub and create it \
                     again."
                ),
            ));
        }
    } else {
        let hubs = store
            .children(namespace, Some(kinds::HUB))
            .map_err(internal)?
            .len();
        if hubs >= MAX_HUBS {
            return Err(bad(
                "QuotaExceeded",
                format!("A Standard namespace has at most {MAX_HUBS} hubs."),
            ));
        }
    }
    retention(body)?;
    let namespace_name = namespace.rsplit('/').next().unwrap_or(namespace);
    capture(server, store, namespace_name, hub_name, body)
}

/// Checks a hub's retention, which a PUT gives in hours (`retentionDescription`), in days
/// (`messageRetentionInDays`, the older property), or both.
fn retention(body: &Value) -> Step<()> {
    let hours = number(body, HOURS_POINTER);
    let days = number(body, DAYS_POINTER);
    if let Some(hours) = hours.filter(|hours| !(1..=MAX_RETENTION_HOURS).contains(hours)) {
        return Err(bad(
            "InvalidRetention",
            format!(
                "`properties.retentionDescription.retentionTimeInHours` is {hours}, but retention \
                 on the Standard tier is 1 to {MAX_RETENTION_HOURS} hours."
            ),
        ));
    }
    if let Some(days) = days.filter(|days| !(1..=MAX_RETENTION_DAYS).contains(days)) {
        return Err(bad(
            "InvalidRetention",
            format!(
                "`properties.messageRetentionInDays` is {days}, but retention on the Standard \
                 tier is 1 to {MAX_RETENTION_DAYS} days."
            ),
        ));
    }
    if let (Some(hours), Some(days)) = (hours, days) {
        // A hub read back carries both, with the days rounded up from the hours, and a body
        // with the days rounded down is accepted too. The hours decide the retention.
        let whole_days = [hours / 24, (hours + 23) / 24];
        if !whole_days.contains(&days) {
            return Err(bad(
                "InvalidRetention",
                format!(
                    "`properties.messageRetentionInDays` ({days} days) and \
                     `properties.retentionDescription.retentionTimeInHours` ({hours} hours) \
                     give different retentions: set one of them, or the same retention in both."
                ),
            ));
        }
    }
    Ok(())
}

const HOURS_POINTER: &str = "/properties/retentionDescription/retentionTimeInHours";
const DAYS_POINTER: &str = "/properties/messageRetentionInDays";

/// Returns the retention in hours of a hub with these validated properties: the hours when
/// given, else the days, else the default of 7 days.
pub(super) fn retention_hours(body: &Value) -> u32 {
    let hours =
        number(body, HOURS_POINTER).or_else(|| number(body, DAYS_POINTER).map(|days| days * 24));
    hours
        .and_then(|hours| u32::try_from(hours).ok())
        .unwrap_or(DEFAULT_RETENTION_HOURS)
}

fn capture(
    server: &Server,
    store: &Store,
    namespace_name: &str,
    hub_name: &str,
    body: &Value,
) -> Step<()> {
    let capture = &body["properties"]["captureDescription"];
    if capture["enabled"] != Value::Bool(true) {
        return Ok(());
    }

    match capture["encoding"].as_str() {
        None | Some("Avro") => {}
        Some("AvroDeflate") => {
            return Err(bad(
                "InvalidCaptureDescription",
                "The Local target writes capture files with `encoding` `Avro` only; \
                 `AvroDeflate` is not emulated.",
            ))
        }
        Some(other) => {
            return Err(bad(
                "InvalidCaptureDescription",
                format!("Capture `encoding` is `Avro` or `AvroDeflate`, not `{other}`."),
            ))
        }
    }
    if let Some(format) = capture["destination"]["properties"]["archiveNameFormat"].as_str() {
        archive_name_format(format, namespace_name, hub_name)?;
    }
    let interval = capture["intervalInSeconds"].as_i64().unwrap_or(300);
    if !CAPTURE_INTERVAL.contains(&interval) {
        return Err(bad(
            "InvalidCaptureDescription",
            format!(
                "`captureDescription.intervalInSeconds` is {interval}, but a capture time window \
                 is {} to {} seconds.",
                CAPTURE_INTERVAL.start(),
                CAPTURE_INTERVAL.end()
            ),
        ));
    }
    let size = capture["sizeLimitInBytes"].as_i64().unwrap_or(314_572_800);
    if !CAPTURE_SIZE.contains(&size) {
        return Err(bad(
            "InvalidCaptureDescription",
            format!(
                "`captureDescription.sizeLimitInBytes` is {size}, but a capture size window is \
                 {} to {} bytes (10 to 500 MiB).",
                CAPTURE_SIZE.start(),
                CAPTURE_SIZE.end()
            ),
        ));
    }

    let destination = &capture["destination"]["properties"];
    let account = destination["storageAccountResourceId"]
        .as_str()
        .unwrap_or_default();
    let container = destination["blobContainer"].as_str().unwrap_or_default();
    let prefix = format!("/subscriptions/{}", server.subscription);
    let account = account
        .get(..prefix.len())
        .filter(|head| head.eq_ignore_ascii_case(&prefix))
        .map_or(account, |_| &account[prefix.len()..]);

    if account.is_empty() || container.is_empty() {
        return Err(bad(
            "InvalidCaptureDestination",
            "Capture needs a destination: set `destination.properties.storageAccountResourceId` \
             and `destination.properties.blobContainer` to an existing storage account and \
             container.",
        ));
    }
    if store.get(account).map_err(internal)?.is_none() {
        return Err(bad(
            "InvalidCaptureDestination",
            format!(
                "The capture destination storage account `{account}` does not exist: create it \
                 and its container before the hub."
            ),
        ));
    }
    let container_id = format!("{account}/blobServices/default/containers/{container}");
    if store.get(&container_id).map_err(internal)?.is_none() {
        return Err(bad(
            "InvalidCaptureDestination",
            format!(
                "The capture destination container `{container}` does not exist in storage \
                 account `{account}`: create the container before the hub."
            ),
        ));
    }
    Ok(())
}

/// The tokens of a capture archive name format, every one required, in any order.
// NOTE: `broker::capture::ArchiveNameFormat::parse` checks the same rule when the broker starts a
// capture. This crate does not depend on the broker, so the Resource Manager keeps its own copy
// of the rule and returns 400 before any effect runs. A change to the rule goes into both.
const ARCHIVE_NAME_TOKENS: [&str; 9] = [
    "Namespace",
    "EventHub",
    "PartitionId",
    "Year",
    "Month",
    "Day",
    "Hour",
    "Minute",
    "Second",
];

/// The maximum length of a file or folder name, in bytes, on ext4 (APFS and NTFS allow 255
/// characters).
const MAX_PATH_PART_BYTES: usize = 255;

/// Checks a capture `archiveNameFormat`: Azure requires each of the nine tokens, and the
/// Local target writes the names as files below the container's folder, so a name must stay a
/// relative path without `..`, backslashes, drive letters, control characters or empty parts,
/// and each part must fit in a file name once the hub's and the namespace's names are in it.
fn archive_name_format(format: &str, namespace_name: &str, hub_name: &str) -> Step<()> {
    let invalid = |reason: String| {
        bad(
            "InvalidCaptureDescription",
            format!("The capture `archiveNameFormat` `{format}` is invalid: {reason}."),
        )
    };
    let mut rest = format;
    let mut seen = Vec::new();
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(invalid("a `{` has no closing `}`".to_owned()));
        };
        let token = &after[..close];
        if !ARCHIVE_NAME_TOKENS.contains(&token) {
            return Err(invalid(format!(
                "`{{{token}}}` is not a token; the tokens are {}",
                ARCHIVE_NAME_TOKENS
                    .map(|token| format!("{{{token}}}"))
                    .join(", ")
            )));
        }
        seen.push(token);
        rest = &after[close + 1..];
    }
    if let Some(missing) = ARCHIVE_NAME_TOKENS
        .iter()
        .find(|token| !seen.contains(token))
    {
        return Err(invalid(format!(
            "it lacks `{{{missing}}}`, and every token is required"
        )));
    }
    let escapes = format.starts_with('/')
        || format.contains('\\')
        || format.contains(':')
        || format.split('/').any(|part| part == ".." || part == ".");
    if escapes {
        return Err(invalid(
            "it must be a relative path of `/`-separated parts, without `.`, `..`, `\\` or `:`"
                .to_owned(),
        ));
    }
    if format.chars().any(char::is_control) {
        return Err(invalid("it contains a control character".to_owned()));
    }
    if format.split('/').any(str::is_empty) {
        return Err(invalid(
            "it has an empty part between two `/` or after the last one, so it names no file"
                .to_owned(),
        ));
    }
    let parts: Vec<&str> = format.split('/').collect();
    for (index, part) in parts.iter().enumerate() {
        // The widest values: a partition id of 4 digits, and `.avro` after the last part.
        let mut rendered = part
            .replace("{Namespace}", namespace_name)
            .replace("{EventHub}", hub_name)
            .replace("{PartitionId}", "0000")
            .replace("{Year}", "0000");
        for token in ["{Month}", "{Day}", "{Hour}", "{Minute}", "{Second}"] {
            rendered = rendered.replace(token, "00");
        }
        if index + 1 == parts.len() {
            rendered.push_str(".avro");
        }
        if rendered.len() > MAX_PATH_PART_BYTES {
            return Err(invalid(format!(
                "its part `{part}` makes a name of up to {} bytes for hub `{hub_name}`, and the \
                 Local target writes each part as a file or folder name of at most \
                 {MAX_PATH_PART_BYTES} bytes",
                rendered.len()
            )));
        }
    }
    Ok(())
}

fn rights(body: &Value) -> Step<()> {
    let rights: Vec<&str> = body["properties"]["rights"]
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let known = rights
        .iter()
        .all(|right| matches!(*right, "Send" | "Listen" | "Manage"));
    if rights.is_empty() || !known {
        return Err(bad(
            "InvalidRights",
            "An authorization rule grants one or more of `Send`, `Listen` and `Manage`.",
        ));
    }
    if rights.contains(&"Manage") && !(rights.contains(&"Send") && rights.contains(&"Listen")) {
        return Err(bad(
            "InvalidRights",
            "A rule with `Manage` must also grant `Send` and `Listen`.",
        ));
    }
    Ok(())
}

fn schema_group(store: &Store, namespace: &str, body: &Value, existing: Option<&Row>) -> Step<()> {
    match text(body, "/properties/schemaCompatibility") {
        Some("None") | Some("Backward") | Some("Forward") => {}
        _ => {
            return Err(bad(
                "InvalidSchemaCompatibility",
                "`schemaCompatibility` is `None`, `Backward` or `Forward`.",
            ))
        }
    }
    if text(body, "/properties/schemaType") != Some("Avro") {
        return Err(bad(
            "InvalidSchemaType",
            "The local registry serves `Avro` schemas.",
        ));
    }
    if existing.is_some() {
        return Ok(());
    }
    let groups = store
        .children(namespace, Some(kinds::SCHEMA_GROUP))
        .map_err(internal)?
        .len();
    if groups >= 1 {
        return Err(bad(
            "QuotaExceeded",
            "A Standard namespace holds one schema group.",
        ));
    }
    // The Local target serves one schema registry for all namespaces, with the Standard tier's
    // limit of one group, so a group in a second namespace cannot be created either.
    let rows = store.tree("").map_err(internal)?;
    if let Some(other) = rows.iter().find(|row| row.type_key == kinds::SCHEMA_GROUP) {
        return Err(bad(
            "QuotaExceeded",
            format!(
                "The Local target's schema registry holds one schema group, and `{}` exists \
                 already: use that group, or delete it first.",
                other.id
            ),
        ));
    }
    Ok(())
}

fn vault(store: &Store, name: &str, body: &Value) -> Step<()> {
    if text(body, "/properties/tenantId").is_none() || text(body, "/properties/sku/name").is_none()
    {
        return Err(bad(
            "MissingRequiredProperty",
            "A key vault needs `properties.tenantId` and `properties.sku`.",
        ));
    }
    if store.deleted_vault(name).map_err(internal)?.is_some() {
        return Err(Reply::error(
            409,
            "ConflictError",
            format!(
                "A vault named `{name}` exists in the deleted state: purge it (or recover it) \
                 before creating it again."
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COURSE_FORMAT: &str =
        "{Namespace}/{EventHub}/{PartitionId}/{Year}/{Month}/{Day}/{Hour}/{Minute}/{Second}";
    const NAMESPACE: &str = "dv-events001-ehns-eun-dgrf";
    const HUB: &str = "lead";

    #[test]
    fn archive_name_format_accepts_every_token_order() {
        assert!(archive_name_format(COURSE_FORMAT, NAMESPACE, HUB).is_ok());
        let reordered = "{EventHub}/{Year}/{Month}/{Day}/{Hour}/{EventHub}_{Year}_{Month}_{Day}_\
                         {Hour}_{Minute}_{Second}_{PartitionId}_{Namespace}";
        assert!(archive_name_format(reordered, NAMESPACE, HUB).is_ok());
    }

    #[test]
    fn archive_name_format_rejects_paths_and_tokens() {
        let cases = [
            (format!("../{COURSE_FORMAT}"), "without `.`, `..`"),
            (format!("/tmp/{COURSE_FORMAT}"), "without `.`, `..`"),
            (format!("a\\..\\{COURSE_FORMAT}"), "without `.`, `..`"),
            (format!("C:/{COURSE_FORMAT}"), "without `.`, `..`"),
            (
                format!("{COURSE_FORMAT}/{{Bogus}}"),
                "`{Bogus}` is not a token",
            ),
            ("{Namespace}".to_owned(), "it lacks `{EventHub}`"),
            (format!("{COURSE_FORMAT}/{{Hour"), "has no closing"),
            (format!("{COURSE_FORMAT}/"), "has an empty part"),
            (format!("a//{COURSE_FORMAT}"), "has an empty part"),
            (format!("{COURSE_FORMAT}\u{0}x"), "control character"),
            (
                format!("{COURSE_FORMAT}{}", "x".repeat(250)),
                "makes a name of up to 257 bytes for hub `lead`",
            ),
        ];
        for (format, expected) in cases {
            let Err(reply) = archive_name_format(&format, NAMESPACE, HUB) else {
                panic!("`{format}` was accepted");
            };
            assert_eq!(reply.status, 400, "{format}");
            let body = reply.body.expect("an error body");
            let message = body["error"]["message"].as_str().unwrap().to_owned();
            assert!(message.contains(expected), "{format}: {message}");
        }
    }
}
