// Typed wrappers around the live flow's commands. The types mirror the serde output of the
// shell's live flow modules, so field names stay in snake_case as Rust serializes them.
import { Channel, invoke } from "@tauri-apps/api/core";

import { errorMessage, type AttendeeChoice } from "./api";

/** A team of the course, as the flow's lanes name them. */
export type TeamId = "platform" | "customer" | "product" | "conversions";

/**
 * The timers that decide when sales appear: a sale comes from a partner's file, which the
 * partner builds from the capture files of `lead`.
 */
export interface SaleTiming {
  capture_window_seconds: number;
  partner_interval_seconds: number;
  /** Whether both timers are the Local target's demo timing instead of the course's. */
  demo_timing: boolean;
}

/** The timers of demo timing and Azure's range of capture windows, in seconds. */
export interface DemoTimingView {
  capture_window_seconds: number;
  partner_interval_seconds: number;
  azure_min_capture_window_seconds: number;
  azure_max_capture_window_seconds: number;
}

/** Whether the flow runs, and its controls' settings. */
export interface FlowStatus {
  running: boolean;
  paused: boolean;
  /** The time between two new customers, in milliseconds. */
  pace_ms: number;
  /** The running flow's timers of sales; null while it is stopped. */
  sales: SaleTiming | null;
}

/**
 * A failed live flow command: the message, and the course steps to apply when resources the
 * flow uses are missing.
 */
export interface FlowError {
  message: string;
  /** Every course step that misses a resource, in course order; empty for other failures. */
  missingSteps: string[];
}

/** Reads a rejected live flow command. Its commands reject with `{ message, missing_steps }`. */
export function flowError(error: unknown): FlowError {
  if (typeof error === "object" && error !== null && "message" in error) {
    const { message, missing_steps } = error as { message: unknown; missing_steps?: unknown };
    return {
      message: String(message),
      missingSteps: Array.isArray(missing_steps)
        ? missing_steps.filter((step): step is string => typeof step === "string")
        : [],
    };
  }
  return { message: errorMessage(error), missingSteps: [] };
}

/** One team's counts over every hub it touches. */
export interface LaneUpdate {
  team: TeamId;
  published: number;
  consumed: number;
  parked: number;
  published_per_second: number;
  consumed_per_second: number;
}

/** One hub's counts over every team. `consumed` sums the hub's consumer groups. */
export interface HubUpdate {
  hub: string;
  published: number;
  consumed: number;
  parked: number;
  published_per_second: number;
  consumed_per_second: number;
}

/** A consumer group's lag on one partition: events enqueued but not checkpointed. */
export interface PartitionLag {
  partition_id: string;
  lag: number;
}

/** A consumer group's lag, in total and per partition. */
export interface GroupLag {
  hub: string;
  consumer_group: string;
  team: TeamId;
  lag: number;
  partitions: PartitionLag[];
}

/** An event a consumer group parked after its retries, with the reason. */
export interface ParkedEvent {
  hub: string;
  partition_id: string;
  sequence_number: number;
  offset: string;
  consumer_group: string;
  error: string;
  attempts: number;
  event_id: string | null;
  event_type: string | null;
}

/** One event the page's own subscriber read, to animate and to open. */
export interface SampledEvent {
  hub: string;
  partition_id: string;
  sequence_number: number;
  event_type: string | null;
  event_id: string | null;
  /** The publishing team; on the parked hub, the team that parked the event. */
  publisher: TeamId | null;
  /** The teams whose consumer groups read the hub. */
  consumers: TeamId[];
  /** Whether the instructor injected it as a poison event. */
  injected: boolean;
  /** On the parked hub, the hub the event was parked from. */
  parked_from: string | null;
  /** Milliseconds since the Unix epoch. */
  enqueued_time_ms: number;
  body_size: number;
}

/** One update of the page, about ten a second. */
export interface FlowUpdate {
  status: FlowStatus;
  lanes: LaneUpdate[];
  hubs: HubUpdate[];
  groups: GroupLag[];
  /** The newest parked events, oldest first. */
  parked: ParkedEvent[];
  parked_total: number;
  /** A few of the events read since the previous update. */
  samples: SampledEvent[];
  /** How many events the page's subscriber read since the previous update. */
  seen: number;
  /** The flow's newest messages, oldest first. */
  notices: string[];
  /** The number of the first of `notices`; the flow numbers its messages from 0. */
  first_notice: number;
  /** The number of the flow run that gave the messages, because each run numbers them from 0. */
  run: number;
}

/** A consumer group of the flow and the team whose service reads through it. */
export interface GroupDefinition {
  name: string;
  team: TeamId;
  purpose: string;
}

