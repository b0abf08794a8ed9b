//! Capture windows: a partition's events collect until the time window elapses or the size
//! window fills, whichever comes first.

use std::ops::RangeInclusive;

use super::naming::ArchiveNameFormat;
use super::CaptureError;
use crate::limits::{CAPTURE_WINDOW_MEGABYTES, CAPTURE_WINDOW_SECONDS};

/// The time windows, in seconds, that a [`DemoInterval`] may have: down to 1 s, below Azure's
/// minimum of 60 s, so a classroom demo gets capture files within seconds.
pub const DEMO_CAPTURE_WINDOW_SECONDS: RangeInclusive<u32> = 1..=900;

/// A capture time window for demos on the local broker only, 1 to 900 seconds. Azure and the
/// local Resource Manager accept only 60 to 900 seconds, which [`CaptureSettings::new`]
/// enforces. [`CaptureSettings::with_demo_interval`] puts this window in place of a hub's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoInterval {
    seconds: u32,
}

impl DemoInterval {
    /// Checks the window against [`DEMO_CAPTURE_WINDOW_SECONDS`].
    pub fn from_seconds(seconds: u32) -> Result<Self, CaptureError> {
        if !DEMO_CAPTURE_WINDOW_SECONDS.contains(&seconds) {
            return Err(CaptureError::DemoIntervalOutOfRange { seconds });
        }
        Ok(Self { seconds })
    }

    /// Returns the window in seconds.
    pub fn seconds(&self) -> u32 {
        self.seconds
    }
}

/// A hub's capture settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptureSettings {
    interval_ms: i64,
    size_limit_bytes: u64,
    skip_empty: bool,
    name_format: ArchiveNameFormat,
}

impl CaptureSettings {
    /// Checks the windows against Azure's ranges: 60 to 900 seconds and 10 to 500 MB.
    pub fn new(
        interval_seconds: u32,
        size_limit_megabytes: u32,
        skip_empty: bool,
        name_format: ArchiveNameFormat,
    ) -> Result<Self, CaptureError> {
        if !CAPTURE_WINDOW_SECONDS.contains(&interval_seconds) {
            return Err(CaptureError::IntervalOutOfRange {
                seconds: interval_seconds,
            });
        }
        if !CAPTURE_WINDOW_MEGABYTES.contains(&size_limit_megabytes) {
            return Err(CaptureError::SizeOutOfRange {
                megabytes: size_limit_megabytes,
            });
        }
        Ok(Self {
            interval_ms: i64::from(interval_seconds) * 1000,
            size_limit_bytes: u64::from(size_limit_megabytes) * 1024 * 1024,
            skip_empty,
            name_format,
        })
    }

    /// Returns these settings with the time window replaced by a demo window, keeping the
    /// size window, empty-window handling and name format.
    pub fn with_demo_interval(self, interval: DemoInterval) -> Self {
        Self {
            interval_ms: i64::from(interval.seconds) * 1000,
            ..self
        }
    }

    /// Returns the time window in milliseconds.
    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }

    /// Returns the size window in bytes.
    pub fn size_limit_bytes(&self) -> u64 {
        self.size_limit_bytes
    }

    /// Returns whether windows without events produce no file.
    pub fn skip_empty(&self) -> bool {
        self.skip_empty
    }

    /// Returns the archive name format.
    pub fn name_format(&self) -> &ArchiveNameFormat {
        &self.name_format
    }
}

/// A window that closed: when it opened and how many events it collected. The events
/// themselves went to the window's file as they arrived, so no window keeps events in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClosedWindow {
    /// When the window opened, in milliseconds since the Unix epoch; files are named for it.
    pub start_ms: i64,
    /// The number of events in the window.
    pub events: u64,
}

impl ClosedWindow {
    /// Returns whether a file is written for this window: always, unless it is empty and the
    /// settings skip empty archives.
    pub fn should_write(&self, settings: &CaptureSettings) -> bool {
        !(self.events == 0 && settings.skip_empty)
    }
}

/// The open window of one partition: when it opened, and the number and estimated size of
/// the events it has collected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionWindow {
    start_ms: i64,
    events: u64,
    bytes: u64,
}

