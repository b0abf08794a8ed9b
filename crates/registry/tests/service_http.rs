//! The local registry through real HTTPS: the course exercise, Azure's headers and errors,
//! and what is (not) stored.

mod common;

use common::{https_client, raw_client, start_registry, token};
use registry::client::ClientError;
use registry::compat::{Breakage, CompatibilityMode};
use registry::course_schemas::{BACKWARD_ATTEMPTS, COURSE_GROUP, EVENT_SCHEMAS, FORWARD_ATTEMPTS};
use registry::exercise::run_exercise;
use registry::service::RegistryHandle;

const SCHEMA: &str = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
"fields":[{"name":"id","type":"string"}]}"#;

fn url(handle: &RegistryHandle, path: &str) -> String {
    format!("https://{}{path}", handle.endpoint())
}

async fn versions_stored(handle: &RegistryHandle, name: &str) -> usize {
    match handle.store().versions(COURSE_GROUP, name) {
        Ok(versions) => versions.len(),
        Err(_) => 0,
    }
}

#[tokio::test]
async fn backward_exercise_over_https() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = https_client(&handle);
    let reports = run_exercise(
        &client,
        COURSE_GROUP,
        CompatibilityMode::Backward,
        &BACKWARD_ATTEMPTS,
    )
    .await
    .unwrap();
    let verdicts: Vec<&str> = reports.iter().map(|r| r.verdict).collect();
    assert_eq!(
        verdicts,
        ["accepted", "accepted", "rejected", "accepted", "rejected"]
    );

    assert_eq!(reports[1].warnings.len(), 1);
    assert_eq!(reports[1].warnings[0].field, "optional_field");
    assert_eq!(reports[2].reasons.len(), 1);
    assert_eq!(reports[2].reasons[0].field, "mandatory_field");
    assert_eq!(
        reports[2].reasons[0].breakage,
        Breakage::FieldAddedWithoutDefault
    );
    let detail = reports[2].registry_detail.as_deref().unwrap();
    assert!(detail.contains("mandatory_field"), "{detail}");
    assert!(detail.contains("latest version (2) only"), "{detail}");
    assert!(matches!(
        reports[4].reasons[0].breakage,
        Breakage::FieldRenamed { .. }
    ));
    let detail = reports[4].registry_detail.as_deref().unwrap();
    assert!(detail.contains("test_guid_renamed"), "{detail}");
    assert_eq!(reports[3].registered.as_ref().unwrap().version, 3);
    assert_eq!(
        versions_stored(&handle, "BackwardCompatibleEvent.Created").await,
        3
    );
    handle.stop().await;
}

#[tokio::test]
async fn forward_exercise_over_https() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Forward)
        .unwrap();
    let client = https_client(&handle);
    let reports = run_exercise(
        &client,
        COURSE_GROUP,
        CompatibilityMode::Forward,
        &FORWARD_ATTEMPTS,
    )
    .await
    .unwrap();

    let verdicts: Vec<&str> = reports.iter().map(|r| r.verdict).collect();
    assert_eq!(
        verdicts,
        ["accepted", "accepted", "accepted", "rejected", "rejected"]
    );

    assert_eq!(reports[1].warnings.len(), 1);
    let removed: Vec<&str> = reports[3]
        .reasons
        .iter()
        .map(|r| r.field.as_str())
        .collect();
    assert_eq!(removed, ["product_id", "mandatory_field"]);
    assert!(matches!(
        reports[4].reasons[0].breakage,
        Breakage::FieldRenamed { .. }
    ));
    assert_eq!(
        versions_stored(&handle, "ForwardCompatibleEvent.Created").await,
        3
    );
    handle.stop().await;
}

