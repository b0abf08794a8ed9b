import { clearMocks } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, test, vi } from "vitest";

import App from "./App.svelte";
import type { Page, WizardState } from "./lib/api";
import { EMPTY_LAKE, SECRET_KEY, installBackend, type BackendOptions } from "./test/backend";
import { emptyAzureChoice } from "./lib/azure";
import { LAKE_REFRESH_MS } from "./lib/lake";

afterEach(() => {
  clearMocks();
});

function savedOn(page: Page): WizardState {
  return {
    page,
    choices: {
      target: "local",
      namespace: "dgrf",
      namespace_from_environment: false,
      environment: "dv",
      region: { name: "northeurope", code: "eun" },
      custom_region: false,
      azure: emptyAzureChoice(),
    },
    exercise: { mode: "backward", attempts: [] },
    steps: {},
  };
}

function openSaved(page: Page, options: BackendOptions = {}) {
  const backend = installBackend({ ...options, saved: savedOn(page) });
  const user = userEvent.setup();
  render(App);
  return { backend, user };
}

describe("apply progress", () => {
  test("shows each resource's state while Apply runs", async () => {
    let release = () => {};
    const applyGate = new Promise<void>((resolve) => (release = resolve));
    const { user } = openSaved("resource_groups", { applyGate });

    await user.click(await screen.findByRole("button", { name: "Apply this step" }));

    const progress = await screen.findByRole("region", { name: /Apply running/ });
    await waitFor(() => expect(progress.textContent).toContain("created"));
    expect(progress.textContent).toMatch(/\d+ of \d+ done/);
    const rows = progress.querySelectorAll("li");
    expect(rows.length).toBeGreaterThan(0);
    expect(Array.from(rows).every((row) => row.getAttribute("data-state") === "created")).toBe(
      true,
    );

    release();
    await waitFor(() =>
      expect(screen.queryByRole("region", { name: /Apply running/ })).toBeNull(),
    );
    expect(document.getElementById("apply-result")?.textContent).toContain("created");
  });
});

describe("connection strings", () => {
  test("are masked until Show, which asks for one whole value", async () => {
    const { backend, user } = openSaved("publishers");
    await user.click(await screen.findByRole("button", { name: "Connection strings" }));
    const panel = await screen.findByRole("region", { name: "Connection strings" });
    const value = await within(panel).findByText(/SharedAccessKey=/);
    expect(value.textContent).toContain("SharedAccessKey=••••••••");
    expect(panel.textContent).not.toContain(SECRET_KEY);
    expect(backend.reveals).toEqual([]);

    await user.click(within(panel).getByRole("button", { name: "Show eh-customer-send" }));
    await waitFor(() => expect(value.textContent).toContain(SECRET_KEY));
    expect(backend.reveals).toEqual(["eh-customer-send"]);

    await user.click(within(panel).getByRole("button", { name: "Hide eh-customer-send" }));
    expect(value.textContent).not.toContain(SECRET_KEY);
  });
});