impl PartitionWindow {
    /// Opens a window at `start_ms` (milliseconds since the Unix epoch).
    pub fn new(start_ms: i64) -> Self {
        Self {
            start_ms,
            events: 0,
            bytes: 0,
        }
    }

    /// Returns when the window opened.
    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    /// Returns when the time window elapses.
    pub fn closes_at_ms(&self, settings: &CaptureSettings) -> i64 {
        self.start_ms + settings.interval_ms
    }

    /// Returns how many events the window holds.
    pub fn len(&self) -> u64 {
        self.events
    }

    /// Returns whether the window has no events.
    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// Counts an event of `size` bytes (see [`CaptureRecord::estimated_size`]) that arrived at
    /// `now_ms`. When the size window is full, the window closes with the event and a new one
    /// opens at `now_ms`, unless the window opened within the second of `now_ms`: see
    /// [`PartitionWindow::size_close_allowed`].
    ///
    /// [`CaptureRecord::estimated_size`]: super::CaptureRecord::estimated_size
    pub fn push(
        &mut self,
        size: u64,
        settings: &CaptureSettings,
        now_ms: i64,
    ) -> Option<ClosedWindow> {
        self.events += 1;
        self.bytes += size;
        self.size_close_allowed(settings, now_ms)
            .then(|| self.close(now_ms))
    }

    /// Closes the window if its time window has elapsed at `now_ms`, and the next window opens
    /// at the last window boundary not after `now_ms`. A full size window that could not close
    /// in its first second closes here too, and the next window opens at `now_ms`.
    // NOTE: when the broker was not running for several whole windows, those windows produce
    // no files, even with empty archives not skipped.
    pub fn poll(&mut self, settings: &CaptureSettings, now_ms: i64) -> Option<ClosedWindow> {
        let closes_at = self.closes_at_ms(settings);
        if now_ms >= closes_at {
            let elapsed_windows = (now_ms - self.start_ms) / settings.interval_ms;
            let next_start = self.start_ms + elapsed_windows * settings.interval_ms;
            return Some(self.close(next_start));
        }
        self.size_close_allowed(settings, now_ms)
            .then(|| self.close(now_ms))
    }

    /// Returns whether the size window is full and the window may close at `now_ms`.
    ///
    /// A capture file is named for its window's start to the second, so two windows of a
    /// partition that open within one second would need the same name. A window therefore
    /// closes on size only once a later second has begun, and the windows of a partition open
    /// in distinct seconds. At a partition's ingress above the size window per second, a file
    /// grows past the size window by up to a second of events. Azure limits a partition's
    /// ingress to about 1 MB/s, far below the smallest size window of 10 MB a second.
    fn size_close_allowed(&self, settings: &CaptureSettings, now_ms: i64) -> bool {
        self.bytes >= settings.size_limit_bytes
            && now_ms.div_euclid(1000) > self.start_ms.div_euclid(1000)
    }

