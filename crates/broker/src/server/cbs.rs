//! The `$cbs` node: put-token requests that authorize later links.

use amqp::{Body, Message, Value};

use super::reply::{reply, string_property};
use crate::entity::Namespace;
use crate::sas::{authorize, Grant};

/// The token type of shared access signatures.
const SAS_TOKEN_TYPE: &str = "servicebus.windows.net:sastoken";

/// The reply to a put-token request, and the grant it produced when the token is valid.
#[derive(Debug)]
pub(crate) struct PutTokenOutcome {
    pub(crate) reply: Message,
    pub(crate) grant: Option<Grant>,
}

/// Checks a put-token request: 202 with a grant for a valid token, 401 with the reason for an
/// invalid one, 400 for a request that is not a SAS put-token.
pub(crate) fn put_token(
    namespace: &Namespace,
    hosts: &[String],
    request: &Message,
    now: u64,
) -> PutTokenOutcome {
    let rejected = |status, description: &str| PutTokenOutcome {
        reply: reply(request, status, description, Value::Null),
        grant: None,
    };
    if string_property(request, "operation") != Some("put-token") {
        return rejected(400, "the $cbs node supports only the put-token operation");
    }
    let token_type = string_property(request, "type").unwrap_or_default();
    if token_type != SAS_TOKEN_TYPE {
        return rejected(
            400,
            &format!("token type `{token_type}` is not supported: send a shared access signature ({SAS_TOKEN_TYPE})"),
        );
    }
    let token = match &request.body {
        Body::Value(value) => value.as_str(),
        Body::Data(sections) => sections
            .first()
            .and_then(|data| std::str::from_utf8(data).ok()),
        _ => None,
    };
    let Some(token) = token else {
        return rejected(400, "the put-token request has no token in its body");
    };
    match authorize(namespace, hosts, token, now) {
        Ok(grant) => {
            tracing::debug!(
                rule = grant.rule(),
                resource = grant.resource(),
                "token accepted"
            );
            PutTokenOutcome {
                reply: reply(request, 202, "Accepted", Value::Null),
                grant: Some(grant),
            }
        }
        Err(error) => {
            tracing::info!(%error, "token rejected");
            rejected(401, &error.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use amqp::{Properties, Timestamp};

    use super::*;
    use crate::entity::{HubSettings, Right, RuleScope};
    use crate::sas::generate_token;

    const NOW: u64 = 1_800_000_000;

    fn namespace() -> Namespace {
        let mut namespace = Namespace::new("eda-local").unwrap();
        let settings = HubSettings {
            partition_count: 2,
            retention_days: 1,
        };
        namespace.create_hub("orders", settings, 0).unwrap();
        namespace
            .create_rule(RuleScope::Namespace, "listen", &[Right::Listen])
            .unwrap();
        namespace
    }

    fn request(token: &str, token_type: &str) -> Message {
        Message {
            properties: Some(Properties {
                message_id: Some(Value::string("5a4b7f8e-0000-4000-8000-000000000001")),
                ..Properties::default()
            }),
            application_properties: Some(vec![
                ("operation".to_owned(), Value::string("put-token")),
                ("type".to_owned(), Value::string(token_type)),
                (
                    "name".to_owned(),
                    Value::string("sb://127.0.0.1:5673/orders"),
                ),
                ("expiration".to_owned(), Value::Timestamp(Timestamp(0))),
            ]),
            body: Body::Value(Value::string(token)),
            ..Message::default()
        }
    }

    fn status(reply: &Message) -> Option<i64> {
        reply
            .application_property("status-code")
            .and_then(Value::as_i64)
    }

    fn description(reply: &Message) -> Option<&str> {
        reply
            .application_property("status-description")
            .and_then(Value::as_str)
    }

    #[test]
    fn valid_token_accepted_with_202() {
        let namespace = namespace();
        let key = namespace
            .rule(&RuleScope::Namespace, "listen")
            .unwrap()
            .primary_key
            .clone();
        let token = generate_token("sb://127.0.0.1:5673/orders", "listen", &key, NOW + 60);
        let outcome = put_token(
            &namespace,
            &[],
            &request(token.expose(), SAS_TOKEN_TYPE),
            NOW,
        );
        assert_eq!(status(&outcome.reply), Some(202));
        assert_eq!(
            outcome.reply.properties.unwrap().correlation_id,
            Some(Value::string("5a4b7f8e-0000-4000-8000-000000000001"))
        );
        assert_eq!(outcome.grant.unwrap().rule(), "listen");
    }

    #[test]
    fn wrong_key_answered_401_with_reason() {
        let namespace = namespace();
        let wrong = crate::entity::generate_key();
        let token = generate_token("sb://127.0.0.1/orders", "listen", &wrong, NOW + 60);
        let outcome = put_token(
            &namespace,
            &[],
            &request(token.expose(), SAS_TOKEN_TYPE),
            NOW,
        );
        assert_eq!(status(&outcome.reply), Some(401));
        let description = description(&outcome.reply).unwrap();
        assert!(
            description.contains("does not match either key of rule `listen`"),
            "{description}"
        );
        assert!(outcome.grant.is_none());
    }

    #[test]
    fn key_of_other_hub_answered_401_naming_hub() {
        let mut namespace = namespace();
        let settings = HubSettings {
            partition_count: 1,
            retention_days: 1,
        };
        namespace.create_hub("customer", settings, 0).unwrap();
        for hub in ["orders", "customer"] {
            namespace
                .create_rule(RuleScope::Hub(hub.to_owned()), "send", &[Right::Send])
                .unwrap();
        }
        let customer_key = namespace
            .rule(&RuleScope::Hub("customer".to_owned()), "send")
            .unwrap()
            .primary_key
            .clone();
        let token = generate_token(
            "sb://127.0.0.1:5673/orders",
            "send",
            &customer_key,
            NOW + 60,
        );
        let outcome = put_token(
            &namespace,
            &[],
            &request(token.expose(), SAS_TOKEN_TYPE),
            NOW,
        );
        assert_eq!(status(&outcome.reply), Some(401));
        assert_eq!(
            description(&outcome.reply),
            Some(
                "the token is signed with a key of rule `send` of event hub `customer`, which \
                 covers only that hub, but the token is for event hub `orders`: use a connection \
                 string of event hub `orders`, or one of a namespace-level rule"
            )
        );
        assert!(outcome.grant.is_none());
    }

    #[test]
    fn other_token_type_answered_400() {
        let outcome = put_token(&namespace(), &[], &request("eyJ0eXAi", "jwt"), NOW);
        assert_eq!(status(&outcome.reply), Some(400));
    }
}