describe("teardown page", () => {
  test("is reachable from the header on any page", async () => {
    const { user } = openSaved("shared_platform");
    await screen.findByRole("heading", { level: 1, name: "Shared platform" });

    await user.click(screen.getByRole("button", { name: "Teardown" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Teardown" })).toBeTruthy();
  });

  test("Back returns to the page Teardown was opened from", async () => {
    const { user } = openSaved("shared_platform");
    await screen.findByRole("heading", { level: 1, name: "Shared platform" });
    await user.click(screen.getByRole("button", { name: "Teardown" }));
    await screen.findByRole("heading", { level: 1, name: "Teardown" });

    await user.click(screen.getByRole("button", { name: "Back" }));

    expect(await screen.findByRole("heading", { level: 1, name: "Shared platform" })).toBeTruthy();
  });

  test("lists what it deletes and waits for the namespace", async () => {
    const { backend, user } = openSaved("teardown");

    const list = await screen.findByRole("region", { name: "What Teardown deletes" });
    expect(list.textContent).toContain("dv-events-broker-rg");
    expect(list.textContent).toContain("dv-events001-ehns-eun-dgrf");
    expect(list.textContent).toContain("Keychain entries");
    expect(list.textContent).toContain("/data/local/broker/dv-events001-ehns-eun-dgrf");
    const button = screen.getByRole("button", { name: "Delete everything" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);

    const reason = () => document.getElementById("run-teardown-reason")?.textContent ?? null;
    expect(reason()).toBe("Type the namespace dgrf exactly to turn on Delete everything.");
    expect(button.getAttribute("aria-describedby")).toBe("run-teardown-reason");

    await user.type(screen.getByLabelText(/Type the namespace/), "dgr");
    expect(button.disabled).toBe(true);
    expect(reason()).toContain("dgr is not the namespace");
    await user.type(screen.getByLabelText(/Type the namespace/), "f");
    expect(button.disabled).toBe(false);
    expect(reason()).toBeNull();
    expect(backend.teardowns).toEqual([]);
  });

  test("deletes, reports the result and offers to start again", async () => {
    const { backend, user } = openSaved("teardown");
    await screen.findByRole("region", { name: "What Teardown deletes" });

    await user.type(screen.getByLabelText(/Type the namespace/), "dgrf");
    await user.click(screen.getByRole("button", { name: "Delete everything" }));

    const result = await screen.findByText(/Nothing of/);
    expect(result.textContent).toContain("dgrf");
    expect(backend.teardowns).toEqual(["dgrf"]);
    const progress = screen.getByRole("region", { name: /Teardown finished/ });
    expect(within(progress).getAllByText("deleted")).toHaveLength(2);
    const text = document.getElementById("teardown-result")?.textContent?.replace(/\s+/g, " ");
    expect(text).toContain("Removed the Local target's data folder /data/local with everything");
    expect(text).toMatch(/and removed \d+ keychain entr/);

    await user.click(screen.getByRole("button", { name: "Start again" }));
    expect(await screen.findByRole("heading", { name: "Welcome to the EDA Workshop" })).toBeTruthy();
  });

  test("Enter in the confirmation field moves the focus to the result", async () => {
    const { user } = openSaved("teardown");
    await screen.findByRole("region", { name: "What Teardown deletes" });

    await user.type(screen.getByLabelText(/Type the namespace/), "dgrf{Enter}");

    await screen.findByText(/Nothing of/);
    await waitFor(() =>
      expect(document.activeElement).toBe(document.getElementById("teardown-result")),
    );
  });

  test("names what is left and asks to run again after a failure", async () => {
    const { user } = openSaved("teardown", {
      teardownResult: {
        deleted: 1,
        purged: 0,
        keychain_removed: 0,
        failures: ["`/resourceGroups/dv-events-broker-rg`: the group is locked"],
        data_folder: null,
        removed_data_folder: false,
        removed: [],
        left_over: [],
      },
    });
    await screen.findByRole("region", { name: "What Teardown deletes" });

    await user.type(screen.getByLabelText(/Type the namespace/), "dgrf");
    await user.click(screen.getByRole("button", { name: "Delete everything" }));

    const result = await screen.findByText(/the group is locked/);
    expect(result).toBeTruthy();
    expect(document.getElementById("teardown-result")?.textContent).toContain(
      "run Teardown again",
    );
    expect(screen.queryByRole("button", { name: "Start again" })).toBeNull();
  });
});

describe("data lake page", () => {
  test("shows the newest files first and the rest on request", async () => {
    const lake = structuredClone(EMPTY_LAKE);
    lake.hubs[0].lake = Array.from({ length: 9 }, (_, index) => ({
      source: "lake" as const,
      path: `Customer.Created/2026/12/04/17/Customer.Created_${index}.avro`,
      size_bytes: 100,
      modified_at: 1_765_000_000 + index,
    }));
    const { user } = openSaved("data_lake", { lake });

    const customer = await screen.findByRole("region", { name: /Hub customer/ });
    const names = () =>
      within(customer)
        .getAllByRole("button", { name: /\.avro/ })
        .map((button) => button.textContent);
    expect(names()).toHaveLength(6);
    expect(names()[0]).toBe("Customer.Created_8.avro");

    await user.click(within(customer).getByRole("button", { name: "Show all 9 files" }));
    expect(names()).toHaveLength(9);
    expect(names()[8]).toBe("Customer.Created_0.avro");
  });

  test("explains when files appear while there are none", async () => {
    openSaved("data_lake");

    const empty = await screen.findByText(/No files yet/);
    await waitFor(() => expect(empty.textContent).toContain("With demo timing"));
    expect(empty.textContent).toContain("every 5 seconds");
    expect(empty.textContent).toContain("course's timing, every 5 minutes");
    expect(empty.textContent).toContain("300 MB");
    expect(empty.textContent).toContain("refreshes by itself");
    expect(empty.textContent).not.toContain("Refresh.");
    expect(screen.getAllByText("No capture files yet.")).toHaveLength(2);
  });

  test("names the running flow's capture window", async () => {
    openSaved("data_lake", {
      lake: { ...structuredClone(EMPTY_LAKE), flow_capture_window_seconds: 5 },
    });

    const empty = await screen.findByText(/No files yet/);
    await waitFor(() =>
      expect(empty.textContent).toContain("The live flow runs, and capture closes a window every 5 seconds"),
    );
    expect(empty.textContent).not.toContain("5 minutes");
  });

  test("says the storage is gone after a teardown", async () => {
    openSaved("data_lake", { lake: { ...structuredClone(EMPTY_LAKE), storage_exists: false } });

    const empty = await screen.findByText(/do not exist on this computer/);
    expect(empty.textContent).toContain("A teardown removed them");
    expect(empty.textContent).not.toContain("Start the live flow");
  });

  test("lists new files by itself while open", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const lake = structuredClone(EMPTY_LAKE);
      openSaved("data_lake", { lake });
      await screen.findByText(/No files yet/);

      lake.hubs[0].capture = [
        {
          source: "capture",
          path: "customer/2026/12/04/17/customer_2026_12_04_17_00_00_0_ns.avro",
          size_bytes: 2048,
          modified_at: 1_765_000_000,
        },
      ];
      await vi.advanceTimersByTimeAsync(LAKE_REFRESH_MS);
      await waitFor(() => expect(screen.queryByText(/No files yet/)).toBeNull());
      expect(screen.getByRole("button", { name: /customer_2026_12_04_17/ })).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });

  test("lists files per hub and opens one as a table", async () => {
    const lake = structuredClone(EMPTY_LAKE);
    lake.hubs[0].capture = [
      {
        source: "capture",
        path: "customer/2026/12/04/17/customer_2026_12_04_17_00_00_0_ns.avro",
        size_bytes: 2048,
        modified_at: 1_765_000_000,
      },
    ];
    lake.hubs[0].lake = [
      {
        source: "lake",
        path: "Customer.Created/2026/12/04/17/Customer.Created_1.avro",
        size_bytes: 512,
        modified_at: 1_765_000_100,
      },
    ];
    const records = {
      schema_name: "example.avro.lake.Customer_Created",
      columns: ["id", "email", "sequence_number"],
      rows: [
        ["c1", "c1@example.com", 1],
        ["c2", "c2@example.com", 2],
      ],
      total: 250,
    };
    const { backend, user } = openSaved("data_lake", { lake, records });

    const customer = await screen.findByRole("region", { name: /Hub customer/ });
    expect(customer.textContent).toContain("2 KB");
    expect(customer.textContent).toContain("512 B");
    expect(screen.queryByText(/No files yet/)).toBeNull();
    // With files elsewhere, a hub without capture files states when its first one comes.
    const lead = screen.getByRole("region", { name: /Hub lead/ });
    const sentence = lead.textContent?.replace(/\s+/g, " ");
    expect(sentence).toContain("5 minutes after its first event");

    await user.click(within(customer).getByRole("button", { name: /Customer.Created_1.avro/ }));

    const viewer = await screen.findByRole("region", { name: /Customer.Created_1.avro/ });
    expect(viewer.textContent).toContain("Showing 2 of 250 records");
    expect(within(viewer).getAllByRole("columnheader").map((cell) => cell.textContent)).toEqual([
      "id",
      "email",
      "sequence_number",
    ]);
    expect(within(viewer).getByText("c2@example.com")).toBeTruthy();
    expect(backend.openedFiles).toEqual([
      "customer:lake:Customer.Created/2026/12/04/17/Customer.Created_1.avro",
    ]);
  });
});
