//! `eda-workshop flow`: the demo flow headless on the attendee's applied namespace, from the
//! first customer until every customer has passed through every service, then its counts,
//! lags and checks.
//!
//! On Local the command starts the Local target over the data directory (the Resource
//! Manager, the schema registry and the broker of every applied namespace, as `serve` does)
//! and stops it at the end. The flow reaches its hubs with the connection strings of their
//! `send` and `listen` rules from ARM `listKeys`, and encodes events in the plan's schema
//! group of the local registry. Before the run, a PUT of the `lead` hub sets its capture time
//! window to `--capture-window` (the plan's 300 s would make the first sales wait five
//! minutes). `--demo-timing` instead gives the local broker capture windows of 5 s, below
//! Azure's minimum of 60 s, without changing the hubs in the Resource Manager.
//!
//! The flow's state stays in `{data_dir}/flow/{namespace}/`: the team stores, checkpoints and
//! leads-sold files, next to the data lake and capture files in their storage containers. The
//! same command run again resumes that state: customers already created are not created again,
//! consumers continue from their checkpoints, and the run ends with the same counts. Another
//! seed or customer count over existing state is rejected. `--reset` deletes the state and
//! moves every consumer group to the end of its hub first.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ::flow::capture::list_capture_files;
use ::flow::local_target::{
    apply_timing, claim_state, local_flow, set_capture_window, FlowTiming, LocalFlow, RunRecord,
    StateStart, CAPTURED_HUB,
};
use ::flow::runtime::{Exhausted, FailurePolicy, PartitionExit, ReadOptions};
use ::flow::services::parked::ParkedEvent;
use ::flow::services::partner::no_capture_file;
use ::flow::{start_flow, FlowConfig, FlowReport};
use anyhow::{bail, Context};
use clap::Args;
use control::secrets::Keychain;
use course::counted;
use local::LocalStack;

use crate::cmd::apply::TargetChoice;
use crate::cmd::attendee::AttendeeArgs;
use crate::table::Table;
use crate::Global;

/// Log directives that hide the log lines the command prints as `note:` lines, and the failed
/// attempts before an event is parked or its partition stops, unless `RUST_LOG` is set. Every
/// other warning and error of the flow still shows.
pub(crate) const QUIET_LOG_DIRECTIVES: &[&str] = &["flow::notice=off", "flow::retry=off"];

/// How often the command reads the flow's report while it waits.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// How long the other consumers must be quiet, after a partition has stopped, before the run
/// ends.
const SETTLE_TIME: Duration = Duration::from_secs(2);

/// Options of `eda-workshop flow`.
#[derive(Debug, Args)]
pub(crate) struct FlowArgs {
    #[command(flatten)]
    attendee: AttendeeArgs,

    /// The target: local or azure.
    #[arg(long, value_enum, default_value = "local")]
    target: TargetChoice,

    /// How many customers to create in all. A run that resumes an earlier one must give the same
    /// number, because it ends the same customer stream.
    #[arg(long, value_name = "N", default_value_t = 30, allow_negative_numbers = true, value_parser = whole_number)]
    customers: u64,

    /// The seed of the customer generator; one seed always makes the same customers.
    #[arg(long, value_name = "S", default_value_t = 1, allow_negative_numbers = true, value_parser = whole_number)]
    seed: u64,

    /// Publish one event that no consumer can decode to this hub, such as customer. A resumed
    /// run does not publish another one.
    #[arg(long, value_name = "HUB")]
    inject_poison: Option<String>,

    /// Milliseconds between two new customers (the course uses 10000). Under 1 ms the flow
    /// keeps at most 10,000 new customers a second, so 0 means that rate.
    #[arg(long, value_name = "MS", default_value_t = 10, allow_negative_numbers = true, value_parser = whole_number)]
    pace_ms: u64,

