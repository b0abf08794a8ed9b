//! Listeners that wire [`routes::handle`](super::routes::handle) to sockets: HTTPS for every
//! client, and optionally plain HTTP for Rust clients on the same machine.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::routes::{handle, ParsedRequest, Reply, RequestBody, ServiceState};

/// The maximum number of bytes of an oversized body that the service reads and discards before
/// it replies with 413. Clients such as Python's `http.client` send the whole body before they
/// read the reply, so closing the connection early would leave them with a broken connection
/// instead of the 413. A body larger than this still ends with the connection closed mid-body.
const MAX_DISCARDED_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// How long the service keeps discarding an oversized body before it gives up and closes the
/// connection, so a slow client cannot hold it.
const DISCARD_TIMEOUT: Duration = Duration::from_secs(60);

/// Accepts connections until `shutdown` turns true, then drops every open connection.
pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<ServiceState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "accepting a registry connection failed");
                        continue;
                    }
                };
                let state = state.clone();
                match tls.clone() {
                    Some(acceptor) => {
                        connections.spawn(async move {
                            match acceptor.accept(stream).await {
                                Ok(tls_stream) => serve_connection(tls_stream, state).await,
                                Err(error) => {
                                    tracing::debug!(%peer, %error, "TLS handshake failed");
                                }
                            }
                        });
                    }
                    None => {
                        connections.spawn(serve_connection(stream, state));
                    }
                }
            }
            // Finished connections are reaped so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    connections.shutdown().await;
}

async fn serve_connection<S>(stream: S, state: Arc<ServiceState>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = service_fn(move |request| {
        let state = state.clone();
        async move { Ok::<_, Infallible>(respond(state, request).await) }
    });
    if let Err(error) = http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await
    {
        tracing::debug!(%error, "registry connection ended with an error");
    }
}

async fn respond(state: Arc<ServiceState>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let header = |name: hyper::header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string)
    };
    let max = state.store.limits().max_schema_bytes;
    let declared_length =
        header(hyper::header::CONTENT_LENGTH).and_then(|value| value.trim().parse::<u64>().ok());
    let body = match declared_length {
        Some(length) if length > max as u64 => {
            discard(body, 0).await;
            RequestBody::TooLarge
        }
        _ => read_body(body, max).await,
    };
    let too_large = matches!(body, RequestBody::TooLarge);
    let parsed = ParsedRequest {
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        host: header(hyper::header::HOST).unwrap_or_else(|| "127.0.0.1".to_string()),
        authorization: header(hyper::header::AUTHORIZATION),
        content_type: header(hyper::header::CONTENT_TYPE),
        body,
    };
    let reply = match tokio::task::spawn_blocking(move || handle(&state, &parsed)).await {
        Ok(reply) => reply,
        Err(error) => {
            tracing::error!(%error, "registry request handler panicked");
            Reply {
                status: hyper::StatusCode::INTERNAL_SERVER_ERROR,
                headers: Vec::new(),
                body: String::new(),
            }
        }
    };
    let mut response = to_response(reply);
    if too_large {
        // The rest of the body may not have been read, so the connection cannot carry another
        // request.
        response.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
    }
    response
}

/// Reads a body of at most `max` bytes. A larger body is discarded as far as
/// [`discard`] goes and reported as too large.
async fn read_body(mut body: Incoming, max: usize) -> RequestBody {
    let mut bytes = Vec::new();
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            // The client broke off the request, so the reply will not reach it either.
            return RequestBody::Bytes(bytes);
        };
        if let Some(data) = frame.data_ref() {
            if bytes.len() + data.len() > max {
                discard(body, (bytes.len() + data.len()) as u64).await;
                return RequestBody::TooLarge;
            }
            bytes.extend_from_slice(data);
        }
    }
    RequestBody::Bytes(bytes)
}

/// Reads and drops the rest of an oversized body, of which `already_read` bytes were read,
/// until it ends, passes [`MAX_DISCARDED_BODY_BYTES`] or takes longer than
/// [`DISCARD_TIMEOUT`].
async fn discard(mut body: Incoming, already_read: u64) {
    let drain = async {
        let mut read = already_read;
        while read <= MAX_DISCARDED_BODY_BYTES {
            match body.frame().await {
                Some(Ok(frame)) => {
                    read += frame.data_ref().map_or(0, |data| data.len() as u64);
                }
                Some(Err(_)) | None => return read,
            }
        }
        read
    };
    match tokio::time::timeout(DISCARD_TIMEOUT, drain).await {
        Ok(read) if read > MAX_DISCARDED_BODY_BYTES => {
            tracing::debug!(read, "stopped discarding an oversized schema body");
        }
        Ok(_) => {}
        Err(_) => tracing::debug!("timed out discarding an oversized schema body"),
    }
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(reply.status);
    for (name, value) in reply.headers {
        builder = builder.header(name, value);
    }
    builder
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|error| {
            tracing::error!(%error, "building a registry response failed");
            let mut response = Response::new(Full::new(Bytes::new()));
            *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            response
        })
}
