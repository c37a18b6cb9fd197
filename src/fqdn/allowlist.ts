// The datapath allowlist of one endpoint, computed from its CIDR rules (allow and deny, except
// lists, port ranges) and the addresses its toFQDNs selectors granted. The datapath does one LPM
// lookup and reads only the longest matching prefix, so every entry carries all rules whose
// prefix covers it and whose except lists do not: the longest match then gives the exact answer.
//
// Why the candidate prefixes suffice: for an address a, let P be the longest candidate holding
// a. Every rule prefix and every except prefix is a candidate, so one of them holds a exactly
// when it covers P. Hence "rule applies to a" == "rule applies to P".
import { SluiceError } from '../errors.js';
import { familyWidth, formatPrefix, hostPrefix, hostPrefixKey, parsePrefix, prefixCovers, type IpPrefix } from './ipPrefix.js';
import { ALLOW_MAX_RULES, ALL_PORTS_ANY_PROTO, minimizePortRules, portRulesKey, type PortRule } from './portRule.js';

export interface PortRange {
  portLo: number;
  portHi: number;
  /** 0 = any protocol. */
  proto: number;
}

/** toCIDR / toCIDRSet (deny = egressDeny). No ports means every port of every protocol. */
export interface CidrRule {
  cidr: string;
  except?: readonly string[];
  ports?: readonly PortRange[];
  deny?: boolean;
}

/** An address a toFQDNs selector granted, with the toPorts of that selector's rule. */
export interface FqdnGrant {
  ip: string;
  ports?: readonly PortRange[];
}

export interface AllowlistEntry {
  /** Canonical CIDR text, e.g. "10.0.0.0/8" or "2001:db8::1/128". */
  prefix: string;
  rules: PortRule[];
}

interface ParsedRule {
  prefix: IpPrefix;
  excepts: IpPrefix[];
  portRules: PortRule[];
}

/**
 * A policy's CIDR rules parsed, with their prefixes and except prefixes as candidates. Kept per
 * rules array, which a resolved policy never changes in place: the pipeline computes the entries
 * of a new name's addresses with every held DNS answer, and parsing the rules again each time was
 * a good part of it.
 */
interface ParsedRules {
  ranged: ParsedRule[];
  rangedCandidates: [string, IpPrefix][];
  /** The ranged candidates shorter than a host, with their rules' key: what a host entry inherits from. */
  parents?: { prefix: IpPrefix; rulesKey: string }[];
}

const parsed = new WeakMap<readonly CidrRule[], ParsedRules>();

function parsedRules(cidrRules: readonly CidrRule[]): ParsedRules {
  let hit = parsed.get(cidrRules);
  if (hit === undefined) {
    const ranged: ParsedRule[] = cidrRules.map((rule) => ({
      prefix: parsePrefix(rule.cidr),
      excepts: (rule.except ?? []).map(parsePrefix),
      portRules: toPortRules(rule.ports, rule.deny === true),
    }));
    const rangedCandidates: [string, IpPrefix][] = [];
    for (const rule of ranged) for (const prefix of [rule.prefix, ...rule.excepts]) rangedCandidates.push([formatPrefix(prefix), prefix]);
    hit = { ranged, rangedCandidates };
    parsed.set(cidrRules, hit);
  }
  return hit;
}

/** The rules of a prefix: those of the ranged rules applying to it, and its own host grants'. */
function rangedRulesOf(ranged: readonly ParsedRule[], prefix: IpPrefix, hostRules: readonly PortRule[] = []): PortRule[] {
  const raw: PortRule[] = [];
  for (const rule of ranged) if (appliesTo(rule, prefix)) raw.push(...rule.portRules);
  return minimizePortRules(hostRules.length === 0 ? raw : [...raw, ...hostRules]);
}

/** The port rules each granted address gets from its grants, by host-prefix key. */
function grantRules(grants: readonly FqdnGrant[]): Map<string, PortRule[]> {
  const hostRules = new Map<string, PortRule[]>();
  for (const grant of grants) {
    const key = hostPrefixKey(grant.ip);
    hostRules.set(key, [...(hostRules.get(key) ?? []), ...toPortRules(grant.ports, false)]);
  }
  return hostRules;
}

/** Throws ERR_ALLOWLIST_OVERFLOW naming the prefix when its rules do not fit a datapath entry. */
function checkFits(prefix: string, rules: PortRule[]): void {
  if (rules.length <= ALLOW_MAX_RULES) return;
  throw new SluiceError(
    'ERR_ALLOWLIST_OVERFLOW',
    `allowlist prefix ${prefix}: needs ${rules.length} port rules, the datapath holds ${ALLOW_MAX_RULES}`,
    { details: { prefix, rules } },
  );
}

function toPortRules(ports: readonly PortRange[] | undefined, deny: boolean): PortRule[] {
  const ranges = ports === undefined || ports.length === 0 ? [ALL_PORTS_ANY_PROTO] : ports;
  return ranges.map((range) => ({ portLo: range.portLo, portHi: range.portHi, proto: range.proto, deny }));
}

function comparePrefixes(a: IpPrefix, b: IpPrefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.bits !== b.bits) return a.bits < b.bits ? -1 : 1;
  return a.length - b.length;
}

function appliesTo(rule: ParsedRule, prefix: IpPrefix): boolean {
  return prefixCovers(rule.prefix, prefix) && !rule.excepts.some((except) => prefixCovers(except, prefix));
}

