// Issue 6: the README's first command, end to end.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { listNamespaces } from '../../src/testbed/index.js';
import { DEMO_PREFIX } from '../../src/demo/demo.js';
import { packageRoot } from '../../src/paths.js';

const sluice = (args: string[]) => execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), ...args], { encoding: 'utf8', timeout: 120_000 });

describeKernel('demo > sluice demo --duration 15', () => {
  const logDir = mkdtempSync(join(tmpdir(), 'sluice-demo-test-'));
  afterAll(() => rmSync(logDir, { recursive: true, force: true }));

  it('shows forwarded and dropped flows, a refused query and learned addresses; observe replays the same flows; nothing is left behind', () => {
    const pinsBefore = readdirSync('/sys/fs/bpf').filter((n) => n.startsWith('sluice-demo-'));
    const out = sluice(['demo', '--duration', '15', '--log-dir', logDir, '--no-color']);
    const flowLines = out.split('\n').filter((l) => / (->|<-) /.test(l));
    expect(flowLines.some((l) => l.includes(' FORWARDED ') && l.includes('(api.partner.test)'))).toBe(true);
    expect(flowLines.some((l) => l.includes(' DROPPED ') && l.includes('203.0.113.66:443'))).toBe(true);
    expect(flowLines.some((l) => /dns-request.* DROPPED/.test(l) && l.includes('tracker.evil.test'))).toBe(true);
    expect(out).toMatch(/default\/frontend\s+api\.partner\.test\s+198\.51\.100\.20/);
    const summary = /flows: (\d+) forwarded, (\d+) dropped, (\d+) DNS queries steered/.exec(out);
    expect(Number(summary?.[1])).toBeGreaterThan(0);
    expect(Number(summary?.[2])).toBeGreaterThan(0);

    // the same flows from the log, in Hubble's JSON
    const jsonpb = sluice(['observe', '--log-dir', logDir, '-o', 'jsonpb']).trim().split('\n').map((l) => JSON.parse(l) as { flow: { verdict: string; IP?: { destination: string }; l7?: unknown } });
    const l34 = jsonpb.filter((r) => !r.flow.l7);
    expect(l34.length).toBe(Number(summary![1]) + Number(summary![2]) + Number(summary![3]));
    expect(l34.some((r) => r.flow.verdict === 'DROPPED' && r.flow.IP?.destination === '203.0.113.66')).toBe(true);

    expect(listNamespaces(DEMO_PREFIX)).toEqual([]);
    const pinsAfter = readdirSync('/sys/fs/bpf').filter((n) => n.startsWith('sluice-demo-'));
    expect(pinsAfter).toEqual(pinsBefore);
    expect(existsSync(logDir)).toBe(true);
  });
});
