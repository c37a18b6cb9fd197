import { describe, expect, it } from 'vitest';
import { flowEventLayout } from '../../src/datapath/index.js';
import { btfStruct } from './btf.js';

describe('layout > struct flow_event', () => {
  it('the decoder table matches the BTF of the compiled object, field by field', () => {
    const btf = btfStruct('flow_event');
    expect(btf.size, `size: BTF says ${btf.size}, src/datapath/decode/flowEvent.ts says ${flowEventLayout.size}`).toBe(flowEventLayout.size);
    for (const [field, { offset }] of Object.entries(flowEventLayout.fields)) {
      expect(btf.offsets[field], `offset of ${field}: BTF says ${btf.offsets[field]}, decoder says ${offset}`).toBe(offset);
    }
    // every C member that is not padding is decoded
    const decoded = new Set(Object.keys(flowEventLayout.fields));
    const missing = Object.keys(btf.offsets).filter((m) => !m.startsWith('_pad') && !decoded.has(m));
    expect(missing, 'members of struct flow_event the decoder does not read').toEqual([]);
  });
});
