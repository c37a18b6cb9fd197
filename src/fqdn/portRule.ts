// One port rule of an allowlist entry, as the datapath holds it (struct port_rule in
// bpf/include/maps.h): a port range, a protocol (0 = any) and whether it denies. Deny wins over
// allow. `minimizePortRules` drops rules that cannot change a verdict and merges touching ranges,
// because the datapath holds only ALLOW_MAX_RULES rules per prefix.

export interface PortRule {
  portLo: number;
  portHi: number;
  /** 0 = any protocol, else IPPROTO_* (6 tcp, 17 udp, 132 sctp). */
  proto: number;
  deny: boolean;
}

/** The per-prefix capacity of the datapath (ALLOW_MAX_RULES in bpf/include/maps.h). */
export const ALLOW_MAX_RULES = 16;

export const ALL_PORTS_ANY_PROTO = { portLo: 0, portHi: 65535, proto: 0 } as const;

export function portRuleMatches(rule: PortRule, port: number, proto: number): boolean {
  return (rule.proto === 0 || rule.proto === proto) && port >= rule.portLo && port <= rule.portHi;
}

/** True when every (port, proto) that `inner` matches, `outer` matches too. */
function ruleCovers(outer: PortRule, inner: PortRule): boolean {
  return (
    (outer.proto === 0 || outer.proto === inner.proto) &&
    outer.portLo <= inner.portLo &&
    outer.portHi >= inner.portHi
  );
}

function rangesOverlap(a: PortRule, b: PortRule): boolean {
  return (a.proto === 0 || b.proto === 0 || a.proto === b.proto) && a.portLo <= b.portHi && b.portLo <= a.portHi;
}

/** Merges overlapping or adjacent ranges of the same protocol and kind. */
function mergeRanges(rules: PortRule[]): PortRule[] {
  const sorted = [...rules].sort((a, b) => a.proto - b.proto || a.portLo - b.portLo || a.portHi - b.portHi);
  const merged: PortRule[] = [];
  for (const rule of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.proto === rule.proto && rule.portLo <= last.portHi + 1) {
      last.portHi = Math.max(last.portHi, rule.portHi);
    } else {
      merged.push({ ...rule });
    }
  }
  return merged;
}

function dropCovered(rules: PortRule[]): PortRule[] {
  return rules.filter((rule, i) => !rules.some((other, j) => j !== i && ruleCovers(other, rule)));
}

/**
 * The smallest equivalent rule list we know how to build, in a canonical order (so equal sets
 * compare equal as text): allow rules that a deny rule fully shadows are dropped, deny rules
 * that no allow rule overlaps are dropped (nothing they match would be allowed), ranges of one
 * protocol are merged and ranges covered by another rule of the same kind are dropped.
 */
export function minimizePortRules(rules: readonly PortRule[]): PortRule[] {
  const denies = dropCovered(mergeRanges(rules.filter((r) => r.deny)));
  const allows = dropCovered(
    mergeRanges(rules.filter((r) => !r.deny)).filter((allow) => !denies.some((deny) => ruleCovers(deny, allow))),
  );
  const usefulDenies = denies.filter((deny) => allows.some((allow) => rangesOverlap(allow, deny)));
  return [...allows, ...usefulDenies];
}

/** Deny wins: allowed when some allow rule matches and no deny rule does. */
export function portRulesAllow(rules: readonly PortRule[], port: number, proto: number): boolean {
  let allowed = false;
  for (const rule of rules) {
    if (!portRuleMatches(rule, port, proto)) continue;
    if (rule.deny) return false;
    allowed = true;
  }
  return allowed;
}

export function portRulesKey(rules: readonly PortRule[]): string {
  return rules.map((r) => `${r.deny ? 'd' : 'a'}${r.proto}:${r.portLo}-${r.portHi}`).join(',');
}
