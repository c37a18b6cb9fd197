// FQDN selectors ({matchName} | {matchPattern}) as they appear in toFQDNs and rules.dns: reading
// one from untrusted input, and matching names against it. Compiled matchers are cached (like
// Cilium's regexp LRU of 1024 entries), so the DNS proxy pays for compilation once per selector.
import { LRUCache } from 'lru-cache';
import { canonicalDnsName } from './dnsName.js';
import { compileMatchName, compileMatchPattern, fqdnFieldProblem, nameMatches, type NameMatcher } from './matchPattern.js';
import type { FqdnSelector } from './types.js';

const compiled = new LRUCache<string, NameMatcher>({ max: 1024 });

/** A problem with a selector: the field it concerns ('' for the selector itself) and why. */
export interface SelectorProblem {
  field: '' | 'matchName' | 'matchPattern';
  reason: string;
}

/**
 * Reads a selector from parsed YAML or JSON. Exactly one of matchName and matchPattern must be
 * set (Cilium's rule for toFQDNs; we hold rules.dns to it too, so a selector never means two
 * things at once).
 */
export function readFqdnSelector(raw: unknown): { selector: FqdnSelector } | { problems: SelectorProblem[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { problems: [{ field: '', reason: 'a selector must be an object with matchName or matchPattern' }] };
  }
  const problems: SelectorProblem[] = [];
  const obj = raw as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (key !== 'matchName' && key !== 'matchPattern') {
      problems.push({ field: '', reason: `unknown field ${JSON.stringify(key)} (a selector has matchName or matchPattern)` });
    }
  }
  const hasName = obj.matchName !== undefined && obj.matchName !== '';
  const hasPattern = obj.matchPattern !== undefined && obj.matchPattern !== '';
  if (hasName === hasPattern) {
    problems.push({
      field: '',
      reason: hasName ? 'set only one of matchName and matchPattern' : 'set exactly one of matchName and matchPattern',
    });
    return { problems };
  }
  const field = hasName ? 'matchName' : 'matchPattern';
  const reason = fqdnFieldProblem(field, obj[field]);
  if (reason !== undefined) problems.push({ field, reason });
  if (problems.length > 0) return { problems };
  const value = obj[field] as string;
  return { selector: hasName ? { matchName: value } : { matchPattern: value } };
}

/** The compiled matcher of a validated selector, from the cache when possible. */
export function compileFqdnSelector(selector: FqdnSelector): NameMatcher {
  const key = 'matchName' in selector ? `n:${selector.matchName}` : `p:${selector.matchPattern}`;
  let matcher = compiled.get(key);
  if (matcher === undefined) {
    matcher = 'matchName' in selector ? compileMatchName(selector.matchName) : compileMatchPattern(selector.matchPattern);
    compiled.set(key, matcher);
  }
  return matcher;
}

/** Does `name` (any case, trailing dot optional) match the selector? */
export function fqdnSelectorMatches(selector: FqdnSelector, name: string): boolean {
  return nameMatches(compileFqdnSelector(selector), canonicalDnsName(name));
}

/** `matchName: x` / `matchPattern: x`, for reasons and trace output. */
export function describeFqdnSelector(selector: FqdnSelector): string {
  return 'matchName' in selector ? `matchName ${selector.matchName}` : `matchPattern ${selector.matchPattern}`;
}
