// A stand-in for the shell's commands in UI tests, built on Tauri's mockIPC. It returns data in
// the shape the course crate serializes, for a small plan of three names.
import { mockIPC } from "@tauri-apps/api/mocks";

import type { Subscription } from "../lib/azure";
import type {
  AttemptRecord,
  AzureChoice,
  ExerciseLog,
  ExerciseMode,
  FileRecords,
  LakeOverview,
  LoadedState,
  NamespaceCheck,
  Page,
  PlannedName,
  ProgressEvent,
  ResourceView,
  StepPlan,
  StepResult,
  TeardownPreview,
  TeardownRecord,
  WizardState,
  WorkshopOverview,
} from "../lib/api";
import { emptyAzureChoice } from "../lib/azure";

/** The arguments of one `check_namespace` call, as the UI sent them. */
export interface CheckCall {
  namespace: string;
  environment: string;
  regionName: string;
  regionCode: string;
}

/** What a test can set up and then inspect. */
export interface Backend {
  checks: CheckCall[];
  /** Every `save_wizard` call, oldest first. */
  saves: { page: Page; choices: WizardState["choices"] }[];
  /** Every `step_export` call's format. */
  exports: string[];
  /** The exercise log as the stand-in keeps it. */
  log: ExerciseLog;
  /** Every `apply_step` and `verify_step` call, as "apply:step" or "verify:step". */
  provisioning: string[];
  /** The confirmation text of every `run_teardown` call. */
  teardowns: string[];
  /** Every `lake_file` call, as "hub:source:path". */
  openedFiles: string[];
  /** The sign-in method of every `azure_sign_in` call. */
  signIns: string[];
  /** The name of every secret whose whole value was asked for. */
  reveals: string[];
}

/** What the stand-in's `load_wizard` returns: a saved state, or none for a new workshop. */
export interface BackendOptions {
  initialNamespace?: string | null;
  saved?: WizardState | null;
  notice?: string | null;
  /** What `teardown_preview` returns; a small namespace by default. */
  teardown?: TeardownPreview;
  /** What `run_teardown` returns once confirmed; everything removed by default. */
  teardownResult?: TeardownRecord;
  /** What `lake_overview` returns; no files by default. */
  lake?: LakeOverview;
  /** What `lake_file` returns. */
  records?: FileRecords;
  /** When set, `apply_step` sends its progress at once but returns only once this resolves. */
  applyGate?: Promise<void>;
  /** What `azure_sign_in` lists, or the message it fails with. */
  azure?: { subscriptions: Subscription[] } | { failure: string };
}

/** The key of the one secret the stand-in keeps, and the connection string it is in. */
export const SECRET_KEY = "c2VjcmV0LWtleS1vZi10aGUtc2VuZC1ydWxlLTAxMjM0NQ==";
const SECRET_VALUE = `Endpoint=sb://127.0.0.1:5672/;SharedAccessKeyName=send;SharedAccessKey=${SECRET_KEY};EntityPath=customer`;

/** The device code message Microsoft Entra sends, with a made-up code. */
export const DEVICE_CODE_MESSAGE =
  "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and " +
  "enter the code K7QX2M9PL to authenticate.";

/** Two subscriptions of a signed-in account, one of them disabled. */
export const AZURE_SUBSCRIPTIONS: Subscription[] = [
  { id: "11111111-1111-1111-1111-111111111111", name: "Workshop", tenant: "t", state: "Enabled" },
  { id: "22222222-2222-2222-2222-222222222222", name: "Old", tenant: "t", state: "Disabled" },
];

/** A teardown preview of one group with two resources, one keychain entry and one folder. */
export const TEARDOWN_PREVIEW: TeardownPreview = {
  namespace: "dgrf",
  groups: [
    {
      id: "/resourceGroups/dv-events-broker-rg",
      name: "dv-events-broker-rg",
      deleted: true,
      resources: [
        {
          id: "/resourceGroups/dv-events-broker-rg/x/customer",
          title: "hub `customer`",
          name: "customer",
        },
        {
          id: "/resourceGroups/dv-events-broker-rg/x/ns",
          title: "broker namespace",
          name: "dv-events001-ehns-eun-dgrf",
        },
      ],
    },
  ],
  purged_vaults: [],
  keychain_entries: ["local/sub/resourcegroups/dv-events-broker-rg/x/customer/send:primary"],
  local_data: [{ path: "/data/local/broker/dv-events001-ehns-eun-dgrf", what: "the broker" }],
  refusals: [],
};

