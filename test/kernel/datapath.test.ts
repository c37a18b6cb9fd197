import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { DatapathBed } from '../support/datapathBed.js';
import { DropReason, Verdict, IPPROTO, FlowFlags, bootNowNs } from '../../src/datapath/index.js';
import { listNamespaces } from '../../src/testbed/index.js';

const TCP = IPPROTO.TCP;
const UDP = IPPROTO.UDP;

describeKernel('datapath > egress allowlist in namespaces', () => {
  let t: DatapathBed;

  beforeAll(async () => {
    t = await DatapathBed.start([
      { name: 'free', enforce: false },
      { name: 'web', enforce: true },
    ]);
    t.datapath.applyAllowlist([
      { endpointId: t.id('web'), prefix: '192.0.2.10/32', rules: [
        { proto: TCP, portLo: 80, portHi: 80, deny: false },
        { proto: UDP, portLo: 5353, portHi: 5353, deny: false },
        { proto: TCP, portLo: 8000, portHi: 8100, deny: false },
      ] },
      { endpointId: t.id('web'), prefix: '2001:db8::10/128', rules: [
        { proto: TCP, portLo: 80, portHi: 80, deny: false },
        { proto: UDP, portLo: 5353, portHi: 5353, deny: false },
      ] },
    ]);
  });

  afterAll(() => t?.stop());

  it('forwards everything from a pod that no policy selects, with one event per new connection', async () => {
    const r = await t.client('free').tcp('192.0.2.11', 80);
    expect(r).toMatchObject({ ok: true });
    const e = await t.waitFlow((f) => f.endpointId === t.id('free') && f.dst === '192.0.2.11' && f.dport === 80);
    expect(e).toMatchObject({ verdict: Verdict.FORWARDED, dropReason: DropReason.NONE, proto: TCP, family: 4, src: '10.100.1.2', isReply: false });
    expect(e.flags & FlowFlags.NEW).toBeTruthy();
    expect(e.tcpFlags & 0x02).toBeTruthy(); // the SYN opened it
    // later packets of the connection go to counters, not to the ring
    expect(t.flows.filter((f) => f.endpointId === t.id('free') && f.dst === '192.0.2.11' && f.sport === e.sport)).toHaveLength(1);
    expect(t.datapath.endpointStats(t.id('free')).forwardedPackets).toBeGreaterThan(1n);
  });

  it('forwards allowlisted TCP and UDP over IPv4 and IPv6, and port ranges', async () => {
    const c = t.client('web');
    expect(await c.tcp('192.0.2.10', 80)).toMatchObject({ ok: true });
    expect(await c.udp('192.0.2.10', 5353)).toMatchObject({ ok: true });
    expect(await c.tcp('192.0.2.10', 8080)).toMatchObject({ ok: true });
    expect(await c.tcp('2001:db8::10', 80)).toMatchObject({ ok: true });
    expect(await c.udp('2001:db8::10', 5353)).toMatchObject({ ok: true });
    const v6 = await t.waitFlow((f) => f.endpointId === t.id('web') && f.family === 6 && f.proto === UDP);
    expect(v6).toMatchObject({ verdict: Verdict.FORWARDED, dst: '2001:db8::10', dport: 5353, src: 'fd00:100:2::2' });
  });

  it('drops what the allowlist does not cover, with the drop reason', async () => {
    const c = t.client('web');
    expect(await c.tcp('192.0.2.11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    const noEntry = await t.waitFlow((f) => f.endpointId === t.id('web') && f.dst === '192.0.2.11');
    expect(noEntry).toMatchObject({ verdict: Verdict.DROPPED, dropReason: DropReason.POLICY, proto: TCP, dport: 80 });

    expect(await c.udp('192.0.2.10', 5354, { timeoutMs: 300 })).toMatchObject({ ok: false });
    const wrongPort = await t.waitFlow((f) => f.endpointId === t.id('web') && f.dport === 5354);
    expect(wrongPort).toMatchObject({ verdict: Verdict.DROPPED, dropReason: DropReason.POLICY_PORT, proto: UDP });

    expect(await c.tcp('2001:db8::11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    const v6 = await t.waitFlow((f) => f.endpointId === t.id('web') && f.dst === '2001:db8::11');
    expect(v6).toMatchObject({ verdict: Verdict.DROPPED, dropReason: DropReason.POLICY, family: 6 });
    expect(t.datapath.endpointStats(t.id('web')).droppedPackets).toBeGreaterThan(0n);
  });

  it('applies allowlist changes on the next packet; a live connection survives removal', async () => {
    const c = t.client('web');
    const id = t.id('web');
    const rules = [{ proto: TCP, portLo: 80, portHi: 80, deny: false }];
    t.datapath.applyAllowlist([{ endpointId: id, prefix: '192.0.2.11/32', rules }]);
    const live = await c.tcp('192.0.2.11', 80, { hold: true });
    expect(live).toMatchObject({ ok: true });

    t.datapath.applyAllowlist([], [{ endpointId: id, prefix: '192.0.2.11/32' }]);
    expect(t.datapath.allowlistEntry(id, '192.0.2.11/32')).toBeUndefined();
    expect(await c.tcp('192.0.2.11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    expect(await c.send(live.id!)).toMatchObject({ ok: true });
    // the live connection is in conntrack, which is what keeps it going
    const ct = [...t.datapath.conntrack()].find((e) => e.endpointId === id && e.dst === '192.0.2.11' && e.proto === TCP);
    expect(ct?.packets).toBeGreaterThan(1n);
    // the FQDN cache's in-use check sees it through the raw batch walk
    const inUse = t.datapath.conntrackInUse(bootNowNs(), 60_000_000_000n);
    expect(inUse.has(`${id}|${Buffer.from([192, 0, 2, 11]).toString('latin1')}`)).toBe(true);
    expect(t.datapath.conntrackInUse(bootNowNs() + 120_000_000_000n, 60_000_000_000n).size).toBe(0);

    t.datapath.applyAllowlist([{ endpointId: id, prefix: '192.0.2.0/24', rules }]);
    expect(await c.tcp('192.0.2.11', 80)).toMatchObject({ ok: true });
    await c.close(live.id!);
    t.datapath.applyAllowlist([], [{ endpointId: id, prefix: '192.0.2.0/24' }]);
  });

  it('a longer prefix decides alone: its rules are the whole answer', async () => {
    const id = t.id('web');
    t.datapath.applyAllowlist([
      { endpointId: id, prefix: '192.0.2.0/24', rules: [{ proto: 0, portLo: 0, portHi: 65535, deny: false }] },
      { endpointId: id, prefix: '192.0.2.11/32', rules: [{ proto: TCP, portLo: 80, portHi: 80, deny: true }] },
    ]);
    expect(await t.client('web').tcp('192.0.2.11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
    const e = await t.waitFlow((f) => f.endpointId === id && f.dropReason === DropReason.POLICY_DENY);
    expect(e).toMatchObject({ dst: '192.0.2.11', dport: 80 });
    t.datapath.applyAllowlist([], [{ endpointId: id, prefix: '192.0.2.0/24' }, { endpointId: id, prefix: '192.0.2.11/32' }]);
  });
});

describeKernel('datapath > ring overrun and teardown', () => {
  it('counts events the ring could not take; delivered plus lost equals sent', async () => {
    const t = await DatapathBed.start([{ name: 'noisy', enforce: true }], { ringSizeBytes: 4096, subscribe: false });
    let prefix = '';
    let pinRoot = '';
    try {
      prefix = t.bed.prefix;
      pinRoot = t.datapath.pinRoot;
      const sent = 500;
      await t.client('noisy').udpBurst('192.0.2.11', 9, sent);
      await new Promise((r) => setTimeout(r, 200));
      const lost = t.datapath.lostEvents();
      expect(lost).toBeGreaterThan(0n);
      const sub = t.datapath.flows().subscribe((e) => t.flows.push(e));
      await new Promise((r) => setTimeout(r, 300));
      sub.unsubscribe();
      const delivered = t.flows.filter((f) => f.dport === 9).length;
      expect(BigInt(delivered) + lost).toBe(BigInt(sent));
    } finally {
      t.stop();
    }
    expect(listNamespaces(prefix)).toEqual([]);
    expect(existsSync(pinRoot) ? readdirSync(pinRoot) : []).toEqual([]);
  });
});
