// Reads struct layouts from the BTF of the compiled BPF object (bpftool -j btf dump file).
import { execFileSync } from 'node:child_process';
import { defaultObjectPath } from '../../src/datapath/index.js';

interface BtfType {
  id: number;
  kind: string;
  name?: string;
  size?: number;
  members?: { name: string; type_id: number; bits_offset: number }[];
}

export interface StructLayout {
  size: number;
  offsets: Record<string, number>;
}

let cache: BtfType[] | undefined;

export function btfStruct(name: string): StructLayout {
  cache ??= (JSON.parse(execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', defaultObjectPath], { encoding: 'utf8', maxBuffer: 1 << 28 })) as { types: BtfType[] }).types;
  const t = cache.find((x) => x.kind === 'STRUCT' && x.name === name);
  if (!t) throw new Error(`struct ${name} is not in the BTF of ${defaultObjectPath}`);
  return {
    size: t.size!,
    offsets: Object.fromEntries((t.members ?? []).map((m) => [m.name, m.bits_offset / 8])),
  };
}
