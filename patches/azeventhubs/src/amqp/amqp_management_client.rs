// PATCHED for EDA Workshop (see PATCH.md): this file is added. It replaces
// `fe2o3_amqp_management::MgmtClient` (and `fe2o3_amqp_cbs::client::CbsClient`, which wraps it)
// for `$management` and `$cbs` calls, because that client can wait for the outcome of a request
// that fe2o3-amqp 0.10 has already lost.

use std::pin::pin;

use fe2o3_amqp::{link::DetachError, session::SessionHandle, Receiver, Sender};
use fe2o3_amqp_management::{
    error::{AttachError, Error as ManagementError},
    Request, Response,
};
use fe2o3_amqp_types::messaging::{FromBody, IntoBody, MessageId, Properties};
use futures_util::future::{select, Either};

/// A request-response client of a management node (`$management` or `$cbs`): one sending link
/// for requests and one receiving link for their replies, with the link names and addresses
/// `MgmtClient` uses.
#[derive(Debug)]
pub(crate) struct ManagementClient {
    client_node_address: String,
    next_message_id: u64,
    sender: Sender,
    receiver: Receiver,
}

impl ManagementClient {
    /// Attaches the request link to `node_address` and the reply link from it to
    /// `client_node_address`, on `session`.
    pub(crate) async fn attach<R>(
        session: &mut SessionHandle<R>,
        node_address: &str,
        client_node_address: &str,
    ) -> Result<Self, AttachError> {
        let sender = Sender::builder()
            .name(format!("{client_node_address}-mgmt-sender"))
            .target(node_address)
            .attach(session)
            .await?;
        let receiver = Receiver::builder()
            .name(format!("{client_node_address}-mgmt-receiver"))
            .source(node_address)
            .target(client_node_address)
            .attach(session)
            .await?;
        Ok(Self {
            client_node_address: client_node_address.to_owned(),
            next_message_id: 0,
            sender,
            receiver,
        })
    }

    /// Detaches both links.
    pub(crate) async fn close(self) -> Result<(), DetachError> {
        self.sender.close().await?;
        self.receiver.close().await?;
        Ok(())
    }

    /// Sends a request and returns its decoded reply.
    ///
    /// PATCH: the reply is awaited together with the request's outcome, not after it.
    /// fe2o3-amqp 0.10 hands a transfer to the session before it records the delivery as
    /// unsettled (`SenderLink::send_payload_with_transfer`). When the peer settles the request
    /// within that gap, the outcome is dropped, and `MgmtClient::call` (so `CbsClient::put_token`
    /// too) waits for it until the caller's try-timeout (60 s by default). A reply proves the
    /// request was processed, so it ends the call whether or not the outcome arrived. A rejected
    /// or released request still fails the call when its outcome comes before the reply.
    pub(crate) async fn call<Req, Res>(&mut self, request: Req) -> Result<Res, ManagementError>
    where
        Req: Request<Response = Res>,
        Res: Response,
        Res::Error: Into<ManagementError>,
        for<'de> Res::Body: FromBody<'de> + std::fmt::Debug + Send,
    {
        let mut message = request.into_message().map_body(IntoBody::into_body);
        let properties = message.properties.get_or_insert(Properties::default());
        if properties.message_id.is_none() {
            properties.message_id = Some(MessageId::from(self.next_message_id));
            self.next_message_id = self.next_message_id.wrapping_add(1);
        }
        if properties.reply_to.is_none() {
            properties.reply_to = Some(self.client_node_address.clone());
        }

        // `send_batchable` is the one public send of `Sender` that returns the outcome as a
        // future. Its batchable flag only lets the peer delay the disposition.
        let outcome = self.sender.send_batchable(message).await?;
        let reply = {
            let outcome = pin!(outcome);
            let reply = pin!(self.receiver.recv::<Res::Body>());
            match select(outcome, reply).await {
                Either::Left((outcome, reply)) => {
                    outcome?.accepted_or_else(ManagementError::NotAccepted)?;
                    reply.await?
                }
                Either::Right((reply, _outcome)) => reply?,
            }
        };
        self.receiver.accept(&reply).await?;
        Res::from_message(reply.into_message()).map_err(Into::into)
    }
}
