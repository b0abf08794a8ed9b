import type { GroupTeardown, TeardownPreview, TeardownRecord } from "./api";
import { counted } from "./count";

/**
 * Returns whether the typed text confirms a teardown of `namespace`. Surrounding spaces are
 * ignored, as the shell ignores them, but case is not: the namespace is typed as shown.
 */
export function confirmationMatches(typed: string, namespace: string): boolean {
  return namespace !== "" && typed.trim() === namespace;
}

/**
 * Returns why Delete everything is still disabled for the text typed so far, such as "Type
 * `dgrf` exactly, in lower case, to turn on Delete everything."
 */
export function confirmationHint(typed: string, namespace: string): string {
  const entered = typed.trim();
  const turnOn = "to turn on Delete everything.";
  if (entered === "") {
    return `Type the namespace \`${namespace}\` exactly ${turnOn}`;
  }
  if (entered.toLowerCase() === namespace) {
    return `\`${entered}\` differs in case: type \`${namespace}\` in lower case ${turnOn}`;
  }
  return `\`${entered}\` is not the namespace: type \`${namespace}\` exactly ${turnOn}`;
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

/**
 * Summarises what a teardown removed, after the word "Teardown", such as "deleted 63 resources,
 * purged 3 key vaults and removed 40 keychain entries."
 */
export function recordSummary(record: TeardownRecord): string {
  const parts = [
    `deleted ${counted(record.deleted, "resource", "resources")}`,
    `purged ${counted(record.purged, "key vault", "key vaults")}`,
  ];
  // Only the Local target keeps the namespace's keys in the keychain.
  if (record.data_folder !== null) {
    parts.push(`removed ${counted(record.keychain_removed, "keychain entry", "keychain entries")}`);
  }
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}.`;
}