#[tokio::test]
async fn register_returns_azure_headers() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let response = raw_client(&handle)
        .put(url(
            &handle,
            "/$schemaGroups/myschemagroup/schemas/Customer.Created?api-version=2022-10",
        ))
        .bearer_auth(token(&handle).expose())
        .header("Content-Type", "application/json; serialization=Avro")
        .body(SCHEMA)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 204);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    let id = header("Schema-Id");
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(header("Schema-Group-Name"), "myschemagroup");
    assert_eq!(header("Schema-Name"), "Customer.Created");
    assert_eq!(header("Schema-Version"), "1");
    assert_eq!(
        header("Schema-Id-Location"),
        url(
            &handle,
            &format!("/$schemaGroups/$schemas/{id}?api-version=2022-10")
        )
    );
    assert_eq!(
        header("Location"),
        url(
            &handle,
            "/$schemaGroups/myschemagroup/schemas/Customer.Created/versions/1?api-version=2022-10"
        )
    );
    handle.stop().await;
}

/// Returns the values of a reply's `Warning` headers, in order.
fn warning_headers(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("Warning")
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn null_default_after_string_is_accepted_with_warning() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let schema = r#"{"type": "record", "name": "Lead", "namespace": "eda", "fields": [
        {"name": "lead_id", "type": "string"},
        {"name": "note", "type": ["string", "null"], "default": null}
    ]}"#;
    let register = |name: &str, body: String| {
        raw_client(&handle)
            .put(url(
                &handle,
                &format!("/$schemaGroups/myschemagroup/schemas/{name}?api-version=2022-10"),
            ))
            .bearer_auth(token(&handle).expose())
            .header("Content-Type", "application/json; serialization=Avro")
            .body(body)
            .send()
    };

    let response = register("eda.Lead", schema.to_owned()).await.unwrap();

    assert_eq!(response.status().as_u16(), 204);
    let warnings = warning_headers(&response);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with("299 eda-workshop-registry \"field `note` has the default null"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains(r#"put \"null\" first in the union"#),
        "{}",
        warnings[0]
    );
    assert_eq!(versions_stored(&handle, "eda.Lead").await, 1);

    let plain = r#"{"type": "record", "name": "Lead", "namespace": "eda", "fields": [
        {"name": "lead_id", "type": "string"}
    ]}"#;
    let response = register("eda.Lead", plain.to_owned()).await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert!(response.headers().get("Warning").is_none());

    // Each of 120 such fields would need a header of its own, more than clients accept.
    let fields: Vec<String> = (0..120)
        .map(|n| format!(r#"{{"name": "note_{n}", "type": ["string", "null"], "default": null}}"#))
        .collect();
    let many = format!(
        r#"{{"type": "record", "name": "Wide", "namespace": "eda", "fields": [{}]}}"#,
        fields.join(",")
    );
    let response = register("eda.Wide", many).await.unwrap();
    assert_eq!(response.status().as_u16(), 204);
    let warnings = warning_headers(&response);
    assert_eq!(warnings.len(), 6, "{warnings:?}");
    assert!(
        warnings[5].contains("115 more fields have defaults that break the Avro specification"),
        "{}",
        warnings[5]
    );
    handle.stop().await;
}

#[tokio::test]
async fn changed_logical_type_is_accepted_with_warning() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Forward)
        .unwrap();
    let schema = |logical_type: &str| {
        format!(
            r#"{{"type": "record", "name": "Reading", "namespace": "eda", "fields": [
                {{"name": "at", "type": {{"type": "long", "logicalType": "{logical_type}"}}}}
            ]}}"#
        )
    };
    let register = |body: String| {
        raw_client(&handle)
            .put(url(
                &handle,
                "/$schemaGroups/myschemagroup/schemas/eda.Reading?api-version=2022-10",
            ))
            .bearer_auth(token(&handle).expose())
            .header("Content-Type", "application/json; serialization=Avro")
            .body(body)
            .send()
    };

    let first = register(schema("timestamp-millis")).await.unwrap();
    let second = register(schema("timestamp-micros")).await.unwrap();
    let repeated = register(schema("timestamp-micros")).await.unwrap();

    assert_eq!(first.status().as_u16(), 204);
    assert!(warning_headers(&first).is_empty());
    assert_eq!(second.status().as_u16(), 204);
    let warnings = warning_headers(&second);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].starts_with(
            "299 eda-workshop-registry \"field `at` changes from long with the logical type \
             `timestamp-millis` to long with the logical type `timestamp-micros`."
        ),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[0].contains("; keep the logical type `timestamp-millis` on field `at`"),
        "{}",
        warnings[0]
    );
    // Identical content returns version 2 again, without comparing it with anything.
    assert_eq!(repeated.status().as_u16(), 204);
    assert!(warning_headers(&repeated).is_empty());
    assert_eq!(versions_stored(&handle, "eda.Reading").await, 2);
    handle.stop().await;
}

