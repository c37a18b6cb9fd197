// matchName / matchPattern: validation and matching, with the semantics of current Cilium
// (pkg/fqdn/matchpattern, pkg/policy/api/fqdn.go), checked against its source:
//   - both sides are lowercased and fully qualified before matching;
//   - `*` matches zero or more of [-a-z0-9_] and so never crosses a dot;
//   - a pattern made only of stars (optionally with one trailing dot) matches every name;
//   - a leading run of two or more stars followed by a dot (`**.`) matches one or more whole,
//     non-empty labels; anywhere else consecutive stars act as one `*`;
//   - the match is anchored at both ends.
// Cilium compiles patterns to Go regexps (RE2, linear time). JavaScript regexps backtrack, and a
// pattern such as `*a*a*a*...` against a hostile query name could take exponential time in the
// DNS proxy, so we match label by label instead. Because neither `*` nor a literal can match a
// dot, the dots of name and pattern must line up, which makes the label-wise match equivalent.

export const MAX_FQDN_LENGTH = 255;

const NAME_CHARS = /^[-a-zA-Z0-9_.]+$/;
const PATTERN_CHARS = /^[-a-zA-Z0-9_.*]+$/;
const LABEL_CHARS = /^[-a-z0-9_]*$/;

/**
 * Why `value` is not a valid matchName or matchPattern, or undefined when it is. Applies the
 * agent's checks (length, allowed characters) and the CRD schema's (no empty label, so no
 * leading dot and no `..`); the API server would refuse what the schema refuses.
 */
export function fqdnFieldProblem(field: 'matchName' | 'matchPattern', value: unknown): string | undefined {
  if (typeof value !== 'string') return `${field} must be a string`;
  if (value === '') return `${field} must not be empty`;
  if (value.length > MAX_FQDN_LENGTH) {
    return `${field} is ${value.length} characters long; the limit is ${MAX_FQDN_LENGTH}`;
  }
  const allowed = field === 'matchName' ? NAME_CHARS : PATTERN_CHARS;
  if (!allowed.test(value)) {
    const extra = field === 'matchName' ? '' : ", '*'";
    return `invalid characters in ${field} ${JSON.stringify(value)}: only a-z, A-Z, 0-9, '-', '_', '.'${extra} are allowed`;
  }
  // The schema is ^([-a-zA-Z0-9_*]+[.]?)+$, i.e. no empty label; tested directly because that
  // regexp backtracks exponentially in JavaScript on inputs like `aaaa...a..`.
  if (value.startsWith('.') || value.includes('..')) {
    return `${field} ${JSON.stringify(value)} has an empty label (a leading dot or two dots in a row)`;
  }
  return undefined;
}

/** A compiled selector: every name, one exact name, or label globs with an optional `**.` prefix. */
export type NameMatcher =
  | { kind: 'all' }
  | { kind: 'exact'; name: string }
  | { kind: 'labels'; subdomainPrefix: boolean; labels: string[] };

/** True for `*`, `**`, `*.`, `***.`: Cilium's match-all patterns. */
export function isMatchAllPattern(pattern: string): boolean {
  const body = pattern.endsWith('.') ? pattern.slice(0, -1) : pattern;
  return body.length > 0 && /^\*+$/.test(body);
}

/** Compiles a validated matchPattern. */
export function compileMatchPattern(pattern: string): NameMatcher {
  const lower = pattern.trim().toLowerCase();
  if (isMatchAllPattern(lower)) return { kind: 'all' };
  const fqdn = lower.endsWith('.') ? lower : `${lower}.`;
  const stars = /^\*+/.exec(fqdn)?.[0].length ?? 0;
  const subdomainPrefix = stars >= 2 && fqdn[stars] === '.';
  const rest = subdomainPrefix ? fqdn.slice(stars + 1) : fqdn;
  // consecutive stars inside a label mean the same as one
  const labels = rest.split('.').map((label) => label.replace(/\*+/g, '*'));
  return { kind: 'labels', subdomainPrefix, labels };
}

/** Compiles a validated matchName. */
export function compileMatchName(name: string): NameMatcher {
  const lower = name.trim().toLowerCase();
  return { kind: 'exact', name: lower.endsWith('.') ? lower : `${lower}.` };
}

/** Matches a canonical name (see canonicalDnsName) against a compiled selector. */
export function nameMatches(matcher: NameMatcher, canonicalName: string): boolean {
  switch (matcher.kind) {
    case 'all':
      return true;
    case 'exact':
      return matcher.name === canonicalName;
    case 'labels':
      return labelsMatch(matcher, canonicalName.split('.'));
  }
}

function labelsMatch(matcher: { subdomainPrefix: boolean; labels: string[] }, nameLabels: string[]): boolean {
  const extra = nameLabels.length - matcher.labels.length;
  if (matcher.subdomainPrefix ? extra < 1 : extra !== 0) return false;
  // the `**.` prefix stands for one or more whole labels of DNS characters
  for (let i = 0; i < extra; i++) {
    const label = nameLabels[i]!;
    if (label === '' || !LABEL_CHARS.test(label)) return false;
  }
  for (let i = 0; i < matcher.labels.length; i++) {
    if (!labelGlobMatches(matcher.labels[i]!, nameLabels[extra + i]!)) return false;
  }
  return true;
}

/**
 * One label against one glob label. Pattern literals are DNS characters, and `*` matches only
 * DNS characters, so a label with any other character never matches. Greedy matching with one
 * remembered star is O(|glob| * |label|) at worst, never exponential.
 */
export function labelGlobMatches(glob: string, label: string): boolean {
  if (!glob.includes('*')) return glob === label;
  if (!LABEL_CHARS.test(label)) return false;
  let g = 0;
  let l = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (l < label.length) {
    if (g < glob.length && glob[g] === '*') {
      starAt = g++;
      resumeAt = l;
    } else if (g < glob.length && glob[g] === label[l]) {
      g++;
      l++;
    } else if (starAt >= 0) {
      g = starAt + 1;
      l = ++resumeAt;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}
