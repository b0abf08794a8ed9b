import type { CourseStep, Page } from "./api";

/** A page of the wizard and whether this build of the app has it. */
export interface WizardStep {
  id: string;
  title: string;
  live: boolean;
}

/** The pages this build has. Every other step shows as upcoming and cannot be opened. */
export const LIVE_STEPS: readonly Page[] = [
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
];

/** The pages that need a valid namespace, because they show names built from it. */
export const NEEDS_NAMESPACE: readonly Page[] = LIVE_STEPS.slice(2);

/** Returns whether `id` is a page this build has. */
export function isLivePage(id: string): id is Page {
  return (LIVE_STEPS as readonly string[]).includes(id);
}

/**
 * Lists the wizard's steps: choosing the target and the namespace, then the course's steps that
 * create resources, then the live flow, the data lake (which has files only once the flow ran)
 * and teardown.
 */
export function wizardSteps(courseSteps: CourseStep[]): WizardStep[] {
  const steps = [
    { id: "target", title: "Target" },
    { id: "namespace", title: "Namespace" },
    ...courseSteps.map((step) => ({ id: step.id, title: step.title })),
    { id: "live_flow", title: "Live flow" },
    { id: "data_lake", title: "Data lake" },
    { id: "teardown", title: "Teardown" },
  ];
  return steps.map((step) => ({ ...step, live: isLivePage(step.id) }));
}

/** Returns whether the attendee may open `step` now: it is live, and has its namespace. */
export function canOpen(step: WizardStep, namespaceValid: boolean): boolean {
  if (!isLivePage(step.id)) {
    return false;
  }
  return namespaceValid || !NEEDS_NAMESPACE.includes(step.id);
}

/** Returns the step after `id`, or undefined for the last one. */
export function stepAfter(steps: WizardStep[], id: string): WizardStep | undefined {
  const index = steps.findIndex((step) => step.id === id);
  return index === -1 ? undefined : steps[index + 1];
}

/** Returns the step before `id`, or undefined for the first one. */
export function stepBefore(steps: WizardStep[], id: string): WizardStep | undefined {
  const index = steps.findIndex((step) => step.id === id);
  return index <= 0 ? undefined : steps[index - 1];
}

/**
 * Returns the number the step indicator shows for the page `id`, from 1, or undefined for no
 * page of the wizard. Pages name steps by this number, which differs from the command-line
 * tool's `--step` number of the same course step (Resource groups is page 3 and `--step 1`).
 */
export function pageNumber(courseSteps: CourseStep[], id: string): number | undefined {
  const index = wizardSteps(courseSteps).findIndex((step) => step.id === id);
  return index === -1 ? undefined : index + 1;
}

/** Returns the position of the page `id` as its eyebrow shows it, such as "Step 3 of 10". */
export function pagePosition(courseSteps: CourseStep[], id: string): string {
  const number = pageNumber(courseSteps, id);
  const total = wizardSteps(courseSteps).length;
  return number === undefined ? "" : `Step ${number} of ${total}`;
}
