import { Channel } from "@tauri-apps/api/core";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test } from "vitest";

import FlowPage from "../pages/FlowPage.svelte";
import { OVERVIEW } from "../test/backend";
import type {
  EventDetails,
  FlowStatus,
  FlowUpdate,
  HubDefinition,
  LiveFlowView,
  ParkedEvent,
  StoppedFlow,
} from "./flowApi";
import type { Settings } from "./settings";
import { emptyAzureChoice } from "./azure";

afterEach(() => {
  clearMocks();
});

const SETTINGS: Settings = {
  target: "local",
  namespace: "dgrf",
  namespaceFromEnvironment: false,
  environment: "dv",
  region: { name: "northeurope", code: "eun" },
  customRegion: false,
  azure: emptyAzureChoice(),
};

const HUBS: HubDefinition[] = [
  {
    name: "customer",
    publisher: "customer",
    event_type: "Customer.Created",
    consumer_groups: [
      { name: "lead", team: "conversions", purpose: "leads" },
      { name: "datalake", team: "platform", purpose: "lake" },
    ],
  },
  {
    name: "parked",
    publisher: "platform",
    event_type: null,
    consumer_groups: [{ name: "platform", team: "platform", purpose: "list" }],
  },
];

function running(paceMs: number, demoTiming = true): FlowStatus {
  return {
    running: true,
    paused: false,
    pace_ms: paceMs,
    sales: demoTiming
      ? { capture_window_seconds: 5, partner_interval_seconds: 2, demo_timing: true }
      : { capture_window_seconds: 300, partner_interval_seconds: 30, demo_timing: false },
  };
}

function update(published: number): FlowUpdate {
  const lane = (team: "platform" | "customer" | "product" | "conversions") => ({
    team,
    published: team === "customer" ? published : 0,
    consumed: team === "conversions" ? published : 0,
    parked: 0,
    published_per_second: 0.1,
    consumed_per_second: 0.1,
  });
  return {
    status: running(10000),
    lanes: [lane("platform"), lane("customer"), lane("product"), lane("conversions")],
    hubs: [
      {
        hub: "customer",
        published,
        consumed: published,
        parked: 0,
        published_per_second: 0.1,
        consumed_per_second: 0.1,
      },
    ],
    groups: [{ hub: "customer", consumer_group: "lead", team: "conversions", lag: 2, partitions: [] }],
    parked: [],
    parked_total: 0,
    samples: [
      {
        hub: "customer",
        partition_id: "3",
        sequence_number: 41,
        event_type: "Customer.Created",
        event_id: "e-41",
        publisher: "customer",
        consumers: ["conversions", "platform"],
        injected: false,
        parked_from: null,
        enqueued_time_ms: 1_796_396_400_000,
        body_size: 5,
      },
    ],
    seen: 1,
    notices: [],
    first_notice: 0,
    run: 1,
  };
}

const DETAILS: EventDetails = {
  hub: "customer",
  partition_id: "3",
  sequence_number: 41,
  offset: "4096",
  enqueued_time_ms: 1_796_396_400_000,
  partition_key: null,
  content_type: "avro/binary+0123",
  cloud_events: [{ name: "type", value: "Customer.Created", kind: "string" }],
  properties: [],
  payload: {
    outcome: "decoded",
    event_type: "Customer.Created",
    fields: [
      { name: "id", value: "c-41" },
      { name: "email", value: "ada@example.com" },
    ],
  },
  body_size: 5,
  body_hex: "48656c6c6f",
};

interface Calls {
  commands: { cmd: string; args: Record<string, unknown> }[];
  channel: Channel<FlowUpdate> | null;
}

const READY: StoppedFlow = {
  missing_step: null,
  missing_steps: [],
  missing_resource: null,
  problem: null,
  parked: [],
  parked_total: 0,
};

const POISON: ParkedEvent = {
  hub: "lead",
  partition_id: "0",
  sequence_number: 662,
  offset: "4096",
  consumer_group: "datalake",
  error:
    "decoding event `fce38253` as `Lead.Generated` failed: decoding an event written with " +
    "schema id bea6 failed: Failed to read bytes for decoding variable length integer",
  attempts: 3,
  event_id: "fce38253",
  event_type: "Lead.Generated",
};

/**
 * Mocks the live flow commands. `start` returns the outcome of each start, in order, and
 * `stopped` is what the opening check finds.
 */
