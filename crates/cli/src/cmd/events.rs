//! `eda-workshop send` and `eda-workshop receive`: events to and from any event hub, Local or
//! Azure, with a connection string from the environment, through the client the flow uses.
//!
//! The connection string comes from `EVENTHUB_CONNECTION_STRING`, not from an option, so that
//! its key stays out of the shell's history and the list of running processes. No key or
//! signature of it appears in what these commands print (see [`redact`]).
//!
//! Over TLS (a string without `UseDevelopmentEmulator=true`), both commands trust the bundled
//! web roots and, with `--ca-file`, the certificates of a PEM file, such as the local broker's
//! `broker-ca.pem`.

mod output;
mod redact;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use broker::connection_string::{ConnectionString, ConnectionStringError};
use broker::limits::MAX_EVENT_BYTES;
use broker::secret::Secret;
use clap::Args;
use course::{validate_name, ResourceKind};
use flow::transport::azeventhubs::{AzEventHubsTransport, ExtraRootCertificates, HubConnections};
use flow::transport::{
    EventTransport, OutgoingEvent, PartitionReader, PartitionRuntime, PublishBatch, ReaderRequest,
    StartPosition, TransportError,
};

use self::output::{escape_control, print_event};
use self::redact::Redactor;

use crate::Global;

/// Log directives for these commands: the transport's own warnings about a failed publish repeat
/// the error the command prints, so only its errors are logged unless `RUST_LOG` sets another level.
pub(crate) const QUIET_LOG_DIRECTIVES: &[&str] = &["flow::transport::azeventhubs=error"];

/// The environment variable that contains the connection string.
const CONNECTION_STRING_VARIABLE: &str = "EVENTHUB_CONNECTION_STRING";

/// How long one receive of a partition waits for its first event before the next partition's
/// turn.
const RECEIVE_TURN: Duration = Duration::from_millis(200);

/// Options of `eda-workshop send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The event hub; it must match the connection string's EntityPath when it has one.
    #[arg(long, value_name = "HUB")]
    hub: Option<String>,

    /// Send to the partition this key hashes to; the same key always reaches the same
    /// partition.
    #[arg(long, value_name = "KEY")]
    partition_key: Option<String>,

    /// Send to this partition id.
    #[arg(long = "partition", value_name = "ID")]
    partition_id: Option<String>,

    /// Also trust the CA certificates in this PEM file for TLS, such as broker-ca.pem in the
    /// data folder of `eda-workshop serve` for its TLS listener.
    #[arg(long, value_name = "PATH")]
    ca_file: Option<PathBuf>,

    /// Send the body this many times, as one batch to one partition.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    count: u32,

    /// The AMQP content type of the events, such as application/json.
    #[arg(long, value_name = "TYPE")]
    content_type: Option<String>,

    /// Read the body from this file instead of the BODY argument.
    #[arg(long, value_name = "FILE", conflicts_with = "body")]
    body_file: Option<PathBuf>,

    /// The body, as text.
    #[arg(value_name = "BODY", required_unless_present = "body_file")]
    body: Option<String>,
}

/// The start position of `eda-workshop receive` in each partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StartAt {
    Earliest,
    Latest,
    Sequence(i64),
    AfterSequence(i64),
    /// After an enqueued time, in milliseconds since the Unix epoch.
    EnqueuedAfter(i64),
}

fn parse_from(text: &str) -> Result<StartAt, String> {
    let number = |value: &str| {
        value
            .parse::<i64>()
            .ok()
            .filter(|number| *number >= 0)
            .ok_or_else(|| format!("`{value}` is not a sequence number: use a whole number from 0"))
    };
    // The time is taken as written, so that an error quotes it unchanged.
    let trimmed = text.trim();
    if let Some((word, time)) = trimmed.split_once(':') {
        if word.eq_ignore_ascii_case("time") {
            return enqueued_time(time.trim()).map(StartAt::EnqueuedAfter);
        }
    }
    // The words are matched in any case, as Event Hubs matches `$Default`.
    let lowered = trimmed.to_ascii_lowercase();
    match lowered.as_str() {
        "earliest" => Ok(StartAt::Earliest),
        "latest" => Ok(StartAt::Latest),
        _ => match lowered.split_once(':') {
            Some(("sequence", value)) => number(value.trim()).map(StartAt::Sequence),
            Some(("after", value)) => number(value.trim()).map(StartAt::AfterSequence),
            _ => Err(format!(
                "`{text}` is not a start position: use earliest, latest, sequence:N (from \
                 sequence number N), after:N (after it) or time:T (after the enqueued time T, \
                 such as time:2026-12-06T14:00:00Z)"
            )),
        },
    }
}

