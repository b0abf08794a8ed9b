// The live flow page's logic without the DOM: lag history for the sparklines, the recent
// events list, the routes tokens travel, paces, rates and the raw bytes in hex rows.
import type { GroupLag, HubDefinition, SampledEvent, TeamId } from "./flowApi";

/** The teams' names as headings show them. */
export const TEAM_TITLES: Record<TeamId, string> = {
  platform: "Platform",
  customer: "Customer",
  product: "Product",
  conversions: "Conversions",
};

/** Each team's work in the flow, in the attendee's terms. */
export const TEAM_DUTIES: Record<TeamId, string> = {
  customer: "Creates a customer on a timer, then follows its leads and purchases.",
  conversions: "Turns customers into leads or abandoned leads, and sales into purchases.",
  product: "Counts purchased leads.",
  platform: "Copies every event to the data lake and lists parked events.",
};

/** The number of points each lag sparkline keeps. */
export const LAG_POINTS = 60;

/** The shortest time between two points of a sparkline; the shell recomputes lag twice a second. */
export const LAG_INTERVAL_MS = 500;

/** The number of events the recent events list keeps. */
export const RECENT_EVENTS = 12;

/** The lag of every consumer group over time, oldest point first. */
export interface LagHistory {
  /** When the last point was recorded, in milliseconds; null before the first one. */
  recordedAt: number | null;
  series: Record<string, number[]>;
}

/** Returns the key of a consumer group on a hub, as the lag history uses it. */
export function groupKey(hub: string, consumerGroup: string): string {
  return `${hub}/${consumerGroup}`;
}

/** Returns an empty lag history. */
export function emptyLagHistory(): LagHistory {
  return { recordedAt: null, series: {} };
}

/**
 * Adds the groups' lags at `now` as one point per group, unless the last point is less than
 * LAG_INTERVAL_MS old. Each series keeps the newest LAG_POINTS points.
 */
export function recordLags(history: LagHistory, groups: GroupLag[], now: number): LagHistory {
  if (history.recordedAt !== null && now - history.recordedAt < LAG_INTERVAL_MS) {
    return history;
  }
  const series: Record<string, number[]> = { ...history.series };
  for (const group of groups) {
    const key = groupKey(group.hub, group.consumer_group);
    const points = [...(series[key] ?? []), group.lag];
    series[key] = points.slice(-LAG_POINTS);
  }
  return { recordedAt: now, series };
}

/**
 * Returns the points of an SVG polyline for `values` in a `width` by `height` box. The first
 * value is at the left edge and the newest at the right. Zero is at the bottom and the largest
 * value (at least 1) at the top.
 */
export function sparklinePoints(values: number[], width: number, height: number): string {
  if (values.length === 0) {
    return "";
  }
  const top = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values
    .map((value, index) => {
      const x = values.length > 1 ? index * step : width;
      const y = height - (Math.max(0, value) / top) * height;
      return `${round(x)},${round(y)}`;
    })
    .join(" ");
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Returns the key that identifies an event: hub, partition and sequence number. */
export function eventKey(event: {
  hub: string;
  partition_id: string;
  sequence_number: number;
}): string {
  return `${event.hub}/${event.partition_id}/${event.sequence_number}`;
}

/** The shortest time between two events entering the recent events list, so it stays readable. */
export const RECENT_INTERVAL_MS = 700;

/** The maximum number of sampled events waiting to enter the recent events list. */
export const MAX_WAITING = 4;

/** The recent events list: the events shown, newest first, and the ones waiting to enter. */
export interface RecentList {
  shown: SampledEvent[];
  waiting: SampledEvent[];
  /** When the last event entered the list, in milliseconds; null before the first. */
  shownAt: number | null;
}

/** Returns an empty recent events list. */
export function emptyRecent(): RecentList {
  return { shown: [], waiting: [], shownAt: null };
}

function isPoison(sample: SampledEvent): boolean {
  return sample.injected || sample.parked_from !== null;
}

/**
 * Adds newly sampled events to the waiting ones, without repeats. At most MAX_WAITING wait,
 * the newest ones, but poison and parked events are kept before any other.
 */
export function queueRecent(list: RecentList, samples: SampledEvent[]): RecentList {
  const known = new Set([...list.shown, ...list.waiting].map(eventKey));
  const candidates = [...list.waiting, ...samples.filter((sample) => !known.has(eventKey(sample)))];
  if (candidates.length <= MAX_WAITING) {
    return { ...list, waiting: candidates };
  }
  const poison = candidates.filter(isPoison).slice(-MAX_WAITING);
  const room = MAX_WAITING - poison.length;
  const others = room > 0 ? candidates.filter((sample) => !isPoison(sample)).slice(-room) : [];
  const keep = new Set([...poison, ...others].map(eventKey));
  return { ...list, waiting: candidates.filter((sample) => keep.has(eventKey(sample))) };
}

/**
 * Moves the oldest waiting event to the front of the list when RECENT_INTERVAL_MS passed since
 * the last one entered, keeping `max` events shown.
 */
export function releaseRecent(
  list: RecentList,
  now: number,
  max: number = RECENT_EVENTS,
): RecentList {
  if (list.waiting.length === 0) {
    return list;
  }
  if (list.shownAt !== null && now - list.shownAt < RECENT_INTERVAL_MS) {
    return list;
  }
  const [next, ...rest] = list.waiting;
  return { shown: [next, ...list.shown].slice(0, max), waiting: rest, shownAt: now };
}

/** The way one sampled event travels: from its publisher's lane to its hub, then to readers. */
export interface Route {
  from: TeamId | null;
  hub: string;
  to: TeamId[];
}

/** Returns the route a sampled event travels on the diagram. */
export function routeOf(sample: SampledEvent): Route {
  return { from: sample.publisher, hub: sample.hub, to: [...sample.consumers] };
}

/**
 * Names who sent a sampled event: the team, the instructor for a poison event, or for a parked
 * copy the team that parked it and the hub it came from.
 */
export function publisherOf(sample: SampledEvent): string {
  const team = sample.publisher ? TEAM_TITLES[sample.publisher] : "an unknown team";
  if (sample.parked_from) {
    return `${team}, parking it from ${sample.parked_from},`;
  }
  if (sample.injected) {
    return "the instructor (poison)";
  }
  return team;
}

/** Describes a sampled event in one line, such as "Customer.Created: Customer to Conversions". */
export function describeSample(sample: SampledEvent): string {
  const type = sample.event_type ?? "Event without a type";
  const to = sample.consumers.map((team) => TEAM_TITLES[team]).join(", ") || "no reader";
  return `${type}: ${publisherOf(sample)} to ${to}`;
}

/** Formats events per second for a count line, such as "0/s", "0.4/s" or "12/s". */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) {
    return "0/s";
  }
  if (perSecond < 10) {
    return `${(Math.round(perSecond * 10) / 10).toString()}/s`;
  }
  return `${Math.round(perSecond)}/s`;
}

