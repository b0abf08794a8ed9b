// Typed wrappers around the shell's commands. The types mirror the serde output of the course
// crate, so field names stay in snake_case as Rust serializes them.
import { Channel, invoke } from "@tauri-apps/api/core";

/** A deployment environment code, the first part of every resource name. */
export type Environment = "dv" | "qa" | "lv";

/** An Azure region and the short code that resource names carry for it. */
export interface Region {
  name: string;
  code: string;
}

/** One planned name that breaks Azure's rule for its kind, with the fix. */
export interface NameProblem {
  resource: string;
  kind: string;
  name: string;
  rule: string;
  fix: string;
  message: string;
}

/** One resource name that the workshop creates from the namespace. */
export interface PlannedName {
  step: string;
  kind: string;
  kind_label: string;
  /** The resource's purpose, such as "capture storage account". */
  title: string;
  name: string;
  resource_group: string;
  team: string;
  contains_namespace: boolean;
}

/** The result of checking a namespace against every name it is part of. */
export interface NamespaceCheck {
  input: string;
  namespace: string;
  lowercased: boolean;
  /** Notes for the attendee on how the input was normalised (trimmed, lower-cased). */
  notices: string[];
  valid: boolean;
  max_length: number;
  max_length_set_by: string;
  problems: NameProblem[];
  names: PlannedName[];
}

/** A step of the course that creates resources. */
export interface CourseStep {
  id: string;
  number: number;
  title: string;
  summary: string;
}

/** A team of the course. */
export interface TeamSummary {
  id: string;
  title: string;
}

/** An environment the attendee can choose, with its meaning. */
export interface EnvironmentChoice {
  code: Environment;
  title: string;
}

/** The course data that the welcome and namespace pages show before any typing. */
export interface WorkshopOverview {
  course_steps: CourseStep[];
  teams: TeamSummary[];
  environments: EnvironmentChoice[];
  default_environment: Environment;
  regions: Region[];
  default_region: Region;
}

/** Fetches the steps, teams, environments and regions of the workshop. */
export function workshopOverview(): Promise<WorkshopOverview> {
  return invoke<WorkshopOverview>("workshop_overview");
}

/** Fetches the namespace from `AZURE_UNIQUE_NAMESPACE`, or null when it is not set. */
export function initialNamespace(): Promise<string | null> {
  return invoke<string | null>("initial_namespace");
}

/** Checks `namespace` against every name that the workshop builds from it. */
export function checkNamespace(
  namespace: string,
  environment: Environment,
  region: Region,
): Promise<NamespaceCheck> {
  return invoke<NamespaceCheck>("check_namespace", {
    namespace,
    environment,
    regionName: region.name,
    regionCode: region.code,
  });
}

/** A page of the wizard that this build has, as the shell saves it. */
export type Page =
  | "target"
  | "namespace"
  | "resource_groups"
  | "shared_platform"
  | "schema_registry"
  | "publishers"
  | "consumers"
  | "live_flow"
  | "data_lake"
  | "teardown";

/** The place the workshop runs: the app's own services, or the attendee's Azure subscription. */
export type Target = "local" | "azure";

/** The attendee's way of signing in to Azure. */
export type SignInMethod = "azure_cli" | "device_code" | "service_principal";

/** The subscription the attendee chose. */
export interface ChosenSubscription {
  id: string;
  name: string;
  tenant: string;
}

/** The Azure part of the choices. It contains no secret: a client secret goes to the keychain. */
export interface AzureChoice {
  method: SignInMethod;
  /** The Entra tenant id or domain; empty for the default. */
  tenant: string;
  /** The application (client) id; empty for the Azure CLI's own. */
  client_id: string;
  subscription: ChosenSubscription | null;
  /** Whether Apply creates the plan's opt-in Databricks workspace, which bills by the hour. */
  with_databricks: boolean;
}

/** The attendee's choices on the first two pages, exactly as typed. */
export interface Choices {
  target: Target;
  namespace: string;
  namespace_from_environment: boolean;
  environment: Environment;
  region: Region;
  custom_region: boolean;
  azure: AzureChoice;
}

/** A compatibility mode of the schema exercise. */
export type ExerciseMode = "backward" | "forward";

/** One field that breaks compatibility, with the reason and the fix. */
export interface Reason {
  field: string;
  /** "backward": a reader on the new version reads old data; "forward": the other way. */
  direction: "backward" | "forward";
  reason: string;
  fix: string;
}

/**
 * A problem that does not reject a version: a default that the Avro specification rejects, or
 * a field whose logical type differs from the compared version's.
 */
export interface SchemaWarning {
  field: string;
  message: string;
  fix: string;
}

/** One registration and the registry's verdict. */
export interface AttemptRecord {
  /** The course's attempt number, or null for a schema the attendee wrote. */
  attempt: number | null;
  mode: ExerciseMode;
  schema_name: string;
  accepted: boolean;
  version: number | null;
  schema_id: string | null;
  compared_with_version: number | null;
  explanation: string;
  reasons: Reason[];
  warnings: SchemaWarning[];
  registry_detail: string | null;
}

