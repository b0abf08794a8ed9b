import type {
  ApplyRecord,
  Environment,
  FindingRecord,
  ResourceView,
  StepResult,
  Target,
  VerifyRecord,
} from "./api";
import { counted, joinWithAnd } from "./count";

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
 * Returns the ids of the steps whose last Apply, made on this target for the names of these
 * choices, finished without a failure.
 */
export function appliedSteps(
  results: Record<string, StepResult>,
  target: Target,
  namespace: string,
  environment: Environment,
  regionCode: string,
): string[] {
  return Object.entries(results)
    .filter(
      ([, result]) =>
        resultIsFor(result, target, namespace, environment, regionCode) &&
        result.applied !== null &&
        result.applied.failure === null,
    )
    .map(([step]) => step);
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
  } else if (outcome.outcome === "skipped" || outcome.outcome === "not_attempted") {
    tone = "neutral";
  }
  const label = outcome.outcome === "not_attempted" ? "not attempted" : outcome.outcome;
  return { label, tone, detail: outcome.detail };
}

/**
 * Summarises an Apply's counts, such as "9 created, 0 updated, 0 unchanged, 1 skipped." The
 * resources that a failure kept from being tried are counted apart, and only when there are any.
 */
export function applyCounts(applied: ApplyRecord): string {
  const counts = [
    `${applied.created} created`,
    `${applied.updated} updated`,
    `${applied.unchanged} unchanged`,
    `${applied.skipped} skipped`,
  ];
  // Results saved before the count existed have none.
  const notAttempted = applied.not_attempted ?? 0;
  if (notAttempted > 0) {
    counts.push(`${notAttempted} not attempted`);
  }
  return `${counts.join(", ")}.`;
}

/** Summarises a Verify's comparison, such as "2 differences from the plan in 9 resources checked." */
export function verifyCounts(verified: VerifyRecord): string {
  const { checked, findings } = verified;
  if (findings.length > 0) {
    const differences = counted(findings.length, "difference", "differences");
    return `${differences} from the plan in ${counted(checked, "resource", "resources")} checked.`;
  }
  if (checked === 1) {
    return "the 1 resource checked matches the plan.";
  }
  return `all ${checked} resources checked match the plan.`;
}

/**
 * Names the resources a Verify left out, such as "Left out: the opt-in Databricks workspace
 * `dv-events-dbw-eun-dgrf`." A resource missing from `resources` is named by its id.
 */
export function leftOutText(skipped: FindingRecord[], resources: ResourceView[]): string {
  const names = skipped.map((finding) => {
    const resource = resources.find((candidate) => candidate.id === finding.id);
    if (!resource) {
      return finding.id;
    }
    const optIn = resource.opt_in ? "the opt-in " : "the ";
    return `${optIn}${resource.title} \`${resource.name}\``;
  });
  return `Left out: ${joinWithAnd(names)}.`;
}

/**
 * Names the resources an Apply left out, such as an opt-in resource that was not requested,
 * in the words of {@link leftOutText}, or returns "" when it left out none.
 */
export function skippedText(applied: ApplyRecord, resources: ResourceView[]): string {
  const skipped = applied.resources
    .filter((outcome) => outcome.outcome === "skipped")
    .map((outcome) => ({ id: outcome.id, message: outcome.detail ?? "" }));
  return skipped.length === 0 ? "" : leftOutText(skipped, resources);
}

/** Formats seconds since the Unix epoch as a local time of day, such as "14:05". */
export function timeOfDay(seconds: number): string {
  // A 24-hour clock in every locale, as the flow's messages write their times.
  return new Date(seconds * 1000).toLocaleTimeString([], {
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
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
