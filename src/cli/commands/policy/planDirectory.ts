// Pure: what the policy directory must become so that it holds exactly `target`. Policies already
// on disk with the same document stay where they are, in the user's files, untouched. A policy that
// is deleted or replaced is cut out of the file that holds it (the rest of that file, comments
// included, is kept; an emptied file goes). New and replaced policies get a file of their own.
// The resulting directory is parsed again before anything is written: all or nothing.
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments, stringify, type Document } from 'yaml';
import { SluiceError } from '../../../errors.js';
import { parsePolicies, policyKeyString, type ParsedPolicy, type PolicyFile } from '../../../policy/index.js';
import { policyFilePath } from './policyDir.js';

export interface DirectoryPlan {
  /**
   * Whole-file contents to write. New files come first, then rewrites of existing files, so a
   * reader between two steps sees a policy twice (the agent refuses such a set and keeps the old
   * one) rather than missing (which could open an endpoint).
   */
  writes: PolicyFile[];
  /** Files to remove, after every write. */
  removes: string[];
}

export function planDirectory(dir: string, current: PolicyFile[], target: ParsedPolicy[]): DirectoryPlan {
  const onDisk = current.length === 0 ? [] : parsePolicies(current);
  const wanted = new Map(target.map((p) => [policyKeyString(p), p]));
  const cut = new Map<string, ParsedPolicy[]>();
  const kept = new Set<string>();
  for (const p of onDisk) {
    const t = wanted.get(policyKeyString(p));
    if (t !== undefined && isDeepStrictEqual(t.document, p.document)) kept.add(policyKeyString(p));
    else cut.set(p.source.file, [...(cut.get(p.source.file) ?? []), p]);
  }

  const rewrites = new Map<string, string | null>();
  for (const file of current) {
    const gone = cut.get(file.file);
    if (gone !== undefined) rewrites.set(file.file, withoutPolicies(file.text, gone));
  }
  const remaining = new Map(current.map((f) => [f.file, rewrites.has(f.file) ? rewrites.get(f.file)! : f.text]));

  const added: PolicyFile[] = [];
  for (const p of target) {
    if (kept.has(policyKeyString(p))) continue;
    let suffix = 0;
    let file = policyFilePath(dir, p, suffix);
    // the file of that name may be a user's, still holding other policies: never merge into it
    while ((remaining.get(file) ?? null) !== null || added.some((a) => a.file === file)) file = policyFilePath(dir, p, ++suffix);
    added.push({ file, text: stringify(p.document) });
  }

  const addedFiles = new Set(added.map((a) => a.file));
  const writes = [
    ...added,
    ...[...rewrites].filter(([file, text]) => text !== null && !addedFiles.has(file)).map(([file, text]) => ({ file, text: text! })),
  ];
  const removes = [...rewrites].filter(([file, text]) => text === null && !addedFiles.has(file)).map(([file]) => file);
  checkResult(current, writes, removes, target);
  return { writes, removes };
}

/** The file's text without the given policies, or null when no policy is left in it. */
function withoutPolicies(text: string, gone: ParsedPolicy[]): string | null {
  const docs = parseAllDocuments(text, { uniqueKeys: true }) as Document[];
  const out: string[] = [];
  docs.forEach((doc, index) => {
    const here = gone.filter((p) => p.source.document === index);
    if (here.some((p) => p.basePath === '')) return;
    // a List document: drop the items, from the back so the indices stay valid
    const items = here.map((p) => Number(/^items\[(\d+)\]$/.exec(p.basePath)?.[1])).sort((a, b) => b - a);
    for (const i of items) doc.deleteIn(['items', i]);
    const js: unknown = doc.toJS();
    if (js === null || js === undefined) return;
    if (items.length > 0 && (js as { items?: unknown[] }).items?.length === 0) return;
    const s = doc.toString();
    out.push(out.length > 0 && !s.startsWith('---') ? `---\n${s}` : s);
  });
  return out.length === 0 ? null : out.join('');
}

/** Parses the directory as it will be; it must hold exactly `target`, or nothing is written. */
function checkResult(current: PolicyFile[], writes: PolicyFile[], removes: string[], target: ParsedPolicy[]): void {
  const files = new Map(current.map((f) => [f.file, f.text]));
  for (const w of writes) files.set(w.file, w.text);
  for (const r of removes) files.delete(r);
  const sorted = [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([file, text]) => ({ file, text }));
  const result = sorted.length === 0 ? [] : parsePolicies(sorted);
  const byKey = new Map(result.map((p) => [policyKeyString(p), p.document]));
  const same = byKey.size === target.length && target.every((p) => isDeepStrictEqual(byKey.get(policyKeyString(p)), p.document));
  if (!same) {
    throw new SluiceError('ERR_INTERNAL', 'plan policy directory: the rewritten files would not hold exactly the requested policies', {
      details: { expected: target.map(policyKeyString), got: [...byKey.keys()] },
    });
  }
}
