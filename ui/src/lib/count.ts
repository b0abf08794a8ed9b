/** Returns "1 lead" or "N leads": the singular for exactly one, the plural for any other count. */
export function counted(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** Joins `items` as "a", "a and b" or "a, b and c". */
export function joinWithAnd(items: string[]): string {
  if (items.length <= 1) {
    return items.join("");
  }
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}