#[tokio::test]
async fn identical_schema_twice_same_id() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = https_client(&handle);
    let first = client
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    let second = client
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(second.version, 1);
    assert_eq!(
        client
            .list_versions(COURSE_GROUP, "Customer.Created")
            .await
            .unwrap(),
        [1]
    );
    handle.stop().await;
}

#[tokio::test]
async fn get_operations_round_trip() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let client = https_client(&handle);
    for (name, text) in EVENT_SCHEMAS {
        client.register(COURSE_GROUP, name, text).await.unwrap();
    }
    let (name, text) = EVENT_SCHEMAS[0];
    let properties = client
        .get_properties(COURSE_GROUP, name, text)
        .await
        .unwrap()
        .unwrap();
    let by_id = client.get_schema(&properties.id).await.unwrap();
    assert_eq!(by_id.content, text);
    assert_eq!(by_id.properties, properties);
    let by_version = client
        .get_schema_version(COURSE_GROUP, name, 1)
        .await
        .unwrap();
    assert_eq!(by_version.properties.id, properties.id);
    assert_eq!(client.list_groups().await.unwrap(), [COURSE_GROUP]);
    let unknown = client
        .get_properties(COURSE_GROUP, name, SCHEMA)
        .await
        .unwrap();
    assert_eq!(unknown, None);
    handle.stop().await;
}

#[tokio::test]
async fn get_by_id_has_avro_content_type() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let properties = https_client(&handle)
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    for path in [
        format!(
            "/$schemaGroups/$schemas/{}?api-version=2023-07-01",
            properties.id
        ),
        format!("/$schemas/{}?api-version=2021-10", properties.id),
    ] {
        let response = raw_client(&handle)
            .get(url(&handle, &path))
            .bearer_auth(token(&handle).expose())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        assert_eq!(
            response.headers()["Content-Type"],
            "application/json;serialization=Avro",
            "{path}"
        );
        assert_eq!(response.text().await.unwrap(), SCHEMA, "{path}");
    }
    handle.stop().await;
}

#[tokio::test]
async fn list_shape_follows_api_version() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let client = raw_client(&handle);
    let body = |version: &'static str| {
        let request = client
            .get(url(
                &handle,
                &format!("/$schemaGroups?api-version={version}"),
            ))
            .bearer_auth(token(&handle).expose());
        async move { request.send().await.unwrap().text().await.unwrap() }
    };
    assert_eq!(body("2022-10").await, r#"{"Value":["myschemagroup"]}"#);
    assert_eq!(
        body("2021-10").await,
        r#"{"schemaGroups":["myschemagroup"]}"#
    );
    handle.stop().await;
}

/// Sends a registration with full control over headers and body, and returns the status, the
/// error's `Code` and its `Detail`.
async fn put_raw(
    handle: &RegistryHandle,
    group: &str,
    authorization: Option<String>,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let mut request = raw_client(handle)
        .put(url(
            handle,
            &format!("/$schemaGroups/{group}/schemas/Customer.Created?api-version=2022-10"),
        ))
        .header("Content-Type", content_type)
        .body(body);
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
    (status, json)
}

fn bearer(handle: &RegistryHandle) -> Option<String> {
    Some(format!("Bearer {}", token(handle).expose()))
}

const AVRO: &str = "application/json; serialization=Avro";

