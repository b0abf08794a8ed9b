//! One process at a time serves the Local target over a data directory: a second start fails at
//! once and names the process that serves it.

use control::secrets::Keychain;
use local::{LiveEffects, LocalStack, LockError, OpenError, StackError};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_stack_over_same_folder_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalStack::start(dir.path(), Keychain::in_memory())
        .await
        .unwrap();

    let second = LocalStack::start(dir.path(), Keychain::in_memory()).await;
    let opened = LiveEffects::open(dir.path());

    match second {
        Err(StackError::Lock(LockError::InUse { pid, .. })) => {
            assert_eq!(pid, Some(std::process::id()));
        }
        other => panic!("expected the data directory to be in use, got {other:?}"),
    }
    assert!(
        matches!(opened, Err(OpenError::Lock(LockError::InUse { .. }))),
        "{opened:?}"
    );
    first.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopped_stack_frees_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let first = LocalStack::start(dir.path(), Keychain::in_memory())
        .await
        .unwrap();
    first.stop().await;

    let second = LocalStack::start(dir.path(), Keychain::in_memory()).await;

    assert!(second.is_ok(), "{second:?}");
    second.unwrap().stop().await;
}
