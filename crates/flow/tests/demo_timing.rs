//! Demo timing on the Local target: every course step is applied through the local Resource
//! Manager of a real stack, then the flow runs with demo timing. Sales and the Product team's
//! purchased leads must appear within seconds, while the Resource Manager keeps the plan's
//! 300 s capture windows and verify finds no drift.

use std::time::{Duration, Instant};

use control::apply::{Applier, Options, TargetKind};
use control::secrets::Keychain;
use course::{Attendee, Environment, Region};
use flow::local_target::{
    apply_timing, local_flow, FlowTiming, DEMO_CAPTURE_WINDOW, DEMO_PARTNER_INTERVAL,
};
use local::LocalStack;

/// The maximum wait from the flow's start for its first sale and purchased lead. With demo
/// timing it took 4.6 s on two cores shared with other builds, and the rest is headroom.
const FIRST_PURCHASE_DEADLINE: Duration = Duration::from_secs(45);

/// The plan's capture window, as the Resource Manager returns it.
const PLAN_CAPTURE_WINDOW: Duration = Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn demo_timing_sells_within_seconds() {
    let folder = tempfile::tempdir().unwrap();
    let stack = LocalStack::start(folder.path(), Keychain::in_memory())
        .await
        .unwrap();
    let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
    let plan = course::plan(&attendee);
    let server = stack.resource_manager();
    let client = server.client().unwrap();
    let options = || Options::all(TargetKind::Local);
    let summary = Applier::new(&client, server.target(), &plan, options(), None)
        .apply()
        .await;
    assert_eq!(summary.failed, None, "applying the plan failed");
    stack.reload().await.unwrap();

    let mut prepared = local_flow(&stack, &attendee).await.unwrap();
    assert_eq!(prepared.config.capture_window, PLAN_CAPTURE_WINDOW);
    assert!(!prepared.config.demo_timing);
    apply_timing(&stack, &mut prepared, FlowTiming::Demo)
        .await
        .unwrap();
    assert!(prepared.config.demo_timing);
    assert_eq!(prepared.config.capture_window, DEMO_CAPTURE_WINDOW);
    assert_eq!(prepared.config.partner_interval, DEMO_PARTNER_INTERVAL);
    let demo_window = stack
        .effects()
        .demo_capture_window(&prepared.namespace)
        .map(|interval| u64::from(interval.seconds()));
    assert_eq!(demo_window, Some(DEMO_CAPTURE_WINDOW.as_secs()));

    // The Resource Manager keeps the plan's window, so a new preparation reads 300 s and
    // verify reports nothing.
    let reread = local_flow(&stack, &attendee).await.unwrap();
    assert_eq!(reread.config.capture_window, PLAN_CAPTURE_WINDOW);
    let report = control::verify::verify(&client, server.target(), &plan, options())
        .await
        .unwrap();
    assert!(
        report.is_clean(),
        "verify found drift under demo timing: {:?}",
        report.findings
    );

    prepared.config.pace = Duration::from_millis(100);
    let handle = prepared.start().await.unwrap();
    let started = Instant::now();
    let mut report = handle.report().await.unwrap();
    while report.sales == 0 || report.product_purchases == 0 {
        assert!(
            started.elapsed() < FIRST_PURCHASE_DEADLINE,
            "after {FIRST_PURCHASE_DEADLINE:?} with demo timing: {} customers, {} leads, {} \
             leads sold, {} sales, {} purchases seen by Product",
            report.customers,
            report.leads,
            report.leads_sold,
            report.sales,
            report.product_purchases
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        report = handle.report().await.unwrap();
    }
    let first_purchase = started.elapsed();
    println!("first sale and purchased lead after {first_purchase:?}");
    assert!(report.leads_sold > 0);
    assert!(report.purchases > 0);
    handle.stop().await;

    // The course's timing takes the demo window off the broker again.
    let mut course_flow = reread;
    apply_timing(&stack, &mut course_flow, FlowTiming::Course)
        .await
        .unwrap();
    assert!(!course_flow.config.demo_timing);
    assert_eq!(course_flow.config.capture_window, PLAN_CAPTURE_WINDOW);
    assert_eq!(
        stack.effects().demo_capture_window(&course_flow.namespace),
        None
    );
    stack.stop().await;
}