/// Reads an enqueued time for `--from time:T` in RFC 3339, such as `2026-12-06T14:00:00Z` or
/// `2026-12-06T15:00:00+01:00`, as milliseconds since the Unix epoch. RFC 3339 allows `t` and
/// `z` in lower case, which the parser does not, so they are raised first.
fn enqueued_time(text: &str) -> Result<i64, String> {
    chrono::DateTime::parse_from_rfc3339(&text.to_ascii_uppercase())
        .map(|time| time.timestamp_millis())
        .map_err(|error| {
            format!(
                "`{text}` is not a time ({error}): write it in RFC 3339 with a zone, such as \
                 2026-12-06T14:00:00Z"
            )
        })
}

/// Options of `eda-workshop receive`.
#[derive(Debug, Args)]
pub(crate) struct ReceiveArgs {
    /// The event hub; it must match the connection string's EntityPath when it has one.
    #[arg(long, value_name = "HUB")]
    hub: Option<String>,

    /// The consumer group to read through.
    #[arg(long, value_name = "GROUP", default_value = "$Default")]
    consumer_group: String,

    /// Read only this partition id (default: every partition).
    #[arg(long = "partition", value_name = "ID")]
    partition_id: Option<String>,

    /// Also trust the CA certificates in this PEM file for TLS, such as broker-ca.pem in the
    /// data folder of `eda-workshop serve` for its TLS listener.
    #[arg(long, value_name = "PATH")]
    ca_file: Option<PathBuf>,

    /// The start position: earliest, latest, sequence:N (from sequence number N), after:N (after
    /// it) or time:T (after the enqueued time T in RFC 3339, such as time:2026-12-06T14:00:00Z).
    #[arg(long, value_name = "POSITION", default_value = "earliest", value_parser = parse_from)]
    from: StartAt,

    /// Stop after this many events.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max: u32,

    /// Stop when no event arrived for this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
    wait: u64,
}

/// The byte-order mark that may precede a connection string saved from a text editor.
const BYTE_ORDER_MARK: char = '\u{feff}';

/// Reads the connection string from the environment, with the redactor of its secrets. A
/// leading byte-order mark is removed. `rule` is the rule whose string the command needs,
/// `send` or `listen`, for the example in the error when the variable is not set.
fn connection_string(rule: &str) -> anyhow::Result<(String, Redactor)> {
    match std::env::var(CONNECTION_STRING_VARIABLE) {
        Ok(text) => {
            // Editors on Windows may save a copied string with a byte-order mark in front.
            let text = text
                .strip_prefix(BYTE_ORDER_MARK)
                .map_or(text.clone(), str::to_owned);
            let redactor = Redactor::for_connection_string(&text);
            Ok((text, redactor))
        }
        Err(std::env::VarError::NotUnicode(_)) => bail!(
            "{CONNECTION_STRING_VARIABLE} is not valid UTF-8: set it again from the copied \
             connection string, which is plain ASCII text"
        ),
        Err(std::env::VarError::NotPresent) => bail!(
            "{CONNECTION_STRING_VARIABLE} is not set: set it to the event hub's connection \
             string, for example `export {CONNECTION_STRING_VARIABLE}=\"$(eda-workshop \
             connection-string --hub HUB --rule {rule})\"` while `eda-workshop serve --hub HUB` \
             runs, or the string of a shared access policy in the Azure portal"
        ),
    }
}

