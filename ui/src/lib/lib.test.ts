import { describe, expect, test } from "vitest";

import type { AttemptRecord, CourseStep, PlannedName, ResourceView } from "./api";
import { deviceCode } from "./azure";
import { groupNames } from "./group";
import { sectionResources, showsKind, showsResourceGroup } from "./resources";
import { copyPending } from "./clipboard";
import { hideScrollbarsBehind } from "./modal";
import { EMPTY_SCHEMA, ownTone, ownVerdict, warningSubject } from "./exercise";
import { updateLines } from "./results";
import { asSentence, markNamespace, marksNamespace, segments, withoutFix } from "./rich";
import { pageNumber, pagePosition, wizardSteps } from "./wizard";

function planned(step: string, kind: string, name: string): PlannedName {
  return {
    step,
    kind,
    kind_label: kind.replace("_", " "),
    title: name,
    name,
    resource_group: "rg",
    team: "platform",
    contains_namespace: false,
  };
}

describe("groupNames", () => {
  test("orders steps as given and kinds by first appearance", () => {
    const groups = groupNames(
      [
        planned("publishers", "event_hub", "customer"),
        planned("resource_groups", "resource_group", "dv-events-broker-rg"),
        planned("publishers", "key_vault", "dv-customer-kv"),
        planned("publishers", "event_hub", "lead"),
      ],
      ["resource_groups", "publishers"],
    );

    expect(groups.map((group) => group.step)).toEqual(["resource_groups", "publishers"]);
    expect(groups[1].count).toBe(3);
    expect(groups[1].kinds.map((kind) => kind.kind)).toEqual(["event_hub", "key_vault"]);
    expect(groups[1].kinds[0].names.map((name) => name.name)).toEqual(["customer", "lead"]);
  });

  test("puts unknown steps after known ones", () => {
    const groups = groupNames(
      [planned("mystery", "event_hub", "x"), planned("consumers", "consumer_group", "y")],
      ["consumers"],
    );
    expect(groups.map((group) => group.step)).toEqual(["consumers", "mystery"]);
  });
});

describe("segments", () => {
  test("splits backtick-quoted names into code", () => {
    expect(segments("key vault `dv-kv` (at most 24)")).toEqual([
      { text: "key vault ", code: false },
      { text: "dv-kv", code: true },
      { text: " (at most 24)", code: false },
    ]);
  });

  test("keeps an unpaired backtick as plain text", () => {
    expect(segments("a ` b")).toEqual([{ text: "a ` b", code: false }]);
  });
});

describe("markNamespace", () => {
  test("marks each occurrence of the namespace", () => {
    expect(markNamespace("dv-kv-eun-dgrf", "dgrf")).toEqual([
      { text: "dv-kv-eun-", code: false },
      { text: "dgrf", code: true },
    ]);
  });

  test("leaves names without the namespace whole", () => {
    expect(markNamespace("customer", "")).toEqual([{ text: "customer", code: false }]);
  });
});

describe("withoutFix", () => {
  test("drops the closing fix sentence", () => {
    expect(withoutFix("Name `x` is too long. Fix: shorten it.", "shorten it")).toBe(
      "Name `x` is too long.",
    );
  });

  test("keeps a message whose ending differs", () => {
    expect(withoutFix("Name `x` is too long.", "shorten it")).toBe("Name `x` is too long.");
  });
});

describe("wizardSteps", () => {
  test("lists ten steps, all live, ending with flow, lake and teardown", () => {
    const steps = wizardSteps([
      { id: "resource_groups", number: 1, title: "Resource groups", summary: "" },
      { id: "shared_platform", number: 2, title: "Shared platform", summary: "" },
      { id: "schema_registry", number: 3, title: "Schema registry", summary: "" },
      { id: "publishers", number: 4, title: "Publishers", summary: "" },
      { id: "consumers", number: 5, title: "Consumers", summary: "" },
    ]);
    expect(steps.map((step) => step.id)).toEqual([
      "target",
      "namespace",
      "resource_groups",
      "shared_platform",
      "schema_registry",
      "publishers",
      "consumers",
      "live_flow",
      "data_lake",
      "teardown",
    ]);
    expect(steps.every((step) => step.live)).toBe(true);
  });
});

const COURSE_STEPS: CourseStep[] = [
  { id: "resource_groups", number: 1, title: "Resource groups", summary: "" },
  { id: "shared_platform", number: 2, title: "Shared platform", summary: "" },
  { id: "schema_registry", number: 3, title: "Schema registry", summary: "" },
  { id: "publishers", number: 4, title: "Publishers", summary: "" },
  { id: "consumers", number: 5, title: "Consumers", summary: "" },
];