#[tokio::test]
async fn malformed_json_is_400_with_position() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let body = b"{\"type\": \"record\",\n \"name\" \"X\"}".to_vec();
    let (status, json) = put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, body).await;
    assert_eq!(status, 400);
    assert_eq!(json["Code"], 400);
    let detail = json["Detail"].as_str().unwrap();
    assert!(detail.starts_with("Schema validation failed: "), "{detail}");
    assert!(detail.contains("line 2, position 9"), "{detail}");
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn invalid_avro_is_400_nothing_stored() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let body = br#"{"type":"record","name":"X","fields":[{"name":"a","type":"strng"}]}"#.to_vec();
    let (status, json) = put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, body).await;
    assert_eq!(status, 400);
    assert!(json["Detail"]
        .as_str()
        .unwrap()
        .contains("unknown type `strng`"));
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn invalid_avro_kinds_are_400_nothing_stored() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let cases = [
        (
            r#"{"type":"enum","name":"E","symbols":["A","A"]}"#,
            "the enum lists the symbol `A` twice",
        ),
        (
            r#"{"type":"record","name":"R","fields":[{"name":"x","type":["null","null"]}]}"#,
            "the union lists `null` twice",
        ),
        (
            r#"{"type":"fixed","name":"F","size":-1}"#,
            "the fixed type's `size` is -1",
        ),
        (
            r#"{"type":"record","name":"Tü","fields":[]}"#,
            "because it contains `ü` (U+00FC)",
        ),
        (
            r#"{"type":"record","name":"int","fields":[]}"#,
            "the name `int` is a primitive type name",
        ),
    ];
    for (body, expected) in cases {
        let (status, json) =
            put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, body.into()).await;
        assert_eq!(status, 400, "{body}");
        let detail = json["Detail"].as_str().unwrap();
        assert!(
            detail.starts_with("Schema validation failed: invalid Avro schema at `"),
            "{detail}"
        );
        assert!(detail.contains(expected), "{detail}");
    }
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn byte_order_mark_is_400_with_fix() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let mut body = b"\xef\xbb\xbf".to_vec();
    body.extend_from_slice(SCHEMA.as_bytes());
    let (status, json) = put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, body).await;
    assert_eq!(status, 400);
    let detail = json["Detail"].as_str().unwrap();
    assert!(
        detail.starts_with(
            "Schema validation failed: the schema text starts with a UTF-8 byte-order mark (the \
             bytes EF BB BF), which JSON does not allow: save the file as UTF-8 without a \
             byte-order mark. TrackingId:"
        ),
        "{detail}"
    );
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn unknown_group_is_404() {
    let handle = start_registry().await;
    let (status, json) =
        put_raw(&handle, "nosuchgroup", bearer(&handle), AVRO, SCHEMA.into()).await;
    assert_eq!(status, 404);
    assert_eq!(json["Code"], 404);
    let detail = json["Detail"].as_str().unwrap();
    assert!(
        detail.contains("Schema group `nosuchgroup` does not exist"),
        "{detail}"
    );
    assert!(handle.store().list_groups().unwrap().is_empty());
    handle.stop().await;
}

#[tokio::test]
async fn wrong_content_types_are_415() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    for content_type in [
        "application/json",
        "text/plain; charset=utf-8",
        "application/json; serialization=Json",
        "application/xml",
    ] {
        let (status, json) = put_raw(
            &handle,
            COURSE_GROUP,
            bearer(&handle),
            content_type,
            SCHEMA.into(),
        )
        .await;
        assert_eq!(status, 415, "{content_type}");
        let detail = json["Detail"].as_str().unwrap();
        assert!(detail.contains(content_type), "{detail}");
        assert!(detail.contains("serialization=Avro"), "{detail}");
    }
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn content_type_is_case_insensitive() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let (status, _) = put_raw(
        &handle,
        COURSE_GROUP,
        bearer(&handle),
        "application/json;serialization=avro",
        SCHEMA.into(),
    )
    .await;
    assert_eq!(status, 204);
    handle.stop().await;
}

