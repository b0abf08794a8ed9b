//! The desired state of each resource of the plan in ARM: the body to PUT and the properties
//! that verify compares, property by property.

use course::spec::*;
use course::{Resource, Spec};
use serde_json::{json, Value};

/// Facts about the target that bodies need but the plan cannot know.
#[derive(Debug, Clone)]
pub struct Target {
    /// The subscription id, for full ids such as capture's storage account.
    pub subscription: String,
    /// The Entra tenant id, which a key vault names.
    pub tenant: String,
}

/// The wording of a property in a sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    /// "has 4 partitions": the value, then the noun.
    Count(&'static str),
    /// "has capture encoding `Avro`": the noun, then the value.
    Setting(&'static str),
}

/// One property the plan fixes.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    /// Its place in the ARM body, as a JSON pointer.
    pub pointer: &'static str,
    /// Its wording.
    pub wording: Wording,
    /// The plan's value.
    pub value: Value,
    /// Whether the value is sent in the body; ARM rejects some defaults, such as
    /// `enablePurgeProtection: false`, and leaves them out of what it returns.
    pub sent: bool,
}

fn prop(pointer: &'static str, wording: Wording, value: impl Into<Value>) -> Property {
    Property {
        pointer,
        wording,
        value: value.into(),
        sent: true,
    }
}

use Wording::{Count, Setting};

/// Lists the properties of a resource that the plan fixes.
pub fn properties(resource: &Resource, target: &Target) -> Vec<Property> {
    match &resource.spec {
        Spec::ResourceGroup(spec) => vec![prop("/location", Setting("location"), &*spec.location)],
        Spec::EventHubsNamespace(spec) => vec![
            prop("/location", Setting("location"), &*spec.location),
            prop("/sku/name", Setting("tier"), &*spec.sku),
            prop("/sku/capacity", Count("throughput units"), spec.capacity),
            prop(
                "/properties/kafkaEnabled",
                Setting("Kafka endpoint"),
                spec.kafka_enabled,
            ),
            prop(
                "/properties/isAutoInflateEnabled",
                Setting("auto-inflate"),
                spec.auto_inflate,
            ),
            prop(
                "/properties/maximumThroughputUnits",
                Setting("auto-inflate ceiling in throughput units"),
                spec.maximum_throughput_units,
            ),
            prop(
                "/properties/zoneRedundant",
                Setting("zone redundancy"),
                spec.zone_redundant,
            ),
        ],
        Spec::AuthorizationRule(spec) => {
            let rights: Vec<&str> = spec.rights.iter().map(|right| right.name()).collect();
            vec![prop("/properties/rights", Setting("rights"), json!(rights))]
        }
        Spec::EventHub(spec) => hub_properties(spec, target),
        Spec::ConsumerGroup(spec) => vec![prop(
            "/properties/userMetadata",
            Setting("user metadata"),
            &*spec.user_metadata,
        )],
        Spec::SchemaGroup(spec) => vec![
            prop(
                "/properties/schemaCompatibility",
                Setting("compatibility mode"),
                spec.compatibility.name(),
            ),
            prop(
                "/properties/schemaType",
                Setting("schema type"),
                &*spec.schema_type,
            ),
        ],
        Spec::StorageAccount(spec) => vec![
            prop("/location", Setting("location"), &*spec.location),
            prop("/kind", Setting("account kind"), &*spec.account_kind),
            prop("/sku/name", Setting("redundancy"), &*spec.sku),
            prop(
                "/properties/minimumTlsVersion",
                Setting("minimum TLS version"),
                &*spec.minimum_tls_version,
            ),
            prop(
                "/properties/supportsHttpsTrafficOnly",
                Setting("HTTPS only"),
                spec.https_only,
            ),
            prop(
                "/properties/isHnsEnabled",
                Setting("hierarchical namespace"),
                spec.hierarchical_namespace,
            ),
            prop(
                "/properties/allowBlobPublicAccess",
                Setting("anonymous blob access"),
                false,
            ),
        ],
        Spec::BlobService(spec) => blob_service_properties(spec),
        Spec::LifecyclePolicy(spec) => vec![prop(
            "/properties/policy/rules",
            Setting("lifecycle rules"),
            lifecycle_rules(spec),
        )],
        Spec::BlobContainer(spec) => vec![prop(
            "/properties/publicAccess",
            Setting("public access"),
            &*spec.public_access,
        )],
        Spec::ImmutabilityPolicy(spec) => vec![
            prop(
                "/properties/immutabilityPeriodSinceCreationInDays",
                Count("days of immutability"),
                spec.period_days,
            ),
            prop(
                "/properties/allowProtectedAppendWrites",
                Setting("protected append writes"),
                spec.allow_protected_append_writes,
            ),
        ],
        Spec::KeyVault(spec) => vec![
            prop("/location", Setting("location"), &*spec.location),
            prop("/properties/sku/name", Setting("tier"), &*spec.sku),
            prop(
                "/properties/enableRbacAuthorization",
                Setting("RBAC authorization"),
                spec.enable_rbac_authorization,
            ),
            prop(
                "/properties/softDeleteRetentionInDays",
                Count("days of soft-delete retention"),
                spec.soft_delete_retention_days,
            ),
            Property {
                sent: spec.purge_protection,
                ..prop(
                    "/properties/enablePurgeProtection",
                    Setting("purge protection"),
                    spec.purge_protection,
                )
            },
        ],
        Spec::KeyVaultSecret(spec) => vec![prop(
            "/properties/contentType",
            Setting("content type"),
            &*spec.content_type,
        )],
        Spec::DatabricksWorkspace(spec) => vec![
            prop("/location", Setting("location"), &*spec.location),
            prop("/sku/name", Setting("tier"), &*spec.sku),
            prop(
                "/properties/managedResourceGroupId",
                Setting("managed resource group"),
                format!(
                    "/subscriptions/{}/resourceGroups/{}",
                    target.subscription, spec.managed_resource_group
                ),
            ),
        ],
    }
}

