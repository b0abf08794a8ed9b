//! The TCP listeners on 127.0.0.1: plain AMQP, and AMQP inside TLS.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::connection;
use super::state::Shared;

/// The maximum segment size set on the listener, which accepted sockets inherit. On loopback
/// Linux can report a segment size of 32768, and the Python SDK's pure-Python AMQP layer reads
/// TCP_MAXSEG and writes it back, which Linux then rejects with `EINVAL`. With a typical
/// Ethernet value set here, the value it reads back is one Linux accepts.
#[cfg(unix)]
const LOOPBACK_SAFE_MSS: u32 = 1460;

/// How long a client may take to complete the TLS handshake before its socket is closed, so a
/// client that connects and sends nothing, or half a handshake, does not keep a task waiting.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds 127.0.0.1 and never another address.
pub(super) fn bind(port: u16) -> std::io::Result<TcpListener> {
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    #[cfg(unix)]
    if let Err(error) = socket.set_tcp_mss(LOOPBACK_SAFE_MSS) {
        tracing::warn!(%error, "could not set TCP_MAXSEG on the listener");
    }
    socket.bind(&address.into())?;
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    TcpListener::from_std(socket.into())
}

/// Accepts connections until shutdown, then waits for the open ones to close. With `tls`, each
/// connection first completes a TLS handshake and then speaks AMQP inside it.
pub(super) async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let span = tracing::debug_span!("connection", %peer, tls = tls.is_some());
                    let shared = Arc::clone(&shared);
                    let shutdown = shutdown.clone();
                    let task = serve_accepted(stream, peer, tls.clone(), shared, shutdown);
                    connections.spawn(tracing::Instrument::instrument(task, span));
                }
                Err(error) => {
                    // Running out of file descriptors is the usual cause; pause instead of
                    // spinning on the same error.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    while connections.join_next().await.is_some() {}
}

/// Serves one accepted socket: directly, or after the TLS handshake when `tls` is set. A
/// failed or timed-out handshake closes only this socket.
async fn serve_accepted(
    stream: TcpStream,
    peer: SocketAddr,
    tls: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%peer, %error, "could not disable Nagle's algorithm");
    }
    let Some(acceptor) = tls else {
        let (reader, writer) = stream.into_split();
        connection::serve(reader, writer, peer, shared, shutdown).await;
        return;
    };
    let handshake = tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream));
    let stream = tokio::select! {
        result = handshake => match result {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => {
                tracing::debug!(%peer, %error, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(
                    %peer,
                    timeout_s = TLS_HANDSHAKE_TIMEOUT.as_secs(),
                    "TLS handshake timed out"
                );
                return;
            }
        },
        _ = shutdown.changed() => return,
    };
    let (reader, writer) = tokio::io::split(stream);
    connection::serve(reader, writer, peer, shared, shutdown).await;
}
