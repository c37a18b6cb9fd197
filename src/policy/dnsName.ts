// Names on both sides of a match are compared in Cilium's canonical form: lowercased and fully
// qualified. Cilium lowercases the question name and appends the root dot before it checks rules
// (dnsproxy CheckAllowed), and does the same to matchName/matchPattern.

/** `Example.COM` -> `example.com.`; a name that already ends in a dot keeps it; '' -> '.'. */
export function canonicalDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}
