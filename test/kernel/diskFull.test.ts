// Issue 8: the local log's disk full. A clear error, counted; the log stays whole (no torn record
// in the middle), and writing resumes once there is room. Then the agent on a full disk: it goes
// on enforcing and answering, and counts the events it could not keep.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { TopicWriter } from '../../src/log/local/topicWriter.js';
import { TopicReader } from '../../src/log/local/topicReader.js';
import { rawCodec } from '../../src/log/codec/rawCodec.js';
import { isSluiceError } from '../../src/errors.js';
import { AgentProcess, PeerClient, PeerServer, Resolver, Testbed, RESOLVER4, scenarioPolicy } from '../../src/testbed/index.js';
import { packageRoot } from '../../src/paths.js';

function withTmpfs<T>(sizeKiB: number, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', dir]);
  return fn(dir).finally(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
}

describeKernel('log > disk full', () => {
  it('fails an append with ERR_LOG_WRITE, keeps every record before it readable, and resumes when there is room', () =>
    withTmpfs(64, async (dir) => {
      const writer = TopicWriter.open(join(dir, 'flows'), rawCodec, { fsync: { mode: 'never' } });
      const record = (i: number) => ({ timeMs: Date.now(), key: null, value: Buffer.from(`${i}:${'x'.repeat(900)}`) });
      let written = 0;
      let error: unknown;
      for (let i = 0; i < 1000 && error === undefined; i++) {
        try {
          writer.append([record(i), record(i + 0.5)]);
          written += 2;
        } catch (err) {
          error = err;
        }
      }
      expect(isSluiceError(error, 'ERR_LOG_WRITE')).toBe(true);
      expect((error as Error).message).toMatch(/ENOSPC|no space/i);
      const read = () => {
        const values: string[] = [];
        new TopicReader(join(dir, 'flows'), rawCodec).scan({}, (r) => { values.push(r.value.toString().split(':')[0]!); });
        return values;
      };
      expect(read()).toHaveLength(written); // whole records only, none torn, none lost before the failure
      execFileSync('mount', ['-o', 'remount,size=256k', dir]);
      writer.append([{ timeMs: Date.now(), key: null, value: Buffer.from('after:room') }]);
      const after = read();
      expect(after).toHaveLength(written + 1);
      expect(after.at(-1)).toBe('after');
      writer.close();
    }));

  it('the agent on a full disk goes on enforcing and answering DNS, and counts what the log could not keep', () =>
    withTmpfs(160, async (logDir) => {
      const dir = mkdtempSync(join(tmpdir(), 'sluice-full-agent-'));
      mkdirSync(join(dir, 'policies'));
      writeFileSync(join(dir, 'policies', 'p.yaml'), scenarioPolicy({
        name: 'p', app: 'client', resolvers: [`${RESOLVER4}/32`], dnsProtocol: 'UDP',
        dnsPatterns: ['*.allowed.test'], fqdns: [{ matchPattern: '*.allowed.test' }],
      }));
      const bed = Testbed.create({ pods: [{ name: 'client', labels: { app: 'client' } }] });
      let resolver: Resolver | undefined;
      let server: PeerServer | undefined;
      let agent: AgentProcess | undefined;
      let client: PeerClient | undefined;
      // everything started inside the try, so a failed start still removes the namespaces
      try {
        resolver = await Resolver.start(bed.world, [{ origin: 'test.', records: ['api.allowed 300 IN A 198.51.100.20'] }]);
        server = await PeerServer.start(bed.world, ['tcp:[::]:80']);
        agent = await AgentProcess.start(bed, { policyDir: join(dir, 'policies'), logDir, pinRoot: `/sys/fs/bpf/sluice-test-${randomBytes(4).toString('hex')}` });
        client = await PeerClient.start(bed.pod('client').netns);
        // fill the disk with drop events (each is a flow record)
        for (let i = 0; i < 20; i++) await client.udpBurst('203.0.113.9', 9, 100);
        await new Promise((r) => setTimeout(r, 500));
        expect(await client.lookupConnect(RESOLVER4, 'api.allowed.test', 4, 80)).toMatchObject({ ok: true });
        const status = JSON.parse(execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), 'status', '--socket', agent.socketPath, '-o', 'json'], { encoding: 'utf8' })) as { counters: { logWriteLost: number } };
        expect(status.counters.logWriteLost).toBeGreaterThan(0);
        expect(agent.lines.some((l) => /log: .*\[ERR_LOG_WRITE\]; \d+ events lost/.test(l))).toBe(true);
        // what was written reads back whole
        execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), 'observe', '--log-dir', logDir, '-o', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
      } finally {
        client?.stop();
        await agent?.stop();
        server?.stop();
        resolver?.stop();
        bed.destroy();
        rmSync(dir, { recursive: true, force: true });
      }
    }));
});
