//! The flow's check of an applied plan on the Local target names every step that misses a
//! resource the flow uses, and not the steps after it that are applied.

use control::apply::{Applier, Options, TargetKind};
use control::secrets::Keychain;
use course::{Attendee, Environment, Region, StepId};
use flow::local_target::{local_flow, LocalTargetError};
use local::LocalStack;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn check_lists_only_missing_steps() {
    let folder = tempfile::tempdir().unwrap();
    let stack = LocalStack::start(folder.path(), Keychain::in_memory())
        .await
        .unwrap();
    let attendee = Attendee::new("dgrf", Environment::Dv, Region::north_europe()).unwrap();
    let plan = course::plan(&attendee);
    let server = stack.resource_manager();
    let client = server.client().unwrap();
    let mut options = Options::all(TargetKind::Local);
    options.steps = vec![
        StepId::ResourceGroups,
        StepId::SharedPlatform,
        StepId::Publishers,
        StepId::Consumers,
    ];
    let summary = Applier::new(&client, server.target(), &plan, options, None)
        .apply()
        .await;
    assert_eq!(summary.failed, None, "applying the plan failed");

    let error = match local_flow(&stack, &attendee).await {
        Ok(_) => panic!("the flow prepared without the schema group"),
        Err(error) => error,
    };
    let LocalTargetError::NotApplied {
        step,
        missing_steps,
        ..
    } = error
    else {
        panic!("expected a step not applied, got {error}");
    };
    assert_eq!(step, StepId::SchemaRegistry);
    assert_eq!(missing_steps, vec![StepId::SchemaRegistry]);
    stack.stop().await;
}
