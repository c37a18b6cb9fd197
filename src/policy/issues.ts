// Validation issues: collected, never thrown one by one, so a user sees every problem of a file
// at once. policyInvalidError turns a non-empty list into the one SluiceError callers see.
import { SluiceError } from '../errors.js';
import type { PolicyIssue, PolicySource } from './types.js';

/** Collects issues for one document; `at(path)` hands out a reporter bound to a YAML path. */
export class IssueCollector {
  constructor(
    private readonly source: PolicySource,
    readonly issues: PolicyIssue[] = [],
    private readonly prefix = '',
  ) {}

  add(path: string, reason: string): void {
    const full = this.prefix === '' ? path : path === '' ? this.prefix : `${this.prefix}.${path}`;
    this.issues.push({ file: this.source.file, document: this.source.document, path: full, reason });
  }

  /**
   * A collector for one item of a List: paths inside a policy stay relative to the policy
   * (they end up in rule references and events), and only reported issues get `items[i]`.
   */
  within(prefix: string): IssueCollector {
    return new IssueCollector(this.source, this.issues, prefix);
  }

  get count(): number {
    return this.issues.length;
  }
}

/** `file: document N: path: reason`, the one-line form used by the CLI and error messages. */
export function formatIssue(issue: PolicyIssue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  return `${issue.file}: document ${issue.document}: ${where}${issue.reason}`;
}

/** One error for a whole set of documents; the full list stays on `details`. */
export function policyInvalidError(issues: PolicyIssue[]): SluiceError {
  const first = issues[0];
  const summary = first === undefined ? 'invalid policy' : formatIssue(first);
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new SluiceError('ERR_POLICY_INVALID', `invalid policy: ${summary}${more}`, { details: issues });
}

/** The issues carried by an ERR_POLICY_INVALID error, or an empty list. */
export function issuesOf(err: SluiceError): PolicyIssue[] {
  return Array.isArray(err.details) ? (err.details as PolicyIssue[]) : [];
}
