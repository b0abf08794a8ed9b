//! The TCP listener on 127.0.0.1.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::connection;
use super::state::Shared;

/// The maximum segment size set on the listener, which accepted sockets inherit. On loopback
/// Linux can report a segment size of 32768, and the Python SDK's pure-Python AMQP layer reads
/// TCP_MAXSEG and writes it back, which Linux then rejects with `EINVAL`. With a typical
/// Ethernet value set here, the value it reads back is one Linux accepts.
#[cfg(unix)]
const LOOPBACK_SAFE_MSS: u32 = 1460;

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

/// Accepts connections until shutdown, then waits for the open ones to close.
pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let span = tracing::debug_span!("connection", %peer);
                    let task = connection::serve(stream, peer, Arc::clone(&shared), shutdown.clone());
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
