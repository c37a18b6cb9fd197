// YAML text -> validated policies. A file may hold several documents (---) and Kubernetes List
// objects (kind: List, or CiliumNetworkPolicyList, with items). A set of files is all or
// nothing: any issue in any document throws one ERR_POLICY_INVALID carrying every issue.
import { parseAllDocuments } from 'yaml';
import { IssueCollector, policyInvalidError } from './issues.js';
import { policyKeyString } from './policyKey.js';
import { readPolicy } from './readPolicy.js';
import type { ParsedPolicy, PolicyIssue } from './types.js';

export interface PolicyFile {
  /** Shown in errors: a path, or '-' for stdin. */
  file: string;
  text: string;
}

/** Reads every document of one file, collecting issues instead of throwing. */
export function readPolicyFile(input: PolicyFile): { policies: ParsedPolicy[]; issues: PolicyIssue[] } {
  const policies: ParsedPolicy[] = [];
  const issues: PolicyIssue[] = [];
  const docs = parseAllDocuments(input.text, { uniqueKeys: true });
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const collector = new IssueCollector({ file: input.file, document: index });
    if (doc.errors.length > 0) {
      for (const err of doc.errors) collector.add('', `YAML syntax: ${firstLine(err.message)}`);
      issues.push(...collector.issues);
      return;
    }
    let value: unknown;
    try {
      // maxAliasCount guards against alias bombs ("billion laughs") in untrusted files
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (err) {
      collector.add('', `YAML: ${firstLine(err instanceof Error ? err.message : String(err))}`);
      issues.push(...collector.issues);
      return;
    }
    if (value === null || value === undefined) return; // an empty document, e.g. after a final ---
    for (const { raw, basePath } of expandList(value, collector)) {
      const policy = readPolicy(raw, basePath, { file: input.file, document: index }, collector);
      if (policy !== undefined) policies.push(policy);
    }
    issues.push(...collector.issues);
  });
  return { policies, issues };
}

/** Parses and validates a set of files; throws ERR_POLICY_INVALID with every issue if any. */
export function parsePolicies(files: PolicyFile[]): ParsedPolicy[] {
  const policies: ParsedPolicy[] = [];
  const issues: PolicyIssue[] = [];
  for (const file of files) {
    const read = readPolicyFile(file);
    policies.push(...read.policies);
    issues.push(...read.issues);
  }
  const seen = new Map<string, ParsedPolicy>();
  for (const policy of policies) {
    const key = policyKeyString(policy);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.push({
        file: policy.source.file,
        document: policy.source.document,
        path: policy.basePath === '' ? 'metadata.name' : `${policy.basePath}.metadata.name`,
        reason: `${policy.kind} ${key} is defined twice (also in ${earlier.source.file} document ${earlier.source.document})`,
      });
    } else {
      seen.set(key, policy);
    }
  }
  if (issues.length > 0) throw policyInvalidError(issues);
  return policies;
}

function expandList(value: unknown, collector: IssueCollector): { raw: unknown; basePath: string }[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ raw: value, basePath: '' }];
  const obj = value as Record<string, unknown>;
  if (typeof obj.kind !== 'string' || !obj.kind.endsWith('List')) return [{ raw: value, basePath: '' }];
  if (!Array.isArray(obj.items)) {
    collector.add('items', `a ${obj.kind} needs an items list`);
    return [];
  }
  // typed lists (CiliumNetworkPolicyList) may leave kind and apiVersion off their items
  const itemKind = obj.kind === 'List' ? undefined : obj.kind.slice(0, -'List'.length);
  return obj.items.map((item, i) => {
    const raw =
      itemKind !== undefined && item !== null && typeof item === 'object' && !Array.isArray(item)
        ? { apiVersion: obj.apiVersion, kind: itemKind, ...(item as Record<string, unknown>) }
        : item;
    return { raw, basePath: `items[${i}]` };
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
