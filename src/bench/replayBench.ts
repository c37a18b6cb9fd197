// The replay benchmark (runner module: scripts/bench.mjs writes bench/results/replay.json): fill a
// local log's policy-changes topic with synthetic events, then time rebuilding agent state from
// it (read, checksum, decode, fold). Target: 2M events/s.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventLog, topicDir } from '../log/eventLog.js';
import type { EventDraft } from '../log/envelope.js';
import { listSegments, logPath } from '../log/local/segmentFiles.js';
import { replayUntil } from '../log/replay/replay.js';
import { syntheticPolicyEvents } from './syntheticPolicyEvents.js';

export const resultName = 'replay';

export interface ReplayBenchResult { eventsPerSec: number; events: number; seconds: number; bytesPerEvent: number; runs: number; allowlistEntries: number }

function fillLog(dir: string, events: number): void {
  const log = new EventLog({
    dir, node: 'bench-node', topicOptions: { retentionMs: null, retentionBytes: null, fsync: { mode: 'never' } },
    flowContext: { nodeName: 'bench-node', endpointById: () => undefined, namesForIp: () => [], bootTimeOffsetNs: 0n },
  });
  let batch: EventDraft[] = [];
  for (const d of syntheticPolicyEvents(events, Date.parse('2025-11-27T00:00:00Z'))) {
    batch.push(d);
    if (batch.length === 4096) { log.publishBatch(batch); batch = []; }
  }
  log.publishBatch(batch);
  log.close();
}

export async function run(options: { events?: number; runs?: number } = {}): Promise<ReplayBenchResult> {
  const events = options.events ?? 2_000_000;
  const runs = options.runs ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-replay-'));
  try {
    fillLog(dir, events);
    const topic = topicDir(dir, 'policy-changes');
    const bytes = listSegments(topic).reduce((sum, base) => sum + statSync(logPath(topic, base)).size, 0);
    // Best of several runs: the first pays for page-cache misses and JIT warm-up.
    let best = Infinity;
    let allowlistEntries = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const { state } = replayUntil(dir);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (state.events !== events) throw new Error(`replay folded ${state.events} of ${events} events`);
      best = Math.min(best, seconds);
      allowlistEntries = state.allowlist.size;
    }
    return { eventsPerSec: Math.round(events / best), events, seconds: best, bytesPerEvent: Math.round(bytes / events), runs, allowlistEntries };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
