import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../errors.js';
import { FLOW_EVENT_TYPE, FLOW_EVENT_VERSION, decodeFlowEvent, flowEventLayout } from './flowEvent.js';

// Whatever the ring hands over, the decoder returns an event or throws a coded SluiceError:
// never a RangeError from reading past the end, never an address that is not text.
const outcome = (bytes: Uint8Array, offset: number, length?: number) => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return decodeFlowEvent(view, offset, length);
  } catch (err) {
    if (isSluiceError(err, 'ERR_DECODE_SHORT') || isSluiceError(err, 'ERR_DECODE_VERSION')) return err.code;
    throw err;
  }
};

describe('datapath > decodeFlowEvent > fuzz', () => {
  it('random bytes of any length: an event or a coded error', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => void outcome(bytes, 0)), { numRuns: 20_000 });
  });

  it('records with a valid type and version and random fields decode to well-formed events', () => {
    const record = fc.uint8Array({ minLength: flowEventLayout.size, maxLength: flowEventLayout.size * 2 }).map((b) => {
      b[0] = FLOW_EVENT_TYPE;
      b[1] = FLOW_EVENT_VERSION;
      return b;
    });
    fc.assert(
      fc.property(record, (bytes) => {
        const e = outcome(bytes, 0);
        expect(typeof e).toBe('object');
        if (typeof e !== 'object') return;
        expect([4, 6]).toContain(e.family);
        expect(e.src).toMatch(e.family === 4 ? /^\d+\.\d+\.\d+\.\d+$/ : /^[0-9a-f:]+$/);
        expect(e.dport).toBeLessThan(65_536);
      }),
      { numRuns: 20_000 },
    );
  });

  it('a length that claims less than the record is refused, not read past', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: flowEventLayout.size - 1 }), (length) => {
        const bytes = new Uint8Array(flowEventLayout.size);
        bytes[0] = FLOW_EVENT_TYPE;
        bytes[1] = FLOW_EVENT_VERSION;
        expect(outcome(bytes, 0, length)).toBe('ERR_DECODE_SHORT');
      }),
    );
  });
});