describe("page numbers", () => {
  test("number a course step as the step indicator does", () => {
    expect(pageNumber(COURSE_STEPS, "target")).toBe(1);
    expect(pageNumber(COURSE_STEPS, "resource_groups")).toBe(3);
    expect(pageNumber(COURSE_STEPS, "consumers")).toBe(7);
    expect(pageNumber(COURSE_STEPS, "no_such_page")).toBeUndefined();
  });

  test("give the eyebrow out of every page", () => {
    expect(pagePosition(COURSE_STEPS, "resource_groups")).toBe("Step 3 of 10");
    expect(pagePosition(COURSE_STEPS, "schema_registry")).toBe("Step 5 of 10");
  });
});

describe("marksNamespace", () => {
  test("is false when no name contains the namespace", () => {
    expect(marksNamespace(["dv-events-broker-rg", "dv-events-sales-rg"], "qxlt")).toBe(false);
  });

  test("is true when one name contains it", () => {
    expect(marksNamespace(["lead", "dv-events001-ehns-eun-qxlt"], "qxlt")).toBe(true);
  });
});

function verdict(accepted: boolean): AttemptRecord {
  return {
    attempt: null,
    mode: "forward",
    schema_name: "ForwardCompatibleEvent.Created",
    accepted,
    version: accepted ? 4 : null,
    schema_id: null,
    compared_with_version: 3,
    explanation: "",
    reasons: accepted
      ? []
      : [
          { field: "test_guid", direction: "forward", reason: "r", fix: "f" },
          { field: "test_guid", direction: "backward", reason: "r", fix: "f" },
        ],
    warnings: [],
    registry_detail: null,
  };
}

describe("own schema verdict", () => {
  test("names the version it was accepted as", () => {
    expect(ownVerdict(verdict(true))).toBe(
      "Your schema was accepted as version 4 of `ForwardCompatibleEvent.Created` in Forward " +
        "mode. Its verdict is the last one in the list above.",
    );
  });

  test("names each rejected field once", () => {
    expect(ownVerdict(verdict(false))).toBe(
      "Your schema was rejected in Forward mode because of `test_guid`. The last verdict in " +
        "the list above says why and how to fix it.",
    );
  });

  test("counts one warning and names its field", () => {
    const record = verdict(true);
    record.warnings = [{ field: "at", message: "field `at` changes", fix: "keep it" }];

    expect(ownVerdict(record)).toBe(
      "Your schema was accepted as version 4 of `ForwardCompatibleEvent.Created` in Forward " +
        "mode, with a warning on `at`. The last verdict in the list above says what each " +
        "warning means and how to fix it.",
    );
  });

  test("names each warned field once", () => {
    const record = verdict(true);
    record.warnings = [
      { field: "a.b", message: "first", fix: "f" },
      { field: "a.b", message: "second", fix: "f" },
      { field: "(top level)", message: "third", fix: "f" },
      { field: "c[]", message: "fourth", fix: "f" },
    ];

    expect(ownVerdict(record)).toContain(
      "with 4 warnings on `a.b`, the top-level type and `c[]`.",
    );
  });

  test("tones the line by verdict and warnings", () => {
    const warned = verdict(true);
    warned.warnings = [{ field: "at", message: "m", fix: "f" }];

    expect(ownTone(verdict(true))).toBe("accepted");
    expect(ownTone(warned)).toBe("warned");
    expect(ownTone(verdict(false))).toBe("rejected");
  });

  test("names the top-level type in words", () => {
    expect(warningSubject("(top level)")).toBe("the top-level type");
    expect(warningSubject("order.placed_at")).toBe("`order.placed_at`");
  });

  test("says an empty schema is empty", () => {
    expect(EMPTY_SCHEMA).toContain("The schema is empty");
  });
});

describe("updateLines", () => {
  test("names each updated resource and why a blob service is updated", () => {
    const lines = updateLines({
      finished_at: 0,
      created: 1,
      updated: 1,
      unchanged: 0,
      skipped: 0,
      not_attempted: 0,
      failure: null,
      stuck_locks: [],
      resources: [
        { id: "/a/storageAccounts/sa", title: "capture storage account", outcome: "created", detail: null },
        {
          id: "/a/storageAccounts/sa/blobServices/default",
          title: "capture blob service",
          outcome: "updated",
          detail: "capture blob service has no versioning; the plan says on; no change feed",
        },
        { id: "/a/eventhubs/lead", title: "hub `lead`", outcome: "updated", detail: "partitions differ" },
      ],
    });

    expect(lines).toEqual([
      "capture blob service: Azure creates it with its storage account, so Apply sets its " +
        "settings as an update.",
      "hub `lead`: partitions differ.",
    ]);
  });
});

