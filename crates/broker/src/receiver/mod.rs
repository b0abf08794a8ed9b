//! Receivers: start-position filters, owner levels (epochs) and receiver limits, and the lag and
//! runtime metrics delivered to consumers.

mod filter;
mod lag;
mod registry;

pub use filter::{parse_filter, FilterError, SELECTOR_FILTER_CODE, SELECTOR_FILTER_NAME};
pub use lag::{consumer_lag, RuntimeMetrics, ENABLE_RUNTIME_METRIC_CAPABILITY};
pub use registry::{Admission, Eviction, Orphan, ReceiverError, ReceiverId, ReceiverRegistry};