fn hub_properties(spec: &EventHubSpec, target: &Target) -> Vec<Property> {
    let capture = &spec.capture;
    let account = format!(
        "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.Storage/storageAccounts/{}",
        target.subscription, capture.storage_account_group, capture.storage_account
    );
    vec![
        prop(PARTITION_COUNT, Count("partitions"), spec.partition_count),
        prop(
            "/properties/retentionDescription/retentionTimeInHours",
            Count("hours of retention"),
            spec.retention_days * 24,
        ),
        prop(
            "/properties/captureDescription/enabled",
            Setting("capture"),
            capture.enabled,
        ),
        prop(
            "/properties/captureDescription/encoding",
            Setting("capture encoding"),
            &*capture.encoding,
        ),
        prop(
            "/properties/captureDescription/intervalInSeconds",
            Count("seconds of capture window"),
            capture.interval_seconds,
        ),
        prop(
            "/properties/captureDescription/sizeLimitInBytes",
            Count("bytes of capture size limit"),
            capture.size_limit_bytes,
        ),
        prop(
            "/properties/captureDescription/skipEmptyArchives",
            Setting("skip empty archives"),
            capture.skip_empty_archives,
        ),
        prop(
            "/properties/captureDescription/destination/properties/storageAccountResourceId",
            Setting("capture storage account"),
            account,
        ),
        prop(
            "/properties/captureDescription/destination/properties/blobContainer",
            Setting("capture container"),
            &*capture.container,
        ),
        prop(
            "/properties/captureDescription/destination/properties/archiveNameFormat",
            Setting("capture file name format"),
            &*capture.archive_name_format,
        ),
    ]
}

fn blob_service_properties(spec: &BlobServiceSpec) -> Vec<Property> {
    vec![
        prop(
            "/properties/isVersioningEnabled",
            Setting("versioning"),
            spec.versioning,
        ),
        prop(
            "/properties/changeFeed/enabled",
            Setting("change feed"),
            true,
        ),
        prop(
            "/properties/changeFeed/retentionInDays",
            Count("days of change feed"),
            spec.change_feed_retention_days,
        ),
        prop(
            "/properties/deleteRetentionPolicy/enabled",
            Setting("blob soft delete"),
            true,
        ),
        prop(
            "/properties/deleteRetentionPolicy/days",
            Count("days of blob soft delete"),
            spec.blob_soft_delete_days,
        ),
        prop(
            "/properties/containerDeleteRetentionPolicy/enabled",
            Setting("container soft delete"),
            true,
        ),
        prop(
            "/properties/containerDeleteRetentionPolicy/days",
            Count("days of container soft delete"),
            spec.container_soft_delete_days,
        ),
        prop(
            "/properties/restorePolicy/enabled",
            Setting("point-in-time restore"),
            true,
        ),
        prop(
            "/properties/restorePolicy/days",
            Count("days of point-in-time restore"),
            spec.point_in_time_restore_days,
        ),
    ]
}