/// Checks the connection string against the requested hub and builds the transport. Both the
/// string's EntityPath and `--hub` must follow Azure's event hub naming rule.
fn connection(
    text: &str,
    hub: Option<&str>,
    ca_file: Option<&Path>,
) -> anyhow::Result<(String, AzEventHubsTransport)> {
    let parsed = ConnectionString::parse(text)?;
    if let Some(entity_path) = parsed.entity_path() {
        validate_name(ResourceKind::EventHub, entity_path)
            .context("the connection string's EntityPath is not an event hub name")?;
    }
    if let Some(requested) = hub {
        validate_name(ResourceKind::EventHub, requested).context("--hub is invalid")?;
    }
    let hub = match parsed.hub(hub) {
        Ok(hub) => hub.to_owned(),
        Err(ConnectionStringError::MissingHub) => bail!(
            "the connection string has no EntityPath: name the event hub with --hub HUB, or use \
             the string of a shared access policy of the event hub itself"
        ),
        Err(error) => return Err(error.into()),
    };
    let secret = Secret::new(text.to_owned());
    let connections = HubConnections {
        send: secret.clone(),
        listen: secret,
    };
    let mut transport = AzEventHubsTransport::new(BTreeMap::from([(hub.clone(), connections)]));
    if let Some(path) = ca_file {
        transport =
            transport.with_extra_root_certificates(ExtraRootCertificates::from_pem_file(path)?);
    }
    Ok((hub, transport))
}

/// Sends the events and prints the partition that took them.
pub(crate) async fn send(args: SendArgs, global: &Global) -> anyhow::Result<()> {
    let (text, redactor) = connection_string("send")?;
    match send_events(args, global, &text).await {
        Ok(summary) => {
            println!("{}", redactor.hide(&summary));
            Ok(())
        }
        Err(error) => Err(redacted(&error, &redactor)),
    }
}

/// Returns an error whose message (with its causes) has the connection string's secrets hidden.
fn redacted(error: &anyhow::Error, redactor: &Redactor) -> anyhow::Error {
    anyhow::anyhow!(redactor.hide(&format!("{error:#}")))
}

async fn send_events(args: SendArgs, global: &Global, text: &str) -> anyhow::Result<String> {
    if args.partition_key.is_some() && args.partition_id.is_some() {
        bail!(
            "--partition-key and --partition were both given: choose one. A key picks the \
             partition by its hash, so the same key always reaches the same partition; an id \
             names the partition itself"
        );
    }
    if let Some(id) = &args.partition_id {
        check_partition_id(id)?;
    }
    if args.partition_key.as_deref() == Some("") {
        // Microsoft's Python client sends an empty key as no key at all, so an empty key here is
        // more likely a mistake, such as an unset shell variable, than a key to hash.
        bail!(
            "--partition-key is empty: give a key, or leave the option out so that the hub \
             spreads the events over its partitions"
        );
    }
    let body = match (&args.body_file, args.body) {
        (Some(path), _) => std::fs::read(path)
            .with_context(|| format!("cannot read the body from `{}`", path.display()))?,
        (None, Some(text)) => text.into_bytes(),
        (None, None) => bail!("give the body as an argument or with --body-file"),
    };
    if args.content_type.as_deref() == Some("") {
        bail!(
            "--content-type is empty: give a media type such as application/json, or leave the \
             option out to send no content type"
        );
    }

    let size = EventSize {
        body: body.len(),
        properties: args.content_type.as_deref().map_or(0, symbol_encoded_len),
        partition_key: args.partition_key.as_deref().map_or(0, str::len),
    };
    check_sizes(&size, args.count)?;

    let (hub, transport) = connection(text, args.hub.as_deref(), args.ca_file.as_deref())?;
    let event = OutgoingEvent {
        body,
        content_type: args.content_type,
        properties: BTreeMap::new(),
    };
    let batch = PublishBatch {
        hub: hub.clone(),
        partition_key: args.partition_key,
        partition_id: args.partition_id,
        events: vec![event; args.count as usize],
    };
    let key = batch.partition_key.clone();
    let ack = transport.publish(batch).await?;

    let partition = match (&ack.partition_id, &key) {
        (Some(id), _) => id.clone(),
        (None, Some(key)) => format!(
            "chosen by the broker from partition key `{}`",
            escape_control(key)
        ),
        (None, None) => "chosen by the broker".to_owned(),
    };
    if global.json {
        let value = serde_json::json!({
            "hub": hub,
            "events": ack.events,
            "partition_id": ack.partition_id,
        });
        return Ok(value.to_string());
    }
    let plural = if ack.events == 1 { "" } else { "s" };
    Ok(format!(
        "sent {} event{plural} to event hub `{hub}`, partition {partition}",
        ack.events
    ))
}

