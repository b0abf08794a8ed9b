import { describe, expect, it } from "vitest";

import { flowError, type GroupLag, type HubDefinition, type SampledEvent } from "./flowApi";
import { describeEventRate } from "./flowStatus";
import {
  LAG_INTERVAL_MS,
  LAG_POINTS,
  MAX_WAITING,
  RECENT_EVENTS,
  RECENT_INTERVAL_MS,
  type RecentList,
  describeSample,
  emptyLagHistory,
  emptyRecent,
  eventKey,
  formatPace,
  formatRate,
  groupKey,
  hexRows,
  legsOf,
  paceChoices,
  poisonHubs,
  queueRecent,
  recordLags,
  releaseRecent,
  routeOf,
  sparklinePoints,
} from "./flowModel";

function sample(hub: string, sequence: number, extra: Partial<SampledEvent> = {}): SampledEvent {
  return {
    hub,
    partition_id: "0",
    sequence_number: sequence,
    event_type: "Customer.Created",
    event_id: `id-${sequence}`,
    publisher: "customer",
    consumers: ["conversions", "platform"],
    injected: false,
    parked_from: null,
    enqueued_time_ms: 1_796_396_400_000,
    body_size: 60,
    ...extra,
  };
}

function lag(hub: string, group: string, value: number): GroupLag {
  return { hub, consumer_group: group, team: "conversions", lag: value, partitions: [] };
}

describe("lag history", () => {
  it("adds one point per group", () => {
    const history = recordLags(emptyLagHistory(), [lag("customer", "lead", 3)], 1000);
    expect(history.series[groupKey("customer", "lead")]).toEqual([3]);
    expect(history.recordedAt).toBe(1000);
  });

  it("skips points closer than the lag interval", () => {
    const first = recordLags(emptyLagHistory(), [lag("customer", "lead", 3)], 1000);
    const early = recordLags(first, [lag("customer", "lead", 9)], 1000 + LAG_INTERVAL_MS - 1);
    expect(early).toBe(first);
    const later = recordLags(first, [lag("customer", "lead", 9)], 1000 + LAG_INTERVAL_MS);
    expect(later.series["customer/lead"]).toEqual([3, 9]);
  });

  it("keeps the newest points only", () => {
    let history = emptyLagHistory();
    for (let index = 0; index < LAG_POINTS + 5; index++) {
      history = recordLags(history, [lag("sale", "purchase", index)], index * LAG_INTERVAL_MS);
    }
    const points = history.series["sale/purchase"];
    expect(points).toHaveLength(LAG_POINTS);
    expect(points[0]).toBe(5);
    expect(points[LAG_POINTS - 1]).toBe(LAG_POINTS + 4);
  });
});

describe("sparkline", () => {
  it("scales to the largest value", () => {
    expect(sparklinePoints([0, 5, 10], 100, 20)).toBe("0,20 50,10 100,0");
  });

  it("keeps a flat zero line at the bottom", () => {
    expect(sparklinePoints([0, 0], 10, 8)).toBe("0,8 10,8");
  });

  it("draws nothing without values", () => {
    expect(sparklinePoints([], 10, 8)).toBe("");
  });

  it("puts a single value at the right edge", () => {
    expect(sparklinePoints([4], 30, 10)).toBe("30,0");
  });
});

describe("recent events", () => {
  function fill(count: number): RecentList {
    let list = emptyRecent();
    for (let sequence = 0; sequence < count; sequence++) {
      list = releaseRecent(queueRecent(list, [sample("customer", sequence)]), sequence * RECENT_INTERVAL_MS);
    }
    return list;
  }

  it("puts the newest first and keeps the maximum", () => {
    const list = fill(RECENT_EVENTS + 3);
    expect(list.shown).toHaveLength(RECENT_EVENTS);
    expect(list.shown[0].sequence_number).toBe(RECENT_EVENTS + 2);
    expect(list.waiting).toEqual([]);
  });

  it("lets one event in per interval", () => {
    let list = queueRecent(emptyRecent(), [sample("customer", 1), sample("lead", 1)]);
    list = releaseRecent(list, 1000);
    expect(list.shown.map(eventKey)).toEqual(["customer/0/1"]);
    expect(releaseRecent(list, 1000 + RECENT_INTERVAL_MS - 1)).toBe(list);
    list = releaseRecent(list, 1000 + RECENT_INTERVAL_MS);
    expect(list.shown.map(eventKey)).toEqual(["lead/0/1", "customer/0/1"]);
  });

  it("ignores a repeated event", () => {
    const once = releaseRecent(queueRecent(emptyRecent(), [sample("customer", 1)]), 0);
    const again = queueRecent(once, [sample("customer", 1)]);
    expect(again.waiting).toEqual([]);
  });

  it("keeps the newest waiting events and every poison event", () => {
    const poison = sample("customer", 2, { injected: true });
    const burst = [sample("customer", 1), poison, ...[3, 4, 5, 6, 7].map((n) => sample("customer", n))];
    const list = queueRecent(emptyRecent(), burst);
    expect(list.waiting).toHaveLength(MAX_WAITING);
    expect(list.waiting.map((event) => event.sequence_number)).toEqual([2, 5, 6, 7]);
  });
});