/** A hub of the flow with its publisher and consumer groups. */
export interface HubDefinition {
  name: string;
  publisher: TeamId;
  /** The schema name of its events; null for the parked hub, which carries every type. */
  event_type: string | null;
  consumer_groups: GroupDefinition[];
}

/** The page's first view, before any update. */
export interface LiveFlowView {
  status: FlowStatus;
  teams: TeamId[];
  hubs: HubDefinition[];
  default_pace_ms: number;
  min_pace_ms: number;
  max_pace_ms: number;
  demo_timing: DemoTimingView;
  /**
   * While the flow is stopped: whether the attendee's namespace can start it, and the events
   * parked in earlier runs. Null while the flow runs.
   */
  stopped: StoppedFlow | null;
}

/** The page's view of a stopped flow before any update arrives. */
export interface StoppedFlow {
  /** The first course step whose resources do not exist yet, or null when the flow can start. */
  missing_step: string | null;
  /** Every course step, in course order, that misses a resource the flow uses. */
  missing_steps: string[];
  /** The resource of that step found missing, such as "hub `lead`". */
  missing_resource: string | null;
  /** The reason the namespace could not be checked. */
  problem: string | null;
  /** The newest events parked in earlier runs, oldest first. */
  parked: ParkedEvent[];
  parked_total: number;
}

/** One application property as text. */
export interface Attribute {
  name: string;
  /** A timestamp is in milliseconds since the Unix epoch; bytes are hex. */
  value: string;
  kind: "string" | "long" | "double" | "boolean" | "binary" | "timestamp";
}

/** The payload decoded through the schema registry, or why it could not be. */
export type Payload =
  | { outcome: "decoded"; event_type: string; fields: { name: string; value: string }[] }
  | { outcome: "failed"; reason: string };

/** Everything the details panel shows about one event. */
export interface EventDetails {
  hub: string;
  partition_id: string;
  sequence_number: number;
  offset: string;
  enqueued_time_ms: number;
  partition_key: string | null;
  content_type: string | null;
  cloud_events: Attribute[];
  properties: Attribute[];
  payload: Payload;
  body_size: number;
  /** The first 4 KiB of the body in lower-case hex, two digits per byte. */
  body_hex: string;
}

/**
 * Sends the page's updates to `onUpdate` from now on and fetches what the page shows first.
 * With an `attendee`, a stopped flow's view reports whether that namespace can start it.
 */
export function openLiveFlow(
  onUpdate: (update: FlowUpdate) => void,
  attendee: AttendeeChoice | null,
): Promise<LiveFlowView> {
  const updates = new Channel<FlowUpdate>();
  updates.onmessage = onUpdate;
  return invoke<LiveFlowView>("live_flow_open", { updates, attendee });
}

/** Stops the page's updates, because the page closes; the flow keeps running. */
export function closeLiveFlow(): Promise<void> {
  return invoke<void>("live_flow_close");
}

/**
 * Starts the flow on the attendee's applied namespace, with the Local target's demo timing or
 * the course's timers.
 */
export function startLiveFlow(
  attendee: AttendeeChoice,
  paceMs: number,
  demoTiming: boolean,
): Promise<FlowStatus> {
  return invoke<FlowStatus>("live_flow_start", { attendee, paceMs, demoTiming });
}

/** Stops the flow. */
export function stopLiveFlow(): Promise<FlowStatus> {
  return invoke<FlowStatus>("live_flow_stop");
}

/** Pauses customer creation and every team's readers. */
export function pauseLiveFlow(): Promise<FlowStatus> {
  return invoke<FlowStatus>("live_flow_pause");
}

/** Resumes after a pause. */
export function resumeLiveFlow(): Promise<FlowStatus> {
  return invoke<FlowStatus>("live_flow_resume");
}

/** Sets the time between two new customers. */
export function setLiveFlowPace(paceMs: number): Promise<FlowStatus> {
  return invoke<FlowStatus>("live_flow_set_pace", { paceMs });
}

/** Publishes a poison event to `hub` and returns its CloudEvents id. */
export function injectPoison(hub: string): Promise<string> {
  return invoke<string>("live_flow_inject_poison", { hub });
}

/** Deletes the flow's state; a running flow starts again afterwards. */
export function resetLiveFlow(attendee: AttendeeChoice): Promise<FlowStatus> {
  return invoke<FlowStatus>("live_flow_reset", { attendee });
}

/** Fetches the details of a sampled event. */
export function liveFlowEvent(event: {
  hub: string;
  partition_id: string;
  sequence_number: number;
}): Promise<EventDetails> {
  return invoke<EventDetails>("live_flow_event", {
    hub: event.hub,
    partitionId: event.partition_id,
    sequenceNumber: event.sequence_number,
  });
}
