//! Reading one partition through a consumer group with `azeventhubs`.
//!
//! The client's event stream borrows its consumer client, so each reader runs in a task that
//! owns both and forwards events over a channel. Dropping the reader closes the channel, and
//! the task then closes the link and the connection.

use std::collections::VecDeque;
use std::time::Duration;

use ::azeventhubs::consumer::{
    EventHubConsumerClient, EventHubConsumerClientOptions, EventPosition, ReadEventOptions,
};
use ::azeventhubs::{BasicRetryPolicy, MaxRetries};
use async_trait::async_trait;
use broker::connection_string::{ConnectionString, Credential};
use broker::secret::Secret;
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};

use super::errors::{classify_at, describe, timed_out, Operation, Target};
use super::message::received_event;
use super::producer::{signature_expiry, ConnectOptions};
use crate::transport::{
    PartitionReader, ReaderRequest, ReceivedEvent, StartPosition, TransportError,
};

/// Events a reader task may buffer ahead of the consumer.
const CHANNEL_CAPACITY: usize = 512;

/// A partition reader fed by its task.
#[derive(Debug)]
pub(super) struct AzPartitionReader {
    request: ReaderRequest,
    events: mpsc::Receiver<Result<ReceivedEvent, TransportError>>,
    failure: Option<TransportError>,
}

/// Starts a reader task and waits until its link is attached, so that an owner level that is
/// too low or a missing hub fails here. Connecting and attaching together may take at most
/// `connect.step_timeout`, because the client itself bounds neither.
pub(super) async fn open(
    request: ReaderRequest,
    connection_string: Secret<String>,
    connect: &ConnectOptions,
) -> Result<AzPartitionReader, TransportError> {
    check_signature(&connection_string)?;
    let target = Target::of_text(connection_string.expose());
    let (ready, attached) = oneshot::channel();
    // The task reads ahead into the channel too, so a low prefetch bounds the channel as well.
    let capacity = request
        .prefetch
        .map_or(CHANNEL_CAPACITY, |prefetch| prefetch as usize)
        .clamp(1, CHANNEL_CAPACITY);
    let (sender, events) = mpsc::channel(capacity);
    let extra_roots = connect.extra_roots.to_der();
    let task = tokio::spawn(run(
        request.clone(),
        connection_string,
        extra_roots,
        ready,
        sender,
    ));
    let limit = connect.step_timeout;
    let Ok(attached) = tokio::time::timeout(limit, attached).await else {
        task.abort();
        return Err(timed_out("opening a reader on", &target, limit));
    };
    match attached {
        Ok(Ok(())) => Ok(AzPartitionReader {
            request,
            events,
            failure: None,
        }),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(TransportError::Unavailable(format!(
            "the reader of partition `{}` of event hub `{}` stopped before attaching",
            request.partition_id, request.hub
        ))),
    }
}

/// Fails at once when the connection string carries its own `SharedAccessSignature` and it is
/// invalid or has expired, as the producer does, instead of after a round trip to `$cbs`.
pub(super) fn check_signature(connection_string: &Secret<String>) -> Result<(), TransportError> {
    // A string that does not parse is left to the client, which reports it in its own words.
    let Ok(parsed) = ConnectionString::parse(connection_string.expose()) else {
        return Ok(());
    };
    if let Credential::SharedAccessSignature(signature) = parsed.credential() {
        signature_expiry(signature)?;
    }
    Ok(())
}

/// Returns the string to hand to `azeventhubs`: the parser's canonical form, because that
/// client matches part names case-sensitively and would not find `endpoint=` or
/// `sharedaccesskey=`, which the parser and the producer accept. A string that does not parse is
/// handed over as it is, so the client reports it in its own words.
pub(super) fn canonicalize(connection_string: &Secret<String>) -> Secret<String> {
    ConnectionString::parse(connection_string.expose())
        .map(|parsed| parsed.to_canonical())
        .unwrap_or_else(|_| connection_string.clone())
}

async fn run(
    request: ReaderRequest,
    connection_string: Secret<String>,
    extra_root_certificates: Vec<Vec<u8>>,
    ready: oneshot::Sender<Result<(), TransportError>>,
    events: mpsc::Sender<Result<ReceivedEvent, TransportError>>,
) {
    let operation = Operation::Read(&request);
    let target = Target::of_text(connection_string.expose());
    let mut options = EventHubConsumerClientOptions::default();
    options.connection_options.extra_root_certificates = extra_root_certificates;
    // The flow's runtime retries by reopening the reader at its checkpoint, so the client
    // reports every failure at once instead of retrying on its own.
    options.retry_options.max_retries = MaxRetries::new(0).expect("zero retries are valid");
    let consumer = EventHubConsumerClient::new_from_connection_string(
        &request.consumer_group,
        canonicalize(&connection_string).expose().clone(),
        request.hub.clone(),
        options,
    )
    .await;
    let mut consumer = match consumer {
        Ok(consumer) => consumer,
        Err(error) => {
            let _ = ready.send(Err(classify_at(operation, &target, &describe(&error))));
            return;
        }
    };
    forward(&mut consumer, &request, &target, ready, events).await;
    let _ = consumer.close().await;
}

