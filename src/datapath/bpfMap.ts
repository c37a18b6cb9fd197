// A BPF map by file descriptor: lookup, update, delete, batch update and delete, iteration.
// Keys and values are Buffers of the map's exact sizes (encoders in maps/layout.ts).
import { SluiceError, errnoMessage, errnoName } from '../errors.js';
import { libbpf } from './ffi/libbpf.js';

const ENOENT = 2;
const EINVAL = 22;
const ENOTSUPP = 524;
const EOPNOTSUPP = 95;

export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

export class BpfMap {
  constructor(
    readonly name: string,
    readonly fd: number,
    readonly keySize: number,
    readonly valueSize: number,
    /** Per-CPU maps return one value per possible CPU. */
    readonly valueCount = 1,
  ) {}

  private batchSupported: boolean | undefined;

  lookup(key: Buffer): Buffer | undefined {
    const value = Buffer.alloc(this.valueSize * this.valueCount);
    return this.lookupInto(key, value) ? value : undefined;
  }

  /** lookup() into the caller's buffer (valueSize * valueCount bytes); false when the key is not there. */
  lookupInto(key: Buffer, value: Buffer): boolean {
    const rc = libbpf().bpf_map_lookup_elem(this.fd, key, value) as number;
    if (rc === -ENOENT) return false;
    if (rc < 0) throw new SluiceError('ERR_MAP_LOOKUP', `lookup ${this.name}: ${errnoMessage(rc)}`, { details: { errno: errnoName(rc) } });
    return true;
  }

  update(key: Buffer, value: Buffer, flags = BPF_ANY): void {
    const rc = libbpf().bpf_map_update_elem(this.fd, key, value, flags) as number;
    if (rc < 0) {
      throw new SluiceError('ERR_MAP_UPDATE', `update ${this.name}: ${errnoMessage(rc)}`, {
        retriable: rc === -12,
        details: { errno: errnoName(rc) },
      });
    }
  }

  /** Returns false when the key was not there. */
  delete(key: Buffer): boolean {
    const rc = libbpf().bpf_map_delete_elem(this.fd, key) as number;
    if (rc === -ENOENT) return false;
    if (rc < 0) throw new SluiceError('ERR_MAP_UPDATE', `delete from ${this.name}: ${errnoMessage(rc)}`);
    return true;
  }

  /**
   * Writes `count` packed keys and values in one syscall where the kernel supports batch ops on
   * this map type, else entry by entry. Either way all are written or an error says how many were.
   */
  updateBatch(keys: Buffer, values: Buffer, count: number): void {
    if (count === 0) return;
    if (this.batchSupported !== false) {
      const n = [count];
      const opts = { sz: 24, elem_flags: 0, flags: 0 };
      const rc = libbpf().bpf_map_update_batch(this.fd, keys, values, n, opts) as number;
      if (rc === 0) {
        this.batchSupported = true;
        return;
      }
      if ((rc === -EINVAL || rc === -ENOTSUPP || rc === -EOPNOTSUPP) && this.batchSupported === undefined && n[0] === 0) {
        this.batchSupported = false;
      } else {
        throw new SluiceError('ERR_MAP_UPDATE', `batch update ${this.name}: ${errnoMessage(rc)} after ${n[0]} of ${count}`, {
          details: { errno: errnoName(rc), written: n[0] },
        });
      }
    }
    for (let i = 0; i < count; i++) {
      const key = keys.subarray(i * this.keySize, (i + 1) * this.keySize);
      const value = values.subarray(i * this.valueSize, (i + 1) * this.valueSize);
      try {
        this.update(key, value);
      } catch (err) {
        throw new SluiceError('ERR_MAP_UPDATE', `batch update ${this.name}: entry ${i} of ${count}`, { cause: err, details: { written: i } });
      }
    }
  }

  /** Iterates the keys (a snapshot-ish walk: entries added meanwhile may or may not appear). */
  *keys(): Generator<Buffer> {
    let prev: Buffer | null = null;
    for (;;) {
      const next = Buffer.alloc(this.keySize);
      const rc = libbpf().bpf_map_get_next_key(this.fd, prev, next) as number;
      if (rc === -ENOENT) return;
      if (rc < 0) throw new SluiceError('ERR_MAP_LOOKUP', `iterate ${this.name}: ${errnoMessage(rc)}`);
      yield next;
      prev = next;
    }
  }

  /**
   * Every entry, fetched `chunk` at a time with BPF_MAP_LOOKUP_BATCH (two syscalls per entry
   * become one per chunk: a 262k-entry conntrack walk drops from about half a second to a few
   * ms). Falls back to entries() where the kernel has no batch lookup for the map type. The
   * yielded buffers are views reused by the next chunk: decode or copy them before moving on.
   */
  *entriesBatch(chunk = 4096): Generator<[Buffer, Buffer]> {
    const lib = libbpf();
    const vsize = this.valueSize * this.valueCount;
    const keys = Buffer.alloc(this.keySize * chunk);
    const values = Buffer.alloc(vsize * chunk);
    // the batch token: a bucket index for hash maps; sized generously
    let inBatch: Buffer | null = null;
    const outBatch = Buffer.alloc(Math.max(8, this.keySize));
    for (;;) {
      const n = [chunk];
      const rc = lib.bpf_map_lookup_batch(this.fd, inBatch, outBatch, keys, values, n, { sz: 24, elem_flags: 0, flags: 0 }) as number;
      const got = n[0] ?? 0;
      if (rc < 0 && rc !== -ENOENT) {
        if (inBatch === null && (rc === -EINVAL || rc === -ENOTSUPP || rc === -EOPNOTSUPP)) {
          yield* this.entries();
          return;
        }
        throw new SluiceError('ERR_MAP_LOOKUP', `batch lookup ${this.name}: ${errnoMessage(rc)}`);
      }
      // views into the chunk buffers: valid until the next entry is asked for (copy to keep)
      for (let i = 0; i < got; i++) {
        yield [keys.subarray(i * this.keySize, (i + 1) * this.keySize), values.subarray(i * vsize, (i + 1) * vsize)];
      }
      if (rc === -ENOENT) return; // the last chunk
      inBatch = Buffer.from(outBatch);
    }
  }

  *entries(): Generator<[Buffer, Buffer]> {
    for (const key of this.keys()) {
      const value = this.lookup(key);
      if (value) yield [key, value];
    }
  }

  count(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }
}
