// Values that are already bytes: the flows topic stores each Hubble JSON line exactly as it goes
// to Kafka, so forwarding needs no re-encoding. Decoded values are views into the scanner's read
// buffer, which is never reused, so they stay valid.
import type { ValueCodec } from './valueCodec.js';

export const rawCodec: ValueCodec<Buffer> = {
  id: 1,
  name: 'raw',
  encoder: () => (value, out) => out.bytes(value),
  decoder: () => (buf, start, end) => buf.subarray(start, end),
};
