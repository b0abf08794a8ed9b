//! HTTP clients for Azure with bounded connect times, and an `azure_core` 1.x HTTP client over
//! the workspace's `reqwest` (rustls, ring), so credentials such as the service principal's need
//! neither OpenSSL nor a second TLS stack.

use std::time::Duration;

use async_trait::async_trait;
use azure_core::error::ErrorKind;
use azure_core::http::headers::Headers;
use azure_core::http::{AsyncRawResponse, Body, HttpClient, Request, StatusCode};

/// How long connecting to an Azure endpoint may take: a computer without a route to Azure
/// hears so within this time instead of the system's own timeout of minutes.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request to the sign-in service may take in all.
const SIGN_IN_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Returns an HTTP client whose connections must open within [`CONNECT_TIMEOUT`].
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// Returns an HTTP client for the sign-in service, whose requests must also finish within
/// [`SIGN_IN_REQUEST_TIMEOUT`].
pub(crate) fn sign_in_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(SIGN_IN_REQUEST_TIMEOUT)
        .build()
        .unwrap_or_default()
}

/// Sends `azure_core` requests with `reqwest`, for the service principal's sign-in.
#[derive(Debug, Clone)]
pub(crate) struct ReqwestTransport {
    client: reqwest::Client,
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self {
            client: sign_in_http_client(),
        }
    }
}

#[async_trait]
impl HttpClient for ReqwestTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
            .map_err(|error| azure_core::Error::new(ErrorKind::Other, error))?;
        let mut builder = self.client.request(method, request.url().as_str());
        for (name, value) in request.headers().iter() {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder = match request.body() {
            Body::Bytes(bytes) => builder.body(bytes.to_vec()),
            Body::SeekableStream(_) => {
                return Err(azure_core::Error::with_message(
                    ErrorKind::Other,
                    "streamed request bodies are not supported by this transport",
                ))
            }
        };
        let response = builder
            .send()
            .await
            .map_err(|error| azure_core::Error::new(ErrorKind::Io, error))?;
        let status = StatusCode::from(response.status().as_u16());
        let mut headers = Headers::new();
        for (name, value) in response.headers() {
            if let Ok(value) = value.to_str() {
                headers.insert(name.as_str().to_string(), value.to_string());
            }
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|error| azure_core::Error::new(ErrorKind::Io, error))?;
        Ok(AsyncRawResponse::from_bytes(status, headers, bytes))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderMap;
    use axum::routing::post;

    use super::*;

    async fn echo(headers: HeaderMap, body: String) -> (axum::http::StatusCode, String) {
        let marker = headers
            .get("x-marker")
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (axum::http::StatusCode::ACCEPTED, format!("{marker}:{body}"))
    }

    #[tokio::test]
    async fn transport_sends_headers_and_body() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/echo", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/echo", post(echo));
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let mut request = Request::new(url.parse().unwrap(), azure_core::http::Method::Post);
        request.insert_header("x-marker", "m1");
        request.set_body(bytes::Bytes::from_static(b"payload"));
        let response = ReqwestTransport::default()
            .execute_request(&request)
            .await
            .unwrap();
        let (status, _headers, body) = response.deconstruct();
        assert_eq!(u16::from(status), 202);
        let body = body.collect().await.unwrap();
        assert_eq!(&body[..], b"m1:payload");
        server.abort();
    }
}
