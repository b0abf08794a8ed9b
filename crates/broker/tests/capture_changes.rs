//! A hub's capture started, changed and stopped while the broker serves: the connections open
//! before the change stay open, and the capture writes files only while it runs.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use broker::capture::{list_archives, ArchiveNameFormat, CaptureSettings, DemoInterval};
use broker::entity::HubSettings;
use broker::server::HubCapture;
use common::start_broker;
use fe2o3_amqp::sasl_profile::SaslProfile;
use fe2o3_amqp::types::messaging::{Message, Outcome};
use fe2o3_amqp::{Connection, Sender, Session};

/// The hub whose capture changes; the broker's other hub, `orders`, has none.
const CAPTURED_HUB: &str = "audit";

/// How long the capture may take to report its window or write its first file: it steps once a
/// second.
const DEADLINE: Duration = Duration::from_secs(15);

/// Builds a capture of [`CAPTURED_HUB`] that closes a window every `seconds` and writes empty
/// windows too, so files appear without any event sent.
fn capture(container: &Path, seconds: u32) -> HubCapture {
    let settings = CaptureSettings::new(300, 300, false, ArchiveNameFormat::course())
        .unwrap()
        .with_demo_interval(DemoInterval::from_seconds(seconds).unwrap());
    HubCapture {
        hub: CAPTURED_HUB.to_owned(),
        settings,
        container: container.to_owned(),
    }
}

/// Sends one request to `$cbs`, which the broker settles with Accepted whatever it holds, and
/// fails when the link or its connection has gone.
async fn assert_link_works(sender: &mut Sender, moment: &str) {
    let request = Message::builder().value(format!("ping {moment}")).build();
    let Ok(sent) = tokio::time::timeout(Duration::from_secs(5), sender.send(request)).await else {
        panic!("{moment}: no outcome within 5 s");
    };
    let outcome =
        sent.unwrap_or_else(|error| panic!("{moment}: the link no longer works: {error:?}"));
    assert!(
        matches!(outcome, Outcome::Accepted(_)),
        "{moment}: {outcome:?}"
    );
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < DEADLINE, "{what} within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_changes_keep_connections_open() {
    let dir = tempfile::tempdir().unwrap();
    let container = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path(), 2).await;
    broker.update_namespace(|namespace| {
        let settings = HubSettings {
            partition_count: 1,
            retention_days: 1,
        };
        namespace
            .create_hub(
                CAPTURED_HUB,
                settings,
                chrono::Utc::now().timestamp_millis(),
            )
            .unwrap();
    });
    let url = format!("amqp://{}", broker.endpoint());
    let mut connection = Connection::builder()
        .container_id("capture-changes")
        .sasl_profile(SaslProfile::Anonymous)
        .open(url.as_str())
        .await
        .unwrap();
    let mut session = Session::begin(&mut connection).await.unwrap();
    let mut sender = Sender::attach(&mut session, "pings", "$cbs").await.unwrap();
    assert_link_works(&mut sender, "before any capture").await;
    assert_eq!(broker.next_capture_close_ms(CAPTURED_HUB), None);

    broker
        .set_capture(CAPTURED_HUB, Some(capture(container.path(), 300)))
        .await;
    wait_until("the capture reports its window", || {
        broker.next_capture_close_ms(CAPTURED_HUB).is_some()
    })
    .await;
    assert_link_works(&mut sender, "after the capture started").await;

    broker
        .set_capture(CAPTURED_HUB, Some(capture(container.path(), 1)))
        .await;
    wait_until("the 1 s capture writes an empty window's file", || {
        !list_archives(container.path()).unwrap().is_empty()
    })
    .await;
    assert_link_works(&mut sender, "after the capture's window changed").await;

    broker.set_capture(CAPTURED_HUB, None).await;
    assert_eq!(broker.next_capture_close_ms(CAPTURED_HUB), None);
    let files = list_archives(container.path()).unwrap();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert_eq!(
        list_archives(container.path()).unwrap(),
        files,
        "the stopped capture wrote more files"
    );
    assert_link_works(&mut sender, "after the capture stopped").await;

    sender.close().await.unwrap();
    session.end().await.unwrap();
    connection.close().await.unwrap();
    broker.shutdown().await;
}