fn lifecycle_rules(spec: &LifecyclePolicySpec) -> Value {
    let rules: Vec<Value> = spec
        .rules
        .iter()
        .map(|rule| {
            json!({
                "enabled": true,
                "name": rule.name,
                "type": "Lifecycle",
                "definition": {
                    "filters": { "blobTypes": rule.blob_types },
                    "actions": { "baseBlob": {
                        "tierToCool": { "daysAfterModificationGreaterThan": rule.cool_after_days },
                        "tierToArchive": {
                            "daysAfterModificationGreaterThan": rule.archive_after_days
                        },
                        "delete": { "daysAfterModificationGreaterThan": rule.delete_after_days },
                    }},
                },
            })
        })
        .collect();
    Value::Array(rules)
}

/// Fields ARM requires that verify does not compare.
fn fixed_fields(resource: &Resource, target: &Target) -> Value {
    match &resource.spec {
        Spec::EventHubsNamespace(spec) => json!({
            "sku": { "tier": spec.sku },
            "properties": { "minimumTlsVersion": "1.2" },
        }),
        Spec::EventHub(_) => json!({ "properties": {
            "retentionDescription": { "cleanupPolicy": "Delete" },
            "captureDescription": { "destination": { "name": "EventHubArchive.AzureBlockBlob" } },
        }}),
        Spec::SchemaGroup(_) => json!({ "properties": { "groupProperties": {} } }),
        Spec::KeyVault(_) => json!({ "properties": {
            "tenantId": target.tenant,
            "sku": { "family": "A" },
            "enableSoftDelete": true,
        }}),
        _ => json!({}),
    }
}

/// Builds the body to PUT for a resource. The caller adds a key vault secret's value,
/// because the plan never contains it.
pub fn body(resource: &Resource, target: &Target) -> Value {
    let mut body = fixed_fields(resource, target);
    for property in properties(resource, target) {
        if property.sent {
            set_pointer(&mut body, property.pointer, property.value);
        }
    }
    if resource.kind().takes_tags() {
        body["tags"] = json!(resource.tags);
    }
    body
}

fn set_pointer(body: &mut Value, pointer: &str, value: Value) {
    let mut place = body;
    for key in pointer.trim_start_matches('/').split('/') {
        if !place.is_object() {
            *place = json!({});
        }
        place = place
            .as_object_mut()
            .expect("just made an object")
            .entry(key.to_string())
            .or_insert(Value::Null);
    }
    *place = value;
}

/// One way a resource differs from the plan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Drift {
    /// The resource's ARM id.
    pub id: String,
    /// The place of the difference, as a JSON pointer or `tags/{name}`.
    pub pointer: String,
    /// The difference in plain words.
    pub message: String,
}

/// Compares a resource as ARM returns it with the plan, property by property and tag by tag.
pub fn compare(resource: &Resource, target: &Target, actual: &Value) -> Vec<Drift> {
    let mut drifts = Vec::new();
    for property in properties(resource, target) {
        let found = actual.pointer(property.pointer);
        let same = match found {
            Some(found) => matches(&property.value, found),
            None => !property.sent && property.value == Value::Bool(false),
        };
        if !same {
            drifts.push(Drift {
                id: resource.id.clone(),
                pointer: property.pointer.to_string(),
                message: describe(&resource.title, &property, found),
            });
        }
    }
    if resource.kind().takes_tags() {
        for (key, wanted) in &resource.tags {
            let found = actual["tags"][key].as_str();
            if found != Some(wanted.as_str()) {
                let has = match found {
                    Some(value) => format!("tag `{key}` = `{value}`"),
                    None => format!("no tag `{key}`"),
                };
                drifts.push(Drift {
                    id: resource.id.clone(),
                    pointer: format!("tags/{key}"),
                    message: format!("{} has {has}; the plan says `{wanted}`", resource.title),
                });
            }
        }
    }
    drifts
}

/// The place of a hub's partition count in its ARM body.
const PARTITION_COUNT: &str = "/properties/partitionCount";

/// Returns why apply cannot bring a resource to the plan, when a drift is in a setting that
/// cannot change in place. A hub's partition count is fixed when the hub is created on the
/// Standard tier, and the local Resource Manager rejects a change as Azure does.
pub fn unchangeable(drifts: &[Drift]) -> Option<String> {
    let drift = drifts
        .iter()
        .find(|drift| drift.pointer == PARTITION_COUNT)?;
    Some(format!(
        "{}: a hub's partition count cannot change on the Standard tier, so apply cannot fix \
         it. Delete the hub, and its events with it, then apply again to create it as planned",
        drift.message
    ))
}

