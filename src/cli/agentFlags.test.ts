import { describe, expect, it } from 'vitest';
import { formatTable, outputFormat, relativeTime } from './agentFlags.js';
import { parseLabels } from './commands/endpoint/parseLabels.js';

describe('cli > agentFlags', () => {
  it('reads relative times at a glance', () => {
    const now = 1_000_000;
    expect(relativeTime(now + 25_000, now)).toBe('in 25s');
    expect(relativeTime(now + 190_000, now)).toBe('in 3m10s');
    expect(relativeTime(now - 2_000, now)).toBe('2s ago');
    expect(relativeTime(now + 7_380_000, now)).toBe('in 2h3m');
  });

  it('aligns table columns and trims trailing space', () => {
    expect(formatTable([['A', 'LONG'], ['xyz', '']])).toBe('A    LONG\nxyz\n');
  });

  it('accepts text and json only', () => {
    expect(outputFormat(undefined)).toBe('text');
    expect(outputFormat('json')).toBe('json');
    expect(() => outputFormat('yaml')).toThrow("unknown output format 'yaml' (text or json)");
  });
});

describe('cli > endpoint > parseLabels', () => {
  it('splits on commas and the first =', () => {
    expect(parseLabels('app=web, tier=front,expr=a=b,')).toEqual({ app: 'web', tier: 'front', expr: 'a=b' });
    expect(parseLabels('')).toEqual({});
  });

  it('refuses a part without a key and a key given twice', () => {
    expect(() => parseLabels('app')).toThrow("--labels: 'app' is not KEY=VALUE");
    expect(() => parseLabels('=x')).toThrow("--labels: '=x' is not KEY=VALUE");
    expect(() => parseLabels('a=1,a=2')).toThrow("--labels: 'a' given twice");
  });
});