describe("copyPending", () => {
  test("writes the clipboard before the text arrives", async () => {
    const written: ClipboardItem[][] = [];
    const original = Object.getOwnPropertyDescriptor(navigator, "clipboard");
    Object.defineProperty(navigator, "clipboard", {
      configurable: true,
      value: { write: async (items: ClipboardItem[]) => void written.push(items) },
    });
    class FakeItem {
      constructor(readonly items: Record<string, Promise<Blob>>) {}
    }
    const hadItem = "ClipboardItem" in globalThis;
    const originalItem = (globalThis as { ClipboardItem?: unknown }).ClipboardItem;
    (globalThis as { ClipboardItem?: unknown }).ClipboardItem = FakeItem;
    let resolve: (value: string) => void = () => {};
    const text = new Promise<string>((done) => (resolve = done));
    try {
      const copied = copyPending(text, null);

      expect(written).toHaveLength(1);
      resolve("Endpoint=sb://x/");
      expect(await copied).toBe(true);
      const blob = await (written[0][0] as unknown as FakeItem).items["text/plain"];
      expect(await blob.text()).toBe("Endpoint=sb://x/");
    } finally {
      if (original) {
        Object.defineProperty(navigator, "clipboard", original);
      } else {
        delete (navigator as { clipboard?: unknown }).clipboard;
      }
      if (hadItem) {
        (globalThis as { ClipboardItem?: unknown }).ClipboardItem = originalItem;
      } else {
        delete (globalThis as { ClipboardItem?: unknown }).ClipboardItem;
      }
    }
  });
});

function view(name: string, team: string, extra: Partial<ResourceView> = {}): ResourceView {
  return {
    id: `/hubs/${name}`,
    name,
    title: name,
    kind: "event_hub",
    kind_label: "event hub",
    resource_group: "dv-events-broker-rg",
    team,
    parent_name: null,
    settings: "",
    billing: "free",
    opt_in: false,
    ...extra,
  };
}

describe("sectionResources", () => {
  test("groups publishers by team in the plan's order", () => {
    const sections = sectionResources("publishers", [
      view("customer", "customer"),
      view("lead", "conversions"),
      view("dv-customer-kv", "customer", { resource_group: "dv-events-account-rg" }),
      view("parked", "platform"),
    ]);

    expect(sections.map((section) => section.value)).toEqual([
      "customer",
      "conversions",
      "platform",
    ]);
    expect(sections[0].resources.map((resource) => resource.name)).toEqual([
      "customer",
      "dv-customer-kv",
    ]);
    expect(showsResourceGroup(sections[0])).toBe(true);
  });

  test("groups consumer groups by their hub", () => {
    const sections = sectionResources("consumers", [
      view("lead", "conversions", { parent_name: "customer" }),
      view("customer", "customer", { parent_name: "lead" }),
      view("datalake", "platform", { parent_name: "customer" }),
    ]);

    expect(sections.map((section) => `${section.by}:${section.value}`)).toEqual([
      "hub:customer",
      "hub:lead",
    ]);
    expect(sections[0].resources).toHaveLength(2);
    expect(showsResourceGroup(sections[0])).toBe(false);
  });

  test("groups the shared platform by resource group", () => {
    const sections = sectionResources("shared_platform", [
      view("ns", "platform"),
      view("lake", "platform", { resource_group: "dv-events-lake-rg" }),
    ]);
    expect(sections.map((section) => section.value)).toEqual([
      "dv-events-broker-rg",
      "dv-events-lake-rg",
    ]);
  });
});

describe("showsKind", () => {
  test("hides a kind that the title already names", () => {
    const storage = view("x", "platform", {
      title: "capture storage account",
      kind_label: "storage account",
    });
    const rule = view("send", "platform", {
      title: "namespace rule `send`",
      kind_label: "authorization rule",
    });
    expect(showsKind(storage)).toBe(false);
    expect(showsKind(rule)).toBe(true);
  });
});

describe("device code message", () => {
  test("gives the sign-in page and the code", () => {
    const found = deviceCode(
      "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and " +
        "enter the code FQ8XB2KLM to authenticate.",
    );
    expect(found).toEqual({ url: "https://microsoft.com/devicelogin", code: "FQ8XB2KLM" });
  });

  test("gives nothing it cannot find", () => {
    expect(deviceCode("Sign in with your browser.")).toEqual({ url: null, code: null });
  });
});

describe("hideScrollbarsBehind", () => {
  test("hides scrolling elements outside the dialog and restores them", () => {
    document.body.innerHTML =
      '<div id="column" style="overflow-y: auto"><p>text</p></div>' +
      '<div id="plain"></div>' +
      '<div id="dialog"><div id="inside" style="overflow-y: auto"></div></div>';
    const column = document.getElementById("column")!;
    const restore = hideScrollbarsBehind(document.getElementById("dialog")!);

    expect(column.style.overflowY).toBe("hidden");
    expect(document.getElementById("plain")!.style.overflowY).toBe("");
    expect(document.getElementById("inside")!.style.overflowY).toBe("auto");

    restore();
    expect(column.style.overflowY).toBe("auto");
    document.body.innerHTML = "";
  });
});

describe("asSentence", () => {
  test.each([
    ["values change meaning", "Values change meaning."],
    ["Values change meaning.", "Values change meaning."],
    ["is this right?", "Is this right?"],
    ['"default": null', '"default": null.'],
    ["`at` is a long", "`at` is a long."],
    ["trailing space ", "Trailing space."],
    ["", ""],
  ])("ends %j as %j", (text, expected) => {
    expect(asSentence(text)).toBe(expected);
  });
});
