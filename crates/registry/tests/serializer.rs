//! The serializer through the local registry: both payload formats, reader schemas, caching,
//! and the Azure credential path.

mod common;

use std::sync::Arc;
use std::time::Duration;

use apache_avro::types::Value;
use common::{https_client, start_registry};
use registry::client::{AzureCredentialSource, RegistryClient};
use registry::compat::CompatibilityMode;
use registry::course_schemas::{event_schema, COURSE_GROUP};
use registry::serializer::{decode_plain_avro, Serializer, SerializerError};
use registry::wire;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct CustomerCreated {
    id: String,
    date: String,
    email: String,
}

fn customer() -> CustomerCreated {
    CustomerCreated {
        id: "c-1".into(),
        date: "2026-12-04T10:00:00Z".into(),
        email: "ada@example.com".into(),
    }
}

fn customer_schema() -> &'static str {
    event_schema("Customer.Created").unwrap()
}

#[tokio::test]
async fn encode_auto_registers_and_decodes() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();

    let schema_id = wire::parse_event_content_type(&event.content_type).unwrap();
    let stored = handle.store().by_id(schema_id.as_str()).unwrap();
    assert_eq!(stored.name, "Customer.Created");
    assert_eq!(stored.version, 1);
    // The body is the plain datum: three length-prefixed strings.
    assert_eq!(event.body[0] as usize, 2 * "c-1".len());

    let decoded: CustomerCreated = serializer
        .decode(&event.content_type, &event.body, customer_schema())
        .await
        .unwrap();
    assert_eq!(decoded, customer());
    handle.stop().await;
}

#[tokio::test]
async fn reader_with_wrong_field_names_fails() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    let reader = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
        "fields":[{"name":"customer_guid","type":"string"},
                  {"name":"created_date","type":"string"},
                  {"name":"email","type":"string"}]}"#;
    let error = serializer
        .decode_value(&event.content_type, &event.body, reader)
        .await
        .unwrap_err();
    let SerializerError::MissingFields { fields, writer, .. } = &error else {
        panic!("expected missing fields, got {error:?}");
    };
    assert_eq!(fields, &["customer_guid", "created_date"]);
    assert_eq!(writer, "Customer.Created");
    let message = error.to_string();
    assert!(
        message.contains("`customer_guid`, `created_date`"),
        "{message}"
    );
    handle.stop().await;
}

#[tokio::test]
async fn reader_with_defaults_gets_defaults() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    let reader = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
        "fields":[{"name":"id","type":"string"},
                  {"name":"segment","type":"string","default":"retail"}]}"#;
    let value = serializer
        .decode_value(&event.content_type, &event.body, reader)
        .await
        .unwrap();
    let apache_avro::types::Value::Record(fields) = value else {
        panic!("expected a record");
    };
    assert_eq!(
        fields[0],
        ("id".into(), apache_avro::types::Value::String("c-1".into()))
    );
    assert_eq!(
        fields[1],
        (
            "segment".into(),
            apache_avro::types::Value::String("retail".into())
        )
    );
    handle.stop().await;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Basket {
    lines: Vec<BasketLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct BasketLine {
    sku: String,
}

#[tokio::test]
async fn reader_field_aliases_read_renamed_fields() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    // `customer_id` has no default, and `created` has one that must not replace the value.
    let reader = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
        "fields":[{"name":"customer_id","type":"string","aliases":["id"]},
                  {"name":"created","type":"string","aliases":["date"],"default":""}]}"#;
    let value = serializer
        .decode_value(&event.content_type, &event.body, reader)
        .await
        .unwrap();
    assert_eq!(
        value,
        Value::Record(vec![
            ("customer_id".into(), Value::String("c-1".into())),
            (
                "created".into(),
                Value::String("2026-12-04T10:00:00Z".into())
            ),
        ])
    );

    let writer = r#"{"type":"record","name":"Basket","namespace":"example.avro",
        "fields":[{"name":"lines","type":{"type":"array","items":{"type":"record",
            "name":"BasketLine","fields":[{"name":"sku","type":"string"}]}}}]}"#;
    let basket = Basket {
        lines: vec![BasketLine { sku: "p-7".into() }],
    };
    let event = serializer.encode(&basket, writer).await.unwrap();
    let reader = r#"{"type":"record","name":"Basket","namespace":"example.avro",
        "fields":[{"name":"items","aliases":["lines"],"type":{"type":"array","items":{
            "type":"record","name":"BasketLine","fields":[
                {"name":"product_sku","type":"string","aliases":["sku"],"default":""}]}}}]}"#;
    let value = serializer
        .decode_value(&event.content_type, &event.body, reader)
        .await
        .unwrap();
    assert_eq!(
        value,
        Value::Record(vec![(
            "items".into(),
            Value::Array(vec![Value::Record(vec![(
                "product_sku".into(),
                Value::String("p-7".into())
            )])])
        )])
    );
    handle.stop().await;
}