/// Checks whether an actual value satisfies the plan's value: strings compare without regard to
/// case (ARM echoes names and enum values in its own case), objects may carry more fields
/// than the plan names, and numbers compare by value.
fn matches(wanted: &Value, found: &Value) -> bool {
    match (wanted, found) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| matches(a, b))
        }
        (Value::Object(a), Value::Object(b)) => a
            .iter()
            .all(|(key, value)| b.get(key).is_some_and(|found| matches(value, found))),
        (a, b) => a == b,
    }
}

fn show(value: &Value) -> String {
    match value {
        Value::String(text) => format!("`{text}`"),
        Value::Bool(true) => "on".to_string(),
        Value::Bool(false) => "off".to_string(),
        other => other.to_string(),
    }
}

fn describe(title: &str, property: &Property, found: Option<&Value>) -> String {
    let wanted = show(&property.value);
    match (property.wording, found) {
        (Count(noun), Some(found)) => {
            let plain = |value: &Value| value.to_string().trim_matches('"').to_string();
            format!(
                "{title} has {} {noun}; the plan says {}",
                plain(found),
                plain(&property.value)
            )
        }
        (Setting(noun), Some(found)) => {
            format!("{title} has {noun} {}; the plan says {wanted}", show(found))
        }
        (Count(noun), None) | (Setting(noun), None) => {
            format!("{title} has no {noun}; the plan says {wanted}")
        }
    }
}

#[cfg(test)]
mod tests {
    use course::{Attendee, Environment, Region, StepId};

    use super::*;

    fn target() -> Target {
        Target {
            subscription: "sub".into(),
            tenant: "tenant".into(),
        }
    }

    fn hub() -> Resource {
        let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
        let plan = course::plan(&attendee);
        plan.step(StepId::Publishers)
            .resources
            .iter()
            .find(|r| r.id.ends_with("/eventhubs/customer"))
            .unwrap()
            .clone()
    }

    #[test]
    fn body_carries_every_sent_property() {
        let hub = hub();
        let body = body(&hub, &target());
        assert_eq!(body["properties"]["partitionCount"], json!(4));
        assert_eq!(
            body["properties"]["retentionDescription"],
            json!({"cleanupPolicy": "Delete", "retentionTimeInHours": 168})
        );
        assert_eq!(
            body["properties"]["captureDescription"]["destination"]["properties"]
                ["storageAccountResourceId"],
            json!("/subscriptions/sub/resourceGroups/dv-events-broker-rg/providers/Microsoft.Storage/storageAccounts/dvevents001saeundgrf")
        );
        assert!(compare(&hub, &target(), &body).is_empty());
    }

    #[test]
    fn compare_names_partition_drift_in_words() {
        let hub = hub();
        let mut actual = body(&hub, &target());
        actual["properties"]["partitionCount"] = json!(2);
        let drifts = compare(&hub, &target(), &actual);
        assert_eq!(drifts.len(), 1);
        assert_eq!(
            drifts[0].message,
            "hub `customer` has 2 partitions; the plan says 4"
        );
        assert_eq!(
            unchangeable(&drifts).unwrap(),
            "hub `customer` has 2 partitions; the plan says 4: a hub's partition count cannot \
             change on the Standard tier, so apply cannot fix it. Delete the hub, and its events \
             with it, then apply again to create it as planned"
        );
    }

    #[test]
    fn other_drifts_can_change_in_place() {
        let hub = hub();
        let mut actual = body(&hub, &target());
        actual["properties"]["retentionDescription"]["retentionTimeInHours"] = json!(24);
        let drifts = compare(&hub, &target(), &actual);
        assert_eq!(drifts.len(), 1);
        assert_eq!(unchangeable(&drifts), None);
    }

    #[test]
    fn compare_ignores_case_and_extra_fields() {
        let hub = hub();
        let mut actual = body(&hub, &target());
        actual["properties"]["captureDescription"]["encoding"] = json!("avro");
        actual["properties"]["status"] = json!("Active");
        assert!(compare(&hub, &target(), &actual).is_empty());
    }

    #[test]
    fn compare_names_missing_setting() {
        let hub = hub();
        let mut actual = body(&hub, &target());
        actual["properties"]["captureDescription"]
            .as_object_mut()
            .unwrap()
            .remove("skipEmptyArchives");
        let drifts = compare(&hub, &target(), &actual);
        assert_eq!(
            drifts[0].message,
            "hub `customer` has no skip empty archives; the plan says on"
        );
    }
}