/** A lake overview of two hubs with no files. */
export const EMPTY_LAKE: LakeOverview = {
  capture_account: "dvevents001saeundgrf",
  lake_account: "dvlakesaeundgrf",
  lake_container: "lake",
  capture_window_seconds: 300,
  capture_size_limit_bytes: 300 * 1024 * 1024,
  storage_exists: true,
  flow_capture_window_seconds: null,
  demo_capture_window_seconds: 5,
  hubs: [
    {
      hub: "customer",
      event_type: "Customer.Created",
      capture_container: "customer",
      capture: [],
      lake: [],
    },
    { hub: "lead", event_type: "Lead.Generated", capture_container: "lead", capture: [], lake: [] },
  ],
};

/** Sends `events` on a progress channel the UI passed, in order, as the shell would. */
function sendProgress(channel: unknown, events: ProgressEvent[]) {
  const id = (channel as { id: number }).id;
  const internals = (
    window as unknown as {
      __TAURI_INTERNALS__: { runCallback: (id: number, data: unknown) => void };
    }
  ).__TAURI_INTERNALS__;
  events.forEach((message, index) => internals.runCallback(id, { message, index }));
}

export const OVERVIEW: WorkshopOverview = {
  course_steps: [
    { id: "resource_groups", number: 1, title: "Resource groups", summary: "Groups." },
    { id: "shared_platform", number: 2, title: "Shared platform", summary: "Platform." },
    { id: "schema_registry", number: 3, title: "Schema registry", summary: "Registry." },
    { id: "publishers", number: 4, title: "Publishers", summary: "Publishers." },
    { id: "consumers", number: 5, title: "Consumers", summary: "Consumers." },
  ],
  teams: [
    { id: "platform", title: "Platform" },
    { id: "customer", title: "Customer" },
    { id: "product", title: "Product" },
    { id: "conversions", title: "Conversions" },
  ],
  environments: [
    { code: "dv", title: "development" },
    { code: "qa", title: "quality assurance" },
    { code: "lv", title: "live" },
  ],
  default_environment: "dv",
  regions: [
    { name: "northeurope", code: "eun" },
    { name: "westeurope", code: "euw" },
  ],
  default_region: { name: "northeurope", code: "eun" },
};

/** The maximum namespace length of the three-name plan, set by the storage account. */
const MAX_LENGTH = 8;

function plannedNames(environment: string, region: string, namespace: string): PlannedName[] {
  return [
    {
      step: "resource_groups",
      kind: "resource_group",
      kind_label: "resource group",
      title: "broker resource group",
      name: `${environment}-events-broker-rg`,
      resource_group: `${environment}-events-broker-rg`,
      team: "platform",
      contains_namespace: false,
    },
    {
      step: "shared_platform",
      kind: "event_hubs_namespace",
      kind_label: "Event Hubs namespace",
      title: "broker namespace",
      name: `${environment}-events001-ehns-${region}-${namespace}`,
      resource_group: `${environment}-events-broker-rg`,
      team: "platform",
      contains_namespace: true,
    },
    {
      step: "shared_platform",
      kind: "storage_account",
      kind_label: "storage account",
      title: "capture storage account",
      name: `${environment}events001sa${region}${namespace}`,
      resource_group: `${environment}-events-broker-rg`,
      team: "platform",
      contains_namespace: true,
    },
  ];
}

