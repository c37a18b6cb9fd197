import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { packageRoot } from '../../src/paths.js';
import { describeKernel } from '../support/env.js';
import { Datapath, queryTc, IPPROTO } from '../../src/datapath/index.js';
import { Testbed, PeerServer, PeerClient } from '../../src/testbed/index.js';

describeKernel('datapath > restart with pinned maps', () => {
  it('keeps enforcing while no agent runs, and a new agent picks up the same maps', async () => {
    const bed = Testbed.create({ pods: [{ name: 'web' }] });
    const pinRoot = `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}`;
    const pod = bed.pod('web');
    const target = { ifname: pod.hostIf, netns: bed.node };
    const server = await PeerServer.start(bed.world, ['tcp:192.0.2.10:80', 'tcp:192.0.2.11:80']);
    const client = await PeerClient.start(pod.netns);
    let second: Datapath | undefined;
    try {
      const first = Datapath.open({ pinRoot, ringSizeBytes: 1 << 16 });
      first.attach({ ...target, endpointId: 7, enforce: true });
      first.applyAllowlist([{ endpointId: 7, prefix: '192.0.2.10/32', rules: [{ proto: IPPROTO.TCP, portLo: 80, portHi: 80, deny: false }] }]);
      first.close({ keepPinned: true });

      // no agent: the programs stay attached and read the pinned maps
      expect(queryTc(target, 'ingress')).toBeGreaterThan(0);
      expect(readdirSync(pinRoot)).toEqual(expect.arrayContaining(['allowlist', 'endpoints', 'conntrack']));
      expect(await client.tcp('192.0.2.10', 80)).toMatchObject({ ok: true });
      expect(await client.tcp('192.0.2.11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });

      second = Datapath.open({ pinRoot, ringSizeBytes: 1 << 16 });
      expect(second.allowlistEntry(7, '192.0.2.10/32')).toEqual([{ proto: IPPROTO.TCP, portLo: 80, portHi: 80, deny: false }]);
      second.attach({ ...target, endpointId: 7, enforce: true });
      const flows: string[] = [];
      const sub = second.flows().subscribe((e) => flows.push(`${e.dst}:${e.dport}`));
      expect(await client.tcp('192.0.2.11', 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
      await new Promise((r) => setTimeout(r, 200));
      sub.unsubscribe();
      expect(flows).toContain('192.0.2.11:80'); // the new agent's ring gets the events
      second.close();
      second = undefined;
      expect(queryTc(target, 'ingress')).toBeUndefined();
      expect(existsSync(pinRoot) ? readdirSync(pinRoot) : []).toEqual([]);
    } finally {
      second?.close();
      client.stop();
      server.stop();
      bed.destroy();
      if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    }
  });

  it('sluice cleanup detaches what a kept agent left and removes the pins', async () => {
    const bed = Testbed.create({ pods: [{ name: 'web' }] });
    const pinRoot = `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}`;
    const target = { ifname: bed.pod('web').hostIf, netns: bed.node };
    try {
      const dp = Datapath.open({ pinRoot, ringSizeBytes: 1 << 16 });
      dp.attach({ ...target, endpointId: 9, enforce: true });
      dp.close({ keepPinned: true });
      expect(queryTc(target, 'ingress')).toBeGreaterThan(0);
      const out = execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), 'cleanup', '--pin-root', pinRoot, '--netns', bed.node], { encoding: 'utf8' });
      expect(out).toContain('detached 1 endpoint interface(s)');
      expect(queryTc(target, 'ingress')).toBeUndefined();
      expect(queryTc(target, 'egress')).toBeUndefined();
      expect(existsSync(pinRoot)).toBe(false);
    } finally {
      bed.destroy();
      if (existsSync(pinRoot)) rmSync(pinRoot, { recursive: true, force: true });
    }
  });
});
