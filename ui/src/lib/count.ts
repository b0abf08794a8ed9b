/** Returns "1 lead" or "N leads": the singular for exactly one, the plural for any other count. */
export function counted(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}