/** Every registration of the exercise, oldest first, and the mode the page shows. */
export interface ExerciseLog {
  mode: ExerciseMode;
  attempts: AttemptRecord[];
}

/** The outcome of one resource in an Apply. */
export interface ResourceOutcome {
  id: string;
  title: string;
  outcome: "created" | "updated" | "unchanged" | "skipped" | "not_attempted" | "failed";
  /** The changes made, the reason for a skip, the failure that stopped the Apply, or its own. */
  detail: string | null;
}

/** The result of applying one step. */
export interface ApplyRecord {
  /** Seconds since the Unix epoch. */
  finished_at: number;
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Resources never tried because the failure stopped the Apply first. */
  not_attempted: number;
  failure: string | null;
  stuck_locks: string[];
  resources: ResourceOutcome[];
}

/** One way the target differs from the plan. */
export interface FindingRecord {
  id: string;
  message: string;
}

/** The result of verifying one step. */
export interface VerifyRecord {
  /** Seconds since the Unix epoch. */
  finished_at: number;
  checked: number;
  skipped: FindingRecord[];
  findings: FindingRecord[];
}

/** The last Apply and Verify of one step, and the choices they were made for. */
export interface StepResult {
  attendee: { target: Target; namespace: string; environment: Environment; region_code: string };
  applied: ApplyRecord | null;
  verified: VerifyRecord | null;
}

/** The saved wizard state. */
export interface WizardState {
  page: Page;
  choices: Choices;
  exercise: ExerciseLog;
  /** The last Apply and Verify of each resource step, keyed by the step's id. */
  steps: Record<string, StepResult>;
}

/** The saved state as the app found it at start. */
export interface LoadedState {
  state: WizardState;
  resumed: boolean;
  /** The reason a saved file could not be used, when that happened. */
  notice: string | null;
}

/** The billing model of a resource in Azure. */
export type Billing = "free" | "usage" | "while_exists";

/** One resource of a step's plan. */
export interface ResourceView {
  /** The ARM id below the subscription, which Apply and Verify results refer to. */
  id: string;
  name: string;
  title: string;
  kind: string;
  kind_label: string;
  resource_group: string;
  team: string;
  /** The resource it lives in, such as the hub of a consumer group. */
  parent_name: string | null;
  /** The settings in one line. */
  settings: string;
  billing: Billing;
  opt_in: boolean;
}

/** One step of the plan. */
export interface StepPlan {
  id: string;
  number: number;
  title: string;
  namespace: string;
  resources: ResourceView[];
}

/** The attendee's choices that a plan is built from. */
export interface AttendeeChoice {
  namespace: string;
  environment: Environment;
  region: Region;
}

/** A language of the export panel. */
export type ExportFormat = "bicep" | "az_cli";

/** The course's five attempts per mode. */
export interface ExerciseSchemas {
  group: string;
  backward: string[];
  forward: string[];
}

/** Fetches the saved progress, or a new workshop when there is none. */
export function loadWizard(): Promise<LoadedState> {
  return invoke<LoadedState>("load_wizard");
}

/** Saves the page shown and the choices, so the next start resumes there. */
export function saveWizard(page: Page, choices: Choices): Promise<void> {
  return invoke<void>("save_wizard", { page, choices });
}

/** Fetches the plan of one step. */
export function stepPlan(attendee: AttendeeChoice, step: string): Promise<StepPlan> {
  return invoke<StepPlan>("step_plan", { attendee, step });
}

/** Fetches one step as Bicep or as Azure CLI commands. */
export function stepExport(
  attendee: AttendeeChoice,
  step: string,
  format: ExportFormat,
): Promise<string> {
  return invoke<string>("step_export", { attendee, step, format });
}

/** The state of one resource's row while an Apply or a Teardown runs. */
export type RowState =
  | "queued"
  | "in_progress"
  | "created"
  | "updated"
  | "unchanged"
  | "skipped"
  | "not_attempted"
  | "deleted"
  | "failed";

/** One change of one resource's row, sent while an Apply or a Teardown runs. */
export interface ProgressEvent {
  id: string;
  title: string;
  state: RowState;
  /** The current action, the changes made, the reason for a skip, or the failure. */
  detail: string | null;
}

function progressChannel(onProgress?: (event: ProgressEvent) => void): Channel<ProgressEvent> {
  const channel = new Channel<ProgressEvent>();
  channel.onmessage = (event) => onProgress?.(event);
  return channel;
}

/**
 * Applies one step on the chosen target, calling `onProgress` with each resource's state while it
 * runs, and returns its recorded result.
 */
export function applyStep(
  attendee: AttendeeChoice,
  step: string,
  onProgress?: (event: ProgressEvent) => void,
): Promise<StepResult> {
  return invoke<StepResult>("apply_step", {
    attendee,
    step,
    progress: progressChannel(onProgress),
  });
}

/** One resource a teardown deletes. */
export interface DeletedResource {
  id: string;
  title: string;
  name: string;
}

/** A resource group and the resources a teardown deletes in it. */
export interface GroupTeardown {
  id: string;
  name: string;
  /** Whether the group itself is deleted, after its resources. */
  deleted: boolean;
  resources: DeletedResource[];
}

