//! Event Hubs Capture: Avro container files in Azure's capture schema, one per hub, partition
//! and time or size window, named by an archive name format.

mod archive;
mod error;
mod naming;
mod record;
mod window;

pub use archive::{archive_path, list_archives, read_archive, write_archive, ArchiveWriter};
pub use error::CaptureError;
pub use naming::{ArchiveNameFormat, COURSE_ARCHIVE_NAME_FORMAT};
pub use record::{capture_schema, CaptureRecord, CaptureValue, CAPTURE_SCHEMA};
pub use window::{
    CaptureSettings, ClosedWindow, DemoInterval, PartitionWindow, DEMO_CAPTURE_WINDOW_SECONDS,
};