    fn close(&mut self, next_start_ms: i64) -> ClosedWindow {
        let closed = ClosedWindow {
            start_ms: self.start_ms,
            events: self.events,
        };
        *self = Self::new(next_start_ms);
        closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(skip_empty: bool) -> CaptureSettings {
        CaptureSettings::new(60, 10, skip_empty, ArchiveNameFormat::course()).unwrap()
    }

    #[test]
    fn ranges_enforced() {
        let format = ArchiveNameFormat::course();
        assert_eq!(
            CaptureSettings::new(59, 10, true, format.clone())
                .unwrap_err()
                .to_string(),
            "capture time window of 59 s is out of range: use 60 to 900 seconds"
        );
        assert!(CaptureSettings::new(901, 10, true, format.clone()).is_err());
        assert_eq!(
            CaptureSettings::new(300, 9, true, format.clone())
                .unwrap_err()
                .to_string(),
            "capture size window of 9 MB is out of range: use 10 to 500 MB"
        );
        assert!(CaptureSettings::new(300, 501, true, format.clone()).is_err());
        assert!(CaptureSettings::new(900, 500, false, format).is_ok());
    }

    #[test]
    fn demo_interval_goes_below_azure_minimum() {
        let settings = CaptureSettings::new(300, 10, true, ArchiveNameFormat::course()).unwrap();
        let demo = settings
            .clone()
            .with_demo_interval(DemoInterval::from_seconds(5).unwrap());
        assert_eq!(demo.interval_ms(), 5_000);
        assert_eq!(demo.size_limit_bytes(), settings.size_limit_bytes());
        assert_eq!(demo.skip_empty(), settings.skip_empty());
        assert_eq!(demo.name_format(), settings.name_format());

        let mut window = PartitionWindow::new(0);
        assert!(window.poll(&demo, 4_999).is_none());
        assert!(window.poll(&demo, 5_000).is_some());
    }

    #[test]
    fn demo_interval_range_enforced() {
        assert_eq!(
            DemoInterval::from_seconds(0).unwrap_err().to_string(),
            "demo capture time window of 0 s is out of range: use 1 to 900 seconds"
        );
        assert!(DemoInterval::from_seconds(901).is_err());
        assert_eq!(DemoInterval::from_seconds(1).unwrap().seconds(), 1);
        assert_eq!(DemoInterval::from_seconds(900).unwrap().seconds(), 900);
    }

    #[test]
    fn time_window_closes_after_interval() {
        let settings = settings(true);
        let mut window = PartitionWindow::new(1_000);
        assert!(window.push(10, &settings, 2_000).is_none());
        assert!(window.poll(&settings, 60_999).is_none());
        let closed = window.poll(&settings, 61_000).unwrap();
        assert_eq!(closed.start_ms, 1_000);
        assert_eq!(closed.events, 1);
        assert_eq!(window.start_ms(), 61_000);
        assert!(window.is_empty());
    }

    #[test]
    fn size_window_closes_early() {
        let settings = settings(true);
        let mut window = PartitionWindow::new(0);
        let half = 5 * 1024 * 1024;
        assert!(window.push(half, &settings, 1_010).is_none());
        let closed = window.push(half, &settings, 1_020).unwrap();
        assert_eq!(closed.events, 2);
        assert_eq!(window.start_ms(), 1_020);
    }

    #[test]
    fn full_window_waits_for_next_second() {
        let settings = settings(true);
        let mut window = PartitionWindow::new(5_100);
        let full = 10 * 1024 * 1024;
        assert!(window.push(full, &settings, 5_200).is_none());
        assert!(window.push(1, &settings, 5_999).is_none());
        assert!(window.poll(&settings, 5_999).is_none());

        let closed = window.poll(&settings, 6_000).unwrap();
        assert_eq!(closed.start_ms, 5_100);
        assert_eq!(closed.events, 2);
        assert_eq!(window.start_ms(), 6_000);
    }

    #[test]
    fn fast_size_windows_start_in_distinct_seconds() {
        // A full size window every 10 ms for 5 s, far above any ingress Azure allows.
        let settings = settings(true);
        let full = 10 * 1024 * 1024;
        let mut window = PartitionWindow::new(0);
        let mut starts = Vec::new();
        for now_ms in (0..5_000).step_by(10) {
            starts.extend(
                window
                    .push(full, &settings, now_ms)
                    .map(|closed| closed.start_ms),
            );
            starts.extend(window.poll(&settings, now_ms).map(|closed| closed.start_ms));
        }
        let seconds: Vec<i64> = starts.iter().map(|start| start / 1000).collect();
        assert_eq!(seconds, vec![0, 1, 2, 3]);
    }

    #[test]
    fn empty_window_skipped_only_when_asked() {
        let mut window = PartitionWindow::new(0);
        let closed = window.poll(&settings(true), 60_000).unwrap();
        assert_eq!(closed.events, 0);
        assert!(!closed.should_write(&settings(true)));
        assert!(closed.should_write(&settings(false)));
    }

    #[test]
    fn late_poll_realigns_to_boundary() {
        let settings = settings(true);
        let mut window = PartitionWindow::new(0);
        window.poll(&settings, 185_000).unwrap();
        assert_eq!(window.start_ms(), 180_000);
    }
}