#[tokio::test]
async fn union_default_on_later_branch_fills_field() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    // The registry accepts `"default": null` after a `"string"` branch, with a warning, and
    // counts it as a default, so a reader with such a field reads older events.
    let reader = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
        "fields":[{"name":"id","type":"string"},
                  {"name":"segment","type":["string","null"],"default":null}]}"#;
    let value = serializer
        .decode_value(&event.content_type, &event.body, reader)
        .await
        .unwrap();
    assert_eq!(
        value,
        Value::Record(vec![
            ("id".into(), Value::String("c-1".into())),
            ("segment".into(), Value::Union(1, Box::new(Value::Null))),
        ])
    );
    handle.stop().await;
}

#[tokio::test]
async fn framed_payload_round_trips() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let payload = serializer
        .encode_framed(&customer(), customer_schema())
        .await
        .unwrap();
    assert_eq!(&payload[..4], &[0, 0, 0, 0]);
    let (schema_id, _) = wire::unframe(&payload).unwrap();
    assert!(handle.store().by_id(schema_id.as_str()).is_ok());
    let decoded: CustomerCreated = serializer
        .decode_framed(&payload, customer_schema())
        .await
        .unwrap();
    assert_eq!(decoded, customer());
    handle.stop().await;
}

#[tokio::test]
async fn framed_payload_to_plain_reader_names_framing() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let payload = serializer
        .encode_framed(&customer(), customer_schema())
        .await
        .unwrap();
    let (schema_id, _) = wire::unframe(&payload).unwrap();

    let error = decode_plain_avro(&payload, customer_schema()).unwrap_err();
    let SerializerError::FramedPayload { schema_id: found } = &error else {
        panic!("expected the framing error, got {error:?}");
    };
    assert_eq!(found, schema_id.as_str());
    assert!(
        error.to_string().contains("Schema Registry framing"),
        "{error}"
    );

    // The same payload under any content type is also reported, not decoded: serializers that
    // frame their payloads send `avro/binary` or an empty content type.
    for content_type in [
        wire::event_content_type(&schema_id),
        "avro/binary".to_owned(),
        String::new(),
    ] {
        let error = serializer
            .decode_value(&content_type, &payload, customer_schema())
            .await
            .unwrap_err();
        assert!(
            matches!(error, SerializerError::FramedPayload { .. }),
            "content type {content_type:?}: {error:?}"
        );
    }
    handle.stop().await;
}

#[tokio::test]
async fn current_format_body_is_plain_avro() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    let value = decode_plain_avro(&event.body, customer_schema()).unwrap();
    let decoded: CustomerCreated = apache_avro::from_value(&value).unwrap();
    assert_eq!(decoded, customer());
    handle.stop().await;
}

#[tokio::test]
async fn ids_and_schemas_are_cached() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let first = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    // With the registry stopped, only the caches can serve the second encode and the decode.
    handle.stop().await;
    let second = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    assert_eq!(first, second);
    let decoded: CustomerCreated = serializer
        .decode(&second.content_type, &second.body, customer_schema())
        .await
        .unwrap();
    assert_eq!(decoded, customer());
}

#[tokio::test]
async fn auto_register_off_rejects_unknown_schema() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP).with_auto_register(false);
    let error = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap_err();
    assert!(
        matches!(error, SerializerError::NotRegistered { .. }),
        "{error:?}"
    );
    assert!(handle
        .store()
        .versions(COURSE_GROUP, "Customer.Created")
        .is_err());
    handle.stop().await;
}

