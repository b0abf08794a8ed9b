//! Replies of the `$cbs` and `$management` nodes: status in application properties, the
//! request's message id echoed as correlation id.

use amqp::{Body, Message, Properties, Value};

/// Builds a reply to `request` with a status code, its description under both names clients
/// read, and a body.
///
/// Python's client matches a reply's `correlation-id` to its request's `message-id` and drops
/// anything else; Rust's takes the next message on its reply link. Echoing the message id
/// serves both.
pub(crate) fn reply(request: &Message, status: i32, description: &str, body: Value) -> Message {
    let message_id = request
        .properties
        .as_ref()
        .and_then(|properties| properties.message_id.clone());
    Message {
        properties: Some(Properties {
            correlation_id: message_id,
            ..Properties::default()
        }),
        application_properties: Some(vec![
            ("status-code".to_owned(), Value::Int(status)),
            ("status-description".to_owned(), Value::string(description)),
            // The AMQP management draft's name for the description. Python's `azure-eventhub`
            // 5.15 requests `status-description`, but its management link reads this one, so
            // without it the SDK reports a failed call with "Description: None".
            ("statusDescription".to_owned(), Value::string(description)),
        ]),
        body: Body::Value(body),
        ..Message::default()
    }
}

/// Returns a string application property of a request.
pub(crate) fn string_property<'a>(request: &'a Message, name: &str) -> Option<&'a str> {
    request.application_property(name).and_then(Value::as_str)
}
