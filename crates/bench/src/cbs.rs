//! Claims-based security: putting a shared access signature token on the `$cbs` node.
//!
//! A put-token request is a message to `$cbs` with the application properties `name` (the
//! audience), `operation` (`put-token`), `type` (`servicebus.windows.net:sastoken`) and
//! `expiration` (a timestamp), and the token as an AMQP value string body. The reply, on a
//! receiver link from `$cbs`, carries `status-code` (an int, where 200 or 202 means accepted) and
//! `status-description` in its application properties.

use std::time::Duration;

use anyhow::{bail, Context as _};
use broker::secret::Secret;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::messaging::{
    AmqpValue, ApplicationProperties, Body, Message, MessageId, Outcome, Properties,
};
use fe2o3_amqp::types::primitives::{SimpleValue, Timestamp, Value};
use fe2o3_amqp::{Receiver, Sender};

/// The node that accepts tokens.
const CBS_NODE: &str = "$cbs";
/// The address replies are sent to.
const REPLY_ADDRESS: &str = "cbs-replies";
/// The token type of shared access signatures.
const SAS_TOKEN_TYPE: &str = "servicebus.windows.net:sastoken";
/// How long the broker may take to reply to a put-token request.
const REPLY_TIMEOUT: Duration = Duration::from_secs(10);

/// A token to put on `$cbs` before attaching links.
#[derive(Debug, Clone)]
pub(crate) struct CbsToken {
    /// The audience, the entity the token is for (for example `amqps://127.0.0.1/orders`).
    pub(crate) audience: String,
    /// The token text, `SharedAccessSignature sr=...`.
    pub(crate) token: Secret<String>,
    /// The token's expiry, in seconds since the Unix epoch.
    pub(crate) expiry: u64,
}

/// Builds the put-token request message.
pub(crate) fn put_token_request(token: &CbsToken, message_id: &str) -> Message<AmqpValue<String>> {
    let expiry_ms = i64::try_from(token.expiry)
        .unwrap_or(i64::MAX / 1000)
        .saturating_mul(1000);
    let properties = ApplicationProperties::builder()
        .insert("name", SimpleValue::String(token.audience.clone()))
        .insert("operation", SimpleValue::String("put-token".to_owned()))
        .insert("type", SimpleValue::String(SAS_TOKEN_TYPE.to_owned()))
        .insert(
            "expiration",
            SimpleValue::Timestamp(Timestamp::from_milliseconds(expiry_ms)),
        )
        .build();
    Message::builder()
        .properties(Properties {
            message_id: Some(MessageId::String(message_id.to_owned())),
            reply_to: Some(REPLY_ADDRESS.to_owned()),
            ..Properties::default()
        })
        .application_properties(properties)
        .value(token.token.expose().clone())
        .build()
}

/// Reads `status-code` and `status-description` from a reply. The code is `None` when the
/// reply has none or it is not an integer.
pub(crate) fn reply_status(reply: &Message<Body<Value>>) -> (Option<i64>, Option<String>) {
    let Some(properties) = &reply.application_properties else {
        return (None, None);
    };
    let code = match properties.0.get("status-code") {
        Some(SimpleValue::Int(code)) => Some(i64::from(*code)),
        Some(SimpleValue::Long(code)) => Some(*code),
        Some(SimpleValue::Uint(code)) => Some(i64::from(*code)),
        Some(SimpleValue::Short(code)) => Some(i64::from(*code)),
        _ => None,
    };
    let description = match properties.0.get("status-description") {
        Some(SimpleValue::String(text)) => Some(text.clone()),
        _ => None,
    };
    (code, description)
}

/// Puts a token on `$cbs` over `session` and waits for the broker to accept it.
pub(crate) async fn put_token(
    session: &mut SessionHandle<()>,
    token: &CbsToken,
) -> anyhow::Result<()> {
    let mut sender = Sender::attach(session, "bench-cbs-sender", CBS_NODE)
        .await
        .context("attaching a sender to $cbs failed")?;
    let mut receiver = Receiver::builder()
        .name("bench-cbs-receiver")
        .source(CBS_NODE)
        .target(REPLY_ADDRESS)
        .attach(session)
        .await
        .context("attaching a receiver to $cbs failed")?;

    let outcome = sender
        .send(put_token_request(token, "put-token-1"))
        .await
        .context("sending the put-token request failed")?;
    if !matches!(outcome, Outcome::Accepted(_)) {
        bail!("$cbs did not accept the put-token request: {outcome:?}");
    }
    let delivery = tokio::time::timeout(REPLY_TIMEOUT, receiver.recv::<Body<Value>>())
        .await
        .context("$cbs did not reply to put-token within 10 s")?
        .context("receiving the put-token reply failed")?;
    receiver
        .accept(&delivery)
        .await
        .context("accepting the put-token reply failed")?;
    let (code, description) = reply_status(delivery.message());

    let _ = sender.close().await;
    let _ = receiver.close().await;
    match code {
        Some(200 | 202) => Ok(()),
        _ => bail!(
            "$cbs rejected the token for `{}`: status {code:?}, {}",
            token.audience,
            description.unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> CbsToken {
        CbsToken {
            audience: "amqps://127.0.0.1/orders".to_owned(),
            token: Secret::new("SharedAccessSignature sr=x&sig=y&se=1&skn=z".to_owned()),
            expiry: 1_800_000_000,
        }
    }

    fn property<'a>(message: &'a Message<AmqpValue<String>>, key: &str) -> Option<&'a SimpleValue> {
        message.application_properties.as_ref()?.0.get(key)
    }

    #[test]
    fn request_carries_cbs_properties() {
        let request = put_token_request(&token(), "put-token-1");
        assert_eq!(
            property(&request, "name"),
            Some(&SimpleValue::String("amqps://127.0.0.1/orders".to_owned()))
        );
        assert_eq!(
            property(&request, "operation"),
            Some(&SimpleValue::String("put-token".to_owned()))
        );
        assert_eq!(
            property(&request, "type"),
            Some(&SimpleValue::String(SAS_TOKEN_TYPE.to_owned()))
        );
        assert_eq!(
            property(&request, "expiration"),
            Some(&SimpleValue::Timestamp(Timestamp::from_milliseconds(
                1_800_000_000_000
            )))
        );
    }

    #[test]
    fn request_body_is_token_with_message_id() {
        let request = put_token_request(&token(), "put-token-1");
        assert_eq!(
            request.body.0,
            "SharedAccessSignature sr=x&sig=y&se=1&skn=z"
        );
        let properties = request.properties.unwrap();
        assert_eq!(
            properties.message_id,
            Some(MessageId::String("put-token-1".to_owned()))
        );
        assert_eq!(properties.reply_to.as_deref(), Some(REPLY_ADDRESS));
    }

    #[test]
    fn reply_status_reads_int_code_and_description() {
        let reply = Message::builder()
            .application_properties(
                ApplicationProperties::builder()
                    .insert("status-code", SimpleValue::Int(401))
                    .insert(
                        "status-description",
                        SimpleValue::String("expired".to_owned()),
                    )
                    .build(),
            )
            .body(Body::<Value>::Empty)
            .build();
        assert_eq!(
            reply_status(&reply),
            (Some(401), Some("expired".to_owned()))
        );
    }

    #[test]
    fn reply_status_missing_without_properties() {
        let reply = Message::builder().body(Body::<Value>::Empty).build();
        assert_eq!(reply_status(&reply), (None, None));
    }
}
