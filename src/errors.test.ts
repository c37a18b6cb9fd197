import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCodes, SluiceError, isSluiceError } from './errors.js';

describe('errors > registry', () => {
  it('docs/errors.md lists every code with the same meaning, and nothing else', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(ERR_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(Object.fromEntries(rows)).toEqual(errorCodes);
  });

  it('keeps code, cause and retriable', () => {
    const cause = new Error('inner');
    const err = new SluiceError('ERR_MAP_UPDATE', 'update allowlist: no space', { cause, retriable: true });
    expect(isSluiceError(err, 'ERR_MAP_UPDATE')).toBe(true);
    expect(isSluiceError(err, 'ERR_BPF_LOAD')).toBe(false);
    expect(err.cause).toBe(cause);
    expect(err.retriable).toBe(true);
  });
});