/// Rejects a partition id that is not a whole number, as every Event Hubs partition id is.
fn check_partition_id(id: &str) -> anyhow::Result<()> {
    if id.is_empty() || !id.bytes().all(|byte| byte.is_ascii_digit()) {
        bail!(
            "partition id `{id}` is invalid: Event Hubs partition ids are whole numbers from 0 \
             to the partition count minus 1, such as 0"
        );
    }
    Ok(())
}

/// The parts of an event that count toward Event Hubs' limit of 1 MB, in bytes, as the local
/// broker counts them: the body, the encoded message properties the sender set (here only the
/// content type), and the partition key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EventSize {
    body: usize,
    properties: usize,
    partition_key: usize,
}

/// Returns the encoded size of an AMQP symbol of `text`: a constructor and a one-byte length up
/// to 255 bytes, else a four-byte length.
fn symbol_encoded_len(text: &str) -> usize {
    let header = if text.len() <= 255 { 2 } else { 5 };
    header + text.len()
}

/// Rejects an event or a batch over Event Hubs' limit of 1 MB before anything is sent. A batch
/// carries its partition key once.
fn check_sizes(size: &EventSize, count: u32) -> anyhow::Result<()> {
    let EventSize {
        body,
        properties,
        partition_key,
    } = *size;
    if body > MAX_EVENT_BYTES {
        bail!(
            "the body is {body} bytes, over Event Hubs' limit of {MAX_EVENT_BYTES} bytes \
             (1 MB) for one event: send a smaller body, or store the data elsewhere and send a \
             reference to it"
        );
    }
    let event = body + properties + partition_key;
    if event > MAX_EVENT_BYTES {
        let shorter = match (properties > 0, partition_key > 0) {
            (true, true) => "the body, the content type or the partition key",
            (true, false) => "the body or the content type",
            _ => "the body or the partition key",
        };
        bail!(
            "the event is {event} bytes (body {body}, content type {properties}, partition key \
             {partition_key}), over Event Hubs' limit of {MAX_EVENT_BYTES} bytes (1 MB) for one \
             event: shorten {shorter}"
        );
    }
    let batch = (body + properties)
        .saturating_mul(count as usize)
        .saturating_add(partition_key);
    if batch > MAX_EVENT_BYTES {
        bail!(
            "{count} events of {} bytes make a batch of {batch} bytes, over Event Hubs' limit of \
             {MAX_EVENT_BYTES} bytes (1 MB) for one batch: lower --count",
            body + properties
        );
    }
    Ok(())
}

/// The consumer group every event hub has. Azure compares entity names without regard to
/// case, so `$default` names it too.
const DEFAULT_CONSUMER_GROUP: &str = "$Default";

/// Returns the consumer group to read through: `$Default` in any case, or a name that follows
/// the naming rule.
fn consumer_group_name(name: &str) -> anyhow::Result<String> {
    if name.eq_ignore_ascii_case(DEFAULT_CONSUMER_GROUP) {
        return Ok(DEFAULT_CONSUMER_GROUP.to_owned());
    }
    validate_name(ResourceKind::ConsumerGroup, name).context("--consumer-group is invalid")?;
    Ok(name.to_owned())
}

/// Maps `--from` to the reader's start position. `sequence:N` is inclusive, so a broker that
/// rejects it quotes N itself.
fn start_position(from: StartAt) -> StartPosition {
    match from {
        StartAt::Earliest => StartPosition::Earliest,
        StartAt::Latest => StartPosition::Latest,
        StartAt::Sequence(number) => StartPosition::FromSequenceNumber(number),
        StartAt::AfterSequence(number) => StartPosition::AfterSequenceNumber(number),
        StartAt::EnqueuedAfter(time_ms) => StartPosition::EnqueuedAfter(time_ms),
    }
}

