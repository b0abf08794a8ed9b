import type { ApplyRecord, Environment, StepResult, Target } from "./api";

/** The state of one resource after the last Apply or Verify, as its plan row shows it. */
export interface ResourceStatus {
  label: string;
  tone: "ok" | "bad" | "neutral";
  /** The change, skip reason, failure or difference in plain words. */
  detail: string | null;
}

/** Returns whether `result` was made on this target for the names of these choices. */
export function resultIsFor(
  result: StepResult | undefined,
  target: Target,
  namespace: string,
  environment: Environment,
  regionCode: string,
): result is StepResult {
  return (
    result !== undefined &&
    (result.attendee.target ?? "local") === target &&
    result.attendee.namespace === namespace &&
    result.attendee.environment === environment &&
    result.attendee.region_code === regionCode
  );
}

/**
 * Returns the status of the resource `id` from the newer of the last Verify and the last Apply,
 * or null when neither mentions it.
 */
export function resourceStatus(result: StepResult, id: string): ResourceStatus | null {
  const { applied, verified } = result;
  if (verified && (!applied || verified.finished_at >= applied.finished_at)) {
    const finding = verified.findings.find((candidate) => candidate.id === id);
    if (finding) {
      return { label: "differs", tone: "bad", detail: finding.message };
    }
    const skip = verified.skipped.find((candidate) => candidate.id === id);
    if (skip) {
      return { label: "skipped", tone: "neutral", detail: skip.message };
    }
    return { label: "matches", tone: "ok", detail: null };
  }
  const outcome = applied?.resources.find((candidate) => candidate.id === id);
  if (!outcome) {
    return null;
  }
  let tone: ResourceStatus["tone"] = "ok";
  if (outcome.outcome === "failed") {
    tone = "bad";
  } else if (outcome.outcome === "skipped") {
    tone = "neutral";
  }
  return { label: outcome.outcome, tone, detail: outcome.detail };
}

/** Formats seconds since the Unix epoch as a local time of day, such as "14:05". */
export function timeOfDay(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** The maximum length of the changes an update line shows; the plan's row shows them all. */
const SHOWN_CHANGES_LENGTH = 80;

/**
 * Describes each resource an Apply updated, such as "hub `lead`: partitions differ". A blob
 * service is created by Azure together with its storage account, so even the first Apply of a
 * new namespace updates it rather than creating it, and its line explains that.
 */
export function updateLines(applied: ApplyRecord): string[] {
  return applied.resources
    .filter((resource) => resource.outcome === "updated")
    .map((resource) => {
      if (/\/blobServices\/[^/]+$/i.test(resource.id)) {
        return (
          `${resource.title}: Azure creates it with its storage account, so Apply sets its ` +
          "settings as an update."
        );
      }
      const detail = resource.detail ?? "";
      if (detail === "") {
        return `${resource.title}.`;
      }
      if (detail.length > SHOWN_CHANGES_LENGTH) {
        return `${resource.title}: its row in the plan lists the changes.`;
      }
      return `${resource.title}: ${detail}.`;
    });
}
