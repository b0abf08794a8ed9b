//! Events whose body carries the Schema Registry framing, as serializers that frame their
//! payloads send them: the flow names the framing whatever its content type.

mod common;

use common::start_registry;
use flow::events::CustomerCreated;
use flow::FlowEvent;

#[tokio::test]
async fn framed_body_named_for_any_content_type() {
    let (_registry, codec) = start_registry().await;
    let customer = CustomerCreated {
        id: "customer-7".to_string(),
        date: "2026-12-05T10:00:00.000Z".to_string(),
        email: "customer-7@example.com".to_string(),
    };
    let encoded = codec
        .encode(&FlowEvent::CustomerCreated(customer))
        .await
        .unwrap();
    let schema_id = encoded
        .content_type
        .strip_prefix("avro/binary+")
        .unwrap()
        .to_string();
    let mut framed = vec![0, 0, 0, 0];
    framed.extend_from_slice(schema_id.as_bytes());
    framed.extend_from_slice(&encoded.body);

    for content_type in [
        None,
        Some("avro/binary"),
        Some(encoded.content_type.as_str()),
    ] {
        let error = codec
            .decode("Customer.Created", content_type, &framed)
            .await
            .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with("the payload starts with the Schema Registry framing"),
            "content type {content_type:?}: {message}"
        );
        assert!(message.contains(&schema_id), "{message}");
    }

    let plain = codec
        .decode(
            "Customer.Created",
            Some(encoded.content_type.as_str()),
            &encoded.body,
        )
        .await
        .unwrap();
    assert!(matches!(plain, FlowEvent::CustomerCreated(_)));
}