/// Returns a note when the first event `from` requests in `partition` is older than the oldest
/// retained one, saying how many events retention removed.
fn retention_note(partition: &PartitionRuntime, from: StartAt) -> Option<String> {
    let first_retained = partition.beginning_sequence_number;
    let first_requested = match from {
        StartAt::Earliest => 0,
        // A time names no sequence number, so the removed events are not counted.
        StartAt::Latest | StartAt::EnqueuedAfter(_) => return None,
        StartAt::Sequence(number) => number,
        StartAt::AfterSequence(number) => number.saturating_add(1),
    };
    if first_retained <= 0 || first_requested >= first_retained {
        return None;
    }
    let removed = first_retained - first_requested;
    let id = &partition.partition_id;
    if from == StartAt::Earliest {
        return Some(format!(
            "partition {id} starts at sequence number {first_retained}: the {removed} events \
             before it are no longer retained"
        ));
    }
    let last_removed = first_retained - 1;
    Some(format!(
        "partition {id} starts at sequence number {first_retained}: sequence numbers \
         {first_requested} to {last_removed} are no longer retained, so reading starts at \
         {first_retained}"
    ))
}

/// Describes why a partition could not be read. A rejected start position gets the partition's
/// last sequence number, read before the reader opened, and the positions that work, in the
/// form of `from`.
fn reader_failure(error: &TransportError, partition: &PartitionRuntime, from: StartAt) -> String {
    if !matches!(error, TransportError::InvalidStartPosition { .. }) {
        return error.to_string();
    }
    let id = &partition.partition_id;
    let last = partition.last_enqueued_sequence_number;
    let partition_state = if partition.is_empty && last < 0 {
        format!("Partition {id} holds no event yet")
    } else {
        format!("The last sequence number of partition {id} is {last}")
    };
    let working = match from {
        StartAt::AfterSequence(_) if last >= 0 => {
            format!("`--from after:N` works for N up to {last}")
        }
        _ => format!("`--from sequence:N` works for N up to {}", last + 1),
    };
    format!(
        "{error}. {partition_state}, so {working}. `--from latest` waits for the next event, and \
         `eda-workshop --json receive --from earliest` prints each event's partition and \
         sequence number"
    )
}

/// Reads events from each partition and prints them as they arrive.
pub(crate) async fn receive(args: ReceiveArgs, global: &Global) -> anyhow::Result<()> {
    let (text, redactor) = connection_string("listen")?;
    receive_events(args, global, &text, &redactor)
        .await
        .map_err(|error| redacted(&error, &redactor))
}

