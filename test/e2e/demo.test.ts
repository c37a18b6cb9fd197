// Issue 6: the README's first command, end to end.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openTopicReader } from '../../src/log/eventLog.js';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeKernel } from '../support/env.js';
import { listNamespaces } from '../../src/testbed/index.js';
import { DEMO_PREFIX } from '../../src/demo/demo.js';
import { packageRoot } from '../../src/paths.js';

function schemaProblems(logDir: string): { checked: number; failures: string[] } {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
  const streams = join(packageRoot, 'streams');
  ajv.addSchema(JSON.parse(readFileSync(join(streams, 'envelope.schema.json'), 'utf8')), 'envelope.schema.json');
  const validators = new Map<string, ValidateFunction>();
  for (const f of readdirSync(join(streams, 'schemas'))) {
    const schema = JSON.parse(readFileSync(join(streams, 'schemas', f), 'utf8')) as Record<string, unknown>;
    // the per-type schemas refer to ../envelope.schema.json
    const text = JSON.stringify(schema).replaceAll('../envelope.schema.json', 'envelope.schema.json');
    validators.set(f.replace('.schema.json', ''), ajv.compile(JSON.parse(text) as object));
  }
  const out = { checked: 0, failures: [] as string[] };
  for (const kind of ['policy-changes', 'dns'] as const) {
    openTopicReader(logDir, kind).scan({}, (r) => {
      const e = r.value as { type: string };
      const validate = validators.get(e.type);
      out.checked++;
      if (!validate) out.failures.push(`${e.type}: no schema`);
      else if (!validate(e)) out.failures.push(`${e.type}: ${ajv.errorsText(validate.errors)}`);
    });
  }
  return out;
}

const sluice = (args: string[]) => execFileSync(process.execPath, [join(packageRoot, 'bin', 'sluice.js'), ...args], { encoding: 'utf8', timeout: 120_000 });

describeKernel('demo > sluice demo --duration 15', () => {
  // made in beforeAll: a skipped suite's body still runs (to collect its tests), its hooks do not
  let logDir = '';
  beforeAll(() => { logDir = mkdtempSync(join(tmpdir(), 'sluice-demo-test-')); });
  afterAll(() => { if (logDir !== '') rmSync(logDir, { recursive: true, force: true }); });

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

    // every event the agent wrote matches its published JSON Schema (streams/schemas)
    const problems = schemaProblems(logDir);
    expect(problems.checked).toBeGreaterThan(20);
    expect(problems.failures).toEqual([]);

    expect(listNamespaces(DEMO_PREFIX)).toEqual([]);
    const pinsAfter = readdirSync('/sys/fs/bpf').filter((n) => n.startsWith('sluice-demo-'));
    expect(pinsAfter).toEqual(pinsBefore);
    expect(existsSync(logDir)).toBe(true);
  });
});
