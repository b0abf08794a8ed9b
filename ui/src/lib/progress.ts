import type { ProgressEvent, RowState } from "./api";

/** One resource's row in a running Apply or Teardown. */
export interface ProgressRow {
  id: string;
  title: string;
  state: RowState;
  detail: string | null;
}

/**
 * Returns the resource's name, the last segment of its ARM id, when the row's title does not
 * show it already, such as `dv-sales-rg` for "sales resource group". Otherwise it returns null.
 * Azure names a resource's only policy or service `default`, which adds nothing, so that name is
 * left out too.
 */
export function rowName(row: ProgressRow): string | null {
  if (!row.id.startsWith("/")) {
    return null;
  }
  const name = row.id.split("/").filter((segment) => segment !== "").pop() ?? "";
  return name === "" || name === "default" || row.title.includes(name) ? null : name;
}

/** The label each state shows on its row. */
export const STATE_LABELS: Record<RowState, string> = {
  queued: "queued",
  in_progress: "in progress",
  created: "created",
  updated: "updated",
  unchanged: "unchanged",
  skipped: "skipped",
  not_attempted: "not attempted",
  deleted: "deleted",
  failed: "failed",
};

/** The states after which a resource's row no longer changes. */
const FINAL_STATES: readonly RowState[] = [
  "created",
  "updated",
  "unchanged",
  "skipped",
  "not_attempted",
  "deleted",
  "failed",
];

/**
 * Returns the rows with `event` applied: the resource's row takes the new state, or a new row is
 * added at the end. Rows keep the order in which their resources first appeared.
 */
export function applyProgress(rows: ProgressRow[], event: ProgressEvent): ProgressRow[] {
  const row: ProgressRow = {
    id: event.id,
    title: event.title,
    state: event.state,
    detail: event.detail,
  };
  const index = rows.findIndex((candidate) => candidate.id === event.id);
  if (index === -1) {
    return [...rows, row];
  }
  return rows.map((candidate, position) => (position === index ? row : candidate));
}

/** Returns whether a row's state is final. */
export function isFinal(state: RowState): boolean {
  return FINAL_STATES.includes(state);
}

/** Returns the colour group of a state: finished well, failed, running, or waiting. */
export function stateTone(state: RowState): "ok" | "bad" | "busy" | "neutral" {
  switch (state) {
    case "created":
    case "updated":
    case "unchanged":
    case "deleted":
      return "ok";
    case "failed":
      return "bad";
    case "in_progress":
      return "busy";
    default:
      return "neutral";
  }
}

/**
 * Summarises the rows as "12 of 40 done", counting every resource in a final state. `expected`
 * is the number of resources the operation was known to touch before it started, so the total
 * is right while rows are still arriving.
 */
export function progressSummary(rows: ProgressRow[], expected = 0): string {
  const done = rows.filter((row) => isFinal(row.state)).length;
  return `${done} of ${Math.max(rows.length, expected)} done`;
}
