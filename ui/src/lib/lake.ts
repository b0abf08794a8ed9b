import type { LakeOverview } from "./api";

/** Formats a size in bytes as "812 B", "3.4 KB", "300 MB" or "1.2 GB", in powers of 1024. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) {
    return `${bytes} B`;
  }
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const shown = value.toFixed(1).replace(/\.0$/, "");
  return `${shown} ${units[unit]}`;
}

/** Formats a capture window in seconds as "5 minutes", or "90 seconds" when not whole. */
export function formatWindow(seconds: number): string {
  if (seconds % 60 !== 0) {
    return `${seconds} seconds`;
  }
  const minutes = seconds / 60;
  return minutes === 1 ? "1 minute" : `${minutes} minutes`;
}

/** Formats seconds since the Unix epoch as a local date and time, such as "Dec 4, 17:05:12". */
export function formatTime(seconds: number): string {
  // A 24-hour clock in every locale, as the step results and the flow's messages write times.
  return new Date(seconds * 1000).toLocaleString([], {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  });
}

/** Returns whether any hub has a capture or lake file. */
export function hasFiles(overview: LakeOverview): boolean {
  return overview.hubs.some((hub) => hub.capture.length > 0 || hub.lake.length > 0);
}

/** Returns the text of a table cell: strings as they are, other values as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) {
    return "null";
  }
  if (typeof value === "string") {
    return value;
  }
  return JSON.stringify(value);
}

/** Returns "showing N of M records" for a file view. */
export function showingText(shown: number, total: number): string {
  const noun = total === 1 ? "record" : "records";
  return `Showing ${shown} of ${total} ${noun}`;
}

/** The number of files a hub's list shows until the attendee requests all of them. */
export const FILES_SHOWN = 6;

/** Returns the files newest first, cut to `FILES_SHOWN` unless `all` is set. */
export function shownFiles<T extends { modified_at: number; path: string }>(
  files: T[],
  all: boolean,
): T[] {
  const newest = [...files].sort(
    (a, b) => b.modified_at - a.modified_at || b.path.localeCompare(a.path),
  );
  return all ? newest : newest.slice(0, FILES_SHOWN);
}

/** Returns the file name of a container path, the part after the last "/". */
export function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The live flow's capture timers, as the data lake page reads them. */
export interface LakeTiming {
  /** The capture window of the running flow in seconds, or null while the flow is stopped. */
  runningWindowSeconds: number | null;
  /** The capture window of demo timing, in seconds. */
  demoWindowSeconds: number;
}

/** How often the data lake page lists the files again while it is open, in milliseconds. */
export const LAKE_REFRESH_MS = 5000;

/**
 * Returns the capture window in force: the running flow's, or else the one the hubs set, in
 * seconds.
 */
export function captureWindow(overview: LakeOverview, timing: LakeTiming | null): number {
  return timing?.runningWindowSeconds ?? overview.capture_window_seconds;
}

/**
 * Explains why the page lists no file and when files appear, from whether the namespace's
 * storage exists and the live flow's timers. `timing` is null when they are unknown.
 */
export function noFilesText(overview: LakeOverview, timing: LakeTiming | null): string {
  if (!overview.storage_exists) {
    return (
      "No files: the capture and lake storage accounts of this namespace do not exist on this " +
      "computer. A teardown removed them, or Shared platform is not applied yet."
    );
  }
  const size = formatBytes(overview.capture_size_limit_bytes);
  const writes =
    `(or at ${size}, whichever comes first) and writes one file per partition that received ` +
    "events, and the lake files follow as the data lake subscriber reads.";
  if (timing?.runningWindowSeconds != null) {
    return (
      "No files yet. The live flow runs, and capture closes a window every " +
      `${formatWindow(timing.runningWindowSeconds)} ${writes} This list refreshes by itself.`
    );
  }
  const demo = timing ? formatWindow(timing.demoWindowSeconds) : null;
  const course = formatWindow(overview.capture_window_seconds);
  const when = demo
    ? `With demo timing, on by default, capture closes a window every ${demo}; with the ` +
      `course's timing, every ${course}`
    : `Capture closes a window every ${course}`;
  return `No files yet. Start the live flow. ${when} ${writes} This list refreshes by itself.`;
}