describe("routes", () => {
  const lanes = { customer: { x: 0, y: 0 }, conversions: { x: 100, y: 0 }, platform: { x: 100, y: 50 } };
  const hubs = { customer: { left: { x: 40, y: 10 }, right: { x: 60, y: 10 } } };

  it("goes from the publisher into the hub, then to each reader", () => {
    const legs = legsOf(routeOf(sample("customer", 1)), lanes, hubs, 600);
    expect(legs).toEqual([
      { from: { x: 0, y: 0 }, to: { x: 40, y: 10 }, delayMs: 0 },
      { from: { x: 60, y: 10 }, to: { x: 100, y: 0 }, delayMs: 600 },
      { from: { x: 60, y: 10 }, to: { x: 100, y: 50 }, delayMs: 600 },
    ]);
  });

  it("leaves the hub by the edge facing each reader", () => {
    const both = { ...lanes, customer: { x: 0, y: 30 } };
    const route = {
      ...routeOf(sample("customer", 1)),
      to: ["customer" as const, "conversions" as const],
    };
    const legs = legsOf(route, both, hubs, 600);
    expect(legs[1].from).toEqual({ x: 40, y: 10 });
    expect(legs[2].from).toEqual({ x: 60, y: 10 });
  });

  it("starts at the hub without a publisher", () => {
    const legs = legsOf(routeOf(sample("customer", 1, { publisher: null })), lanes, hubs, 600);
    expect(legs.map((leg) => leg.delayMs)).toEqual([0, 0]);
  });

  it("draws nothing for an unknown hub", () => {
    expect(legsOf(routeOf(sample("other", 1)), lanes, hubs, 600)).toEqual([]);
  });
});

describe("descriptions", () => {
  it("names publisher and readers", () => {
    expect(describeSample(sample("customer", 1))).toBe(
      "Customer.Created: Customer to Conversions, Platform",
    );
  });

  it("marks a poison event and where a parked one came from", () => {
    expect(describeSample(sample("customer", 1, { injected: true }))).toBe(
      "Customer.Created: the instructor (poison) to Conversions, Platform",
    );
    const parked = sample("parked", 1, {
      publisher: "conversions",
      consumers: ["platform"],
      parked_from: "customer",
    });
    expect(describeSample(parked)).toBe(
      "Customer.Created: Conversions, parking it from customer, to Platform",
    );
    expect(describeSample({ ...parked, injected: true })).toBe(
      "Customer.Created: Conversions, parking it from customer, to Platform",
    );
  });

  it("formats rates for a count line", () => {
    expect(formatRate(0)).toBe("0/s");
    expect(formatRate(Number.NaN)).toBe("0/s");
    expect(formatRate(0.44)).toBe("0.4/s");
    expect(formatRate(12.6)).toBe("13/s");
  });

  it("says when the diagram shows a sample of the events", () => {
    expect(describeEventRate(0)).toBe("no event published in the last 5 s");
    expect(describeEventRate(Number.NaN)).toBe("no event published in the last 5 s");
    expect(describeEventRate(0.2)).toBe("an event published every 5 s");
    expect(describeEventRate(0.6)).toBe("an event published every 2 s");
    expect(describeEventRate(1)).toBe("1 event published a second");
    expect(describeEventRate(2.44)).toBe("2.4 events published a second");
    expect(describeEventRate(30)).toBe("30 events published a second");
    expect(describeEventRate(3074.4)).toBe(
      "3,074 events published a second; the diagram shows a sample of them",
    );
  });
});

describe("controls", () => {
  it("offers paces within the range with the course's pace marked", () => {
    const choices = paceChoices(0.1, 60000, 10000, 10000);
    expect(choices.map((choice) => choice.ms)).toEqual([
      0.1, 0.2, 1, 10, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000,
    ]);
    expect(choices.find((choice) => choice.ms === 10000)?.label).toBe("10 s (course)");
    expect(choices[6].label).toBe("0.5 s");
  });

  it("labels fast paces with their rate", () => {
    expect(formatPace(0.1)).toBe("0.1 ms (10,000/s)");
    expect(formatPace(10)).toBe("10 ms (100/s)");
    expect(formatPace(100)).toBe("0.1 s");
  });

  it("includes an unusual current pace", () => {
    const choices = paceChoices(1000, 10000, 10000, 3000);
    expect(choices.map((choice) => choice.ms)).toEqual([1000, 2000, 3000, 5000, 10000]);
  });

  it("offers poison only for hubs of one event type", () => {
    const hubs: HubDefinition[] = [
      { name: "customer", publisher: "customer", event_type: "Customer.Created", consumer_groups: [] },
      { name: "parked", publisher: "platform", event_type: null, consumer_groups: [] },
    ];
    expect(poisonHubs(hubs)).toEqual(["customer"]);
  });
});

describe("hex rows", () => {
  it("splits bytes into rows with offsets and printable text", () => {
    const hex = "48656c6c6f00" + "41".repeat(16);
    const rows = hexRows(hex);
    expect(rows).toHaveLength(2);
    expect(rows[0].offset).toBe("0000");
    expect(rows[0].hex.startsWith("48 65 6c 6c 6f 00 41")).toBe(true);
    expect(rows[0].text).toBe("Hello.AAAAAAAAAA");
    expect(rows[1]).toEqual({ offset: "0010", hex: "41 41 41 41 41 41", text: "AAAAAA" });
  });

  it("returns no rows for an empty body", () => {
    expect(hexRows("")).toEqual([]);
  });
});

describe("errors", () => {
  it("reads the message and the step to apply", () => {
    expect(
      flowError({
        message: "the schema group does not exist yet",
        missing_step: "schema_registry",
        missing_steps: ["schema_registry", "consumers"],
      }),
    ).toEqual({
      message: "the schema group does not exist yet",
      missingSteps: ["schema_registry", "consumers"],
    });
  });

  it("reads an error without a step", () => {
    expect(flowError({ message: "not running", missing_step: null, missing_steps: [] })).toEqual({
      message: "not running",
      missingSteps: [],
    });
  });

  it("reads a plain string or Error", () => {
    expect(flowError("failed")).toEqual({ message: "failed", missingSteps: [] });
    expect(flowError(new Error("broken"))).toEqual({ message: "broken", missingSteps: [] });
  });
});