#[tokio::test]
async fn value_not_matching_schema_fails_encode() {
    #[derive(Serialize)]
    struct Wrong {
        id: i64,
    }
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let error = serializer
        .encode(&Wrong { id: 5 }, customer_schema())
        .await
        .unwrap_err();
    assert!(matches!(error, SerializerError::Encode { .. }), "{error:?}");
    handle.stop().await;
}

/// A stand-in for an `azure_identity` credential that hands out the local registry's token,
/// so the Azure code path runs against the local service.
#[derive(Debug)]
struct LocalTokenCredential(registry::Secret<String>);

#[async_trait::async_trait]
impl azure_core::credentials::TokenCredential for LocalTokenCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<azure_core::credentials::TokenRequestOptions<'_>>,
    ) -> azure_core::Result<azure_core::credentials::AccessToken> {
        assert_eq!(scopes, [registry::client::EVENT_HUBS_SCOPE]);
        Ok(azure_core::credentials::AccessToken::new(
            self.0.expose().clone(),
            azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1),
        ))
    }
}

#[tokio::test]
async fn azure_credential_path_reaches_local_registry() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let credential = Arc::new(LocalTokenCredential(
        handle.issue_token(Duration::from_secs(600)),
    ));
    let certificate =
        reqwest::Certificate::from_pem(handle.ca_certificate_pem().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(certificate)
        .no_proxy()
        .build()
        .unwrap();
    let client = RegistryClient::new(
        format!("https://{}", handle.endpoint()),
        http,
        Arc::new(AzureCredentialSource::new(credential)),
    );
    let properties = client
        .register(COURSE_GROUP, "Customer.Created", customer_schema())
        .await
        .unwrap();
    assert_eq!(properties.version, 1);
    handle.stop().await;
}

#[tokio::test]
async fn plain_body_to_framed_decoder_fails() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    let error = serializer
        .decode_framed::<CustomerCreated>(&event.body, customer_schema())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            SerializerError::Wire(wire::WireError::NoFrameHeader(_))
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("plain Avro"), "{error}");
    handle.stop().await;
}

#[tokio::test]
async fn framed_reader_with_wrong_fields_fails() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let payload = serializer
        .encode_framed(&customer(), customer_schema())
        .await
        .unwrap();
    let reader = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
        "fields":[{"name":"customer_guid","type":"string"},{"name":"created_date","type":"string"}]}"#;
    let error = serializer
        .decode_framed::<serde_json::Value>(&payload, reader)
        .await
        .unwrap_err();
    let SerializerError::MissingFields { fields, .. } = &error else {
        panic!("expected missing fields, got {error:?}");
    };
    assert_eq!(fields, &["customer_guid", "created_date"]);
    handle.stop().await;
}

#[tokio::test]
async fn reader_type_change_is_described() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    let event = serializer
        .encode(&customer(), customer_schema())
        .await
        .unwrap();
    let reader = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
        "fields":[{"name":"id","type":"long"}]}"#;
    let error = serializer
        .decode_value(&event.content_type, &event.body, reader)
        .await
        .unwrap_err();
    let SerializerError::IncompatibleReader { reasons, .. } = &error else {
        panic!("expected an incompatible reader, got {error:?}");
    };
    assert_eq!(
        reasons,
        &["field `id` is long in the reader's schema but string in the writer's"]
    );
    handle.stop().await;
}

#[tokio::test]
async fn every_course_event_round_trips() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let serializer = Serializer::new(https_client(&handle), COURSE_GROUP);
    for (name, schema) in registry::course_schemas::EVENT_SCHEMAS {
        let parsed: serde_json::Value = serde_json::from_str(schema).unwrap();
        let mut event = serde_json::Map::new();
        for field in parsed["fields"].as_array().unwrap() {
            let field_name = field["name"].as_str().unwrap();
            event.insert(
                field_name.into(),
                serde_json::json!(format!("{field_name}-value")),
            );
        }
        let event = serde_json::Value::Object(event);
        let encoded = serializer.encode(&event, schema).await.unwrap();
        let decoded: serde_json::Value = serializer
            .decode(&encoded.content_type, &encoded.body, schema)
            .await
            .unwrap();
        assert_eq!(decoded, event, "{name}");
        let schema_id = wire::parse_event_content_type(&encoded.content_type).unwrap();
        assert_eq!(handle.store().by_id(schema_id.as_str()).unwrap().name, name);
    }
    handle.stop().await;
}