function check(call: CheckCall): NamespaceCheck {
  const trimmed = call.namespace.trim();
  const namespace = trimmed.toLowerCase();
  const lowercased = namespace !== trimmed;
  const names = plannedNames(call.environment, call.regionCode, namespace);
  const storage = names[2];
  const problems =
    namespace.length > MAX_LENGTH
      ? [
          {
            resource: storage.title,
            kind: storage.kind,
            name: storage.name,
            rule: "it is too long",
            fix: `use a unique namespace of at most ${MAX_LENGTH} characters`,
            message:
              `The capture storage account name \`${storage.name}\` is too long. ` +
              `Fix: use a unique namespace of at most ${MAX_LENGTH} characters.`,
          },
        ]
      : [];
  return {
    input: call.namespace,
    namespace,
    lowercased,
    notices: lowercased
      ? [`Azure names here are lower case, so \`${trimmed}\` is used as \`${namespace}\`.`]
      : [],
    valid: problems.length === 0 && namespace.length > 0,
    max_length: MAX_LENGTH,
    max_length_set_by: `capture storage account \`${call.environment}events001sa${call.regionCode}{namespace}\` (at most 24 characters)`,
    problems,
    names,
  };
}

function resource(
  name: string,
  kind: string,
  kindLabel: string,
  team: string,
  extra: Partial<ResourceView> = {},
): ResourceView {
  return {
    id: `/${kind}/${name}`,
    name,
    title: `${kindLabel} ${name}`,
    kind,
    kind_label: kindLabel,
    resource_group: "dv-events-broker-rg",
    team,
    parent_name: null,
    settings: "settings of " + name,
    billing: "free",
    opt_in: false,
    ...extra,
  };
}

/** A few resources per step, in the shape the shell returns. */
export function stepPlanFor(step: string, namespace: string): StepPlan {
  const number = OVERVIEW.course_steps.find((candidate) => candidate.id === step)?.number ?? 0;
  const resources: Record<string, ResourceView[]> = {
    resource_groups: [
      resource("dv-events-broker-rg", "resource_group", "resource group", "platform", {
        resource_group: "dv-events-broker-rg",
      }),
      resource("dv-events-account-rg", "resource_group", "resource group", "customer", {
        resource_group: "dv-events-account-rg",
      }),
    ],
    shared_platform: [
      resource(
        `dv-events001-ehns-eun-${namespace}`,
        "event_hubs_namespace",
        "Event Hubs namespace",
        "platform",
        { billing: "while_exists" },
      ),
      resource(
        `dv-events-dbw-eun-${namespace}`,
        "databricks_workspace",
        "Databricks workspace",
        "platform",
        {
          resource_group: "dv-events-databricks-rg",
          billing: "while_exists",
          opt_in: true,
        },
      ),
    ],
    schema_registry: [
      resource("myschemagroup", "schema_group", "schema group", "platform", {
        parent_name: `dv-events002-ehns-eun-${namespace}`,
        settings: "Avro, compatibility Backward",
      }),
    ],
    publishers: [
      resource("customer", "event_hub", "event hub", "customer"),
      resource(`dv-customer-kv-eun-${namespace}`, "key_vault", "key vault", "customer", {
        resource_group: "dv-events-account-rg",
      }),
      resource("eh-customer-send", "key_vault_secret", "key vault secret", "customer", {
        resource_group: "dv-events-account-rg",
        parent_name: `dv-customer-kv-eun-${namespace}`,
      }),
    ],
    consumers: [
      resource("lead", "consumer_group", "consumer group", "conversions", {
        parent_name: "customer",
      }),
      resource("datalake", "consumer_group", "consumer group", "platform", {
        parent_name: "customer",
      }),
      resource("customer", "consumer_group", "consumer group", "customer", { parent_name: "lead" }),
    ],
  };
  return { id: step, number, title: step, namespace, resources: resources[step] ?? [] };
}

/** The course's expected verdicts, which the stand-in registry returns. */
const ACCEPTS: Record<ExerciseMode, boolean[]> = {
  backward: [true, true, false, true, false],
  forward: [true, true, true, false, false],
};

/**
 * The warning the stand-in adds to an own schema with a `timestamp-micros` field. As in the
 * registry, the message and the fix end without a full stop.
 */