#[tokio::test]
async fn missing_or_wrong_tokens_are_401() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let other =
        registry::service::LocalRegistry::start(registry::service::RegistryConfig::in_memory())
            .await
            .unwrap();
    let foreign = format!("Bearer {}", token(&other).expose());
    let expired = format!(
        "Bearer {}",
        handle.issue_token(std::time::Duration::ZERO).expose()
    );

    let cases = [
        (None, "MissingToken"),
        (
            Some("Basic dXNlcjpwYXNz".to_string()),
            "InvalidAuthorizationScheme: The authorization header uses the scheme `Basic`, but \
             this registry expects the Bearer scheme.",
        ),
        (Some("Bearer not-a-token".to_string()), "InvalidToken"),
        (Some(foreign), "InvalidSignature"),
        (Some(expired), "ExpiredToken"),
    ];
    for (authorization, code) in cases {
        let (status, json) = put_raw(
            &handle,
            COURSE_GROUP,
            authorization.clone(),
            AVRO,
            SCHEMA.into(),
        )
        .await;
        assert_eq!(status, 401, "{authorization:?}");
        assert_eq!(json["Code"], 401, "{authorization:?}");
        let detail = json["Detail"].as_str().unwrap();
        assert!(detail.starts_with(code), "{detail}");
    }

    // Reads need a token too.
    let response = raw_client(&handle)
        .get(url(&handle, "/$schemaGroups?api-version=2022-10"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    other.stop().await;
    handle.stop().await;
}

#[tokio::test]
async fn oversized_schema_is_413() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let doc = "x".repeat(1024 * 1024);
    let body = format!(r#"{{"type":"record","name":"Big","doc":"{doc}","fields":[]}}"#);
    let (status, json) = put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, body.into()).await;
    assert_eq!(status, 413);
    assert_eq!(json["Code"], 413);
    assert!(json["Detail"].as_str().unwrap().contains("1048576 bytes"));
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn schema_of_exactly_one_megabyte_fits() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let skeleton = r#"{"type":"record","name":"Big","doc":"","fields":[]}"#;
    let doc = "x".repeat(1024 * 1024 - skeleton.len());
    let body = format!(r#"{{"type":"record","name":"Big","doc":"{doc}","fields":[]}}"#);
    assert_eq!(body.len(), 1024 * 1024);
    let (status, _) = put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, body.into()).await;
    assert_eq!(status, 204);
    handle.stop().await;
}

#[tokio::test]
async fn missing_api_version_is_400() {
    let handle = start_registry().await;
    let client = raw_client(&handle);
    for path in ["/$schemaGroups", "/$schemaGroups?api-version=2020-01"] {
        let response = client
            .get(url(&handle, path))
            .bearer_auth(token(&handle).expose())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{path}");
        let json: serde_json::Value = response.json().await.unwrap();
        assert!(
            json["Detail"].as_str().unwrap().contains("api-version"),
            "{path}"
        );
    }
    handle.stop().await;
}

#[tokio::test]
async fn unknown_schema_id_is_404() {
    let handle = start_registry().await;
    let error = https_client(&handle)
        .get_schema(&registry::SchemaId::parse("00000000000000000000000000000000").unwrap())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert!(error.to_string().contains("does not exist"), "{error}");
    handle.stop().await;
}

#[tokio::test]
async fn incompatible_version_is_400_nothing_stored() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = https_client(&handle);
    client
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    let added = r#"{"type":"record","name":"Customer.Created","namespace":"example.avro",
"fields":[{"name":"id","type":"string"},{"name":"note","type":["null","string"]}]}"#;
    let error = client
        .register(COURSE_GROUP, "Customer.Created", added)
        .await
        .unwrap_err();
    let ClientError::Service { status, detail } = &error else {
        panic!("expected a service error, got {error:?}");
    };
    assert_eq!(*status, 400);
    assert!(detail.contains("`note`"), "{detail}");
    assert!(detail.contains("\"default\": null"), "{detail}");
    assert!(detail.contains("latest version (1) only"), "{detail}");
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 1);
    handle.stop().await;
}

#[tokio::test]
async fn plain_http_listener_serves_rust_clients() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let addr = handle.http_addr().unwrap();
    assert!(addr.ip().is_loopback());
    let client =
        registry::client::RegistryClient::local_plain(&addr.to_string(), token(&handle)).unwrap();
    let properties = client
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    assert_eq!(properties.version, 1);
    handle.stop().await;
}

