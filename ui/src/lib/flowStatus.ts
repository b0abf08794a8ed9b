// The live flow page's sentences about the flow: the status line, the steps a start still
// needs, the messages from the flow and the reasons of parked events.
import type { CourseStep } from "./api";
import type { FlowUpdate } from "./flowApi";
import { MAX_ANIMATED_PER_SECOND, formatPace } from "./flowModel";

/**
 * How long after a start or a pace change the rates describe the new pace: the backend's rates
 * average over the last 5 s, and one more second lets the first events arrive.
 */
export const RATE_SETTLE_MS = 6000;

/** The share of the chosen rate of new customers below which the flow is behind its pace. */
const KEEPING_UP_SHARE = 0.8;

/** A rate below this many events a second counts as none. */
const NO_RATE = 0.01;

/** Formats a number of events a second for a sentence, with one decimal below 10. */
function perSecond(rate: number): string {
  if (rate < 10) {
    return (Math.round(rate * 10) / 10).toString();
  }
  return Math.round(rate).toLocaleString("en-US");
}

/**
 * Describes a rate of published events: "an event published every 5 s" below one a second,
 * "2.4 events published a second" above, and a note when the diagram shows only a sample.
 */
export function describeEventRate(rate: number): string {
  if (!Number.isFinite(rate) || rate < NO_RATE) {
    return "no event published in the last 5 s";
  }
  if (rate < 0.95) {
    return `an event published every ${Math.round(1 / rate)} s`;
  }
  const count = perSecond(rate);
  const noun = count === "1" ? "event" : "events";
  const sampled = rate > MAX_ANIMATED_PER_SECOND ? "; the diagram shows a sample of them" : "";
  return `${count} ${noun} published a second${sampled}`;
}

/** Sums the lanes' rates and counts, as their cards show them, for the status line. */
function laneRates(update: FlowUpdate) {
  let published = 0;
  let handled = 0;
  let customers = 0;
  let counted = 0;
  for (const lane of update.lanes) {
    published += lane.published_per_second;
    handled += lane.consumed_per_second;
    counted += lane.published + lane.consumed;
    if (lane.team === "customer") {
      customers = lane.published_per_second;
    }
  }
  return { published, handled, customers, counted };
}

/** The pace from which the status line counts events instead of giving a rate, in milliseconds. */
const COUNTED_FROM_PACE_MS = 1000;

/**
 * Describes a running, unpaused flow for the status line: the chosen pace, whether this
 * computer keeps up with it once the rates have `settled` after a start or a pace change, and
 * what the teams are doing. At one customer a second or slower, the 5 s rates jump between 0
 * and a few events, so the line counts the events instead.
 */
export function describeRunning(paceMs: number, update: FlowUpdate | null, settled: boolean): string {
  const pace = `Running: a new customer every ${formatPace(paceMs)}`;
  if (!update || laneRates(update).counted === 0) {
    return `${pace}. No event yet: the first customer comes within ${formatPace(paceMs)}.`;
  }

  const rates = laneRates(update);
  if (paceMs >= COUNTED_FROM_PACE_MS) {
    return `${pace}. ${describeCounts(update)}`;
  }

  const chosen = 1000 / paceMs;
  const behind = settled && rates.customers < chosen * KEEPING_UP_SHARE;
  const keeping = behind
    ? `, but this computer creates only about ${perSecond(rates.customers)} a second, so the ` +
      "flow runs slower than the chosen pace"
    : "";
  if (rates.published < NO_RATE && rates.handled >= NO_RATE) {
    return (
      `${pace}${keeping}. No new event was published in the last 5 s: the teams are handling ` +
      `${perSecond(rates.handled)} events a second that were waiting in the hubs.`
    );
  }
  return `${pace}${keeping}. ${capitalize(describeEventRate(rates.published))}.`;
}

/** Counts the events of a slow flow for the status line. */
function describeCounts(update: FlowUpdate): string {
  let published = 0;
  let handled = 0;
  for (const lane of update.lanes) {
    published += lane.published;
    handled += lane.consumed;
  }
  if (published === 0) {
    return (
      `No new event published yet: the teams handled ${countOf(handled)} that waited in the ` +
      "hubs."
    );
  }
  return `${capitalize(countOf(published))} published since the start.`;
}

function countOf(events: number): string {
  return `${events.toLocaleString("en-US")} ${events === 1 ? "event" : "events"}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Lists the course steps a start still needs, in course order: the ones the backend found
 * missing a resource the flow uses. Steps that it found applied are left out.
 */
export function stepsToApply(steps: CourseStep[], missing: readonly string[]): CourseStep[] {
  return steps.filter((step) => missing.includes(step.id));
}

/** Joins page titles as "A", "A and B" or "A, B and C". */
export function joinTitles(steps: CourseStep[]): string {
  const titles = steps.map((step) => step.title);
  if (titles.length <= 1) {
    return titles.join("");
  }
  return `${titles.slice(0, -1).join(", ")} and ${titles[titles.length - 1]}`;
}

/** A message from the flow with the time the page first received it. */
export interface Notice {
  /** The flow run and the message's number in it, which distinguishes a message given again. */
  key: string;
  message: string;
  /** Milliseconds since the Unix epoch. */
  receivedAt: number;
}

/** The maximum number of messages the page keeps. */
export const MAX_NOTICES = 20;

/**
 * Adds the messages of an update that the log does not contain yet, received at `now`, and
 * returns the log newest first. The flow repeats its kept messages in every update, numbered
 * within its run, so a message already in the log keeps its first time, and the same text
 * given again later is a message of its own.
 */
export function recordNotices(
  log: Notice[],
  update: Pick<FlowUpdate, "notices" | "first_notice" | "run">,
  now: number,
): Notice[] {
  const known = new Set(log.map((notice) => notice.key));
  const added = update.notices
    .map((message, index) => ({
      key: `${update.run}:${update.first_notice + index}`,
      message,
      receivedAt: now,
    }))
    .filter((notice) => !known.has(notice.key));
  if (added.length === 0) {
    return log;
  }
  // Later messages of one update are newer, so they go first.
  return [...added.reverse(), ...log].slice(0, MAX_NOTICES);
}

/** The start of the partner's message while capture has written no file for `lead`. */
const NO_CAPTURE_FILE = "capture has not written a file for hub `lead`";

/**
 * Returns the messages that are still true. The partner's "no capture file yet" message stops
 * being true once a sale was published, because a sale comes from a file built from capture
 * files of `lead`.
 */
export function currentNotices(log: Notice[], update: FlowUpdate | null): Notice[] {
  const sold = (update?.hubs.find((hub) => hub.hub === "sale")?.published ?? 0) > 0;
  return log.filter((notice) => !(sold && notice.message.startsWith(NO_CAPTURE_FILE)));
}

/** Formats a time of day in UTC as "18:12:05", as the flow's messages write times. */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

/**
 * Explains a parked event's reason in a plain sentence. The raw reason comes from the
 * consumer's handler, such as the Avro decoder's message.
 */
export function explainParkedReason(error: string): string {
  if (/decoding an event written with schema id|decoding event `/.test(error)) {
    return (
      "The event's bytes are not a valid Avro record of the schema its content type names, " +
      "so no consumer can read it."
    );
  }
  if (/no content type/.test(error)) {
    return "The event has no content type, so the consumer cannot tell which schema to read it with.";
  }
  if (/is not an event type of the flow/.test(error)) {
    return "The event's type is not one of the flow's event types, so no handler takes it.";
  }
  return "The consumer's handler failed on every attempt.";
}
