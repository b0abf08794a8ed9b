//! The registry's REST operations, from a parsed request to a reply, with no sockets.
//!
//! Paths and status codes follow Azure Schema Registry's data-plane API (api-versions
//! 2021-10, 2022-10 and 2023-07-01):
//!
//! | method | path | reply |
//! |---|---|---|
//! | GET | `/$schemaGroups` | 200, the group names |
//! | GET | `/$schemaGroups/$schemas/{id}` (also `/$schemas/{id}`) | 200, the schema |
//! | GET | `/$schemaGroups/{group}/schemas/{name}/versions` | 200, the version numbers |
//! | GET | `/$schemaGroups/{group}/schemas/{name}/versions/{version}` | 200, the schema |
//! | PUT | `/$schemaGroups/{group}/schemas/{name}` | 204, the registered version's headers |
//! | POST | `/$schemaGroups/{group}/schemas/{name}:get-id` | 204, the matching version's headers |

use std::sync::Arc;

use hyper::{Method, StatusCode};
use percent_encoding::percent_decode_str;

use super::auth::TokenIssuer;
use super::azure_error::AzureError;
use crate::compat::{Warning, WarningProblem};
use crate::store::{Registration, Store, StoreError, StoredSchema};
use crate::wire::{is_avro_schema_content_type, AVRO_SCHEMA_CONTENT_TYPE};

/// The api-versions this service accepts.
pub const SUPPORTED_API_VERSIONS: [&str; 3] = ["2021-10", "2022-10", "2023-07-01"];

/// The content type of schema bodies in replies, as Azure spells it.
const REPLY_SCHEMA_CONTENT_TYPE: &str = "application/json;serialization=Avro";

/// Shared state of the service: the store and the token issuer.
#[derive(Debug)]
pub(crate) struct ServiceState {
    pub(crate) store: Arc<Store>,
    pub(crate) tokens: Arc<TokenIssuer>,
}

/// A request with its body already read.
#[derive(Debug)]
pub(crate) struct ParsedRequest {
    pub(crate) method: Method,
    /// The path as sent, still percent-encoded.
    pub(crate) path: String,
    pub(crate) query: Option<String>,
    /// `host:port` the client addressed, for the location headers.
    pub(crate) host: String,
    pub(crate) authorization: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: RequestBody,
}

/// A request body, or the fact that it was larger than the service reads.
#[derive(Debug)]
pub(crate) enum RequestBody {
    Bytes(Vec<u8>),
    TooLarge,
}

/// A reply to send.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

/// Handles one request. The store's SQLite calls block, so call this off the async threads.
pub(crate) fn handle(state: &ServiceState, request: &ParsedRequest) -> Reply {
    let tracker = format!("{}:{}", request.host, request.path);
    match route(state, request) {
        Ok(reply) => reply,
        Err(error) => {
            if error.status.is_server_error() {
                tracing::error!(status = error.status.as_u16(), detail = %error.detail, path = %request.path, "registry request failed");
            } else {
                tracing::debug!(status = error.status.as_u16(), detail = %error.detail, path = %request.path, "registry request rejected");
            }
            Reply {
                status: error.status,
                headers: vec![("Content-Type", "application/json".to_string())],
                body: error.body(&tracker),
            }
        }
    }
}

