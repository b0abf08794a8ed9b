//! Arbitrary and mutated byte streams fed to the engine: it never panics, and when it stops it
//! closes cleanly, reporting exactly one `Closed` event and writing nothing afterwards.

mod support;

use amqp::{AttachResponse, Connection, ConnectionConfig, DeliveryState, EngineError, Event};
use proptest::collection::vec;
use proptest::prelude::*;
use support::frames::load_stream;

/// A change to a captured stream.
#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Truncate { at: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Remove { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
        (any::<usize>(), vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 1usize..16).prop_map(|(at, len)| Mutation::Remove { at, len }),
    ]
}

fn apply(stream: &mut Vec<u8>, mutation: &Mutation) {
    if stream.is_empty() {
        return;
    }
    match mutation {
        Mutation::Flip { at, mask } => {
            let at = at % stream.len();
            stream[at] ^= mask;
        }
        Mutation::Truncate { at } => stream.truncate(at % stream.len()),
        Mutation::Insert { at, bytes } => {
            let at = at % stream.len();
            stream.splice(at..at, bytes.iter().copied());
        }
        Mutation::Remove { at, len } => {
            let at = at % stream.len();
            let end = (at + len).min(stream.len());
            stream.drain(at..end);
        }
    }
}

/// Feeds `stream` in chunks of `chunk` bytes, accepting every link and message like a
/// permissive broker, and checks the engine's invariants.
fn run(stream: &[u8], chunk: usize) -> Result<(), TestCaseError> {
    let mut connection = Connection::new(ConnectionConfig::default());
    let mut closed_events = 0;
    for piece in stream.chunks(chunk.max(1)) {
        let was_closed = connection.is_closed();
        connection.feed(piece);
        if was_closed {
            prop_assert!(!connection.has_output(), "output after close");
        }
        while let Some(event) = connection.poll_event() {
            match event {
                Event::AttachRequested(request) => {
                    // A link can end, or the connection close, later in the same read, so the
                    // request may be stale by the time the broker accepts it.
                    let result = connection.accept_attach(request.link, AttachResponse::default());
                    prop_assert!(
                        matches!(
                            result,
                            Ok(())
                                | Err(
                                    EngineError::UnknownLink { .. } | EngineError::ConnectionClosed
                                )
                        ),
                        "{:?}",
                        result
                    );
                }
                Event::Delivery(delivery) if !delivery.settled => {
                    // The link may have ended in the same read; any error must be a clean one.
                    let _ = connection.settle(
                        delivery.link,
                        delivery.delivery_id,
                        DeliveryState::Accepted,
                    );
                }
                Event::Closed { .. } => closed_events += 1,
                _ => {}
            }
        }
        let _ = connection.take_output();
    }
    prop_assert!(closed_events <= 1, "{} closed events", closed_events);
    prop_assert_eq!(connection.is_closed(), closed_events == 1);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..2048), chunk in 1usize..64) {
        run(&bytes, chunk)?;
    }

    #[test]
    fn arbitrary_frames_after_header_never_panic(
        bytes in vec(any::<u8>(), 0..2048),
        chunk in 1usize..64,
    ) {
        let mut stream = b"AMQP\x00\x01\x00\x00".to_vec();
        stream.extend(bytes);
        run(&stream, chunk)?;
    }

    #[test]
    fn mutated_producer_stream_never_panics(
        mutations in vec(mutation(), 1..6),
        chunk in 1usize..512,
    ) {
        let mut stream = load_stream("python/producer");
        for mutation in &mutations {
            apply(&mut stream, mutation);
        }
        run(&stream, chunk)?;
    }

    #[test]
    fn mutated_node_stream_never_panics(
        mutations in vec(mutation(), 1..6),
        chunk in 1usize..512,
    ) {
        let mut stream = load_stream("node/producer");
        for mutation in &mutations {
            apply(&mut stream, mutation);
        }
        run(&stream, chunk)?;
    }

    #[test]
    fn mutated_consumer_stream_never_panics(
        mutations in vec(mutation(), 1..6),
        chunk in 1usize..512,
    ) {
        let mut stream = load_stream("python/consumer");
        for mutation in &mutations {
            apply(&mut stream, mutation);
        }
        run(&stream, chunk)?;
    }
}

#[test]
fn unmutated_streams_close_cleanly() {
    let folders = [
        "python/producer",
        "python/consumer",
        "python/management",
        "node/producer",
        "node/consumer",
    ];
    for folder in folders {
        let stream = load_stream(folder);
        let mut connection = Connection::new(ConnectionConfig::default());
        connection.feed(&stream);
        let events: Vec<Event> = std::iter::from_fn(|| connection.poll_event()).collect();
        let closed: Vec<&Event> = events
            .iter()
            .filter(|e| matches!(e, Event::Closed { .. }))
            .collect();
        assert_eq!(closed.len(), 1, "{folder}: {events:?}");
    }
}