/** A local file or folder a teardown removes, and what it contains. */
export interface LocalData {
  path: string;
  what: string;
}

/** Everything a teardown of one namespace deletes. */
export interface TeardownPreview {
  namespace: string;
  groups: GroupTeardown[];
  purged_vaults: string[];
  keychain_entries: string[];
  local_data: LocalData[];
  /** Resources with a plan name that teardown leaves alone, each with the reason. */
  refusals: string[];
}

/** The result of a teardown. */
export interface TeardownRecord {
  deleted: number;
  purged: number;
  /** Keychain entries of the namespace removed; always 0 on Azure. */
  keychain_removed: number;
  failures: string[];
  /**
   * The Local target's data folder, which `removed` is relative to; null on Azure or after a
   * failed deletion.
   */
  data_folder: string | null;
  /** Whether the Local target's data folder went, with everything in it. */
  removed_data_folder: boolean;
  /** Files and folders removed inside the data folder, each once. */
  removed: string[];
  /** Each thing of the namespace still there afterwards. Empty when nothing is left. */
  left_over: string[];
}

/** Lists everything a teardown of the attendee's namespace deletes. */
export function teardownPreview(attendee: AttendeeChoice): Promise<TeardownPreview> {
  return invoke<TeardownPreview>("teardown_preview", { attendee });
}

/**
 * Deletes everything of the attendee's namespace, once `confirmation` is the namespace, calling
 * `onProgress` with each resource's state while it runs.
 */
export function runTeardown(
  attendee: AttendeeChoice,
  confirmation: string,
  onProgress?: (event: ProgressEvent) => void,
): Promise<TeardownRecord> {
  return invoke<TeardownRecord>("run_teardown", {
    attendee,
    confirmation,
    progress: progressChannel(onProgress),
  });
}

/** The writer of a file on the data lake page. */
export type FileSource = "capture" | "lake";

/** One Avro file in a container. */
export interface LakeFile {
  source: FileSource;
  /** The path inside its container, with "/" between folders. */
  path: string;
  size_bytes: number;
  /** Seconds since the Unix epoch. */
  modified_at: number;
}

/** The capture and lake files of one hub. */
export interface HubFiles {
  hub: string;
  event_type: string | null;
  capture_container: string;
  capture: LakeFile[];
  lake: LakeFile[];
}

/** Every hub's files, and the capture settings that decide when files appear. */
export interface LakeOverview {
  capture_account: string;
  lake_account: string;
  lake_container: string;
  capture_window_seconds: number;
  capture_size_limit_bytes: number;
  /** Whether the capture account exists: not before Shared platform, nor after a teardown. */
  storage_exists: boolean;
  /** The running live flow's capture window in seconds, or null while it is stopped. */
  flow_capture_window_seconds: number | null;
  /** The capture window of the Local target's demo timing, in seconds. */
  demo_capture_window_seconds: number;
  hubs: HubFiles[];
}

/** The first records of one file, as rows under the columns of its schema. */
export interface FileRecords {
  schema_name: string | null;
  columns: string[];
  rows: unknown[][];
  /** The number of records in the file. */
  total: number;
}

/** Lists each hub's capture and lake files for the attendee's namespace. */
export function lakeOverview(attendee: AttendeeChoice): Promise<LakeOverview> {
  return invoke<LakeOverview>("lake_overview", { attendee });
}

/** Decodes the first records of one capture or lake file of `hub`. */
export function lakeFile(
  attendee: AttendeeChoice,
  hub: string,
  source: FileSource,
  path: string,
): Promise<FileRecords> {
  return invoke<FileRecords>("lake_file", { attendee, hub, source, path });
}

/** Compares one step with the Local target and returns its recorded result. */
export function verifyStep(attendee: AttendeeChoice, step: string): Promise<StepResult> {
  return invoke<StepResult>("verify_step", { attendee, step });
}

/** Fetches the text of every attempt of the exercise. */
export function exerciseSchemas(): Promise<ExerciseSchemas> {
  return invoke<ExerciseSchemas>("exercise_schemas");
}

/** Saves the mode the exercise page shows. */
export function chooseExerciseMode(mode: ExerciseMode): Promise<ExerciseLog> {
  return invoke<ExerciseLog>("choose_exercise_mode", { mode });
}

/** Registers the course's next attempt in `mode` and returns the updated log. */
export function registerAttempt(mode: ExerciseMode, attempt: number): Promise<ExerciseLog> {
  return invoke<ExerciseLog>("register_attempt", { mode, attempt });
}

/** Registers a schema the attendee wrote and returns the updated log. */
export function registerOwnSchema(mode: ExerciseMode, schema: string): Promise<ExerciseLog> {
  return invoke<ExerciseLog>("register_own_schema", { mode, schema });
}

/** Deletes the exercise's schema group and every verdict. */
export function resetExercise(): Promise<ExerciseLog> {
  return invoke<ExerciseLog>("reset_exercise");
}

/** Turns a rejected command into the message to show. The shell sends its errors as strings. */
export function errorMessage(error: unknown): string {
  if (typeof error === "string") {
    return error;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}
