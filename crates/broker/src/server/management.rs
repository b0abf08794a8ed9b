//! The `$management` node: READ requests for hub and partition properties.

use amqp::{Array, Message, Timestamp, Value};

use super::reply::{reply, string_property};
use crate::entity::{EventHub, Namespace};
use crate::log::EventLog;
use crate::sas::{authorize, AuthError, Grant};

const HUB_TYPE: &str = "com.microsoft:eventhub";
const PARTITION_TYPE: &str = "com.microsoft:partition";

/// Handles a `$management` request and returns the reply. The request carries its token in
/// the `security_token` property, as the SDKs send it, or else relies on a token the
/// connection put on `$cbs` before. Any right suffices to read properties.
pub(crate) fn handle(
    namespace: &Namespace,
    log: &EventLog,
    hosts: &[String],
    grants: &[Grant],
    request: &Message,
    now: u64,
) -> Message {
    if string_property(request, "operation") != Some("READ") {
        return reply(
            request,
            400,
            "the $management node supports only the READ operation",
            no_body(),
        );
    }
    let Some(name) = string_property(request, "name") else {
        return reply(
            request,
            400,
            "the READ request has no `name` property: name the event hub",
            no_body(),
        );
    };
    if let Err(error) = check_access(namespace, hosts, grants, request, name, now) {
        return reply(request, 401, &error.to_string(), no_body());
    }
    let Some(hub) = namespace.hub(name) else {
        return reply(
            request,
            404,
            &format!(
                "event hub `{name}` was not found in namespace `{}`",
                namespace.name()
            ),
            no_body(),
        );
    };
    match string_property(request, "type") {
        Some(HUB_TYPE) => reply(request, 200, "OK", hub_properties(hub)),
        Some(PARTITION_TYPE) => partition_reply(request, hub, log),
        other => reply(
            request,
            400,
            &format!(
                "READ of type `{}` is not supported: use {HUB_TYPE} or {PARTITION_TYPE}",
                other.unwrap_or_default()
            ),
            no_body(),
        ),
    }
}

/// The body of an error reply: an empty map, because the Rust SDK decodes every `$management`
/// reply body as a map before it looks at the status code.
fn no_body() -> Value {
    Value::Map(Vec::new())
}

