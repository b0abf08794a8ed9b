import type { PlannedName } from "./api";

/** Planned names of one resource kind within a step. */
export interface KindGroup {
  kind: string;
  label: string;
  names: PlannedName[];
}

/** Planned names of one step, grouped by resource kind. */
export interface StepGroup {
  step: string;
  count: number;
  kinds: KindGroup[];
}

/**
 * Groups `names` by step, in the order of `stepOrder`, then by kind in the order each kind first
 * appears. Steps missing from `stepOrder` follow the known ones, in order of appearance.
 */
export function groupNames(names: PlannedName[], stepOrder: string[]): StepGroup[] {
  const steps = new Map<string, Map<string, KindGroup>>();
  for (const name of names) {
    let kinds = steps.get(name.step);
    if (kinds === undefined) {
      kinds = new Map();
      steps.set(name.step, kinds);
    }
    let group = kinds.get(name.kind);
    if (group === undefined) {
      group = { kind: name.kind, label: name.kind_label, names: [] };
      kinds.set(name.kind, group);
    }
    group.names.push(name);
  }

  const rank = (step: string) => {
    const index = stepOrder.indexOf(step);
    return index === -1 ? stepOrder.length : index;
  };
  return [...steps.entries()]
    .map(([step, kinds]) => {
      const groups = [...kinds.values()];
      const count = groups.reduce((sum, group) => sum + group.names.length, 0);
      return { step, count, kinds: groups };
    })
    .sort((a, b) => rank(a.step) - rank(b.step));
}