/** The maximum number of events the diagram animates a second: three an update, ten a second. */
export const MAX_ANIMATED_PER_SECOND = 30;

/** A pace the pace menu offers. */
export interface PaceChoice {
  ms: number;
  label: string;
}

const PACES_MS = [0.1, 0.2, 1, 10, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000];

/**
 * Formats a pace, such as "10 s", "0.5 s" or "100 ms", and below 1 s adds the rate of new
 * customers, such as "0.1 ms (10,000/s)".
 */
export function formatPace(ms: number): string {
  if (ms >= 100) {
    return `${ms / 1000} s`;
  }
  const perSecond = Math.round(1000 / ms).toLocaleString("en-US");
  return `${ms} ms (${perSecond}/s)`;
}

/**
 * Lists the paces the menu offers within `min` and `max`, with the course's pace marked and
 * `current` included even when it is not one of the usual ones.
 */
export function paceChoices(
  min: number,
  max: number,
  coursePace: number,
  current: number,
): PaceChoice[] {
  const values = new Set(PACES_MS.filter((ms) => ms >= min && ms <= max));
  values.add(coursePace);
  values.add(current);
  return [...values]
    .sort((a, b) => a - b)
    .map((ms) => ({
      ms,
      label: ms === coursePace ? `${formatPace(ms)} (course)` : formatPace(ms),
    }));
}

/** Lists the hubs a poison event can go to: every hub that carries one event type. */
export function poisonHubs(hubs: HubDefinition[]): string[] {
  return hubs.filter((hub) => hub.event_type !== null).map((hub) => hub.name);
}

/** One row of a hex dump: the offset, the bytes in hex and the printable characters. */
export interface HexRow {
  offset: string;
  hex: string;
  text: string;
}

/** Splits lower-case hex (two digits per byte) into rows of `perRow` bytes. */
export function hexRows(hex: string, perRow: number = 16): HexRow[] {
  const rows: HexRow[] = [];
  const digitsPerRow = perRow * 2;
  for (let start = 0; start < hex.length; start += digitsPerRow) {
    const chunk = hex.slice(start, start + digitsPerRow);
    const bytes = chunk.match(/../g) ?? [];
    const text = bytes
      .map((pair) => {
        const code = parseInt(pair, 16);
        return code >= 0x20 && code < 0x7f ? String.fromCharCode(code) : ".";
      })
      .join("");
    rows.push({
      offset: (start / 2).toString(16).padStart(4, "0"),
      hex: bytes.join(" "),
      text,
    });
  }
  return rows;
}

/** Formats milliseconds since the Unix epoch as an RFC 3339 time in UTC. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** A point on the diagram, in pixels from its top left corner. */
export interface Point {
  x: number;
  y: number;
}

/** One straight move of a token, starting `delayMs` after the event arrives. */
export interface Leg {
  from: Point;
  to: Point;
  delayMs: number;
}

/**
 * The points at which tokens enter and leave a hub's card: the middles of its left and right
 * edges. Tokens stop at an edge, so they never cover the hub's name and counts.
 */
export interface HubAnchor {
  left: Point;
  right: Point;
}

/** Returns the edge of `hub` that faces `lane`. */
function edgeFacing(hub: HubAnchor, lane: Point): Point {
  const toLeft = Math.abs(lane.x - hub.left.x);
  const toRight = Math.abs(lane.x - hub.right.x);
  return toLeft <= toRight ? hub.left : hub.right;
}

/**
 * Returns the moves of one event's tokens: from the publisher's lane into the hub's facing
 * edge, then, one leg later, from the hub's edge that faces each reading lane to that lane. A
 * lane or hub missing from the anchors is left out, and without a publisher the tokens start
 * at the hub.
 */
export function legsOf(
  route: Route,
  lanes: Partial<Record<TeamId, Point>>,
  hubs: Record<string, HubAnchor>,
  legMs: number,
): Leg[] {
  const hub = hubs[route.hub];
  if (!hub) {
    return [];
  }
  const legs: Leg[] = [];
  const publisher = route.from ? lanes[route.from] : undefined;
  if (publisher) {
    legs.push({ from: publisher, to: edgeFacing(hub, publisher), delayMs: 0 });
  }
  const outDelay = publisher ? legMs : 0;
  for (const team of route.to) {
    const lane = lanes[team];
    if (lane) {
      legs.push({ from: edgeFacing(hub, lane), to: lane, delayMs: outDelay });
    }
  }
  return legs;
}