fn check_access(
    namespace: &Namespace,
    hosts: &[String],
    grants: &[Grant],
    request: &Message,
    hub: &str,
    now: u64,
) -> Result<(), AuthError> {
    if let Some(token) = string_property(request, "security_token") {
        return authorize(namespace, hosts, token, now)?.check(hub, None, now);
    }
    let mut last_error = None;
    for grant in grants {
        match grant.check(hub, None, now) {
            Ok(()) => return Ok(()),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.unwrap_or_else(|| AuthError::NoToken {
        entity: hub.to_owned(),
    }))
}

fn hub_properties(hub: &EventHub) -> Value {
    Value::Map(vec![
        (Value::string("name"), Value::string(hub.name())),
        (Value::string("type"), Value::string(HUB_TYPE)),
        (
            Value::string("created_at"),
            Value::Timestamp(Timestamp(hub.created_at_ms())),
        ),
        (
            Value::string("partition_count"),
            Value::Int(i32::try_from(hub.settings().partition_count).unwrap_or(i32::MAX)),
        ),
        (
            Value::string("partition_ids"),
            Value::Array(Array::of_strings(hub.partition_ids())),
        ),
    ])
}

fn partition_reply(request: &Message, hub: &EventHub, log: &EventLog) -> Message {
    let id = string_property(request, "partition").unwrap_or_default();
    let Some(partition) = hub.partition_index(id) else {
        return reply(
            request,
            404,
            &format!(
                "partition `{id}` was not found in event hub `{}`: use 0 to {}",
                hub.name(),
                hub.settings().partition_count - 1
            ),
            no_body(),
        );
    };
    let info = match log.partition_info(hub.name(), partition) {
        Ok(info) => info,
        Err(error) => {
            tracing::error!(hub = hub.name(), partition, %error, "reading partition properties failed");
            return reply(request, 500, &error.to_string(), no_body());
        }
    };
    let body = Value::Map(vec![
        (Value::string("name"), Value::string(hub.name())),
        (Value::string("type"), Value::string(PARTITION_TYPE)),
        (Value::string("partition"), Value::string(id)),
        (
            Value::string("begin_sequence_number"),
            Value::Long(info.begin_sequence_number),
        ),
        (
            Value::string("last_enqueued_sequence_number"),
            Value::Long(info.last_enqueued_sequence_number),
        ),
        (
            Value::string("last_enqueued_offset"),
            Value::string(info.last_enqueued_offset),
        ),
        (
            Value::string("last_enqueued_time_utc"),
            Value::Timestamp(Timestamp(info.last_enqueued_time_ms)),
        ),
        (
            Value::string("is_partition_empty"),
            Value::Bool(info.is_empty),
        ),
    ]);
    reply(request, 200, "OK", body)
}

#[cfg(test)]
mod tests {
    use amqp::{Body, Properties};

    use super::*;
    use crate::entity::{HubSettings, RuleScope};
    use crate::log::NewEvent;
    use crate::sas::generate_token;

    const NOW: u64 = 1_800_000_000;

    fn setup() -> (Namespace, EventLog, tempfile::TempDir, String) {
        let mut namespace = Namespace::new("eda-local").unwrap();
        let settings = HubSettings {
            partition_count: 3,
            retention_days: 1,
        };
        namespace
            .create_hub("orders", settings, 1_700_000_000_000)
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let log = EventLog::open(&dir.path().join("log.db")).unwrap();
        let key = namespace
            .rule(&RuleScope::Namespace, "RootManageSharedAccessKey")
            .unwrap()
            .primary_key
            .clone();
        let token = generate_token(
            "sb://127.0.0.1/orders",
            "RootManageSharedAccessKey",
            &key,
            NOW + 60,
        );
        (namespace, log, dir, token.expose().clone())
    }

    fn request(token: &str, entity_type: &str, partition: Option<&str>) -> Message {
        let mut properties = vec![
            ("operation".to_owned(), Value::string("READ")),
            ("name".to_owned(), Value::string("orders")),
            ("type".to_owned(), Value::string(entity_type)),
            ("security_token".to_owned(), Value::string(token)),
        ];
        if let Some(partition) = partition {
            properties.push(("partition".to_owned(), Value::string(partition)));
        }
        Message {
            properties: Some(Properties {
                message_id: Some(Value::string("read-1")),
                ..Properties::default()
            }),
            application_properties: Some(properties),
            ..Message::default()
        }
    }

    fn field<'a>(reply: &'a Message, name: &str) -> &'a Value {
        let Body::Value(Value::Map(entries)) = &reply.body else {
            panic!("the reply body is not a map: {:?}", reply.body);
        };
        entries
            .iter()
            .find(|(key, _)| key.as_str() == Some(name))
            .map(|(_, value)| value)
            .unwrap_or_else(|| panic!("the reply has no `{name}`"))
    }

    fn status(reply: &Message) -> Option<i64> {
        reply
            .application_property("status-code")
            .and_then(Value::as_i64)
    }

    #[test]
    fn hub_properties_with_azure_names_and_types() {
        let (namespace, log, _dir, token) = setup();
        let reply = handle(
            &namespace,
            &log,
            &[],
            &[],
            &request(&token, HUB_TYPE, None),
            NOW,
        );
        assert_eq!(status(&reply), Some(200));
        assert_eq!(field(&reply, "name"), &Value::string("orders"));
        assert_eq!(
            field(&reply, "created_at"),
            &Value::Timestamp(Timestamp(1_700_000_000_000))
        );
        assert_eq!(
            field(&reply, "partition_ids"),
            &Value::Array(Array::of_strings(["0", "1", "2"]))
        );
        assert_eq!(
            reply.properties.unwrap().correlation_id,
            Some(Value::string("read-1"))
        );
    }

    #[test]
    fn partition_properties_with_string_offset() {
        let (namespace, log, _dir, token) = setup();
        let event = NewEvent {
            message: vec![1, 2, 3],
            body_size: 3,
            properties_size: 0,
            partition_key: None,
        };
        log.append_blocking("orders", 1, vec![event.clone(), event])
            .unwrap();
        let reply = handle(
            &namespace,
            &log,
            &[],
            &[],
            &request(&token, PARTITION_TYPE, Some("1")),
            NOW,
        );
        assert_eq!(status(&reply), Some(200));
        assert_eq!(field(&reply, "partition"), &Value::string("1"));
        assert_eq!(field(&reply, "begin_sequence_number"), &Value::Long(0));
        assert_eq!(
            field(&reply, "last_enqueued_sequence_number"),
            &Value::Long(1)
        );
        assert_eq!(field(&reply, "last_enqueued_offset"), &Value::string("3"));
        assert_eq!(field(&reply, "is_partition_empty"), &Value::Bool(false));
        assert!(matches!(
            field(&reply, "last_enqueued_time_utc"),
            Value::Timestamp(_)
        ));
    }

    #[test]
    fn unknown_partition_and_hub_answered_404() {
        let (namespace, log, _dir, token) = setup();
        let reply = handle(
            &namespace,
            &log,
            &[],
            &[],
            &request(&token, PARTITION_TYPE, Some("3")),
            NOW,
        );
        assert_eq!(status(&reply), Some(404));
        let mut other = request(&token, HUB_TYPE, None);
        other.application_properties.as_mut().unwrap()[1].1 = Value::string("nope");
        let reply = handle(&namespace, &log, &[], &[], &other, NOW);
        assert_eq!(status(&reply), Some(401), "the token covers only `orders`");
    }

    #[test]
    fn request_without_token_answered_401() {
        let (namespace, log, _dir, _) = setup();
        let mut unsigned = request("", HUB_TYPE, None);
        unsigned.application_properties.as_mut().unwrap().pop();
        let reply = handle(&namespace, &log, &[], &[], &unsigned, NOW);
        assert_eq!(status(&reply), Some(401));
    }
}