    /// Capture's time window of the `lead` hub in seconds, 60 to 900, set on the hub through
    /// the Resource Manager before the run. The first sales wait for the first window to close.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 60,
        value_parser = clap::value_parser!(u32).range(60..=900)
    )]
    capture_window: u32,

    /// Use the Local target's demo timing instead of a PUT of `--capture-window`. The local
    /// broker then closes the capture windows of every hub of the namespace every 5 s (Azure
    /// allows 60 to 900 s), so the first sales come within seconds. The hubs in the Resource
    /// Manager keep their windows, so `eda-workshop verify` reports no drift.
    #[arg(long, conflicts_with = "capture_window")]
    demo_timing: bool,

    /// Seconds to wait for the flow's setup (reading the namespace's resources and keys from
    /// the local Resource Manager), and then seconds to wait for every customer to pass
    /// through every service, before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 600, allow_negative_numbers = true, value_parser = positive_seconds)]
    timeout: u64,

    /// Delete the flow's state (stores, checkpoints, lake and leads-sold files) and move every
    /// consumer group to the end of its hub before the run, to start over.
    #[arg(long)]
    reset: bool,

    /// The consumers' action on an event their handler keeps failing on after `--attempts`.
    #[arg(long, value_enum, default_value = "park")]
    on_failure: OnFailure,

    /// Attempts a consumer makes at handling one event, the first included, before
    /// `--on-failure` applies.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        value_parser = clap::value_parser!(u32).range(1..=10)
    )]
    attempts: u32,
}

/// A consumer's action on an event its handler keeps failing on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OnFailure {
    /// Park it on the `parked` hub with the error and the attempts, then move past it.
    Park,
    /// Stop reading its partition and keep the checkpoint before it, so that the next run
    /// delivers it again. The run then ends without finishing.
    Stop,
}

/// Parses a count or a duration: a whole number from 0 to 18446744073709551615.
fn whole_number(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("`{text}` is not a whole number from 0 to {}", u64::MAX))
}

/// Parses a number of seconds to wait: a whole number of at least 1, because a wait of 0 s
/// would time out before the services could reply.
fn positive_seconds(text: &str) -> Result<u64, String> {
    match text.parse::<u64>() {
        Ok(0) => Err("0 s leaves no time for the flow: give at least 1 second".to_string()),
        Ok(seconds) => Ok(seconds),
        Err(_) => Err(format!(
            "`{text}` is not a whole number of seconds from 1 to {}",
            u64::MAX
        )),
    }
}

/// Runs the flow and prints its report; fails when any event is unaccounted for.
pub(crate) async fn run(args: FlowArgs, global: &Global) -> anyhow::Result<()> {
    if args.target == TargetChoice::Azure {
        bail!(
            "`flow --target azure` is not available in this build: run the flow on Local \
             (`--target local`)"
        );
    }
    check_poison_hub(args.inject_poison.as_deref())?;
    let attendee = args.attendee.attendee()?;

    let data_dir = global.data_dir()?;
    super::ensure_not_served(&data_dir)?;
    let keychain = Keychain::os()?;
    let stack = LocalStack::start(&data_dir, keychain).await?;
    let outcome = run_on_stack(&stack, &attendee, &args).await;
    stack.stop().await;
    let Outcome {
        report,
        waiting_for_capture,
        partition_stopped,
    } = outcome?;

    if global.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    if partition_stopped {
        bail!(
            "a consumer stopped reading a partition at an event its handler kept failing on (see \
             the note above). Its checkpoint stays before that event, so the next run delivers it \
             again: run with `--on-failure park` to park the event and move on. Until then not \
             every event is accounted for: {}",
            unfinished(&report, args.customers)
        );
    }
    if !report.finished() {
        let mut message = timed_out_message(
            &args,
            &unfinished(&report, args.customers),
            waiting_for_capture.as_deref(),
        );
        if let Some(note) = changed_hubs_note(&report.changed_hubs) {
            message.push_str(&note);
        }
        bail!(message);
    }
    Ok(())
}