async fn receive_events(
    args: ReceiveArgs,
    global: &Global,
    text: &str,
    redactor: &Redactor,
) -> anyhow::Result<()> {
    let consumer_group = consumer_group_name(&args.consumer_group)?;
    let (hub, transport) = connection(text, args.hub.as_deref(), args.ca_file.as_deref())?;
    let runtime = transport.hub_runtime(&hub).await?;
    let partitions: Vec<_> = match &args.partition_id {
        Some(id) => {
            let Some(partition) = runtime.partition(id) else {
                let ids: Vec<&str> = runtime
                    .partitions
                    .iter()
                    .map(|partition| partition.partition_id.as_str())
                    .collect();
                bail!(
                    "event hub `{hub}` has no partition `{id}`: its partitions are {}",
                    ids.join(", ")
                );
            };
            vec![partition.clone()]
        }
        None => runtime.partitions.clone(),
    };
    let mut readers: Vec<Box<dyn PartitionReader>> = Vec::with_capacity(partitions.len());
    let mut failures = Vec::new();
    for partition in &partitions {
        if let Some(note) = retention_note(partition, args.from) {
            eprintln!("note: {note}");
        }
        let request = ReaderRequest {
            hub: hub.clone(),
            consumer_group: consumer_group.clone(),
            partition_id: partition.partition_id.clone(),
            start: start_position(args.from),
            owner_level: None,
            prefetch: Some(args.max.min(300)),
        };
        match transport.open_reader(request).await {
            Ok(reader) => readers.push(reader),
            // A single partition, or the last one when every other one failed, fails the
            // command; otherwise the other partitions are still read.
            Err(error) if partitions.len() == 1 => {
                bail!(reader_failure(&error, partition, args.from))
            }
            Err(error) => {
                let reason = reader_failure(&error, partition, args.from);
                failures.push(format!("partition {}: {reason}", partition.partition_id));
            }
        }
    }
    if readers.is_empty() && !failures.is_empty() {
        bail!("no partition could be read: {}", failures.join("; "));
    }
    for failure in &failures {
        eprintln!("note: {}", redactor.hide(failure));
    }

    let wanted = args.max as usize;
    let quiet_limit = Duration::from_secs(args.wait);
    let mut received = 0;
    let mut last_event = Instant::now();
    while received < wanted && last_event.elapsed() < quiet_limit {
        for reader in &mut readers {
            let events = reader.receive(wanted - received, RECEIVE_TURN).await?;
            if !events.is_empty() {
                last_event = Instant::now();
            }
            for event in events.into_iter().take(wanted - received) {
                print_event(&event, global.json);
                received += 1;
            }
            if received >= wanted {
                break;
            }
        }
    }
    if !global.json {
        let plural = if received == 1 { "" } else { "s" };
        let summary = format!(
            "received {received} event{plural} from event hub `{hub}` in consumer group \
             `{consumer_group}`"
        );
        eprintln!("{}", redactor.hide(&summary));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_positions_parse() {
        assert_eq!(parse_from("earliest"), Ok(StartAt::Earliest));
        assert_eq!(parse_from("sequence:7"), Ok(StartAt::Sequence(7)));
        assert_eq!(parse_from("after:7"), Ok(StartAt::AfterSequence(7)));
        assert!(parse_from("sequence:-1")
            .unwrap_err()
            .contains("whole number"));
        assert!(parse_from("offset:12").unwrap_err().contains("sequence:N"));
        assert_eq!(parse_from("EARLIEST"), Ok(StartAt::Earliest));
        assert_eq!(parse_from(" Latest "), Ok(StartAt::Latest));
        assert_eq!(parse_from("After: 7"), Ok(StartAt::AfterSequence(7)));
        assert_eq!(
            parse_from("time:2026-12-06T14:00:00Z"),
            Ok(StartAt::EnqueuedAfter(1_796_565_600_000))
        );
        assert_eq!(
            parse_from("Time: 2026-12-06t15:00:00.250+01:00"),
            Ok(StartAt::EnqueuedAfter(1_796_565_600_250))
        );
        let no_zone = parse_from("time:2026-12-06T14:00:00").unwrap_err();
        assert!(no_zone.contains("RFC 3339 with a zone"), "{no_zone}");
    }

    #[test]
    fn default_consumer_group_in_any_case() {
        for name in ["$Default", "$default", "$DEFAULT"] {
            assert_eq!(consumer_group_name(name).unwrap(), "$Default");
        }
        assert_eq!(consumer_group_name("audit").unwrap(), "audit");
        assert!(consumer_group_name("$audit").is_err());
    }

    #[test]
    fn sequence_start_is_inclusive() {
        assert_eq!(
            start_position(StartAt::Sequence(4)),
            StartPosition::FromSequenceNumber(4)
        );
        assert_eq!(
            start_position(StartAt::Sequence(0)),
            StartPosition::FromSequenceNumber(0)
        );
        assert_eq!(
            start_position(StartAt::AfterSequence(3)),
            StartPosition::AfterSequenceNumber(3)
        );
    }

    #[test]
    fn invalid_start_names_last_sequence_number() {
        let error = TransportError::InvalidStartPosition {
            hub: "demo".to_owned(),
            partition_id: "0".to_owned(),
            description: "The supplied sequence number '5' is invalid".to_owned(),
        };
        let partition = PartitionRuntime {
            partition_id: "0".to_owned(),
            beginning_sequence_number: 0,
            last_enqueued_sequence_number: 2,
            is_empty: false,
        };

        assert_eq!(
            reader_failure(&error, &partition, StartAt::Sequence(5)),
            "the start position is invalid for partition `0` of event hub `demo`: The supplied \
             sequence number '5' is invalid. The last sequence number of partition 0 is 2, so \
             `--from sequence:N` works for N up to 3. `--from latest` waits for the next \
             event, and `eda-workshop --json receive --from earliest` prints each event's \
             partition and sequence number"
        );
        let after = reader_failure(&error, &partition, StartAt::AfterSequence(4));
        assert!(
            after.contains("so `--from after:N` works for N up to 2."),
            "{after}"
        );
    }

    #[test]
    fn invalid_start_on_empty_partition() {
        let error = TransportError::InvalidStartPosition {
            hub: "demo".to_owned(),
            partition_id: "1".to_owned(),
            description: "The supplied sequence number '5' is invalid".to_owned(),
        };
        let partition = PartitionRuntime {
            partition_id: "1".to_owned(),
            beginning_sequence_number: 0,
            last_enqueued_sequence_number: -1,
            is_empty: true,
        };

        let message = reader_failure(&error, &partition, StartAt::AfterSequence(5));

        assert!(
            message.contains(
                "Partition 1 holds no event yet, so `--from sequence:N` works \
                              for N up to 0."
            ),
            "{message}"
        );
    }

    #[test]
    fn other_reader_failure_kept() {
        let error = TransportError::Unavailable("connection refused".to_owned());
        let partition = PartitionRuntime {
            partition_id: "0".to_owned(),
            beginning_sequence_number: 0,
            last_enqueued_sequence_number: 2,
            is_empty: false,
        };

        assert_eq!(
            reader_failure(&error, &partition, StartAt::Earliest),
            "the event hubs connection failed: connection refused"
        );
    }

    #[test]
    fn retention_note_for_positions_before_retained() {
        let partition = PartitionRuntime {
            partition_id: "0".to_owned(),
            beginning_sequence_number: 3,
            last_enqueued_sequence_number: 5,
            is_empty: false,
        };
        let earliest = retention_note(&partition, StartAt::Earliest).unwrap();
        assert_eq!(
            earliest,
            "partition 0 starts at sequence number 3: the 3 events before it are no longer \
             retained"
        );
        let sequence = retention_note(&partition, StartAt::Sequence(2)).unwrap();
        assert_eq!(
            sequence,
            "partition 0 starts at sequence number 3: sequence numbers 2 to 2 are no longer \
             retained, so reading starts at 3"
        );
        let after = retention_note(&partition, StartAt::AfterSequence(0)).unwrap();
        assert!(after.contains("sequence numbers 1 to 2"), "{after}");
        assert_eq!(retention_note(&partition, StartAt::Sequence(3)), None);
        assert_eq!(retention_note(&partition, StartAt::AfterSequence(2)), None);
        assert_eq!(retention_note(&partition, StartAt::Latest), None);
    }

    fn body_of(body: usize) -> EventSize {
        EventSize {
            body,
            properties: 0,
            partition_key: 0,
        }
    }

    #[test]
    fn oversized_event_and_batch_rejected() {
        let event = check_sizes(&body_of(1_048_577), 1).unwrap_err().to_string();
        assert!(event.starts_with("the body is 1048577 bytes, over Event Hubs' limit of 1048576"));
        assert!(check_sizes(&body_of(1_048_576), 1).is_ok());
        let batch = check_sizes(&body_of(600_000), 2).unwrap_err().to_string();
        assert!(batch.contains("a batch of 1200000 bytes"), "{batch}");
    }

    #[test]
    fn size_check_counts_key_and_content_type() {
        let keyed = EventSize {
            body: 1_048_576,
            properties: 0,
            partition_key: 3000,
        };
        let error = check_sizes(&keyed, 1).unwrap_err().to_string();
        assert!(error.starts_with("the event is 1051576 bytes"), "{error}");
        assert!(error.contains("partition key 3000"), "{error}");
        assert!(
            error.ends_with("for one event: shorten the body or the partition key"),
            "{error}"
        );
        let both = EventSize {
            properties: 18,
            ..keyed
        };
        let error = check_sizes(&both, 1).unwrap_err().to_string();
        assert!(
            error.ends_with("shorten the body, the content type or the partition key"),
            "{error}"
        );
        let typed = EventSize {
            body: 1_048_570,
            properties: symbol_encoded_len("application/json"),
            partition_key: 0,
        };
        assert_eq!(typed.properties, 18);
        let error = check_sizes(&typed, 1).unwrap_err().to_string();
        assert!(
            error.ends_with("for one event: shorten the body or the content type"),
            "{error}"
        );
        let fits = EventSize {
            body: 1_048_570,
            properties: 0,
            partition_key: 6,
        };
        assert!(check_sizes(&fits, 1).is_ok());
        assert_eq!(symbol_encoded_len(&"a".repeat(300)), 305);
    }
}
