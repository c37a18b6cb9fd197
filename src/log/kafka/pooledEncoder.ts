// kafkajs's protocol Encoder with uninitialised buffers. The original allocates every buffer with
// Buffer.alloc: each record of a batch gets a fresh zero-filled 512-byte ArrayBuffer, grown (fresh
// and zeroed again) to fit a ~800-byte Hubble line, and the batch and request encoders double
// their way up to megabytes the same way. Zeroing is wasted (an Encoder writes every byte before
// `buffer` exposes it), and small Buffer.allocUnsafe buffers come from Node's shared pool, so the
// per-record allocations stop being separate ArrayBuffers for the GC to track.
// kafkajsPatches.ts installs it in place of kafkajs's encoder module.

interface EncoderClass {
  new (initialSize?: number): { buf: Buffer; offset: number };
  nextPowerOfTwo(value: number): number;
}

export function pooledEncoder(Base: EncoderClass): EncoderClass {
  class PooledEncoder extends Base {
    constructor(initialSize = 511) {
      super(0); // a one-byte buffer, replaced at once
      this.buf = Buffer.allocUnsafe(Base.nextPowerOfTwo(initialSize));
    }

    ensureAvailable(length: number): void {
      if (this.offset + length <= this.buf.length) return;
      const next = Buffer.allocUnsafe(Base.nextPowerOfTwo(this.offset + length));
      this.buf.copy(next, 0, 0, this.offset);
      this.buf = next;
    }
  }
  return PooledEncoder;
}