fn route(state: &ServiceState, request: &ParsedRequest) -> Result<Reply, AzureError> {
    state
        .tokens
        .verify_header(request.authorization.as_deref())
        .map_err(|error| AzureError::new(StatusCode::UNAUTHORIZED, error.to_string()))?;
    let api_version = api_version(request.query.as_deref())?;
    let segments: Vec<String> = request
        .path
        .trim_start_matches('/')
        .split('/')
        .map(|segment| percent_decode_str(segment).decode_utf8_lossy().into_owned())
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let context = Context {
        host: &request.host,
        api_version,
    };

    let is = |segment: &str, expected: &str| segment.eq_ignore_ascii_case(expected);
    match (request.method.clone(), segments.as_slice()) {
        (Method::GET, [groups]) if is(groups, "$schemaGroups") => list_groups(state, &context),
        (Method::GET, [groups, schemas, id])
            if is(groups, "$schemaGroups") && is(schemas, "$schemas") =>
        {
            let stored = state.store.by_id(id).map_err(store_error)?;
            Ok(schema_reply(&context, &stored))
        }
        (Method::GET, [schemas, id]) if is(schemas, "$schemas") => {
            let stored = state.store.by_id(id).map_err(store_error)?;
            Ok(schema_reply(&context, &stored))
        }
        (Method::GET, [groups, group, schemas, name, versions])
            if is(groups, "$schemaGroups")
                && is(schemas, "schemas")
                && is(versions, "versions") =>
        {
            let numbers = state.store.versions(group, name).map_err(store_error)?;
            Ok(list_reply(
                &context,
                "schemaVersions",
                serde_json::json!(numbers),
            ))
        }
        (Method::GET, [groups, group, schemas, name, versions, version])
            if is(groups, "$schemaGroups")
                && is(schemas, "schemas")
                && is(versions, "versions") =>
        {
            let number = version_number(version)?;
            let stored = state
                .store
                .version(group, name, number)
                .map_err(store_error)?;
            Ok(schema_reply(&context, &stored))
        }
        (Method::PUT, [groups, group, schemas, name])
            if is(groups, "$schemaGroups") && is(schemas, "schemas") =>
        {
            let content = schema_body(state, request)?;
            let registration = state
                .store
                .register(group, name, &content)
                .map_err(store_error)?;
            let mut reply = properties_reply(&context, &registration.schema);
            reply
                .headers
                .extend(registration_warnings(&registration, &content));
            Ok(reply)
        }
        (Method::POST, [groups, group, schemas, name_and_action])
            if is(groups, "$schemaGroups") && is(schemas, "schemas") =>
        {
            let Some(name) = strip_suffix_ignore_case(name_and_action, ":get-id") else {
                return Err(not_found(request));
            };
            let content = schema_body(state, request)?;
            let stored = state
                .store
                .find_by_content(group, name, &content)
                .map_err(store_error)?;
            Ok(properties_reply(&context, &stored))
        }
        _ => Err(not_found(request)),
    }
}

/// Reads a version number from a path. Versions start at 1, so 0 is as invalid as a word.
fn version_number(text: &str) -> Result<u32, AzureError> {
    let invalid = || {
        AzureError::new(
            StatusCode::BAD_REQUEST,
            format!("The schema version `{text}` is invalid: use a positive integer."),
        )
    };
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    match text.parse::<u32>() {
        Ok(0) => Err(invalid()),
        Ok(number) => Ok(number),
        Err(_) => Err(AzureError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "The schema version `{text}` is out of range: use a positive integer up to {}.",
                u32::MAX
            ),
        )),
    }
}

struct Context<'a> {
    host: &'a str,
    api_version: &'a str,
}

fn api_version(query: Option<&str>) -> Result<&str, AzureError> {
    let version = query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "api-version")
        .map(|(_, value)| value);
    match version {
        None => Err(AzureError::new(
            StatusCode::BAD_REQUEST,
            "The api-version query parameter (?api-version=) is required for all requests. \
             Supported versions: 2021-10, 2022-10, 2023-07-01.",
        )),
        Some(value) if SUPPORTED_API_VERSIONS.contains(&value) => Ok(value),
        Some(value) => Err(AzureError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "The api-version '{value}' is not supported. Supported versions: 2021-10, \
                 2022-10, 2023-07-01."
            ),
        )),
    }
}

/// Reads a schema body after checking its content type and size.
fn schema_body(state: &ServiceState, request: &ParsedRequest) -> Result<String, AzureError> {
    let content_type = request.content_type.as_deref().unwrap_or_default();
    if !is_avro_schema_content_type(content_type) {
        return Err(AzureError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Unsupported content type '{content_type}': this registry stores Avro schemas; \
                 send Content-Type: {AVRO_SCHEMA_CONTENT_TYPE}."
            ),
        ));
    }
    let max = state.store.limits().max_schema_bytes;
    let bytes = match &request.body {
        RequestBody::TooLarge => return Err(too_large(max)),
        RequestBody::Bytes(bytes) if bytes.len() > max => return Err(too_large(max)),
        RequestBody::Bytes(bytes) => bytes,
    };
    String::from_utf8(bytes.clone()).map_err(|error| {
        AzureError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "Schema validation failed: the body is not UTF-8 text (invalid byte at offset \
                 {}).",
                error.utf8_error().valid_up_to()
            ),
        )
    })
}