#[tokio::test]
async fn listeners_bind_loopback_only() {
    let handle = start_registry().await;
    assert!(handle.https_addr().ip().is_loopback());
    assert!(handle.endpoint().starts_with("127.0.0.1:"));
    handle.stop().await;
}

#[tokio::test]
async fn check_ignores_versions_before_latest() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = https_client(&handle);
    let v1 = r#"{"type":"record","name":"E","fields":[{"name":"x","type":"string"}]}"#;
    let v2 = r#"{"type":"record","name":"E","fields":[{"name":"x","type":"string"},
        {"name":"y","type":"string","default":""}]}"#;
    // Readable from version 2 data, but not from version 1 data, which has no `y`.
    let v3 = r#"{"type":"record","name":"E","fields":[{"name":"y","type":"string"}]}"#;
    client.register(COURSE_GROUP, "E", v1).await.unwrap();
    client.register(COURSE_GROUP, "E", v2).await.unwrap();

    let reports = run_exercise(&client, COURSE_GROUP, CompatibilityMode::Backward, &[v3])
        .await
        .unwrap();

    assert_eq!(reports[0].verdict, "accepted");
    assert_eq!(reports[0].compared_with_version, Some(2));
    assert!(
        reports[0].explanation.contains("latest version (2) only"),
        "{}",
        reports[0].explanation
    );
    assert_eq!(
        client.list_versions(COURSE_GROUP, "E").await.unwrap(),
        [1, 2, 3]
    );
    handle.stop().await;
}

#[tokio::test]
async fn reregistering_old_version_adds_nothing() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = https_client(&handle);
    let first = client
        .register(
            COURSE_GROUP,
            "BackwardCompatibleEvent.Created",
            BACKWARD_ATTEMPTS[0],
        )
        .await
        .unwrap();
    client
        .register(
            COURSE_GROUP,
            "BackwardCompatibleEvent.Created",
            BACKWARD_ATTEMPTS[1],
        )
        .await
        .unwrap();

    let again = client
        .register(
            COURSE_GROUP,
            "BackwardCompatibleEvent.Created",
            BACKWARD_ATTEMPTS[0],
        )
        .await
        .unwrap();

    assert_eq!(again, first);
    assert_eq!(
        versions_stored(&handle, "BackwardCompatibleEvent.Created").await,
        2
    );
    handle.stop().await;
}

#[tokio::test]
async fn malformed_json_via_get_id_is_400() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let response = raw_client(&handle)
        .post(url(
            &handle,
            "/$schemaGroups/myschemagroup/schemas/Customer.Created:get-id?api-version=2022-10",
        ))
        .bearer_auth(token(&handle).expose())
        .header("Content-Type", AVRO)
        .body("{\"type\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let json: serde_json::Value = response.json().await.unwrap();
    let detail = json["Detail"].as_str().unwrap();
    assert!(detail.contains("line 1, position 9"), "{detail}");
    handle.stop().await;
}

