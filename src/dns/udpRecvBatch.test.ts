import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { SocketAddress } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { libc } from '../datapath/ffi/libc.js';
import { openBoundSocket } from './boundSockets.js';
import { addressText, UdpRecvBatch } from './udpRecvBatch.js';

const opened: number[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
  for (const fd of opened.splice(0)) libc().close(fd);
});

async function sender(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const s = createSocket(type);
  sockets.push(s);
  s.bind(0, address);
  await once(s, 'listening');
  return s;
}

// Sockets with no node:dgram watcher, so what is queued stays queued until drained; bound with
// libc on a free port found by trying.
function quietSocket(address: string): { fd: number; port: number } {
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    try {
      const fd = openBoundSocket('udp', address, port);
      opened.push(fd);
      return { fd, port };
    } catch (err) {
      if (attempt > 20) throw err;
    }
  }
}
const settle = () => new Promise((r) => setTimeout(r, 50));

describe('dns > udp receive batch', () => {
  it('takes every queued datagram with its sender, whole, in order, 64 a call', async () => {
    const { fd, port } = quietSocket('127.0.0.1');
    const from = await sender('udp4', '127.0.0.1');
    // sizes from a short query to a 4 KiB EDNS answer: nothing is cut
    const messages = Array.from({ length: 100 }, (_, i) => (i === 50 ? 'x'.repeat(4096) : `datagram ${i} `.repeat(1 + ((i * 37) % 40))));
    for (const m of messages) from.send(m, port, '127.0.0.1');
    await settle();
    const batch = new UdpRecvBatch();
    const got: string[] = [];
    const senders = new Set<string>();
    expect(batch.drain(fd, (m, address, p) => { got.push(String(m)); senders.add(`${address}:${p}`); })).toBe(100);
    expect(got).toEqual(messages);
    expect(senders).toEqual(new Set([`127.0.0.1:${from.address().port}`]));
    expect(batch.counters).toEqual({ received: 100, calls: 2, truncated: 0 });
    // empty now: a drain finds nothing and says so
    expect(batch.drain(fd, () => undefined)).toBe(0);
  });

  it('reports IPv6 senders as node:dgram does', async () => {
    const { fd, port } = quietSocket('::1');
    const from = await sender('udp6', '::1');
    from.send('a', port, '::1');
    await settle();
    const seen: string[] = [];
    new UdpRecvBatch().drain(fd, (_m, address) => seen.push(address));
    expect(seen).toEqual(['::1']);
  });

  it('spells IPv6 addresses as libuv does (zero runs, mapped and compatible IPv4)', () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0xffff), fc.integer({ min: 1, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), (groups) => {
        const bytes = Buffer.alloc(16);
        groups.forEach((g, i) => bytes.writeUInt16BE(g, i * 2));
        const full = groups.map((g) => g.toString(16)).join(':');
        expect(addressText(new DataView(bytes.buffer, bytes.byteOffset, 16), 0, 6)).toBe(new SocketAddress({ address: full, family: 'ipv6' }).address);
      }),
      { numRuns: 3000 },
    );
  });
});