// NOTE: Azure's status for an oversized schema is not documented; 413 is what an HTTP front
// end returns for a body over its limit.
/// The maximum number of `Warning` headers of one field each on a registration. Up to two more
/// headers give the number of fields left out, one for defaults and one for changed types,
/// because clients limit the headers of a reply (Python's `http.client` to 100).
const MAX_WARNING_HEADERS: usize = 5;

/// `Warning` headers (code 299, a lasting warning) for a registration: field defaults that
/// break the Avro specification, such as `"default": null` on a union whose first branch is
/// not `"null"`, and fields whose logical type differs from the previous latest version's or
/// that change between bytes and string.
/// The registry accepts such a schema, and each header states what happens to the values and
/// how to fix it. Content that was already registered gets only the default warnings, because
/// no version was compared.
fn registration_warnings(
    registration: &Registration,
    content: &str,
) -> Vec<(&'static str, String)> {
    let warnings = match &registration.verdict {
        Some(verdict) => verdict.warnings.clone(),
        None => match crate::ParsedSchema::parse(content) {
            Ok(parsed) => crate::compat::check_defaults(&parsed),
            Err(_) => return Vec::new(),
        },
    };
    for warning in &warnings {
        tracing::warn!(
            record = warning.record,
            field = warning.field,
            "{}",
            warning.message
        );
    }
    let mut headers: Vec<_> = warnings
        .iter()
        .take(MAX_WARNING_HEADERS)
        .map(|warning| warning_header(&format!("{}; {}", warning.message, warning.fix)))
        .collect();
    let left_out = warnings.get(MAX_WARNING_HEADERS..).unwrap_or_default();
    let changed = left_out
        .iter()
        .filter(|warning| is_type_change(warning))
        .count();
    let defaults = left_out.len() - changed;
    if defaults > 0 {
        headers.push(warning_header(&format!(
            "{defaults} more fields have defaults that break the Avro specification; check the \
             schema with `eda-workshop schema register`, which lists them all"
        )));
    }
    if changed > 0 {
        headers.push(warning_header(&format!(
            "{changed} more fields changed their logical type or between bytes and string; check \
             the schema with `eda-workshop schema register`, which lists them all"
        )));
    }
    headers
}

fn is_type_change(warning: &Warning) -> bool {
    matches!(
        warning.problem,
        WarningProblem::LogicalTypeChanged { .. } | WarningProblem::BytesReadAsText { .. }
    )
}

/// Writes `text` as the quoted text of a `Warning` header: quotes and backslashes are escaped
/// as HTTP's quoted strings allow, and characters outside ASCII become `U+XXXX`, because header
/// values are ASCII.
fn warning_header(text: &str) -> (&'static str, String) {
    let mut quoted = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            ' ' => quoted.push(c),
            c if c.is_ascii_graphic() => quoted.push(c),
            c => quoted.push_str(&format!("U+{:04X}", u32::from(c))),
        }
    }
    ("Warning", format!("299 eda-workshop-registry \"{quoted}\""))
}

fn too_large(max: usize) -> AzureError {
    AzureError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("The schema is larger than the maximum of {max} bytes (1 MB) a schema may have."),
    )
}

fn not_found(request: &ParsedRequest) -> AzureError {
    AzureError::new(
        StatusCode::NOT_FOUND,
        format!(
            "No operation matches {} {}: see the Schema Registry REST API for the paths.",
            request.method, request.path
        ),
    )
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let (head, tail) = (text.get(..cut)?, text.get(cut..)?);
    tail.eq_ignore_ascii_case(suffix).then_some(head)
}

