//! Responses of the local Resource Manager, with ARM's error shape
//! `{"error": {"code": ..., "message": ...}}`.

use serde_json::{json, Value};

/// A response before it becomes HTTP.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Option<Value>,
}

impl Reply {
    pub(crate) fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: None,
        }
    }

    pub(crate) fn error(status: u16, code: &str, message: impl Into<String>) -> Reply {
        Reply::json(
            status,
            json!({ "error": { "code": code, "message": message.into() } }),
        )
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A handler step that either continues or ends with a response.
pub(crate) type Step<T> = Result<T, Reply>;

/// Turns a state-database failure into ARM's 500.
pub(crate) fn internal(error: impl std::fmt::Display) -> Reply {
    Reply::error(
        500,
        "InternalServerError",
        format!("the local Resource Manager failed: {error}"),
    )
}
