//! Running the broker's async operations from the synchronous effects trait.

use std::future::Future;

use tokio::runtime::{Handle, RuntimeFlavor};

/// Runs a future to completion from synchronous code inside a tokio runtime.
///
/// The local Resource Manager calls its effects on a blocking thread, where waiting is
/// allowed. On a multi-threaded runtime this also works from a worker thread, because
/// `block_in_place` moves the worker's other tasks elsewhere first. On a current-thread
/// runtime it must be called from a blocking thread.
pub(crate) fn wait_for<F: Future>(future: F) -> F::Output {
    let handle = Handle::current();
    match handle.runtime_flavor() {
        RuntimeFlavor::CurrentThread => handle.block_on(future),
        _ => tokio::task::block_in_place(|| handle.block_on(future)),
    }
}
