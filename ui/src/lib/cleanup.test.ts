import { describe, expect, test } from "vitest";

import type { TeardownPreview } from "./api";
import {
  cellText,
  fileName,
  formatBytes,
  formatTime,
  formatWindow,
  showingText,
  shownFiles,
} from "./lake";
import {
  applyProgress,
  isFinal,
  progressSummary,
  rowName,
  stateTone,
  type ProgressRow,
} from "./progress";
import {
  confirmationHint,
  confirmationMatches,
  groupSummary,
  recordSummary,
  isNothingToDelete,
  previewSummary,
  resourceCount,
} from "./teardown";

describe("applyProgress", () => {
  test("updates a row in place and keeps first-seen order", () => {
    let rows: ProgressRow[] = [];
    rows = applyProgress(rows, { id: "a", title: "A", state: "queued", detail: null });
    rows = applyProgress(rows, { id: "b", title: "B", state: "queued", detail: null });
    rows = applyProgress(rows, { id: "a", title: "A", state: "in_progress", detail: "creating" });
    rows = applyProgress(rows, { id: "a", title: "A", state: "created", detail: null });

    expect(rows.map((row) => row.id)).toEqual(["a", "b"]);
    expect(rows[0].state).toBe("created");
    expect(rows[1].state).toBe("queued");
    expect(progressSummary(rows)).toBe("1 of 2 done");
    expect(progressSummary(rows, 63)).toBe("1 of 63 done");
  });

  test("does not change the rows it was given", () => {
    const rows: ProgressRow[] = [{ id: "a", title: "A", state: "queued", detail: null }];
    applyProgress(rows, { id: "a", title: "A", state: "failed", detail: "quota" });
    expect(rows[0].state).toBe("queued");
  });

  test("tells final and running states apart", () => {
    expect(isFinal("failed")).toBe(true);
    expect(isFinal("deleted")).toBe(true);
    expect(isFinal("in_progress")).toBe(false);
    expect(stateTone("failed")).toBe("bad");
    expect(stateTone("in_progress")).toBe("busy");
    expect(stateTone("skipped")).toBe("neutral");
    expect(stateTone("unchanged")).toBe("ok");
  });
});

describe("teardown confirmation", () => {
  test("matches the namespace exactly, ignoring surrounding spaces", () => {
    expect(confirmationMatches("dgrf", "dgrf")).toBe(true);
    expect(confirmationMatches(" dgrf ", "dgrf")).toBe(true);
    expect(confirmationMatches("DGRF", "dgrf")).toBe(false);
    expect(confirmationMatches("dgr", "dgrf")).toBe(false);
    expect(confirmationMatches("", "")).toBe(false);
  });

  test("counts resources and groups", () => {
    const preview: TeardownPreview = {
      namespace: "dgrf",
      groups: [
        { id: "g1", name: "g1", deleted: true, resources: [{ id: "r", title: "r", name: "r" }] },
        { id: "g2", name: "g2", deleted: false, resources: [{ id: "s", title: "s", name: "s" }] },
      ],
      purged_vaults: [],
      keychain_entries: [],
      local_data: [],
      refusals: [],
    };
    expect(resourceCount(preview)).toBe(3);
    expect(previewSummary(preview)).toBe(
      "3 resources in 2 resource groups, 0 keychain entries and 0 local data folders.",
    );
    expect(groupSummary(preview.groups[0])).toBe("1 resource, then the group");
    expect(groupSummary({ ...preview.groups[1], resources: [] })).toBe(
      "empty, the group is kept",
    );
    expect(isNothingToDelete(preview)).toBe(false);
    expect(isNothingToDelete({ ...preview, groups: [] })).toBe(true);
  });
});

describe("teardown texts", () => {
  test("say what Delete everything waits for", () => {
    expect(confirmationHint("", "qxlt")).toBe(
      "Type the namespace `qxlt` exactly to turn on Delete everything.",
    );
    expect(confirmationHint("QXLT", "qxlt")).toBe(
      "`QXLT` differs in case: type `qxlt` in lower case to turn on Delete everything.",
    );
    expect(confirmationHint("qxl", "qxlt")).toBe(
      "`qxl` is not the namespace: type `qxlt` exactly to turn on Delete everything.",
    );
  });

  test("count the keychain entries removed on the Local target", () => {
    const record = {
      deleted: 63,
      purged: 3,
      keychain_removed: 40,
      failures: [],
      data_folder: "/data/local",
      removed_data_folder: true,
      removed: [],
      left_over: [],
    };

    expect(recordSummary(record)).toBe(
      "deleted 63 resources, purged 3 key vaults and removed 40 keychain entries.",
    );
    expect(recordSummary({ ...record, data_folder: null, keychain_removed: 0 })).toBe(
      "deleted 63 resources and purged 3 key vaults.",
    );
  });
});

describe("lake formatting", () => {
  test("formats sizes in powers of 1024", () => {
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(2048)).toBe("2 KB");
    expect(formatBytes(3482)).toBe("3.4 KB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MB");
  });

  test("formats capture windows", () => {
    expect(formatWindow(300)).toBe("5 minutes");
    expect(formatWindow(60)).toBe("1 minute");
    expect(formatWindow(90)).toBe("90 seconds");
  });

  test("formats file times on a 24-hour clock", () => {
    const afternoon = new Date(2026, 11, 6, 16, 32, 16).getTime() / 1000;
    const text = formatTime(afternoon);
    expect(text).toContain("16:32:16");
    expect(text).not.toMatch(/PM/i);
  });

  test("shows cells and counts", () => {
    expect(cellText("text")).toBe("text");
    expect(cellText(null)).toBe("null");
    expect(cellText(42)).toBe("42");
    expect(cellText({ "x-opt-offset": "0" })).toBe('{"x-opt-offset":"0"}');
    expect(showingText(200, 250)).toBe("Showing 200 of 250 records");
    expect(showingText(1, 1)).toBe("Showing 1 of 1 record");
  });
});

describe("lake file lists", () => {
  test("sorts newest first and cuts to six unless all are asked for", () => {
    const files = Array.from({ length: 8 }, (_, index) => ({
      path: `T/${index}.avro`,
      modified_at: index,
    }));
    expect(shownFiles(files, false).map((file) => file.path)).toEqual([
      "T/7.avro",
      "T/6.avro",
      "T/5.avro",
      "T/4.avro",
      "T/3.avro",
      "T/2.avro",
    ]);
    expect(shownFiles(files, true)).toHaveLength(8);
    expect(files[0].path).toBe("T/0.avro");
  });

  test("names a file by its last path segment", () => {
    expect(fileName("customer/2026/12/04/17/customer_0.avro")).toBe("customer_0.avro");
    expect(fileName("plain.avro")).toBe("plain.avro");
  });
});

describe("rowName", () => {
  const row = (id: string, title: string): ProgressRow => ({
    id,
    title,
    state: "deleted",
    detail: null,
  });

  test("adds the name a title leaves out", () => {
    expect(rowName(row("/resourceGroups/dv-sales-rg", "sales resource group"))).toBe("dv-sales-rg");
    expect(
      rowName(row("/resourceGroups/rg/providers/x/schemagroups/myschemagroup/", "schema group")),
    ).toBe("myschemagroup");
  });

  test("no name for a named title or a plain id", () => {
    expect(rowName(row("/resourceGroups/rg/eventhubs/customer", "hub `customer`"))).toBeNull();
    expect(rowName(row("keychain-entry", "key"))).toBeNull();
    expect(rowName(row("/x/managementPolicies/default", "capture lifecycle policy"))).toBeNull();
  });
});
