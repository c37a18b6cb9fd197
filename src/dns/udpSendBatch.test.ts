import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { libc } from '../datapath/ffi/libc.js';
import { UdpSendBatch } from './udpSendBatch.js';
import { openBoundSocket } from './boundSockets.js';

const opened: number[] = [];
const sockets: Socket[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) libc().close(fd);
  for (const s of sockets.splice(0)) s.close();
});

async function receiver(type: 'udp4' | 'udp6', address: string): Promise<{ port: number; got: Buffer[] }> {
  const s = createSocket(type);
  sockets.push(s);
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  s.bind(0, address);
  await once(s, 'listening');
  return { port: s.address().port, got };
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('dns > udp send batch', () => {
  it('sends everything queued in one turn, in order, with one sendmmsg per 64 messages', async () => {
    const r = await receiver('udp4', '127.0.0.1');
    const fd = openBoundSocket('udp', '127.0.0.1', 0);
    opened.push(fd);
    const batch = new UdpSendBatch();
    const messages = Array.from({ length: 150 }, (_, i) => Buffer.from(`message ${i} `.repeat(1 + (i % 7))));
    for (const m of messages) batch.send(fd, m, r.port, '127.0.0.1');
    expect(batch.counters.sent).toBe(0); // nothing leaves before the turn ends
    await until(() => r.got.length === messages.length);
    expect(r.got.map(String)).toEqual(messages.map(String));
    expect(batch.counters).toEqual({ sent: 150, failed: 0, calls: 3 });
  });

  it('sends over IPv6 too', async () => {
    const r = await receiver('udp6', '::1');
    const fd = openBoundSocket('udp', '::1', 0);
    opened.push(fd);
    const batch = new UdpSendBatch();
    batch.send(fd, Buffer.from('six'), r.port, '::1');
    await until(() => r.got.length === 1);
    expect(r.got.map(String)).toEqual(['six']);
  });

  it('reports a datagram the kernel refuses and still sends the rest', async () => {
    const r = await receiver('udp4', '127.0.0.1');
    const fd = openBoundSocket('udp', '127.0.0.1', 0);
    opened.push(fd);
    const batch = new UdpSendBatch();
    const failures: number[] = [];
    batch.send(fd, Buffer.from('before'), r.port, '127.0.0.1');
    // an IPv6 destination on an IPv4 socket: EAFNOSUPPORT (97)
    batch.send(fd, Buffer.from('refused'), r.port, '::1', (errno) => failures.push(errno));
    batch.send(fd, Buffer.from('after'), r.port, '127.0.0.1');
    batch.flush();
    await until(() => r.got.length === 2);
    expect(r.got.map(String)).toEqual(['before', 'after']);
    expect(failures).toEqual([97]);
    expect(batch.counters.failed).toBe(1);
  });
});
