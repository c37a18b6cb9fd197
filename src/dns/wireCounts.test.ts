import dnsPacket from 'dns-packet';
import { describe, expect, it } from 'vitest';
import { checkAnswer } from './answerCheck.js';
import { parseQuery } from './message.js';
import { countsFit } from './wireCounts.js';

const header = (id: number, flags: number, counts: [number, number, number, number]) => {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id, 0);
  h.writeUInt16BE(flags, 2);
  counts.forEach((c, i) => h.writeUInt16BE(c, 4 + i * 2));
  return h;
};

describe('dns > countsFit', () => {
  it('accepts real messages and rejects counts the bytes cannot hold', () => {
    const query = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: 'a.example' }] });
    expect(countsFit(query)).toBe(true);
    expect(countsFit(header(1, 0, [0, 0, 0, 0]))).toBe(true);
    expect(countsFit(header(1, 0, [1, 0, 0, 0]))).toBe(false);
    expect(countsFit(Buffer.concat([header(1, 0, [1, 0, 0, 0]), Buffer.from([0, 0, 1, 0, 1])]))).toBe(true);
    expect(countsFit(Buffer.concat([header(1, 0, [0xffff, 0xffff, 0xffff, 0xffff]), Buffer.alloc(20)]))).toBe(false);
  });

  it('makes an inflated query FORMERR-able and an inflated answer undecodable, without decoding', () => {
    expect(parseQuery(Buffer.concat([header(7, 0x0100, [0xffff, 0, 0, 0xffff]), Buffer.alloc(8)]))).toEqual({ ok: false, reason: 'undecodable', id: 7 });
    expect(checkAnswer(Buffer.concat([header(7, 0x8000, [1, 0xffff, 0, 0]), Buffer.alloc(8)]), 7, { type: 'A', name: 'x', class: 'IN' })).toEqual({ ok: false, reason: 'undecodable' });
  });
});
