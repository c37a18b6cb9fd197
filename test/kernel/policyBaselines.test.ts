// The policy-scale benchmark compares our datapath with iptables, ipset and nftables; the
// comparison only means something if each baseline enforces the same allowlist. At small N, each
// system must pass the allowed world server (last in the list), drop a world server that is not
// in it, and apply an incremental add and remove.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { Testbed, PeerServer, PeerClient, inNetns } from '../../src/testbed/index.js';
import { makeSystem } from '../../src/bench/policyScale/measureOne.js';
import { allowlist } from '../../src/bench/policyScale/addresses.js';
import { CHAIN } from '../../src/bench/policyScale/iptablesChain.js';
import type { PolicySystem, SystemName } from '../../src/bench/policyScale/system.js';

const ALLOWED = '192.0.2.10';
const OTHER = '192.0.2.11';
const N = 100;

describeKernel('bench > policy-scale baselines enforce the same allowlist', () => {
  let bed: Testbed;
  let server: PeerServer;
  let client: PeerClient;

  beforeAll(async () => {
    bed = Testbed.create({ pods: [{ name: 'bench' }] });
    server = await PeerServer.start(bed.world, [`tcp:${ALLOWED}:80`, `udp:${ALLOWED}:5353`, `tcp:${OTHER}:80`, `udp:${OTHER}:5353`]);
    client = await PeerClient.start(bed.pod('bench').netns);
  });

  afterAll(() => {
    client?.stop();
    server?.stop();
    bed?.destroy();
  });

  for (const name of ['iptables', 'ipset', 'nftables', 'ebpf'] as SystemName[]) {
    describe(name, () => {
      let system: PolicySystem | undefined;

      afterAll(() => system?.teardown());

      it('passes the last address of the list and drops one outside it', async () => {
        system = makeSystem(name, { nodeNetns: bed.node, hostIf: bed.pod('bench').hostIf });
        system.install(allowlist(N, ALLOWED));
        expect(await client.tcp(ALLOWED, 80)).toMatchObject({ ok: true });
        expect(await client.udp(ALLOWED, 5353)).toMatchObject({ ok: true });
        expect(await client.tcp(OTHER, 80, { timeoutMs: 300 })).toMatchObject({ ok: false });
        expect(await client.udp(OTHER, 5353, { timeoutMs: 300 })).toMatchObject({ ok: false });
      });

      it('applies an incremental add and remove', async () => {
        const ms = system!.add([OTHER]);
        expect(ms).toBeGreaterThan(0);
        expect(await client.tcp(OTHER, 80)).toMatchObject({ ok: true });
        system!.remove([OTHER]);
        // a fresh flow: the one just opened is tracked and would pass on conntrack
        expect(await client.udp(OTHER, 5353, { timeoutMs: 300 })).toMatchObject({ ok: false });
      });

      it('leaves nothing behind in the node namespace', () => {
        system!.teardown();
        system = undefined;
        expect(inNetns(bed.node, 'iptables-legacy-save', [])).not.toContain(CHAIN);
        expect(inNetns(bed.node, 'ipset', ['list', '-n']).trim()).toBe('');
        expect(inNetns(bed.node, 'nft', ['list', 'ruleset']).trim()).toBe('');
        expect(inNetns(bed.node, 'tc', ['filter', 'show', 'dev', bed.pod('bench').hostIf, 'ingress']).trim()).toBe('');
      });
    });
  }

  it('iptables: the allowed address is the last ACCEPT, so its packets walk the whole chain', async () => {
    const system = makeSystem('iptables', { nodeNetns: bed.node, hostIf: bed.pod('bench').hostIf });
    try {
      system.install(allowlist(N, ALLOWED));
      expect(await client.udp(ALLOWED, 5353)).toMatchObject({ ok: true });
      const rules = inNetns(bed.node, 'iptables-legacy', ['-S', CHAIN]).trim().split('\n');
      // -N, the conntrack rule, N address rules, DROP
      expect(rules).toHaveLength(N + 3);
      expect(rules[rules.length - 2]).toContain(`-d ${ALLOWED}/32 -j ACCEPT`);
      expect(rules[rules.length - 1]).toBe(`-A ${CHAIN} -j DROP`);
      const counted = inNetns(bed.node, 'iptables-legacy', ['-L', CHAIN, '-v', '-n', '-x']).split('\n').find((l) => l.includes(ALLOWED));
      expect(Number(counted?.trim().split(/\s+/)[0])).toBeGreaterThan(0);
    } finally {
      system.teardown();
    }
  });
});
