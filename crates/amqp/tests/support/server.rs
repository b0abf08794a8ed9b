//! A TCP server on 127.0.0.1 that runs the engine and the mini broker for each connection.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use amqp::{Connection, ConnectionConfig};
use socket2::{Domain, Socket, Type};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use super::mini_broker::{Handler, SharedStore, Store};

/// The longest a connection task sleeps without input, so that events stored by another
/// connection reach its consumers even if a wake-up is missed.
const MAX_SLEEP: Duration = Duration::from_millis(200);

/// A running server.
#[derive(Debug)]
pub(crate) struct Server {
    pub(crate) address: SocketAddr,
    pub(crate) store: SharedStore,
    /// The result of setting TCP_MAXSEG to 1460 on the listening socket; `None` when skipped.
    pub(crate) mss_result: Option<Result<(), String>>,
    /// Raw inbound byte streams of finished connections, in the order they closed.
    pub(crate) captures: Arc<Mutex<Vec<Vec<u8>>>>,
}

/// Binds 127.0.0.1 on an ephemeral port (or `port`) and serves connections until the runtime
/// stops. `set_mss` sets TCP_MAXSEG 1460 on the listener.
pub(crate) async fn start(port: u16, set_mss: bool) -> std::io::Result<Server> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_reuse_address(true)?;
    // The Python client copies its socket's TCP_MAXSEG back with setsockopt; on loopback the
    // value it reads can be one Linux then rejects. A listener MSS of 1460 bounds what it reads.
    let mss_result = set_mss.then(|| socket.set_tcp_mss(1460).map_err(|error| error.to_string()));
    let address: SocketAddr = ([127, 0, 0, 1], port).into();
    socket.bind(&address.into())?;
    socket.listen(64)?;
    socket.set_nonblocking(true)?;
    let listener = TcpListener::from_std(socket.into())?;
    let address = listener.local_addr()?;

    let store: SharedStore = Arc::new(Mutex::new(Store::default()));
    let captures = Arc::new(Mutex::new(Vec::new()));
    let notify = Arc::new(Notify::new());
    let server = Server {
        address,
        store: store.clone(),
        mss_result,
        captures: captures.clone(),
    };
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            let notify = notify.clone();
            let captures = captures.clone();
            tokio::spawn(async move {
                let recorded = serve(stream, store, notify).await;
                captures.lock().unwrap().push(recorded);
            });
        }
    });
    Ok(server)
}

/// Runs one connection until it closes and returns every byte the client sent.
async fn serve(stream: TcpStream, store: SharedStore, notify: Arc<Notify>) -> Vec<u8> {
    let _ = stream.set_nodelay(true);
    let (mut reader, mut writer) = stream.into_split();
    let mut connection = Connection::new(ConnectionConfig::default());
    let mut handler = Handler::new(store.clone());
    let mut recorded = Vec::new();
    let mut buffer = vec![0u8; 65_536];
    loop {
        let version = store.lock().unwrap().clock_ms;
        handler.drive(&mut connection);
        if store.lock().unwrap().clock_ms != version {
            notify.notify_waiters();
        }
        let deadline = connection.tick(Instant::now());
        let output = connection.take_output();
        if !output.is_empty() && writer.write_all(&output).await.is_err() {
            break;
        }
        if connection.is_closed() {
            let _ = writer.shutdown().await;
            break;
        }
        let sleep = deadline
            .map_or(MAX_SLEEP, |at| at.saturating_duration_since(Instant::now()))
            .min(MAX_SLEEP);
        tokio::select! {
            read = reader.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    recorded.extend_from_slice(&buffer[..n]);
                    connection.feed(&buffer[..n]);
                }
            },
            () = notify.notified() => {}
            () = tokio::time::sleep(sleep) => {}
        }
    }
    recorded
}