#[tokio::test]
async fn get_id_of_other_content_names_content() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    https_client(&handle)
        .register(COURSE_GROUP, "Probe", r#"{"type":"string"}"#)
        .await
        .unwrap();
    let get_id = |name: &str| {
        raw_client(&handle)
            .post(url(
                &handle,
                &format!("/$schemaGroups/myschemagroup/schemas/{name}:get-id?api-version=2022-10"),
            ))
            .bearer_auth(token(&handle).expose())
            .header("Content-Type", AVRO)
            .body(r#"{"type":"long"}"#)
            .send()
    };

    let response = get_id("Probe").await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let json: serde_json::Value = response.json().await.unwrap();
    let detail = json["Detail"].as_str().unwrap();
    assert!(
        detail.starts_with("No version of schema `Probe` in schema group `myschemagroup` has this content (its latest version is 1)"),
        "{detail}"
    );

    let response = get_id("Missing").await.unwrap();
    assert_eq!(response.status().as_u16(), 404);
    let json: serde_json::Value = response.json().await.unwrap();
    let detail = json["Detail"].as_str().unwrap();
    assert!(detail.contains("does not exist"), "{detail}");
    handle.stop().await;
}

#[tokio::test]
async fn empty_and_non_utf8_bodies_are_400() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let (status, json) = put_raw(&handle, COURSE_GROUP, bearer(&handle), AVRO, Vec::new()).await;
    assert_eq!(status, 400);
    assert!(json["Detail"]
        .as_str()
        .unwrap()
        .contains("line 1, position 0"));

    let (status, json) = put_raw(
        &handle,
        COURSE_GROUP,
        bearer(&handle),
        AVRO,
        vec![b'{', 0xff, b'}'],
    )
    .await;
    assert_eq!(status, 400);
    assert!(json["Detail"].as_str().unwrap().contains("offset 1"));
    assert_eq!(versions_stored(&handle, "Customer.Created").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn data_dir_contains_no_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let handle = registry::service::LocalRegistry::start(
        registry::service::RegistryConfig::with_data_dir(dir.path()),
    )
    .await
    .unwrap();
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let issued = token(&handle);
    let client = registry::client::RegistryClient::local(
        &handle.endpoint(),
        handle.ca_certificate_pem(),
        issued.clone(),
    )
    .unwrap();
    client
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    let debug = format!("{handle:?} {client:?}");
    handle.stop().await;

    let ca = std::fs::read_to_string(dir.path().join("registry-ca.pem")).unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    let nonce = issued.expose().split('.').nth(1).unwrap().to_string();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("PRIVATE KEY"), "{}", path.display());
        assert!(!text.contains(&nonce), "{}", path.display());
    }
    assert!(!debug.contains(&nonce), "{debug}");
}

#[tokio::test]
async fn schema_name_with_colon_is_400() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    let response = raw_client(&handle)
        .put(url(
            &handle,
            &format!("/$schemaGroups/{COURSE_GROUP}/schemas/a%3Ab?api-version=2022-10"),
        ))
        .header("Authorization", bearer(&handle).unwrap())
        .header("Content-Type", AVRO)
        .body(SCHEMA)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let json: serde_json::Value = response.json().await.unwrap();
    let detail = json["Detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Schema name `a:b` is invalid because it contains `:` (U+003A)"),
        "{detail}"
    );
    assert!(
        detail.contains("use 1 to 100 printable ASCII characters other than `:`"),
        "{detail}"
    );
    assert_eq!(versions_stored(&handle, "a:b").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn invalid_and_out_of_range_versions_are_400() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    https_client(&handle)
        .register(COURSE_GROUP, "Customer.Created", SCHEMA)
        .await
        .unwrap();
    let cases = [
        (
            "0",
            "The schema version `0` is invalid: use a positive integer.",
        ),
        (
            "abc",
            "The schema version `abc` is invalid: use a positive integer.",
        ),
        (
            "-1",
            "The schema version `-1` is invalid: use a positive integer.",
        ),
        (
            "99999999999",
            "The schema version `99999999999` is out of range: use a positive integer up to \
             4294967295.",
        ),
    ];
    for (version, expected) in cases {
        let response = raw_client(&handle)
            .get(url(
                &handle,
                &format!(
                    "/$schemaGroups/{COURSE_GROUP}/schemas/Customer.Created/versions/{version}\
                     ?api-version=2022-10"
                ),
            ))
            .header("Authorization", bearer(&handle).unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{version}");
        let json: serde_json::Value = response.json().await.unwrap();
        let detail = json["Detail"].as_str().unwrap();
        assert!(detail.starts_with(expected), "{version}: {detail}");
    }
    handle.stop().await;
}

/// Sends a PUT over a plain TCP connection the way clients such as Python's `http.client` do:
/// the whole body first, then the reply is read to the end. `chunked` sends the body in
/// 1 MiB chunks without a `Content-Length`. Returns the reply's head and body as text.
async fn put_whole_body_then_read(
    handle: &RegistryHandle,
    body_bytes: usize,
    chunked: bool,
) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = handle
        .http_addr()
        .expect("the test registry has an HTTP listener");
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let framing = if chunked {
        "Transfer-Encoding: chunked".to_string()
    } else {
        format!("Content-Length: {body_bytes}")
    };
    let head = format!(
        "PUT /$schemaGroups/{COURSE_GROUP}/schemas/Big?api-version=2022-10 HTTP/1.1\r\n\
         Host: {address}\r\nAuthorization: {}\r\nContent-Type: {AVRO}\r\n{framing}\r\n\r\n",
        bearer(handle).unwrap()
    );
    stream.write_all(head.as_bytes()).await?;
    let chunk = vec![b'x'; 1024 * 1024];
    let mut sent = 0;
    while sent < body_bytes {
        let size = chunk.len().min(body_bytes - sent);
        if chunked {
            stream.write_all(format!("{size:x}\r\n").as_bytes()).await?;
        }
        stream.write_all(&chunk[..size]).await?;
        if chunked {
            stream.write_all(b"\r\n").await?;
        }
        sent += size;
    }
    if chunked {
        stream.write_all(b"0\r\n\r\n").await?;
    }
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await?;
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

#[tokio::test]
async fn oversized_body_reply_reaches_client() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::None)
        .unwrap();
    for chunked in [false, true] {
        let reply = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            put_whole_body_then_read(&handle, 20 * 1024 * 1024, chunked),
        )
        .await
        .expect("the exchange finishes within 60 s")
        .unwrap_or_else(|error| panic!("chunked {chunked}: the connection broke: {error}"));
        assert!(
            reply.starts_with("HTTP/1.1 413"),
            "chunked {chunked}: {reply}"
        );
        assert!(
            reply.to_ascii_lowercase().contains("connection: close"),
            "chunked {chunked}: {reply}"
        );
        assert!(
            reply.contains("larger than the maximum of 1048576 bytes"),
            "chunked {chunked}: {reply}"
        );
    }
    assert_eq!(versions_stored(&handle, "Big").await, 0);
    handle.stop().await;
}

