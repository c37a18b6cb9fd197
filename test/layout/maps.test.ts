import { describe, expect, it } from 'vitest';
import { layouts } from '../../src/datapath/maps/layout.js';
import { btfStruct } from './btf.js';

describe('layout > map keys and values', () => {
  for (const [name, table] of Object.entries(layouts)) {
    it(`struct ${name} matches the encoder's table`, () => {
      const btf = btfStruct(name);
      expect(btf.size, `size of ${name}: BTF ${btf.size}, layout.ts ${table.size}`).toBe(table.size);
      for (const [field, offset] of Object.entries(table.fields)) {
        expect(btf.offsets[field], `offset of ${name}.${field}: BTF ${btf.offsets[field]}, layout.ts ${offset}`).toBe(offset);
      }
    });
  }
});
