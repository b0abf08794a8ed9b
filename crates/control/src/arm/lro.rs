//! Following ARM's long-running operations, as plain decisions on status codes, headers and
//! bodies, so they are tested without a server.
//!
//! ARM returns 201 or 202 for a PUT or DELETE it has not finished and names where to look.
//! `Azure-AsyncOperation` points at an operation whose body carries `status`. `Location`
//! points at a URL that returns 202 until the operation ends. Without either header the resource's own
//! `properties.provisioningState` tells the state.

use std::time::Duration;

use serde_json::Value;

/// The next step after a response to a PUT or a DELETE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    /// The operation has finished; the body is the result.
    Done,
    /// Poll this operation-status URL until its `status` is terminal.
    AsyncOperation(String),
    /// Poll this URL until it stops returning 202.
    Location(String),
    /// Read the resource again until its `provisioningState` is terminal.
    ReadResource,
}

/// The state of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum State {
    /// Still running.
    Running,
    /// Finished well.
    Succeeded,
    /// Ended as `Failed` or `Canceled`, with ARM's explanation.
    Ended { status: String, message: String },
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.as_str())
}

/// Decides how to follow the first response to a PUT or a DELETE.
pub(crate) fn after_first_response(
    status: u16,
    headers: &[(String, String)],
    body: &Value,
) -> Next {
    if let Some(url) = header(headers, "azure-asyncoperation") {
        if status == 201 || status == 202 {
            return Next::AsyncOperation(url.to_string());
        }
    }
    if status == 202 {
        return match header(headers, "location") {
            Some(url) => Next::Location(url.to_string()),
            None => Next::Done,
        };
    }
    match provisioning_state(body) {
        State::Running => Next::ReadResource,
        _ => Next::Done,
    }
}

/// Reads the state that an operation-status body reports in `status`.
pub(crate) fn operation_state(body: &Value) -> State {
    classify(body["status"].as_str(), body)
}

/// Reads the state that a resource body reports in `properties.provisioningState`. A body
/// without one describes a finished resource.
pub(crate) fn provisioning_state(body: &Value) -> State {
    match body["properties"]["provisioningState"].as_str() {
        None => State::Succeeded,
        state => classify(state, body),
    }
}

fn classify(state: Option<&str>, body: &Value) -> State {
    match state.map(str::to_ascii_lowercase).as_deref() {
        Some("succeeded") => State::Succeeded,
        Some("failed") | Some("canceled") | Some("cancelled") => State::Ended {
            status: state.unwrap_or_default().to_string(),
            message: body["error"]["message"]
                .as_str()
                .unwrap_or("ARM gave no reason")
                .to_string(),
        },
        _ => State::Running,
    }
}

/// Reads the wait ARM requests in `Retry-After` (whole seconds), if any.
pub(crate) fn retry_after(headers: &[(String, String)]) -> Option<Duration> {
    header(headers, "retry-after")?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Computes the wait before poll number `attempt` (from 0): `Retry-After` when ARM gives a positive
/// one, else a wait that starts short and doubles up to `ceiling`.
pub(crate) fn poll_delay(
    attempt: u32,
    retry_after: Option<Duration>,
    ceiling: Duration,
) -> Duration {
    match retry_after {
        Some(wait) if !wait.is_zero() => wait,
        _ => {
            let doubled = Duration::from_millis(10).saturating_mul(1 << attempt.min(16));
            doubled.min(ceiling)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn created_with_async_operation_polls_it() {
        let next = after_first_response(
            201,
            &headers(&[("Azure-AsyncOperation", "http://h/op/1")]),
            &json!({"properties": {"provisioningState": "Accepted"}}),
        );
        assert_eq!(next, Next::AsyncOperation("http://h/op/1".into()));
    }

    #[test]
    fn accepted_with_location_polls_location() {
        let next = after_first_response(202, &headers(&[("Location", "http://h/r/1")]), &json!({}));
        assert_eq!(next, Next::Location("http://h/r/1".into()));
    }

    #[test]
    fn created_without_headers_reads_resource_while_running() {
        let running = json!({"properties": {"provisioningState": "Creating"}});
        assert_eq!(after_first_response(201, &[], &running), Next::ReadResource);
        let done = json!({"properties": {"provisioningState": "Succeeded"}});
        assert_eq!(after_first_response(201, &[], &done), Next::Done);
        assert_eq!(after_first_response(200, &[], &json!({})), Next::Done);
    }

    #[test]
    fn operation_status_failed_carries_message() {
        let body = json!({"status": "Failed", "error": {"code": "X", "message": "quota"}});
        assert_eq!(
            operation_state(&body),
            State::Ended {
                status: "Failed".into(),
                message: "quota".into()
            }
        );
        assert_eq!(
            operation_state(&json!({"status": "InProgress"})),
            State::Running
        );
        assert_eq!(
            operation_state(&json!({"status": "Succeeded"})),
            State::Succeeded
        );
    }

    #[test]
    fn poll_delay_follows_retry_after_or_doubles() {
        let ceiling = Duration::from_secs(2);
        assert_eq!(
            poll_delay(0, Some(Duration::from_secs(5)), ceiling),
            Duration::from_secs(5)
        );
        assert_eq!(poll_delay(0, None, ceiling), Duration::from_millis(10));
        assert_eq!(
            poll_delay(3, Some(Duration::ZERO), ceiling),
            Duration::from_millis(80)
        );
        assert_eq!(poll_delay(12, None, ceiling), ceiling);
        assert_eq!(
            retry_after(&headers(&[("Retry-After", "7")])),
            Some(Duration::from_secs(7))
        );
    }
}