const LOGICAL_TYPE_WARNING = {
  field: "order.placed_at",
  message:
    "field `order.placed_at` changes from long with the logical type `timestamp-millis` to " +
    "long with the logical type `timestamp-micros`. The registry accepts the version, but " +
    "every value is off by a factor of 1,000",
  fix: "keep the logical type `timestamp-millis` on field `order.placed_at`",
};

function record(mode: ExerciseMode, attempt: number | null, accepted: boolean): AttemptRecord {
  return {
    attempt,
    mode,
    schema_name:
      mode === "backward" ? "BackwardCompatibleEvent.Created" : "ForwardCompatibleEvent.Created",
    accepted,
    version: accepted ? attempt : null,
    schema_id: accepted ? "0".repeat(32) : null,
    compared_with_version: attempt === 1 ? null : 1,
    explanation: "compared with the latest version only",
    reasons: accepted
      ? []
      : [
          {
            field: "mandatory_field",
            direction: mode,
            reason: "field `mandatory_field` is new and has no default",
            fix: 'add "default": "" to `mandatory_field`',
          },
        ],
    warnings:
      attempt !== null && attempt >= 2
        ? [
            {
              field: "optional_field",
              message: "the default null does not match the first branch",
              fix: 'put "null" first',
            },
          ]
        : [],
    registry_detail: accepted ? null : "incompatible",
  };
}

/**
 * What the stand-in's Local target returns for an Apply or a Verify of `step`. Verify reports
 * every resource of a step not applied as missing, and `drift` names the difference of an applied
 * one, or returns null when it matches the plan.
 */
function provisioningResult(
  step: string,
  namespace: string,
  action: "apply" | "verify",
  applied: Set<string>,
  drift: (resource: ResourceView) => string | null = () => null,
): StepResult {
  const plan = stepPlanFor(step, namespace);
  const at = 1_700_000_000;
  const result: StepResult = {
    attendee: { target: "local", namespace, environment: "dv", region_code: "eun" },
    applied: null,
    verified: null,
  };
  if (action === "apply") {
    const before = applied.has(step);
    applied.add(step);
    result.applied = {
      finished_at: at,
      created: before ? 0 : plan.resources.length,
      updated: 0,
      unchanged: before ? plan.resources.length : 0,
      skipped: 0,
      not_attempted: 0,
      failure: null,
      stuck_locks: [],
      resources: plan.resources.map((resource) => ({
        id: resource.id,
        title: resource.title,
        outcome: before ? "unchanged" : "created",
        detail: null,
      })),
    };
  } else {
    result.verified = {
      finished_at: at + 1,
      checked: plan.resources.length,
      skipped: [],
      findings: plan.resources.flatMap((resource) => {
        const message = applied.has(step)
          ? drift(resource)
          : `${resource.title} \`${resource.name}\` does not exist`;
        return message === null ? [] : [{ id: resource.id, message }];
      }),
    };
  }
  return result;
}

/** The attempt texts the stand-in returns: a tiny schema naming the mode and the attempt. */
function attemptText(mode: ExerciseMode, attempt: number): string {
  return `{"type": "record", "name": "${mode}-${attempt}", "fields": []}`;
}

