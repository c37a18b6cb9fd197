import { describe, expect, it } from 'vitest';
import { ProgrammedAnswers } from './programmedAnswers.js';

const A = '192.0.2.1/32';
const B = '2001:db8::1/128';
const NOW = 1_000_000;

describe('fqdn > programmed answers (the proxy thread copy)', () => {
  it('vouches for an answer only when every address is programmed for that endpoint and name, before the margin', () => {
    const p = new ProgrammedAnswers({ marginMs: 1_000 });
    expect(p.covers(1, 'api.test', [A], NOW, 0)).toBe(false);
    expect(p.add(1, 'api.test', [A, B], NOW + 30_000, 0)).toBe(true);
    expect(p.covers(1, 'api.test', [A, B], NOW, 0)).toBe(true);
    expect(p.covers(1, 'api.test', [A], NOW, 0)).toBe(true);
    // another name, another endpoint, an address not programmed
    expect(p.covers(1, 'www.test', [A], NOW, 0)).toBe(false);
    expect(p.covers(2, 'api.test', [A], NOW, 0)).toBe(false);
    expect(p.covers(1, 'api.test', [A, '192.0.2.9/32'], NOW, 0)).toBe(false);
    // within the margin of the expiry, and past it
    expect(p.covers(1, 'api.test', [A], NOW + 29_000, 0)).toBe(true);
    expect(p.covers(1, 'api.test', [A], NOW + 29_001, 0)).toBe(false);
    // an answer without addresses is never vouched for here
    expect(p.covers(1, 'api.test', [], NOW, 0)).toBe(false);
  });

  it('keeps the later expiry of two adds', () => {
    const p = new ProgrammedAnswers({ marginMs: 0 });
    p.add(1, 'api.test', [A], NOW + 30_000, 0);
    p.add(1, 'api.test', [A], NOW + 10_000, 0);
    expect(p.covers(1, 'api.test', [A], NOW + 20_000, 0)).toBe(true);
    expect(p.size).toBe(1);
  });

  it('vouches for nothing while the main thread has a removal the copy has not applied', () => {
    const p = new ProgrammedAnswers({ marginMs: 0 });
    p.add(1, 'api.test', [A], NOW + 30_000, 0);
    // main bumped the shared number to 1 before deleting something; the message is on its way
    expect(p.covers(1, 'api.test', [A], NOW, 1)).toBe(false);
    p.forget(1, [B], 1);
    expect(p.covers(1, 'api.test', [A], NOW, 1)).toBe(true);
    // an update that carried no removal still moves the applied number
    p.caughtUp(1);
    expect(p.appliedSeq).toBe(1);
  });

  it('forgets every name of a prefix that is deleted or rewritten', () => {
    const p = new ProgrammedAnswers({ marginMs: 0 });
    p.add(1, 'api.test', [A, B], NOW + 30_000, 0);
    p.add(1, 'cdn.test', [A], NOW + 30_000, 0);
    p.add(2, 'api.test', [A], NOW + 30_000, 0);
    p.forget(1, [A], 1);
    expect(p.covers(1, 'api.test', [A], NOW, 1)).toBe(false);
    expect(p.covers(1, 'cdn.test', [A], NOW, 1)).toBe(false);
    expect(p.covers(1, 'api.test', [B], NOW, 1)).toBe(true);
    expect(p.covers(2, 'api.test', [A], NOW, 1)).toBe(true);
    expect(p.size).toBe(2);
  });

  it('does not trust a settlement for a write that may predate a removal of the same endpoint', () => {
    const p = new ProgrammedAnswers({ marginMs: 0 });
    // the answer went to main when the copy had applied removal 0; removal 1 (endpoint 1) came back first
    p.forget(1, [A], 1);
    expect(p.add(1, 'api.test', [A], NOW + 30_000, 0)).toBe(false);
    expect(p.covers(1, 'api.test', [A], NOW, 1)).toBe(false);
    // other endpoints are not concerned, and a later answer is trusted again
    expect(p.add(2, 'api.test', [A], NOW + 30_000, 0)).toBe(true);
    expect(p.add(1, 'api.test', [A], NOW + 30_000, 1)).toBe(true);
    expect(p.covers(1, 'api.test', [A], NOW, 1)).toBe(true);
  });

  it('after forgetAll, trusts only settlements of answers sent after it, for every endpoint', () => {
    const p = new ProgrammedAnswers({ marginMs: 0 });
    p.add(1, 'api.test', [A], NOW + 30_000, 0);
    p.forgetAll(3);
    expect(p.size).toBe(0);
    expect(p.add(7, 'api.test', [A], NOW + 30_000, 2)).toBe(false);
    expect(p.add(7, 'api.test', [A], NOW + 30_000, 3)).toBe(true);
    expect(p.covers(7, 'api.test', [A], NOW, 3)).toBe(true);
  });

  it('prunes what expired and stays within its bound', () => {
    const p = new ProgrammedAnswers({ marginMs: 0, maxEntries: 3 });
    p.add(1, 'a.test', [A], NOW + 1_000, 0);
    p.add(1, 'b.test', [A, B], NOW + 60_000, 0);
    p.prune(NOW + 1_000);
    expect(p.size).toBe(2);
    expect(p.covers(1, 'b.test', [A, B], NOW + 2_000, 0)).toBe(true);
    // past the bound everything goes: dropping is always safe, the held path refills it
    p.add(1, 'c.test', [A, B], NOW + 60_000, 0);
    expect(p.size).toBe(2);
    expect(p.covers(1, 'b.test', [A], NOW, 0)).toBe(false);
    expect(p.covers(1, 'c.test', [A, B], NOW, 0)).toBe(true);
  });
});
