//! Listeners that wire [`routes::handle`](super::routes::handle) to sockets: HTTPS for every
//! client, and optionally plain HTTP for Rust clients on the same machine.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
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
    // Read one byte past the limit, so that "too large" is known without reading everything.
    let limit = state.store.limits().max_schema_bytes + 1;
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => RequestBody::Bytes(collected.to_bytes().to_vec()),
        Err(_) => RequestBody::TooLarge,
    };
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
    to_response(reply)
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
