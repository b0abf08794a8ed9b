//! The AMQP 1.0 client that drives every broker the same way: one connection and session per
//! producer or consumer, senders that wait for the broker's disposition, and receivers that
//! ask for pre-settled deliveries.

use std::time::Duration;

use anyhow::Context as _;
use fe2o3_amqp::connection::ConnectionHandle;
use fe2o3_amqp::link::receiver::CreditMode;
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::session::SessionHandle;
use fe2o3_amqp::types::definitions::{ReceiverSettleMode, SenderSettleMode};
use fe2o3_amqp::types::messaging::{Source, Target, TerminusDurability};
use fe2o3_amqp::{Connection, Receiver, Sender, Session};

use crate::cbs::{self, CbsToken};

/// The credit each receiver grants, topped up whenever half of it is used.
const RECEIVE_CREDIT: u32 = 1_000;
/// How long closing a link, session or connection may take before the client gives up on it.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The endpoint, credentials and link addresses of one broker under test.
#[derive(Debug, Clone)]
pub(crate) struct Destination {
    /// The broker's name in reports.
    pub(crate) broker: &'static str,
    /// The connection URL, `amqp://127.0.0.1:{port}`.
    pub(crate) url: String,
    /// The SASL mechanism and credentials.
    pub(crate) sasl: SaslProfile,
    /// The address producers send to.
    pub(crate) sender_address: String,
    /// The addresses consumers receive from, one receiver link each.
    pub(crate) receiver_addresses: Vec<String>,
    /// The token to put on `$cbs` after opening a session, when the broker uses CBS.
    pub(crate) token: Option<CbsToken>,
}

/// An open connection with one session.
#[derive(Debug)]
pub(crate) struct Client {
    connection: ConnectionHandle<()>,
    session: SessionHandle<()>,
}

impl Client {
    /// Opens a connection and a session, and puts the destination's token on `$cbs`.
    pub(crate) async fn connect(
        destination: &Destination,
        container_id: &str,
    ) -> anyhow::Result<Self> {
        let mut connection = Connection::builder()
            .container_id(container_id)
            .sasl_profile(destination.sasl.clone())
            .open(destination.url.as_str())
            .await
            .with_context(|| {
                format!(
                    "connecting to {} at {} failed",
                    destination.broker, destination.url
                )
            })?;
        let mut session = Session::begin(&mut connection)
            .await
            .with_context(|| format!("beginning a session with {} failed", destination.broker))?;
        if let Some(token) = &destination.token {
            cbs::put_token(&mut session, token).await?;
        }
        Ok(Self {
            connection,
            session,
        })
    }

    /// Attaches a sender to the destination's sender address with a durable terminus. The
    /// broker settles each delivery with its outcome.
    pub(crate) async fn sender(
        &mut self,
        destination: &Destination,
        name: &str,
    ) -> anyhow::Result<Sender> {
        let target = Target::builder()
            .address(destination.sender_address.clone())
            .durable(TerminusDurability::Configuration)
            .build();
        Sender::builder()
            .name(name)
            .target(target)
            .sender_settle_mode(SenderSettleMode::Unsettled)
            .receiver_settle_mode(ReceiverSettleMode::First)
            .attach(&mut self.session)
            .await
            .with_context(|| {
                format!(
                    "attaching a sender to `{}` on {} failed",
                    destination.sender_address, destination.broker
                )
            })
    }

    /// Attaches one receiver per receiver address, each asking for pre-settled deliveries.
    pub(crate) async fn receivers(
        &mut self,
        destination: &Destination,
        name: &str,
    ) -> anyhow::Result<Vec<Receiver>> {
        let mut receivers = Vec::with_capacity(destination.receiver_addresses.len());
        for (index, address) in destination.receiver_addresses.iter().enumerate() {
            let source = Source::builder()
                .address(address.clone())
                .durable(TerminusDurability::Configuration)
                .build();
            let receiver = Receiver::builder()
                .name(format!("{name}-{index}"))
                .source(source)
                .sender_settle_mode(SenderSettleMode::Settled)
                .credit_mode(CreditMode::Auto(RECEIVE_CREDIT))
                // `fe2o3-amqp` 0.10 tops up credit only when it settles a delivery. Settling a
                // pre-settled one sends nothing, and without it the credit would run out.
                .auto_accept(true)
                .attach(&mut self.session)
                .await
                .with_context(|| {
                    format!(
                        "attaching a receiver to `{address}` on {} failed",
                        destination.broker
                    )
                })?;
            receivers.push(receiver);
        }
        Ok(receivers)
    }

    /// Ends the session and closes the connection, each within 5 seconds.
    pub(crate) async fn close(mut self) {
        if let Err(error) = bounded(self.session.end()).await {
            tracing::debug!(%error, "ending the session failed");
        }
        if let Err(error) = bounded(self.connection.close()).await {
            tracing::debug!(%error, "closing the connection failed");
        }
    }
}

/// Closes a sender within 5 seconds.
pub(crate) async fn close_sender(sender: Sender) {
    if let Err(error) = bounded(sender.close()).await {
        tracing::debug!(%error, "closing a sender failed");
    }
}

/// Closes a receiver within 5 seconds.
pub(crate) async fn close_receiver(receiver: Receiver) {
    if let Err(error) = bounded(receiver.close()).await {
        tracing::debug!(%error, "closing a receiver failed");
    }
}

async fn bounded<T, E: std::fmt::Display>(
    step: impl std::future::Future<Output = Result<T, E>>,
) -> anyhow::Result<T> {
    match tokio::time::timeout(CLOSE_TIMEOUT, step).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(anyhow::anyhow!("{error}")),
        Err(_) => Err(anyhow::anyhow!("timed out after 5 s")),
    }
}
