import { describe, expect, it } from 'vitest';
import { escapeHelp, escapeLabelValue, formatLabels, formatValue } from './exposition.js';

describe('api > metrics > exposition', () => {
  it('escapes label values: backslash, double quote, newline', () => {
    expect(escapeLabelValue('C:\\dir "x"\nnext')).toBe('C:\\\\dir \\"x\\"\\nnext');
    expect(escapeLabelValue('plain.example.com')).toBe('plain.example.com');
  });

  it('escapes help text: backslash and newline, but not quotes', () => {
    expect(escapeHelp('a "quoted" \\ help\nline')).toBe('a "quoted" \\\\ help\\nline');
  });

  it('formats special values as Prometheus parses them', () => {
    expect([Infinity, -Infinity, NaN, 0, 1, 0.005, 1e-7, 12345678901].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0', '1', '0.005', '1e-7', '12345678901']);
  });

  it('formats label sets, or nothing without labels', () => {
    expect(formatLabels([], [])).toBe('');
    expect(formatLabels(['verdict', 'drop_reason'], ['dropped', 'POLICY_DENIED'])).toBe('{verdict="dropped",drop_reason="POLICY_DENIED"}');
  });
});