#[tokio::test]
async fn exercise_rerun_gives_same_reasons() {
    for (mode, attempts) in [
        (CompatibilityMode::Backward, &BACKWARD_ATTEMPTS),
        (CompatibilityMode::Forward, &FORWARD_ATTEMPTS),
    ] {
        let handle = start_registry().await;
        handle.put_group(COURSE_GROUP, mode).unwrap();
        let client = https_client(&handle);

        let first = run_exercise(&client, COURSE_GROUP, mode, attempts)
            .await
            .unwrap();
        let second = run_exercise(&client, COURSE_GROUP, mode, attempts)
            .await
            .unwrap();

        for (fresh, rerun) in first.iter().zip(&second) {
            let attempt = fresh.attempt;
            assert_eq!(fresh.verdict, rerun.verdict, "{mode} attempt {attempt}");
            assert_eq!(fresh.reasons, rerun.reasons, "{mode} attempt {attempt}");
            assert_eq!(fresh.warnings, rerun.warnings, "{mode} attempt {attempt}");
            if !fresh.accepted() {
                assert_eq!(
                    fresh.compared_with_version, rerun.compared_with_version,
                    "{mode} attempt {attempt}"
                );
            }
        }
        handle.stop().await;
    }
}

#[tokio::test]
async fn exercise_rerun_names_both_versions() {
    let handle = start_registry().await;
    handle
        .put_group(COURSE_GROUP, CompatibilityMode::Backward)
        .unwrap();
    let client = https_client(&handle);
    let mode = CompatibilityMode::Backward;
    run_exercise(&client, COURSE_GROUP, mode, &BACKWARD_ATTEMPTS)
        .await
        .unwrap();

    let rerun = run_exercise(&client, COURSE_GROUP, mode, &BACKWARD_ATTEMPTS)
        .await
        .unwrap();

    assert_eq!(
        rerun[2].explanation,
        "the registry decided in Backward mode against version 3, its latest, which an earlier \
         run of the exercise registered. The reasons compare with version 2, which attempt 2 \
         returned, because each attempt of the exercise changes the previous accepted one, as \
         in a fresh run"
    );
    assert_eq!(rerun[2].reasons.len(), 1);
    assert_eq!(rerun[2].reasons[0].field, "mandatory_field");
    handle.stop().await;
}
