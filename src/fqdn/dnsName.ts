// The one spelling of a DNS name the cache and the events use: lowercase, no trailing dot
// (DNS names are case-insensitive, and "example.com." and "example.com" are the same name).
export function normalizeDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') && lower.length > 1 ? lower.slice(0, -1) : lower;
}