function installFlowBackend(
  start: (call: number) => FlowStatus | { reject: unknown },
  stopped: StoppedFlow = READY,
): Calls {
  const calls: Calls = { commands: [], channel: null };
  let starts = 0;
  mockIPC((cmd, args) => {
    const payload = (args ?? {}) as Record<string, unknown>;
    calls.commands.push({ cmd, args: payload });
    switch (cmd) {
      case "live_flow_open": {
        calls.channel = payload.updates as Channel<FlowUpdate>;
        const view: LiveFlowView = {
          status: { running: false, paused: false, pace_ms: 10000, sales: null },
          teams: ["platform", "customer", "product", "conversions"],
          hubs: HUBS,
          default_pace_ms: 10000,
          min_pace_ms: 100,
          max_pace_ms: 60000,
          demo_timing: {
            capture_window_seconds: 5,
            partner_interval_seconds: 2,
            azure_min_capture_window_seconds: 60,
            azure_max_capture_window_seconds: 900,
          },
          stopped,
        };
        return view;
      }
      case "live_flow_start": {
        const outcome = start(starts++);
        if ("reject" in outcome) {
          return Promise.reject(outcome.reject);
        }
        return outcome;
      }
      case "live_flow_event":
        return DETAILS;
      case "apply_step":
        return { attendee: {}, applied: { failure: null }, verified: null };
      case "live_flow_stop":
        return { running: false, paused: false, pace_ms: 10000, sales: null };
      case "live_flow_pause":
        return { running: true, paused: true, pace_ms: 10000, sales: null };
      case "live_flow_resume":
        return { running: true, paused: false, pace_ms: 10000, sales: null };
      case "live_flow_close":
        return null;
      default:
        return Promise.reject(`unexpected command ${cmd}`);
    }
  });
  return calls;
}

function renderPage() {
  return render(FlowPage, {
    props: {
      overview: OVERVIEW,
      settings: SETTINGS,
      nextStep: undefined,
      onBack: () => {},
      onNext: () => {},
    },
  });
}