/// Maps a store failure to Azure's status codes.
// NOTE: Azure documents 400, 401, 404 and 415 for this API; the status for an incompatible
// version and for the version quota (400 here) is the closest documented one, not observed.
fn store_error(error: StoreError) -> AzureError {
    let status = match &error {
        StoreError::Database(_) => StatusCode::INTERNAL_SERVER_ERROR,
        StoreError::GroupNotFound(_)
        | StoreError::SchemaIdNotFound(_)
        | StoreError::SchemaNotFound { .. }
        | StoreError::ContentNotFound { .. }
        | StoreError::VersionNotFound { .. } => StatusCode::NOT_FOUND,
        StoreError::GroupLimit { .. } => StatusCode::CONFLICT,
        StoreError::SchemaTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        StoreError::VersionLimit { .. }
        | StoreError::InvalidName { .. }
        | StoreError::InvalidSchema(_)
        | StoreError::Incompatible(_) => StatusCode::BAD_REQUEST,
    };
    let mut detail = error.to_string();
    if let Some(first) = detail.get(..1) {
        let upper = first.to_ascii_uppercase();
        detail.replace_range(..1, &upper);
    }
    if !detail.ends_with('.') {
        detail.push('.');
    }
    AzureError::new(status, detail)
}

fn location_headers(context: &Context<'_>, stored: &StoredSchema) -> Vec<(&'static str, String)> {
    let host = context.host;
    let api = context.api_version;
    let group = encode_segment(&stored.group);
    let name = encode_segment(&stored.name);
    vec![
        ("Schema-Id", stored.id.to_string()),
        (
            "Schema-Id-Location",
            format!(
                "https://{host}/$schemaGroups/$schemas/{}?api-version={api}",
                stored.id
            ),
        ),
        ("Schema-Group-Name", stored.group.clone()),
        ("Schema-Name", stored.name.clone()),
        ("Schema-Version", stored.version.to_string()),
        (
            "Location",
            format!(
                "https://{host}/$schemaGroups/{group}/schemas/{name}/versions/{}?api-version={api}",
                stored.version
            ),
        ),
    ]
}

fn properties_reply(context: &Context<'_>, stored: &StoredSchema) -> Reply {
    let mut headers = location_headers(context, stored);
    headers.push(("Content-Type", REPLY_SCHEMA_CONTENT_TYPE.to_string()));
    Reply {
        status: StatusCode::NO_CONTENT,
        headers,
        body: String::new(),
    }
}

fn schema_reply(context: &Context<'_>, stored: &StoredSchema) -> Reply {
    let mut headers = location_headers(context, stored);
    headers.push(("Content-Type", REPLY_SCHEMA_CONTENT_TYPE.to_string()));
    Reply {
        status: StatusCode::OK,
        headers,
        body: stored.content.clone(),
    }
}

fn list_groups(state: &ServiceState, context: &Context<'_>) -> Result<Reply, AzureError> {
    let names = state.store.list_groups().map_err(store_error)?;
    Ok(list_reply(
        context,
        "schemaGroups",
        serde_json::json!(names),
    ))
}

/// Builds a list reply: api-version 2021-10 names the array (`schemaGroups`,
/// `schemaVersions`), later versions call it `Value` and page with `NextLink`.
fn list_reply(context: &Context<'_>, legacy_key: &str, items: serde_json::Value) -> Reply {
    let body = if context.api_version == "2021-10" {
        serde_json::json!({ legacy_key: items })
    } else {
        serde_json::json!({ "Value": items })
    };
    Reply {
        status: StatusCode::OK,
        headers: vec![("Content-Type", "application/json".to_string())],
        body: body.to_string(),
    }
}

fn encode_segment(segment: &str) -> String {
    percent_encoding::utf8_percent_encode(segment, percent_encoding::NON_ALPHANUMERIC)
        .to_string()
        .replace("%2E", ".")
        .replace("%2D", "-")
        .replace("%5F", "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_text_is_quoted_and_ascii() {
        let (name, value) = warning_header(r#"say "hi" \ Größe"#);
        assert_eq!(name, "Warning");
        assert_eq!(
            value,
            r#"299 eda-workshop-registry "say \"hi\" \\ GrU+00F6U+00DFe""#
        );
    }
}