/**
 * Computes the entries, sorted by family, address and length. Entries that would repeat the
 * rules of their nearest covering entry are left out (the LPM falls through to it), and so are
 * empty entries that nothing covers (no match means drop anyway).
 * Throws ERR_ALLOWLIST_OVERFLOW naming the prefix when one needs more than ALLOW_MAX_RULES.
 */
export function computeAllowlist(cidrRules: readonly CidrRule[], grants: readonly FqdnGrant[] = []): AllowlistEntry[] {
  const { ranged, rangedCandidates } = parsedRules(cidrRules);
  // Host grants only ever cover their own address, so they are kept apart from the ranged rules:
  // the work stays proportional to (candidates x CIDR rules), not candidates squared.
  const hostRules = grantRules(grants);
  const candidates = new Map<string, IpPrefix>();
  for (const grant of grants) candidates.set(hostPrefixKey(grant.ip), hostPrefix(grant.ip));
  for (const [key, prefix] of rangedCandidates) candidates.set(key, prefix);
  const ordered = [...candidates.entries()].sort(([, a], [, b]) => comparePrefixes(a, b));
  const rulesOf = new Map<string, PortRule[]>();
  for (const [key, prefix] of ordered) rulesOf.set(key, rangedRulesOf(ranged, prefix, hostRules.get(key)));
  const shorterThanHost = ordered.filter(([, p]) => p.length < familyWidth(p.family));
  const entries: AllowlistEntry[] = [];
  for (const [key, prefix] of ordered) {
    const rules = rulesOf.get(key) ?? [];
    let parentKey: string | undefined;
    let parentLength = -1;
    for (const [otherKey, other] of shorterThanHost) {
      if (other.length < prefix.length && other.length > parentLength && prefixCovers(other, prefix)) {
        parentKey = otherKey;
        parentLength = other.length;
      }
    }
    const inherited = parentKey === undefined ? [] : (rulesOf.get(parentKey) ?? []);
    if (portRulesKey(rules) === portRulesKey(inherited)) continue;
    checkFits(key, rules);
    entries.push({ prefix: key, rules });
  }
  return entries;
}

/**
 * What computeAllowlist(cidrRules, grants) holds for these host addresses only: each one's entry,
 * or null when it has none (its rules are those of the entry covering it, or nothing covers it).
 * The pipeline asks this with every new name's addresses; computing the whole list each time
 * sorted and minimized every CIDR candidate per answer. A host prefix inherits from the longest
 * ranged candidate covering it, whose rules depend on the CIDR rules alone, so those are kept
 * with the parsed rules. Throws ERR_ALLOWLIST_OVERFLOW as computeAllowlist does, for these hosts.
 */
export function hostAllowlistEntries(cidrRules: readonly CidrRule[], grants: readonly FqdnGrant[], ips: Iterable<string>): Map<string, AllowlistEntry | null> {
  const rules = parsedRules(cidrRules);
  const { ranged } = rules;
  rules.parents ??= rules.rangedCandidates
    .filter(([, prefix]) => prefix.length < familyWidth(prefix.family))
    .map(([, prefix]) => ({ prefix, rulesKey: portRulesKey(rangedRulesOf(ranged, prefix)) }));
  const hostRules = grantRules(grants);
  const out = new Map<string, AllowlistEntry | null>();
  for (const ip of ips) {
    const key = hostPrefixKey(ip);
    if (out.has(key)) continue;
    // no CIDR rules (a toFQDNs-only policy): the grants alone decide, nothing to parse the address for
    const prefix = ranged.length === 0 ? undefined : hostPrefix(ip);
    const own = prefix === undefined ? minimizePortRules(hostRules.get(key) ?? []) : rangedRulesOf(ranged, prefix, hostRules.get(key));
    // the nearest covering candidate is the longest (two of one length covering it are one prefix)
    let parent: { prefix: IpPrefix; rulesKey: string } | undefined;
    if (prefix !== undefined) {
      for (const candidate of rules.parents) {
        if ((parent === undefined || candidate.prefix.length > parent.prefix.length) && prefixCovers(candidate.prefix, prefix)) parent = candidate;
      }
    }
    if (portRulesKey(own) === (parent?.rulesKey ?? portRulesKey([]))) {
      out.set(key, null);
      continue;
    }
    checkFits(key, own);
    out.set(key, { prefix: key, rules: own });
  }
  return out;
}

export interface AllowlistDiff {
  puts: AllowlistEntry[];
  /** Prefixes to remove. */
  deletes: string[];
}

/**
 * The minimal change from `previous` to `next`. A writer should apply the puts before the
 * deletes: a removed specific entry then falls through to a covering entry that already holds
 * its final rules.
 */
export function diffAllowlist(previous: readonly AllowlistEntry[], next: readonly AllowlistEntry[]): AllowlistDiff {
  const before = new Map(previous.map((entry) => [entry.prefix, portRulesKey(entry.rules)]));
  const nextPrefixes = new Set(next.map((entry) => entry.prefix));
  return {
    puts: next.filter((entry) => before.get(entry.prefix) !== portRulesKey(entry.rules)),
    deletes: previous.map((entry) => entry.prefix).filter((prefix) => !nextPrefixes.has(prefix)),
  };
}