describe("live flow page", () => {
  test("drops an update that arrives after the stop", async () => {
    const calls = installFlowBackend(() => running(10000));
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByTestId("flow-start"));
    await user.click(await screen.findByTestId("flow-stop"));
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Stopped/));
    expect(screen.getByTestId("flow-status").textContent).toContain("Press Start to run the flow");

    calls.channel?.onmessage(update(3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Stopped/);
    const count = screen.getByTestId("lane-customer-published").querySelector(".count");
    expect(count?.textContent).toBe("0");
  });

  test("keeps the focus on the controls that replace the one pressed", async () => {
    installFlowBackend(() => running(10000));
    const user = userEvent.setup();
    renderPage();
    const start = await screen.findByTestId("flow-start");
    start.focus();

    await user.keyboard("{Enter}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("flow-pause")));

    await user.keyboard("{Enter}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("flow-resume")));

    screen.getByTestId("flow-stop").focus();
    await user.keyboard("{Enter}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("flow-start")));

    screen.getByTestId("flow-reset").focus();
    await user.keyboard("{Enter}");
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByTestId("flow-reset-cancel")),
    );
    await user.keyboard("{Enter}");
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId("flow-reset")));
  });

  test("starts at the chosen pace and shows the lanes' counts", async () => {
    const calls = installFlowBackend(() => running(1000));
    const user = userEvent.setup();
    renderPage();

    const pace = (await screen.findByTestId("flow-pace")) as HTMLSelectElement;
    await user.selectOptions(pace, "1000");
    await user.click(screen.getByTestId("flow-start"));

    const start = calls.commands.find((call) => call.cmd === "live_flow_start");
    expect(start?.args.paceMs).toBe(1000);
    expect(start?.args.attendee).toEqual({
      namespace: "dgrf",
      environment: "dv",
      region: { name: "northeurope", code: "eun" },
    });
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Running/));

    calls.channel?.onmessage(update(7));
    await waitFor(() =>
      expect(screen.getByTestId("lane-customer-published").textContent).toContain("7"),
    );
    expect(screen.getByTestId("lane-conversions-consumed").textContent).toContain("7");
    expect(screen.getByTestId("lag-customer-lead").textContent).toContain("2");
  });

  test("starts with demo timing by default and says what it changes", async () => {
    const calls = installFlowBackend(() => running(10000));
    const user = userEvent.setup();
    renderPage();

    const demo = (await screen.findByTestId("flow-demo-timing")) as HTMLInputElement;
    expect(demo.checked).toBe(true);
    expect(screen.getByTestId("recent-events").textContent).toContain("Start the flow");
    const note = screen.getByTestId("flow-timing-note").textContent ?? "";
    expect(note).toContain("Demo timing is on");
    expect(note).toMatch(/closes capture windows\s+every 5 s/);
    expect(note).toMatch(/every\s+2 s/);
    expect(note).toMatch(/On Azure, capture windows are\s+60 to\s+900 s/);

    await user.click(screen.getByTestId("flow-start"));
    const start = calls.commands.find((call) => call.cmd === "live_flow_start");
    expect(start?.args.demoTiming).toBe(true);
    await waitFor(() => expect(demo.disabled).toBe(true));
    const runningNote = screen.getByTestId("flow-timing-note").textContent ?? "";
    expect(runningNote).toContain("Stop the flow to change the timing");
    // While the flow runs, the note shrinks to the two timers so the lanes stay in view.
    expect(runningNote).toMatch(/Capture windows close every\s+5 s/);
    expect(runningNote).not.toContain("On Azure");
    expect(screen.getByTestId("recent-events").textContent).toContain("appear here as they arrive");

    calls.channel?.onmessage({ ...update(0), hubs: [] });
    const hint = await screen.findByTestId("flow-sales-hint");
    expect(hint.textContent).toMatch(/first 5 s window/);
    expect(hint.textContent).toContain("demo timing");
  });

  test("starts with the course's timers when demo timing is off", async () => {
    const calls = installFlowBackend(() => running(10000, false));
    const user = userEvent.setup();
    renderPage();

    const demo = (await screen.findByTestId("flow-demo-timing")) as HTMLInputElement;
    await user.click(demo);
    expect(demo.checked).toBe(false);
    expect(screen.getByTestId("flow-timing-note").textContent).toContain("Course timing");

    await user.click(screen.getByTestId("flow-start"));
    const start = calls.commands.find((call) => call.cmd === "live_flow_start");
    expect(start?.args.demoTiming).toBe(false);
    await waitFor(() =>
      expect(screen.getByTestId("flow-timing-note").textContent).toMatch(
        /every 300 s, as your hubs set\s+it/,
      ),
    );
  });

  test("opens a recent event's details and closes them", async () => {
    const calls = installFlowBackend(() => running(10000));
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByTestId("flow-start"));
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Running/));

    calls.channel?.onmessage(update(1));
    await user.click(await screen.findByTestId("recent-event"));

    const payload = await screen.findByTestId("event-payload");
    expect(payload.textContent).toContain("ada@example.com");
    const request = calls.commands.find((call) => call.cmd === "live_flow_event");
    expect(request?.args).toEqual({ hub: "customer", partitionId: "3", sequenceNumber: 41 });
    expect(screen.getByTestId("event-hex").textContent).toContain("48 65 6c 6c 6f");

    await user.click(screen.getByTestId("event-details-close"));
    expect(screen.queryByTestId("event-details")).toBeNull();
  });

  test("offers to apply the missing steps in one action, then starts", async () => {
    const calls = installFlowBackend((call) =>
      call === 0
        ? {
            reject: {
              message: "the schema group `myschemagroup` does not exist yet",
              missing_step: "schema_registry",
              missing_steps: ["schema_registry", "publishers", "consumers"],
            },
          }
        : running(10000),
    );
    const user = userEvent.setup();
    renderPage();

    await user.click(await screen.findByTestId("flow-start"));
    expect((await screen.findByTestId("flow-error")).textContent).toContain("myschemagroup");
    const apply = screen.getByTestId("flow-apply-missing");
    expect(apply.textContent).toBe("Apply Schema registry, Publishers and Consumers and start");

    await user.click(apply);
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Running/));
    const order = calls.commands.map((call) => call.cmd).filter((cmd) => cmd !== "live_flow_open");
    expect(order).toEqual([
      "live_flow_start",
      "apply_step",
      "apply_step",
      "apply_step",
      "live_flow_start",
    ]);
    const applied = calls.commands.filter((call) => call.cmd === "apply_step");
    expect(applied.map((call) => call.args.step)).toEqual([
      "schema_registry",
      "publishers",
      "consumers",
    ]);
  });

  test("names only the steps that are missing, not the applied ones after them", async () => {
    const calls = installFlowBackend(() => running(10000), {
      ...READY,
      missing_step: "schema_registry",
      missing_steps: ["schema_registry"],
      missing_resource: "schema group `myschemagroup`",
    });
    const user = userEvent.setup();
    renderPage();

    const start = await screen.findByTestId("flow-start");
    expect(start.textContent).toBe("Apply Schema registry and start");
    const status = screen.getByTestId("flow-status").textContent ?? "";
    expect(status).toMatch(/Stopped\. Schema registry\s+is not applied yet: Start applies\s+it first/);
    expect(status).not.toContain("Publishers");

    await user.click(start);
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Running/));
    const applied = calls.commands.filter((call) => call.cmd === "apply_step");
    expect(applied.map((call) => call.args.step)).toEqual(["schema_registry"]);
  });

  test("names the steps a start needs as soon as the page opens", async () => {
    const calls = installFlowBackend(() => running(10000), {
      ...READY,
      missing_step: "resource_groups",
      missing_steps: [
        "resource_groups",
        "shared_platform",
        "schema_registry",
        "publishers",
        "consumers",
      ],
      missing_resource: "broker resource group `dv-events-broker-rg`",
    });
    const user = userEvent.setup();
    renderPage();

    const start = await screen.findByTestId("flow-start");
    expect(start.textContent).toBe(
      "Apply Resource groups, Shared platform, Schema registry, Publishers and Consumers and start",
    );
    const status = screen.getByTestId("flow-status").textContent ?? "";
    expect(status).toMatch(/Stopped\. Resource groups, .* and Consumers\s+are not applied yet/);
    expect(status).not.toContain("eda-workshop");
    const open = calls.commands.find((call) => call.cmd === "live_flow_open");
    expect(open?.args.attendee).toEqual({
      namespace: "dgrf",
      environment: "dv",
      region: { name: "northeurope", code: "eun" },
    });

    await user.click(start);
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Running/));
    const order = calls.commands.map((call) => call.cmd).filter((cmd) => cmd !== "live_flow_open");
    expect(order).toEqual([...Array(5).fill("apply_step"), "live_flow_start"]);
  });

  test("shows the parked events of earlier runs while stopped", async () => {
    installFlowBackend(() => running(10000), { ...READY, parked: [POISON], parked_total: 1 });
    renderPage();

    await waitFor(() =>
      expect(screen.getByTestId("flow-status").textContent).toMatch(/Stopped\. Press Start/),
    );
    expect(screen.getByTestId("flow-start").textContent).toBe("Start the flow");
    expect(screen.getByTestId("parked-list").textContent).toContain("Parked events (1)");
    expect(screen.getByTestId("parked-reason").textContent).toContain("not a valid Avro record");
    expect(screen.getByTestId("parked-error").textContent).toContain("variable length integer");
  });

  test("lists the flow's messages newest first and drops outdated ones", async () => {
    const calls = installFlowBackend(() => running(10000));
    const user = userEvent.setup();
    renderPage();
    await user.click(await screen.findByTestId("flow-start"));
    await waitFor(() => expect(screen.getByTestId("flow-status").textContent).toMatch(/^\s*Running/));

    const capture = "capture has not written a file for hub `lead` under `/x` yet";
    calls.channel?.onmessage({ ...update(1), notices: [capture] });
    calls.channel?.onmessage({ ...update(2), notices: [capture, "consumer group `lead` parked"] });
    const items = async () =>
      [...(await screen.findByTestId("flow-notices")).querySelectorAll("li")].map(
        (item) => item.textContent ?? "",
      );
    await waitFor(async () => expect(await items()).toHaveLength(2));
    expect((await items())[0]).toContain("consumer group `lead` parked");
    expect((await items())[0]).toMatch(/\d\d:\d\d:\d\d/);

    const sold = update(3);
    sold.hubs.push({ ...sold.hubs[0], hub: "sale", published: 1 });
    calls.channel?.onmessage({ ...sold, notices: [capture, "consumer group `lead` parked"] });
    await waitFor(async () => expect(await items()).toHaveLength(1));
  });
});
