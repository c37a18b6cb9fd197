import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventDraft } from '../envelope.js';
import { EventLog } from '../eventLog.js';
import {
  endpointAdded, endpointRemoved, fqdnAllowed, fqdnExpired, mapResync, policyApplied, policyDeleted,
} from '../events.js';
import type { FlowContext } from '../hubble/flowContext.js';
import { formatTimeMs } from '../time.js';
import { applyEvent, createAgentState, snapshotState, type AgentStateSnapshot } from './agentState.js';
import { replayUntil } from './replay.js';

const noFlows: FlowContext = { nodeName: 'n1', endpointById: () => undefined, namesForIp: () => [], bootTimeOffsetNs: 0n };

const endpointId = fc.integer({ min: 1, max: 4 });
const ip = fc.constantFrom('203.0.113.1', '203.0.113.2', '2001:db8::1');
const name = fc.constantFrom('api.example.com', 'cdn.example.net', 'x.example.org');
const policyName = fc.constantFrom('allow-api', 'allow-cdn');

const draftArb: fc.Arbitrary<(t: number) => EventDraft> = fc.oneof(
  fc.record({ endpointId, name, ip, ttlSec: fc.integer({ min: 1, max: 600 }) }).map((d) => (t: number) => fqdnAllowed({
    ...d, selector: `*.${d.name.split('.').slice(1).join('.')}`, expiresAt: formatTimeMs(t + d.ttlSec * 1000),
    dnsEventId: `0190a1b2-c3d4-7e5f-8a9b-${String(t).padStart(12, '0')}`,
  }, t)),
  fc.record({ endpointId, name, ip, reason: fc.constantFrom('ttl' as const, 'evicted' as const) })
    .map((d) => (t: number) => fqdnExpired(d, null, t)),
  fc.record({ id: endpointId, app: fc.constantFrom('web', 'db') }).map((d) => () => endpointAdded({
    id: d.id, name: `pod-${d.id}`, namespace: 'default', labels: { app: d.app }, ipv4: `10.0.0.${d.id}`, ipv6: null, ifname: `lxc${d.id}`,
  })),
  endpointId.map((id) => () => endpointRemoved({ id })),
  fc.record({ name: policyName, revision: fc.integer({ min: 1, max: 99 }) }).map((d) => () => policyApplied({
    name: d.name, namespace: 'default', kind: 'CiliumNetworkPolicy', revision: d.revision,
    document: { spec: { egress: [{ toFQDNs: [{ matchPattern: '*.example.com' }] }] } },
  })),
  fc.record({ name: policyName, revision: fc.integer({ min: 1, max: 99 }) }).map((d) => () => policyDeleted({ ...d, namespace: 'default' })),
  fc.constant(() => mapResync({ map: 'sluice_allow4', added: 1, removed: 0, kept: 3, reason: 'periodic' })),
);

describe('log > replay > agent state', () => {
  it('replaying the stored log equals the state maintained live, at the end and at any time', () => {
    fc.assert(fc.property(fc.array(draftArb, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 20 }), (makers, cuts, batch) => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-replay-'));
      try {
        let clock = 1_764_000_000_000;
        const log = new EventLog({ dir, node: 'n1', flowContext: noFlows, nowMs: () => clock, topicOptions: { retentionMs: null } });
        const live = createAgentState();
        const liveAt: { timeMs: number; snapshot: AgentStateSnapshot }[] = [];
        for (let i = 0; i < makers.length; i += batch) {
          // Every draft gets its own time, so log order is time order and "state at T" is a prefix.
          const drafts = makers.slice(i, i + batch).map((make) => {
            const t = (clock += 1000);
            return { ...make(t), timeMs: t };
          });
          for (const e of log.publishBatch(drafts)) {
            applyEvent(live, e);
            liveAt.push({ timeMs: Date.parse(e.time), snapshot: snapshotState(live) });
          }
        }
        log.close();
        expect(snapshotState(replayUntil(dir).state)).toEqual(snapshotState(live));
        for (const cut of cuts) {
          const at = liveAt[Math.min(cut, liveAt.length) - 1];
          if (!at) continue;
          expect(snapshotState(replayUntil(dir, at.timeMs).state)).toEqual(at.snapshot);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 60 });
  });

  it('a long log (several read buffers, taken back and reused) replays to the live state', () => {
    // 200k events of ~180 bytes: some thirty-five 1 MiB reads and three times the 65,536 events after which
    // replay makes its kept entries plain and reuses the buffers they pointed into. Entries
    // allowed at the start and never expired must come out whole at the end.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-replay-long-'));
    try {
      let clock = 1_764_000_000_000;
      const log = new EventLog({ dir, node: 'n1', flowContext: noFlows, nowMs: () => clock, topicOptions: { retentionMs: null, retentionBytes: null, fsync: { mode: 'never' } } });
      const live = createAgentState();
      const allow = (i: number, ep: number, t: number) => fqdnAllowed({
        endpointId: ep, name: `svc${i % 500}.example.com`, ip: `203.0.${(i >> 8) & 255}.${i & 255}`, selector: '*.example.com',
        expiresAt: formatTimeMs(t + 60_000), ttlSec: 60, dnsEventId: `0190a1b2-c3d4-7e5f-8a9b-${String(i).padStart(12, '0')}`,
      }, t);
      let batch: EventDraft[] = [];
      const flush = () => { for (const e of log.publishBatch(batch)) applyEvent(live, e); batch = []; };
      for (let i = 0; i < 200_000; i++) {
        const t = (clock += 1);
        // long-lived: endpoint 9's first 300 addresses are never expired
        if (i < 300) batch.push({ ...allow(i, 9, t), timeMs: t });
        else if (i % 2 === 0) batch.push({ ...allow(i, 1 + (i % 7), t), timeMs: t });
        else batch.push({ ...fqdnExpired({ endpointId: 1 + ((i - 1) % 7), name: `svc${(i - 1) % 500}.example.com`, ip: `203.0.${((i - 1) >> 8) & 255}.${(i - 1) & 255}`, reason: 'ttl' }, null, t), timeMs: t });
        if (batch.length === 4096) flush();
      }
      flush();
      log.close();
      const replayed = replayUntil(dir).state;
      expect(replayed.allowlist.size).toBe(live.allowlist.size);
      expect(snapshotState(replayed)).toEqual(snapshotState(live));
      // plain objects, not views into a read buffer
      for (const e of replayed.allowlist.values()) expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an endpoint removal takes its allowlist entries with it', () => {
    const s = createAgentState();
    const base = { schemaVersion: 1, node: 'n', causeId: null, time: '2025-01-01T00:00:00.000000000Z' };
    applyEvent(s, { ...base, seq: 1, id: 'a', type: 'fqdn.allowed', data: { endpointId: 7, name: 'a.example.com', ip: '203.0.113.9', selector: 'a.example.com', expiresAt: '2025-01-01T00:01:00.000000000Z', ttlSec: 60, dnsEventId: 'd' } });
    applyEvent(s, { ...base, seq: 2, id: 'b', type: 'fqdn.allowed', data: { endpointId: 8, name: 'a.example.com', ip: '203.0.113.9', selector: 'a.example.com', expiresAt: '2025-01-01T00:01:00.000000000Z', ttlSec: 60, dnsEventId: 'd' } });
    applyEvent(s, { ...base, seq: 3, id: 'c', type: 'endpoint.removed', data: { id: 7 } });
    expect(snapshotState(s).allowlist.map((e) => e.endpointId)).toEqual([8]);
    expect(s.lastSeq).toBe(3);
  });
});
