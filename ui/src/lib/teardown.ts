import type { GroupTeardown, TeardownPreview } from "./api";

/**
 * Returns whether the typed text confirms a teardown of `namespace`. Surrounding spaces are
 * ignored, as the shell ignores them, but case is not: the namespace is typed as shown.
 */
export function confirmationMatches(typed: string, namespace: string): boolean {
  return namespace !== "" && typed.trim() === namespace;
}

/** Returns the number of resources a teardown deletes, the resource groups included. */
export function resourceCount(preview: TeardownPreview): number {
  return preview.groups.reduce(
    (count, group) => count + group.resources.length + (group.deleted ? 1 : 0),
    0,
  );
}

/** Returns whether a teardown would find nothing at all to delete. */
export function isNothingToDelete(preview: TeardownPreview): boolean {
  return (
    preview.groups.length === 0 &&
    preview.purged_vaults.length === 0 &&
    preview.keychain_entries.length === 0 &&
    preview.local_data.length === 0
  );
}

function counted(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * Summarises a preview, such as "63 resources in 10 resource groups, 40 keychain entries and 6
 * local data folders."
 */
export function previewSummary(preview: TeardownPreview): string {
  const resources = counted(resourceCount(preview), "resource", "resources");
  const groups = counted(preview.groups.length, "resource group", "resource groups");
  const entries = counted(preview.keychain_entries.length, "keychain entry", "keychain entries");
  const folders = counted(preview.local_data.length, "local data folder", "local data folders");
  return `${resources} in ${groups}, ${entries} and ${folders}.`;
}

/** Summarises a group's row, such as "48 resources, then the group" or "empty, then the group". */
export function groupSummary(group: GroupTeardown): string {
  const inside =
    group.resources.length === 0
      ? "empty"
      : counted(group.resources.length, "resource", "resources");
  return `${inside}, ${group.deleted ? "then the group" : "the group is kept"}`;
}
