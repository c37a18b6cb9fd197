// Policies from a directory: every *.yaml / *.yml / *.json file, parsed together, so a set of
// files is applied all or nothing. The change against the repository is computed here (pure):
// only new or edited documents are applied, and policies whose file went away are deleted.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SluiceError } from '../errors.js';
import {
  applyPolicies, deletePolicies, parsePolicies, policyKeyString,
  type ParsedPolicy, type PolicyEvent, type PolicyFile, type RepositoryState,
} from '../policy/index.js';

export function readPolicyDir(dir: string): PolicyFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /\.(ya?ml|json)$/.test(n) && !n.startsWith('.')).sort();
  } catch (cause) {
    throw new SluiceError('ERR_CONFIG', `read policy directory ${dir}: ${(cause as Error).message}`, { cause });
  }
  return names.map((n) => ({ file: join(dir, n), text: readFileSync(join(dir, n), 'utf8') }));
}

/** The repository after syncing it to `files`, and the events that describe the change. */
export function syncPolicies(state: RepositoryState, files: PolicyFile[]): { state: RepositoryState; events: PolicyEvent[] } {
  const parsed = files.length === 0 ? [] : parsePolicies(files);
  const key = (p: ParsedPolicy) => policyKeyString(p);
  const stored = new Map(state.policies.map((s) => [key(s.policy), s.policy]));
  const changed = parsed.filter((p) => {
    const old = stored.get(key(p));
    return old === undefined || !isDeepStrictEqual(old.document, p.document);
  });
  const wanted = new Set(parsed.map(key));
  const gone = state.policies.filter((s) => !wanted.has(key(s.policy))).map((s) => s.policy);
  let next = state;
  const events: PolicyEvent[] = [];
  if (changed.length > 0) {
    const r = applyPolicies(next, changed);
    next = r.state;
    events.push(...r.events);
  }
  if (gone.length > 0) {
    const r = deletePolicies(next, gone);
    next = r.state;
    events.push(...r.events);
  }
  return { state: next, events };
}