/// Attaches the link, reports the outcome on `ready`, then forwards events until the reader is
/// dropped or the link fails.
async fn forward(
    consumer: &mut EventHubConsumerClient<BasicRetryPolicy>,
    request: &ReaderRequest,
    target: &Target,
    ready: oneshot::Sender<Result<(), TransportError>>,
    events: mpsc::Sender<Result<ReceivedEvent, TransportError>>,
) {
    let operation = Operation::Read(request);
    let position = match request.start {
        StartPosition::Earliest => EventPosition::earliest(),
        StartPosition::AfterSequenceNumber(sequence_number) => {
            EventPosition::from_sequence_number(sequence_number, false)
        }
        StartPosition::FromSequenceNumber(sequence_number) => {
            EventPosition::from_sequence_number(sequence_number, true)
        }
        StartPosition::Latest => EventPosition::latest(),
        StartPosition::EnqueuedAfter(time_ms) => {
            let nanos = i128::from(time_ms) * 1_000_000;
            match ::time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
                Ok(time) => EventPosition::from_enqueued_time(time),
                Err(_) => {
                    let _ = ready.send(Err(TransportError::InvalidStartPosition {
                        hub: request.hub.clone(),
                        partition_id: request.partition_id.clone(),
                        description: format!(
                            "the enqueued time {time_ms} ms since the Unix epoch is out of range"
                        ),
                    }));
                    return;
                }
            }
        }
    };
    let mut read_options = ReadEventOptions::default();
    if let Some(prefetch) = request.prefetch {
        read_options = read_options.with_prefetch_count(prefetch.max(1));
    }
    if let Some(level) = request.owner_level {
        read_options = read_options.with_owner_level(level);
    }
    let attached = consumer
        .read_events_from_partition(&request.partition_id, position, read_options)
        .await;
    let mut stream = match attached {
        Ok(stream) => stream,
        Err(error) => {
            let _ = ready.send(Err(classify_at(operation, target, &describe(&error))));
            return;
        }
    };
    if ready.send(Ok(())).is_err() {
        let _ = stream.close().await;
        return;
    }
    tracing::debug!(
        hub = %request.hub,
        consumer_group = %request.consumer_group,
        partition = %request.partition_id,
        owner_level = ?request.owner_level,
        "reader attached"
    );

    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            _ = events.closed() => break,
        };
        let item = match next {
            Some(Ok(event)) => Ok(received_event(&request.partition_id, &event)),
            Some(Err(error)) => Err(classify_at(operation, target, &describe(&error))),
            None => Err(TransportError::Unavailable(format!(
                "the broker closed the reader of partition `{}` of event hub `{}`",
                request.partition_id, request.hub
            ))),
        };
        let failed = item.is_err();
        if events.send(item).await.is_err() || failed {
            break;
        }
    }
    let _ = stream.close().await;
}

#[async_trait]
impl PartitionReader for AzPartitionReader {
    async fn receive(
        &mut self,
        max_events: usize,
        max_wait: Duration,
    ) -> Result<Vec<ReceivedEvent>, TransportError> {
        if let Some(error) = self.failure.take() {
            return Err(error);
        }
        let first = match tokio::time::timeout(max_wait, self.events.recv()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(None) => {
                return Err(TransportError::Unavailable(format!(
                    "the reader of partition `{}` of event hub `{}` stopped",
                    self.request.partition_id, self.request.hub
                )))
            }
            Ok(Some(item)) => item?,
        };
        let mut batch = VecDeque::from([first]);
        while batch.len() < max_events {
            match self.events.try_recv() {
                Ok(Ok(event)) => batch.push_back(event),
                Ok(Err(error)) => {
                    // Delivered after the events that arrived before it.
                    self.failure = Some(error);
                    break;
                }
                Err(_) => break,
            }
        }
        Ok(batch.into())
    }
}

#[cfg(test)]
mod tests {
    use std::time::{SystemTime, UNIX_EPOCH};

    use super::*;

    fn signature_string(expiry: u64) -> Secret<String> {
        let key = Secret::new("a2V5".to_owned());
        let token = broker::sas::generate_token("sb://127.0.0.1/demo", "listen", &key, expiry);
        Secret::new(format!(
            "Endpoint=sb://127.0.0.1:5672;SharedAccessSignature={};EntityPath=demo;\
             UseDevelopmentEmulator=true",
            token.expose()
        ))
    }

    #[test]
    fn expired_signature_rejected_before_connecting() {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let error = check_signature(&signature_string(now - 60)).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains("SharedAccessSignature expired at"),
            "{message}"
        );
        assert!(message.contains("create a new signature"), "{message}");
        assert!(check_signature(&signature_string(now + 3600)).is_ok());
    }
}