/** Installs the stand-in. */
export function installBackend(
  initialNamespaceOrOptions: string | null | BackendOptions = null,
): Backend {
  const options: BackendOptions =
    typeof initialNamespaceOrOptions === "object" && initialNamespaceOrOptions !== null
      ? initialNamespaceOrOptions
      : { initialNamespace: initialNamespaceOrOptions };
  const initialNamespace = options.initialNamespace ?? null;
  const backend: Backend = {
    checks: [],
    saves: [],
    exports: [],
    log: options.saved?.exercise ?? { mode: "backward", attempts: [] },
    provisioning: [],
    teardowns: [],
    openedFiles: [],
    signIns: [],
    reveals: [],
  };
  // The stand-in's Local target: which steps were applied, and each step's recorded result.
  const applied = new Set<string>();
  const results = new Map<string, StepResult>();
  // The compatibility mode of the schema group. As in the shell, every registration first puts
  // the group into the exercise's mode, Apply sets the plan's Backward mode, and Reset deletes
  // the group.
  let groupMode: ExerciseMode = "backward";
  const groupDrift = (resource: ResourceView) =>
    resource.kind === "schema_group" && groupMode !== "backward"
      ? `${resource.title} has compatibility mode \`Forward\`; the plan says \`Backward\``
      : null;
  const cloneLog = () => structuredClone(backend.log);
  mockIPC((command, payload) => {
    const args = payload as Record<string, unknown>;
    switch (command) {
      case "load_wizard": {
        const loaded: LoadedState = {
          state: options.saved ?? {
            page: "target",
            choices: {
              target: "local",
              namespace: "",
              namespace_from_environment: false,
              environment: "dv",
              region: { name: "northeurope", code: "eun" },
              custom_region: false,
              azure: emptyAzureChoice(),
            },
            exercise: { mode: "backward", attempts: [] },
            steps: {},
          },
          resumed: options.saved !== undefined && options.saved !== null,
          notice: options.notice ?? null,
        };
        return loaded;
      }
      case "save_wizard":
        backend.saves.push(structuredClone(args) as Backend["saves"][number]);
        return null;
      case "step_plan": {
        const attendee = args.attendee as { namespace: string };
        return stepPlanFor(args.step as string, attendee.namespace.trim().toLowerCase());
      }
      case "step_export":
        backend.exports.push(args.format as string);
        return args.format === "bicep"
          ? `// Bicep for ${args.step as string}`
          : `az group create --name dv-events-broker-rg # ${args.step as string}`;
      case "apply_step":
      case "verify_step": {
        const step = args.step as string;
        const attendee = args.attendee as { namespace: string; environment: string };
        const action = command === "apply_step" ? "apply" : "verify";
        backend.provisioning.push(`${action}:${step}`);
        if (action === "apply" && step === "schema_registry") {
          groupMode = "backward";
        }
        const fresh = provisioningResult(step, attendee.namespace, action, applied, groupDrift);
        if (action === "apply") {
          const events: ProgressEvent[] = (fresh.applied?.resources ?? []).flatMap((resource) => [
            { id: resource.id, title: resource.title, state: "queued", detail: null },
            { id: resource.id, title: resource.title, state: resource.outcome, detail: null },
          ]);
          sendProgress(args.progress, events);
        }
        const merged: StepResult = {
          ...fresh,
          applied: fresh.applied ?? results.get(step)?.applied ?? null,
          verified: fresh.verified ?? results.get(step)?.verified ?? null,
        };
        results.set(step, merged);
        if (action === "apply" && options.applyGate) {
          return options.applyGate.then(() => merged);
        }
        return merged;
      }
      case "exercise_schemas":
        return {
          group: "myschemagroup",
          backward: [1, 2, 3, 4, 5].map((attempt) => attemptText("backward", attempt)),
          forward: [1, 2, 3, 4, 5].map((attempt) => attemptText("forward", attempt)),
        };
      case "choose_exercise_mode":
        backend.log.mode = args.mode as ExerciseMode;
        return cloneLog();
      case "register_attempt": {
        const mode = args.mode as ExerciseMode;
        const attempt = args.attempt as number;
        const done = backend.log.attempts.filter(
          (item) => item.mode === mode && item.attempt !== null,
        );
        if (attempt !== done.length + 1) {
          throw `attempt ${attempt} comes later: register attempt ${done.length + 1} first`;
        }
        backend.log.mode = mode;
        groupMode = mode;
        applied.add("schema_registry");
        backend.log.attempts.push(record(mode, attempt, ACCEPTS[mode][attempt - 1]));
        return cloneLog();
      }
      case "register_own_schema": {
        const schema = args.schema as string;
        if (schema.trim() === "") {
          throw "the schema is empty: write or paste an Avro schema, such as the next attempt";
        }
        if (!schema.trim().startsWith("{")) {
          throw "the schema has a JSON syntax error at line 1, column 1: expected value";
        }
        if (schema.includes('"strng"')) {
          throw "the schema is not valid Avro: unknown type `strng`";
        }
        const own = record(args.mode as ExerciseMode, null, true);
        groupMode = own.mode;
        applied.add("schema_registry");
        if (schema.includes('"timestamp-micros"')) {
          own.warnings = [LOGICAL_TYPE_WARNING];
        }
        backend.log.attempts.push(own);
        return cloneLog();
      }
      case "reset_exercise":
        applied.delete("schema_registry");
        backend.log.attempts = [];
        return cloneLog();
      case "teardown_preview":
        return options.teardown ?? TEARDOWN_PREVIEW;
      case "run_teardown": {
        const preview = options.teardown ?? TEARDOWN_PREVIEW;
        backend.teardowns.push(args.confirmation as string);
        if (args.confirmation !== preview.namespace) {
          throw `teardown not confirmed: type the namespace \`${preview.namespace}\` exactly`;
        }
        const resources = preview.groups.flatMap((group) => group.resources);
        sendProgress(
          args.progress,
          resources.flatMap((resource): ProgressEvent[] => [
            { id: resource.id, title: resource.title, state: "in_progress", detail: "deleting" },
            { id: resource.id, title: resource.title, state: "deleted", detail: null },
          ]),
        );
        return (
          options.teardownResult ?? {
            deleted: resources.length + preview.groups.length,
            purged: 0,
            keychain_removed: preview.keychain_entries.length,
            failures: [],
            data_folder: "/data/local",
            removed_data_folder: true,
            removed: [],
            left_over: [],
          }
        );
      }
      case "lake_overview":
        return options.lake ?? EMPTY_LAKE;
      case "lake_file":
        backend.openedFiles.push(`${args.hub as string}:${args.source as string}:${args.path as string}`);
        return options.records ?? { schema_name: null, columns: [], rows: [], total: 0 };
      case "secret_list":
        return [
          {
            name: "eh-customer-send",
            title: "`send` connection string of hub `customer`",
            vault: "dv-customer-kv-eun-dgrf",
            masked: SECRET_VALUE.replace(SECRET_KEY, "••••••••"),
          },
        ];
      case "secret_reveal":
        backend.reveals.push(args.name as string);
        return SECRET_VALUE;
      case "azure_account":
        return { signed_in: false, subscriptions: [] };
      case "azure_sign_in": {
        const azure = options.azure ?? { subscriptions: AZURE_SUBSCRIPTIONS };
        backend.signIns.push((args.choice as AzureChoice).method);
        if ((args.choice as AzureChoice).method === "device_code") {
          sendProgress(args.prompt, [DEVICE_CODE_MESSAGE as unknown as ProgressEvent]);
          // The sign-in waits for the attendee, who never finishes in a test.
          return new Promise(() => {});
        }
        if ("failure" in azure) {
          throw azure.failure;
        }
        return { signed_in: true, subscriptions: azure.subscriptions };
      }
      case "azure_choose_subscription": {
        const azure = options.azure ?? { subscriptions: AZURE_SUBSCRIPTIONS };
        const chosen = "subscriptions" in azure
          ? azure.subscriptions.find((subscription) => subscription.id === args.id)
          : undefined;
        if (chosen === undefined) {
          throw `subscription \`${args.id as string}\` is not available to the signed-in account`;
        }
        return {
          subscription: { id: chosen.id, name: chosen.name, tenant: chosen.tenant },
          needed: ["Microsoft.EventHub", "Microsoft.Storage", "Microsoft.KeyVault"],
          problems: [],
        };
      }
      case "workshop_overview":
        return OVERVIEW;
      case "initial_namespace":
        return initialNamespace;
      case "check_namespace": {
        const call = payload as unknown as CheckCall;
        backend.checks.push({ ...call });
        if (!/^[a-z0-9]{2,5}$/.test(call.regionCode)) {
          throw `region code \`${call.regionCode}\` is invalid: use 2 to 5 lower-case letters or digits, such as \`eun\``;
        }
        return check(call);
      }
      default:
        throw `command ${command} is not mocked`;
    }
  });
  return backend;
}