/// Returns the note a timed-out run adds when hubs were deleted and created again under the
/// flow's consumer groups. Events a group had not read went with the old hub, and then no
/// resume can account for them. Whether any did is unknown here, so the note gives the
/// condition under which a reset is the way out.
fn changed_hubs_note(changed_hubs: &[String]) -> Option<String> {
    let hubs = changed_hubs
        .iter()
        .map(|hub| format!("`{hub}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (noun, verb, pronoun) = match changed_hubs.len() {
        0 => return None,
        1 => ("hub", "was", "it"),
        _ => ("hubs", "were", "they"),
    };
    Some(format!(
        ". The {noun} {hubs} {verb} deleted and created again after the flow's consumer groups \
         read from {pronoun}, and any event {pronoun} held that a group had not read yet went \
         with the old {noun}. If the counts stay short after a resume, run the flow with \
         --reset to start over"
    ))
}

/// Returns the error of a run that ended at `--timeout` with events unaccounted for. It gives
/// the reason leads wait for capture when there is one, and how to finish the run by resuming
/// it, with more time or with demo timing.
fn timed_out_message(
    args: &FlowArgs,
    unfinished: &str,
    waiting_for_capture: Option<&str>,
) -> String {
    let mut message = format!(
        "not every event is accounted for after {} s (--timeout): {unfinished}. ",
        args.timeout
    );
    // The capture wait names its own fixes, so only the resume is added to it.
    if let Some(waiting) = waiting_for_capture {
        message.push_str(&format!(
            "No lead can be sold yet, because {waiting}. A run of the same command resumes \
             where this one stopped"
        ));
        return message;
    }
    message.push_str(
        "The same command run again resumes where this run stopped: run it again, or run it \
         with a larger --timeout",
    );
    if !args.demo_timing {
        message.push_str(
            ", or with --demo-timing to have the local broker close capture windows every 5 s \
             so that the first sales come sooner",
        );
    }
    message
}

/// A finished or timed-out run: its report, the reason leads are unsold when capture has
/// written no file yet, and whether a partition stopped.
#[derive(Debug)]
struct Outcome {
    report: FlowReport,
    waiting_for_capture: Option<String>,
    /// Whether a consumer stopped reading a partition at an event it kept failing on.
    partition_stopped: bool,
}

fn check_poison_hub(hub: Option<&str>) -> anyhow::Result<()> {
    let Some(hub) = hub else {
        return Ok(());
    };
    if course::flow::hub(hub).is_some_and(|hub| hub.event_type.is_some()) {
        return Ok(());
    }
    let hubs: Vec<&str> = course::flow::HUBS
        .iter()
        .filter(|hub| hub.event_type.is_some())
        .map(|hub| hub.name)
        .collect();
    bail!(
        "cannot inject a poison event into `{hub}`: use one of {}",
        hubs.join(", ")
    )
}

fn unfinished(report: &FlowReport, customers: u64) -> String {
    let failed: Vec<String> = report
        .checks
        .iter()
        .filter(|check| !check.passed)
        .map(|check| format!("{} ({})", check.name, check.detail))
        .collect();
    if failed.is_empty() {
        format!(
            "{} of {} created",
            report.customers,
            counted(customers, "customer", "customers")
        )
    } else {
        failed.join("; ")
    }
}

/// Prepares the flow on the applied namespace within `--timeout`, resets or resumes its state,
/// and drives it.
async fn run_on_stack(
    stack: &LocalStack,
    attendee: &course::Attendee,
    args: &FlowArgs,
) -> anyhow::Result<Outcome> {
    let timeout = Duration::from_secs(args.timeout);
    let Ok(prepared) = tokio::time::timeout(timeout, prepare(stack, attendee, args)).await else {
        bail!(
            "setting up the flow on namespace `{}` timed out after {} s (--timeout): the local \
             Resource Manager, schema registry or broker did not answer in time; run again with \
             a longer --timeout, and if it times out again, run `eda-workshop apply \
             --namespace {}` again",
            attendee.namespace(),
            args.timeout,
            attendee.namespace()
        );
    };
    let (prepared, mut record, resumed) = prepared?;
    let (report, partition_stopped) = drive(
        &prepared,
        &mut record,
        resumed,
        args.inject_poison.as_deref(),
    )
    .await?;
    let waiting_for_capture = waiting_for_capture(&report, &prepared.config, args.demo_timing);
    Ok(Outcome {
        report,
        waiting_for_capture,
        partition_stopped,
    })
}

/// Reads the applied namespace, sets the capture timing, resets the state if asked, and
/// claims the state for this run. Returns whether the run resumes an earlier run's state.
async fn prepare(
    stack: &LocalStack,
    attendee: &course::Attendee,
    args: &FlowArgs,
) -> anyhow::Result<(LocalFlow, RunRecord, bool)> {
    let mut prepared = local_flow(stack, attendee).await?;
    let capture_window = if args.demo_timing {
        apply_timing(stack, &mut prepared, FlowTiming::Demo).await?;
        eprintln!(
            "Demo timing: the local broker closes every hub's capture windows every {} s \
             (Azure allows 60 to 900 s), and the hubs in the Resource Manager keep theirs.",
            prepared.config.capture_window.as_secs()
        );
        prepared.config.capture_window
    } else {
        let change = set_capture_window(stack, attendee, CAPTURED_HUB, args.capture_window).await?;
        if change.changed() {
            eprintln!(
                "Set the capture window of hub `{}` from {} s to {} s with a PUT of the hub; \
                 `eda-workshop verify` reports this as drift until `eda-workshop apply` sets \
                 the plan's value again.",
                change.hub, change.before_seconds, change.after_seconds
            );
        }
        Duration::from_secs(u64::from(change.after_seconds))
    };
    configure(&mut prepared, args, capture_window);

    if args.reset {
        prepared
            .reset()
            .await
            .context("resetting the flow's state failed")?;
        eprintln!(
            "Reset the flow's state in {} and moved every consumer group to the end of its hub.",
            prepared.config.data_folder.display()
        );
    }
    let state = claim_state(&prepared.config)?;
    // A resumed state is announced once the flow has started, because only its first report
    // shows whether the earlier run had already finished.
    if let StateStart::Fresh(_) = &state {
        eprintln!(
            "Running the flow on namespace {} with its state in {}.",
            prepared.namespace,
            prepared.config.data_folder.display()
        );
    }
    let record = state.record().clone();
    let resumed = matches!(state, StateStart::Resumed(_));
    Ok((prepared, record, resumed))
}

/// Returns the line that announces a resumed state: that the run goes on from it, or that the
/// earlier run had already finished, so this one only reports its counts.
fn resume_line(namespace: &str, folder: &std::path::Path, finished: bool) -> String {
    let folder = folder.display();
    if finished {
        format!(
            "The flow on namespace {namespace} had already finished with its state in {folder}, \
             so this run has nothing to do and reports the finished run's counts. Run it with \
             --reset to start over."
        )
    } else {
        format!("Resuming the flow on namespace {namespace} from its state in {folder}.")
    }
}

/// Returns why no lead can be sold when capture has written no file of hub `lead` yet, with
/// when the next window closes and how to shorten the wait. Returns `None` when every lead
/// is sold or a capture file exists.
fn waiting_for_capture(
    report: &FlowReport,
    config: &FlowConfig,
    demo_timing: bool,
) -> Option<String> {
    if report.leads_sold >= report.leads {
        return None;
    }
    let files = list_capture_files(&config.lead_capture_folder).ok()?;
    if !files.is_empty() {
        return None;
    }
    let shorten = if demo_timing {
        "run again with a --timeout longer than the capture window".to_owned()
    } else if config.capture_window > Duration::from_secs(60) {
        "run again with --capture-window 60, or with --demo-timing to have the local broker \
         close capture windows every 5 s"
            .to_owned()
    } else {
        format!(
            "run again with --demo-timing to have the local broker close capture windows every \
             5 s, or with a --timeout longer than the {} s capture window",
            config.capture_window.as_secs()
        )
    };
    let closes_at_ms = config
        .capture_clock
        .as_ref()
        .and_then(|clock| clock.next_close_ms());
    let error = no_capture_file(
        &config.lead_capture_folder,
        config.capture_window,
        closes_at_ms,
    );
    Some(format!("{error}; {shorten}"))
}

/// Sets the headless run's pace, failure policy, read settings and intervals.
fn configure(prepared: &mut LocalFlow, args: &FlowArgs, capture_window: Duration) {
    let config = &mut prepared.config;
    config.seed = args.seed;
    config.customers = Some(args.customers);
    config.pace = Duration::from_millis(args.pace_ms);
    config.capture_window = capture_window;
    config.policy = FailurePolicy {
        max_attempts: args.attempts,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(200),
        exhausted: match args.on_failure {
            OnFailure::Park => Exhausted::Park,
            OnFailure::Stop => Exhausted::StopPartition,
        },
    };
    config.read = ReadOptions {
        max_batch: 50,
        max_wait: Duration::from_millis(50),
    };
    config.partner_interval = Duration::from_millis(500);
    config.lake_interval = Duration::from_millis(200);
    config.timeout = Duration::from_secs(args.timeout);
}

/// Starts the flow, injects the poison event if asked and not injected by an earlier run, and
/// waits until the flow is finished (with every copy of the poison event parked), a consumer
/// has stopped reading a partition and the others are quiet, or the timeout passes. Prints a progress line on standard error
/// whenever the counts change, and each new notice of the flow once. Returns the report, which
/// carries every notice printed, and whether a partition stopped.
async fn drive(
    prepared: &LocalFlow,
    record: &mut RunRecord,
    resumed: bool,
    poison: Option<&str>,
) -> anyhow::Result<(FlowReport, bool)> {
    let config = prepared.config.clone();
    let timeout = config.timeout;
    let folder = config.data_folder.clone();
    let handle = start_flow(config, prepared.transport.clone(), prepared.codec.clone()).await?;
    if resumed {
        // A poison event not injected yet gives a finished state something to do.
        let new_poison = poison.is_some_and(|hub| !record.poisoned_hubs.contains(hub));
        let finished = handle.report().await?.finished() && !new_poison;
        eprintln!("{}", resume_line(&prepared.namespace, &folder, finished));
    }
    if let Some(hub) = poison {
        if record.poisoned_hubs.contains(hub) {
            eprintln!("A poison event was injected into {hub} by an earlier run of this state.");
        } else {
            let event_id = handle.controls().inject_poison(hub).await?;
            // NOTE: a crash between the publish and this write makes the resumed run inject a
            // second poison event, which is parked like the first.
            record.add_poisoned_hub(&folder, hub)?;
            eprintln!("Injected poison event {event_id} into {hub}.");
        }
    }

    let started = Instant::now();
    let mut report = handle.report().await?;
    let mut last_shown = None;
    let mut notices = NoticePrinter::default();
    let partition_stopped = || {
        handle
            .runtime()
            .exits()
            .iter()
            .any(|exit| matches!(exit, PartitionExit::Stopped { .. }))
    };
    // Once a partition has stopped, the run cannot finish, because the partition's later events
    // wait behind the failing one. It ends when the other partitions have been quiet for
    // `SETTLE_TIME`.
    let mut quiet_since: Option<(Activity, Instant)> = None;
    while !done(&report, poison.is_some()) && started.elapsed() < timeout {
        last_shown = show_progress(&report, last_shown);
        notices.show(&report);
        if partition_stopped() {
            let now = activity(&report);
            match quiet_since {
                Some((before, since)) if before == now => {
                    if since.elapsed() >= SETTLE_TIME {
                        break;
                    }
                }
                _ => quiet_since = Some((now, Instant::now())),
            }
        }
        tokio::time::sleep(POLL_INTERVAL).await;
        report = handle.report().await?;
    }
    show_progress(&report, last_shown);
    notices.show(&report);
    let stopped = partition_stopped();
    handle.stop().await;
    report.timed_out = !done(&report, poison.is_some());
    report.notices = notices.printed;
    report.first_notice_number = 0;
    Ok((report, stopped))
}

/// Prints each notice of the flow's reports on standard error once, as it appears.
#[derive(Debug, Default)]
struct NoticePrinter {
    /// The number of the next notice not printed yet.
    next_number: u64,
    /// Every notice printed, oldest first.
    printed: Vec<String>,
}

impl NoticePrinter {
    /// Prints the notices of `report` not printed before.
    fn show(&mut self, report: &FlowReport) {
        for message in self.take_new(report.first_notice_number, &report.notices) {
            eprintln!("note: {message}");
        }
    }

    /// Returns the notices not printed before and records them as printed. `notices` are the
    /// latest ones, numbered from `first_number`. Notices dropped between two reports become
    /// one line with their count.
    fn take_new(&mut self, first_number: u64, notices: &[String]) -> Vec<String> {
        let mut new = Vec::new();
        if first_number > self.next_number {
            let missed = first_number - self.next_number;
            let missed = counted(missed, "notice", "notices");
            new.push(format!(
                "{missed} dropped, because notices came faster than they could be printed"
            ));
            self.next_number = first_number;
        }
        for (index, message) in notices.iter().enumerate() {
            let number = first_number + index as u64;
            if number >= self.next_number {
                new.push(message.clone());
                self.next_number = number + 1;
            }
        }
        self.printed.extend(new.iter().cloned());
        new
    }
}

/// The counts of a report that change while any consumer still handles events: the progress
/// counts and the total lag.
type Activity = (Progress, i64);

fn activity(report: &FlowReport) -> Activity {
    let lag = report.lags.iter().map(|lag| lag.lag).sum();
    (progress(report), lag)
}

fn progress(report: &FlowReport) -> Progress {
    [
        report.customers,
        report.leads,
        report.sales,
        report.purchases,
        report.parked_source_events() as u64,
    ]
}

/// The counts a progress line shows.
type Progress = [u64; 5];

/// Prints a progress line when the counts differ from the last line shown, and returns them.
fn show_progress(report: &FlowReport, last_shown: Option<Progress>) -> Option<Progress> {
    let counts = progress(report);
    if last_shown != Some(counts) {
        eprintln!("{}", progress_line(counts));
    }
    Some(counts)
}

/// Formats the counts of a progress line, such as "progress: 1 customer, 0 leads, …".
fn progress_line(counts: Progress) -> String {
    let [customers, leads, sales, purchases, parked] = counts;
    format!(
        "progress: {}, {}, {}, {}, {parked} parked",
        counted(customers, "customer", "customers"),
        counted(leads, "lead", "leads"),
        counted(sales, "sale", "sales"),
        counted(purchases, "purchase", "purchases"),
    )
}

fn done(report: &FlowReport, poisoned: bool) -> bool {
    report.finished() && (!poisoned || !report.parked.is_empty())
}

fn print_report(report: &FlowReport) {
    println!(
        "{}: {}, {} abandoned, {} sold, {}, {}, {} parked",
        counted(report.customers, "customer", "customers"),
        counted(report.leads, "lead", "leads"),
        report.abandoned,
        report.leads_sold,
        counted(report.sales, "sale", "sales"),
        counted(report.purchases, "purchase", "purchases"),
        report.parked_source_events()
    );
    if let Some(copies) = parked_copies(report.parked_source_events(), &report.parked) {
        println!("{copies}");
    }
    println!();

    // Parked events stay listed in every later run, also when the run that parked them was
    // stopped before it printed their notes.
    if !report.parked.is_empty() {
        let mut parked = Table::new(&[
            "parked from hub",
            "partition",
            "sequence number",
            "consumer group",
            "attempts",
            "event id",
            "error",
        ]);
        for event in &report.parked {
            parked.row(vec![
                event.hub.clone(),
                event.partition_id.clone(),
                event.sequence_number.to_string(),
                event.consumer_group.clone(),
                event.attempts.to_string(),
                event.event_id.clone().unwrap_or_else(|| "-".to_owned()),
                event.error.clone(),
            ]);
        }
        println!("{}", parked.render());
    }

    // A run that resumes a finished flow moves no event, and its lanes are empty.
    if !report.lanes.is_empty() {
        let mut lanes = Table::new(&["team", "hub", "published", "consumed", "parked"]);
        for lane in &report.lanes {
            lanes.row(vec![
                lane.team.name().to_owned(),
                lane.hub.clone(),
                lane.counts.published.to_string(),
                lane.counts.consumed.to_string(),
                lane.counts.parked.to_string(),
            ]);
        }
        println!("{}", lanes.render());
    }

    let mut hubs = Table::new(&["hub", "consumer group", "partitions", "enqueued", "lag"]);
    for ((hub, group), (partitions, enqueued, lag)) in hub_lags(report) {
        hubs.row(vec![
            hub,
            group,
            partitions.to_string(),
            enqueued.to_string(),
            lag.to_string(),
        ]);
    }
    println!("{}", hubs.render());

    let mut checks = Table::new(&["check", "result", "detail"]);
    for check in &report.checks {
        let result = if check.passed { "passed" } else { "FAILED" };
        checks.row(vec![
            check.name.to_owned(),
            result.to_owned(),
            check.detail.clone(),
        ]);
    }
    println!("{}", checks.render());
}

/// Explains why the `parked` hub contains more events than were parked, when it does. Every
/// consumer group that reads an event it cannot handle parks a copy of its own.
fn parked_copies(sources: usize, parked: &[ParkedEvent]) -> Option<String> {
    if parked.len() <= sources {
        return None;
    }
    let mut groups: Vec<&str> = parked
        .iter()
        .map(|event| event.consumer_group.as_str())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let events = if sources == 1 { "event" } else { "events" };
    Some(format!(
        "The `parked` hub contains {} copies of the {sources} parked {events}, because each \
         consumer group that cannot handle an event parks its own copy (consumer groups {}).",
        parked.len(),
        groups.join(", ")
    ))
}

/// Sums each consumer group's partitions: their count, the events enqueued (last sequence
/// number plus one, as retention has removed nothing within a run) and the lag.
fn hub_lags(report: &FlowReport) -> BTreeMap<(String, String), (usize, i64, i64)> {
    let mut sums: BTreeMap<(String, String), (usize, i64, i64)> = BTreeMap::new();
    for lag in &report.lags {
        let entry = sums
            .entry((lag.hub.clone(), lag.consumer_group.clone()))
            .or_default();
        entry.0 += 1;
        entry.1 += lag.last_enqueued_sequence_number + 1;
        entry.2 += lag.lag;
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(range: std::ops::Range<u64>) -> Vec<String> {
        range.map(|number| format!("notice {number}")).collect()
    }

    #[test]
    fn negative_count_named() {
        assert_eq!(
            whole_number("-1").unwrap_err(),
            "`-1` is not a whole number from 0 to 18446744073709551615"
        );
        assert_eq!(whole_number("30"), Ok(30));
    }

    #[test]
    fn zero_timeout_rejected() {
        assert_eq!(
            positive_seconds("0").unwrap_err(),
            "0 s leaves no time for the flow: give at least 1 second"
        );
        assert!(positive_seconds("-5").unwrap_err().contains("from 1 to"));
        assert_eq!(positive_seconds("45"), Ok(45));
    }

    fn parked_by(consumer_group: &str) -> ParkedEvent {
        ParkedEvent {
            hub: "customer".to_owned(),
            partition_id: "0".to_owned(),
            sequence_number: 0,
            offset: "0".to_owned(),
            consumer_group: consumer_group.to_owned(),
            error: "cannot decode".to_owned(),
            attempts: 3,
            event_id: None,
            event_type: None,
        }
    }

    #[test]
    fn finished_state_announced_as_finished() {
        let line = resume_line("ns", std::path::Path::new("/data/flow/ns"), true);

        assert_eq!(
            line,
            "The flow on namespace ns had already finished with its state in /data/flow/ns, so \
             this run has nothing to do and reports the finished run's counts. Run it with \
             --reset to start over."
        );
    }

    #[test]
    fn unfinished_state_announced_as_resumed() {
        let line = resume_line("ns", std::path::Path::new("/data/flow/ns"), false);

        assert_eq!(
            line,
            "Resuming the flow on namespace ns from its state in /data/flow/ns."
        );
    }

    #[test]
    fn progress_line_counts_one_in_singular() {
        assert_eq!(
            progress_line([1, 1, 1, 1, 1]),
            "progress: 1 customer, 1 lead, 1 sale, 1 purchase, 1 parked"
        );
        assert_eq!(
            progress_line([2, 0, 3, 4, 0]),
            "progress: 2 customers, 0 leads, 3 sales, 4 purchases, 0 parked"
        );
    }

    #[test]
    fn parked_copies_explained() {
        let parked = [parked_by("lead"), parked_by("datalake")];

        assert_eq!(
            parked_copies(1, &parked).unwrap(),
            "The `parked` hub contains 2 copies of the 1 parked event, because each consumer \
             group that cannot handle an event parks its own copy (consumer groups datalake, \
             lead)."
        );
        assert_eq!(parked_copies(1, &parked[..1]), None);
    }

    fn flow_args(extra: &[&str]) -> FlowArgs {
        use clap::Parser;

        #[derive(Debug, Parser)]
        struct Command {
            #[command(flatten)]
            flow: FlowArgs,
        }
        let args = ["flow", "--namespace", "dgrf", "--timeout", "5"];
        Command::parse_from(args.iter().chain(extra)).flow
    }

    #[test]
    fn timeout_names_fixes() {
        let message = timed_out_message(&flow_args(&[]), "every lead was sold (0 of 11)", None);

        assert_eq!(
            message,
            "not every event is accounted for after 5 s (--timeout): every lead was sold (0 of \
             11). The same command run again resumes where this run stopped: run it again, or \
             run it with a larger --timeout, or with --demo-timing to have the local broker \
             close capture windows every 5 s so that the first sales come sooner"
        );
    }

    #[test]
    fn recreated_hub_note_names_reset() {
        assert_eq!(changed_hubs_note(&[]), None);
        assert_eq!(
            changed_hubs_note(&["customer".into()]).unwrap(),
            ". The hub `customer` was deleted and created again after the flow's consumer \
             groups read from it, and any event it held that a group had not read yet went with \
             the old hub. If the counts stay short after a resume, run the flow with --reset to \
             start over"
        );
        let two = changed_hubs_note(&["customer".into(), "sale".into()]).unwrap();
        assert!(
            two.starts_with(". The hubs `customer`, `sale` were deleted"),
            "{two}"
        );
        assert!(two.contains("any event they held"), "{two}");
    }

    #[test]
    fn timeout_in_capture_wait_adds_resume() {
        let args = flow_args(&[]);

        let message = timed_out_message(&args, "every lead was sold (0 of 11)", Some("no file"));

        assert_eq!(
            message,
            "not every event is accounted for after 5 s (--timeout): every lead was sold (0 of \
             11). No lead can be sold yet, because no file. A run of the same command resumes \
             where this one stopped"
        );
    }

    #[test]
    fn notices_printed_once() {
        let mut printer = NoticePrinter::default();
        assert_eq!(printer.take_new(0, &numbered(0..3)), numbered(0..3));
        assert_eq!(printer.take_new(1, &numbered(1..5)), numbered(3..5));
        assert_eq!(printer.printed, numbered(0..5));
    }

    #[test]
    fn dropped_notices_counted() {
        let mut printer = NoticePrinter::default();
        printer.take_new(0, &numbered(0..2));
        let new = printer.take_new(10, &numbered(10..12));
        assert_eq!(
            new[0],
            "8 notices dropped, because notices came faster than they could be printed"
        );
        assert_eq!(new[1..], numbered(10..12));
        assert_eq!(printer.printed.len(), 5);
    }

    #[test]
    fn one_dropped_notice_in_singular() {
        let mut printer = NoticePrinter::default();
        printer.take_new(0, &numbered(0..2));
        let new = printer.take_new(3, &numbered(3..4));
        assert_eq!(
            new[0],
            "1 notice dropped, because notices came faster than they could be printed"
        );
    }
}
