import type { ResourceView } from "./api";

/** Resources of one step that belong together on the page, under one heading. */
export interface ResourceSection {
  key: string;
  /** The property the resources share: a team, a resource group or a hub. */
  by: "team" | "resource_group" | "hub";
  /** The team, resource group or hub name. */
  value: string;
  resources: ResourceView[];
}

/**
 * The grouping of each step's resources. Teams own resource groups and the publishers' hubs and
 * key vaults. The shared platform reads best per resource group, and consumer groups per hub.
 */
const GROUPING: Record<string, ResourceSection["by"]> = {
  resource_groups: "team",
  shared_platform: "resource_group",
  publishers: "team",
  consumers: "hub",
};

function keyOf(resource: ResourceView, by: ResourceSection["by"]): string {
  switch (by) {
    case "team":
      return resource.team;
    case "resource_group":
      return resource.resource_group;
    case "hub":
      return resource.parent_name ?? resource.name;
  }
}

/**
 * Groups a step's resources for its page, keeping the plan's order inside each section and
 * ordering sections by their first resource, so the plan's order of creation shows through.
 */
export function sectionResources(step: string, resources: ResourceView[]): ResourceSection[] {
  const by = GROUPING[step] ?? "resource_group";
  const sections = new Map<string, ResourceSection>();
  for (const resource of resources) {
    const value = keyOf(resource, by);
    let section = sections.get(value);
    if (section === undefined) {
      section = { key: `${by}-${value}`, by, value, resources: [] };
      sections.set(value, section);
    }
    section.resources.push(resource);
  }
  return [...sections.values()];
}

/** Returns whether the kind's name adds to the resource's title, which often contains it. */
export function showsKind(resource: ResourceView): boolean {
  return !resource.title.toLowerCase().includes(resource.kind_label.toLowerCase());
}

/** Returns whether the section's table needs a resource group column. */
export function showsResourceGroup(section: ResourceSection): boolean {
  // Sections by resource group name it in the heading, and every consumer group lives in the
  // broker's group, which the page states once.
  if (section.by !== "team") {
    return false;
  }
  return section.resources.some((resource) => resource.resource_group !== resource.name);
}
