// The README's first command with Kafka configured: the agent's forwarder (a worker thread, as
// `npm run bench -- kafka` measures it) ships what the demo logged locally to the real broker.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTopicReader } from '../../src/log/eventLog.js';
import { packageRoot } from '../../src/paths.js';
import { describeKafka, describeKernel } from '../support/env.js';

const BROKER = '127.0.0.1:9092';

/** Every message of a topic (earlier demos' too), read by kcat as an outside client. */
const kcatValues = (topic: string) =>
  execFileSync('kcat', ['-C', '-b', BROKER, '-t', topic, '-o', 'beginning', '-e', '-q'], { encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28 })
    .split('\n').filter((l) => l !== '');

describeKernel('demo > with Kafka', () => {
  describeKafka('sluice demo --kafka', () => {
    // made in beforeAll: a skipped suite's body still runs (to collect its tests), its hooks do not
    let logDir = '';
    beforeAll(() => { logDir = mkdtempSync(join(tmpdir(), 'sluice-demo-kafka-')); });
    afterAll(() => { if (logDir !== '') rmSync(logDir, { recursive: true, force: true }); });

    it('every flow and policy change of the local log reaches the broker, in Hubble JSON and in envelopes', () => {
      const out = execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), 'demo', '--duration', '8', '--kafka', BROKER, '--log-dir', logDir, '--no-color'], { encoding: 'utf8', timeout: 120_000 });
      expect(out).toMatch(/kafka/i);
      const localFlows = openTopicReader(logDir, 'flows').read().map((r) => (JSON.parse(r.value.toString()) as { flow: { uuid: string } }).flow.uuid);
      const localChanges = openTopicReader(logDir, 'policy-changes').read().map((r) => r.value.id);
      expect(localFlows.length).toBeGreaterThan(0);
      expect(localChanges.length).toBeGreaterThan(0);
      const kafkaFlows = new Set(kcatValues('sluice.flows').map((v) => (JSON.parse(v) as { flow: { uuid: string } }).flow.uuid));
      const kafkaChanges = new Set(kcatValues('sluice.policy-changes').map((v) => (JSON.parse(v) as { id: string }).id));
      expect(localFlows.filter((id) => !kafkaFlows.has(id))).toEqual([]);
      expect(localChanges.filter((id) => !kafkaChanges.has(id))).toEqual([]);
    });
  });
});
