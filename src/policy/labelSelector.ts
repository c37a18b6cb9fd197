// Kubernetes label selectors as Cilium reads them (endpointSelector, toEndpoints): matchLabels
// plus matchExpressions with In, NotIn, Exists and DoesNotExist. Keys may carry Cilium's label
// source prefix `k8s:` or `any:`; both mean a pod label here, so the prefix is dropped. Other
// sources (reserved:, cidr:, ...) select things Sluice has no endpoints for and are rejected.
import type { IssueCollector } from './issues.js';
import type { LabelExpression, LabelOperator, LabelSelector } from './types.js';

/** The label every pod carries with its namespace (Cilium's k8s:io.kubernetes.pod.namespace). */
export const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';

const OPERATORS: readonly LabelOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

function stripSource(key: string, path: string, issues: IssueCollector): string | undefined {
  const colon = key.indexOf(':');
  if (colon < 0) return key;
  const source = key.slice(0, colon);
  if (source === 'k8s' || source === 'any') return key.slice(colon + 1);
  issues.add(path, `label source ${JSON.stringify(source)} is not supported (use k8s: or no prefix; for the host or the world use toEntities)`);
  return undefined;
}

function isStringMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Reads a selector; problems go to `issues` under `path`. Returns undefined when unusable. */
export function readLabelSelector(raw: unknown, path: string, issues: IssueCollector): LabelSelector | undefined {
  if (!isStringMap(raw)) {
    issues.add(path, 'a label selector must be an object (matchLabels, matchExpressions)');
    return undefined;
  }
  const before = issues.count;
  // a null prototype: a label called __proto__ must stay a label, not change the object
  const selector: LabelSelector = { matchLabels: Object.create(null) as Record<string, string>, matchExpressions: [] };
  for (const key of Object.keys(raw)) {
    if (key !== 'matchLabels' && key !== 'matchExpressions') issues.add(`${path}.${key}`, 'unknown field in a label selector');
  }
  if (raw.matchLabels !== undefined && raw.matchLabels !== null) {
    if (!isStringMap(raw.matchLabels)) {
      issues.add(`${path}.matchLabels`, 'matchLabels must be a map of label to value');
    } else {
      for (const [rawKey, value] of Object.entries(raw.matchLabels)) {
        const at = `${path}.matchLabels.${rawKey}`;
        const key = stripSource(rawKey, at, issues);
        if (typeof value !== 'string') issues.add(at, 'a label value must be a string (quote numbers and booleans)');
        else if (key !== undefined) selector.matchLabels[key] = value;
      }
    }
  }
  if (raw.matchExpressions !== undefined && raw.matchExpressions !== null) {
    if (!Array.isArray(raw.matchExpressions)) {
      issues.add(`${path}.matchExpressions`, 'matchExpressions must be a list');
    } else {
      raw.matchExpressions.forEach((expr, i) => {
        const parsed = readExpression(expr, `${path}.matchExpressions[${i}]`, issues);
        if (parsed !== undefined) selector.matchExpressions.push(parsed);
      });
    }
  }
  return issues.count === before ? selector : undefined;
}

function readExpression(raw: unknown, path: string, issues: IssueCollector): LabelExpression | undefined {
  if (!isStringMap(raw)) {
    issues.add(path, 'an expression must be an object with key, operator and values');
    return undefined;
  }
  const before = issues.count;
  for (const field of Object.keys(raw)) {
    if (field !== 'key' && field !== 'operator' && field !== 'values') issues.add(`${path}.${field}`, 'unknown field in a label expression');
  }
  let key: string | undefined;
  if (typeof raw.key !== 'string' || raw.key === '') issues.add(`${path}.key`, 'key must be a non-empty string');
  else key = stripSource(raw.key, `${path}.key`, issues);
  const operator = raw.operator;
  if (typeof operator !== 'string' || !OPERATORS.includes(operator as LabelOperator)) {
    issues.add(`${path}.operator`, `operator must be one of ${OPERATORS.join(', ')}`);
  }
  let values: string[] = [];
  if (raw.values !== undefined && raw.values !== null) {
    if (!Array.isArray(raw.values) || raw.values.some((v) => typeof v !== 'string')) {
      issues.add(`${path}.values`, 'values must be a list of strings');
    } else {
      values = raw.values as string[];
    }
  }
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    issues.add(`${path}.values`, `operator ${operator} needs at least one value`);
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    issues.add(`${path}.values`, `operator ${operator} takes no values`);
  }
  if (issues.count !== before || key === undefined) return undefined;
  return { key, operator: operator as LabelOperator, values };
}

/** Kubernetes semantics: every matchLabel and every expression must hold. */
export function labelSelectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (labels[key] !== value) return false;
  }
  return selector.matchExpressions.every((expr) => expressionMatches(expr, labels));
}

function expressionMatches(expr: LabelExpression, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, expr.key);
  const value = labels[expr.key];
  switch (expr.operator) {
    case 'In':
      return has && expr.values.includes(value!);
    case 'NotIn':
      return !has || !expr.values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** Does the selector say anything about the namespace label? */
export function mentionsNamespace(selector: LabelSelector): boolean {
  return NAMESPACE_LABEL in selector.matchLabels || selector.matchExpressions.some((e) => e.key === NAMESPACE_LABEL);
}

/** A pod's labels as selectors see them: its own plus the namespace label. */
export function endpointLabels(endpoint: { namespace: string; labels: Record<string, string> }): Record<string, string> {
  return { ...endpoint.labels, [NAMESPACE_LABEL]: endpoint.namespace };
}
