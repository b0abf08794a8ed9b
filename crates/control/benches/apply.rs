//! Times a full apply of every step on the Local target from nothing, then a re-apply that
//! changes nothing, both through the ARM client over HTTP to an in-process local Resource
//! Manager with an in-memory keychain.
//!
//! Run with `cargo bench -p control --bench apply`. Each round uses a fresh data folder; the
//! numbers printed are per round and the median of five rounds.

use std::sync::Arc;
use std::time::{Duration, Instant};

use control::apply::{Applier, Options, TargetKind};
use control::local::{LocalOptions, LocalResourceManager, RecordedEffects};
use control::secrets::Keychain;
use course::{Attendee, Environment, Region};

const ROUNDS: usize = 5;

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

#[tokio::main]
async fn main() {
    let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
    let plan = course::plan(&attendee);
    let mut full = Vec::new();
    let mut again = Vec::new();
    for round in 1..=ROUNDS {
        let dir = tempfile::tempdir().unwrap();
        let effects = Arc::new(RecordedEffects::open_in(dir.path()).unwrap());
        let server = LocalResourceManager::start(
            dir.path(),
            Keychain::in_memory(),
            effects,
            LocalOptions::default(),
        )
        .await
        .unwrap();
        let client = server.client().unwrap();
        let applier = Applier::new(
            &client,
            server.target(),
            &plan,
            Options::all(TargetKind::Local),
            None,
        );

        let started = Instant::now();
        let first = applier.apply().await;
        let first_time = started.elapsed();
        assert!(first.succeeded(), "{:?}", first.failed);

        let started = Instant::now();
        let second = applier.apply().await;
        let second_time = started.elapsed();
        assert_eq!(second.created + second.updated, 0);

        println!(
            "round {round}: full apply {:.0} ms ({} created, {} updated), no-op re-apply {:.0} ms \
             ({} unchanged)",
            first_time.as_secs_f64() * 1000.0,
            first.created,
            first.updated,
            second_time.as_secs_f64() * 1000.0,
            second.unchanged
        );
        full.push(first_time);
        again.push(second_time);
        drop(applier);
        server.stop().await.unwrap();
    }
    println!(
        "median of {ROUNDS}: full apply {:.0} ms, no-op re-apply {:.0} ms",
        median(full).as_secs_f64() * 1000.0,
        median(again).as_secs_f64() * 1000.0
    );
}
