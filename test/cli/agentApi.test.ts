// Runs the built CLI against a real API server on a unix socket, with an in-memory provider: the
// commands a user types to look at a running agent, and what they print when none runs.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/index.js';
import { createFakeAgentProvider, type FakeAgentProvider } from '../support/fakeAgentProvider.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-api-'));
const socketPath = join(dir, 'agent.sock');
let server: ApiServer;
let provider: FakeAgentProvider;

// Asynchronous on purpose: the API server lives in this process and must keep answering while
// the CLI runs.
function sluice(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/sluice.js', ...args], { cwd: root, env: { ...process.env, SLUICE_SOCKET: '', ...env } }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  // the build may report errors from work in progress elsewhere; it still emits
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  expect(existsSync(join(root, 'dist/cli/commands/status.js'))).toBe(true);
  provider = createFakeAgentProvider();
  server = await startApiServer({ socketPath, provider });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cli > sluice status', () => {
  it('prints a human summary with components, map fill and lost events', async () => {
    const r = await sluice(['status', '--socket', socketPath]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('node:        node-a\n');
    expect(r.stdout).toContain('policies:    1 (revision 4)\n');
    expect(r.stdout).toContain('log:         kafka (127.0.0.1:9092), 7 events not yet forwarded\n');
    expect(r.stdout).toContain('lost:        ring 5, undecodable 1, log writes 3\n');
    expect(r.stdout).toContain('dns proxy:   requests 12, refused 2\n');
    expect(r.stdout).toMatch(/^kafka\s+degraded\s+broker unreachable, spooling locally$/m);
    expect(r.stdout).toMatch(/^allowlist\s+250\s+1000\s+25\.0%$/m);
  });

  it('prints JSON with -o json, finding the socket through SLUICE_SOCKET', async () => {
    const r = await sluice(['status', '-o', 'json'], { SLUICE_SOCKET: socketPath });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status.node).toBe('node-a');
    expect(out.maps).toHaveLength(2);
    expect(out.counters.ringLost).toBe(5);
  });

  it('says clearly that no agent runs, and exits 1', async () => {
    const missing = join(dir, 'none.sock');
    const r = await sluice(['status', '--socket', missing]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`sluice status: no agent answers on ${missing}: start it with sudo npx sluice agent [ERR_AGENT_UNREACHABLE]\n`);
  });
});

describe('cli > sluice fqdn cache', () => {
  it('lists endpoint, name, ip and expiry; filters by endpoint; -o json', async () => {
    const r = await sluice(['fqdn', 'cache', '--socket', socketPath]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ENDPOINT\s+NAME\s+IP\s+EXPIRES$/);
    expect(lines[1]).toMatch(/^web\s+api\.example\.com\.\s+192\.0\.2\.10\s+2024-05-01T12:00:30\.000Z \(.+\)$/);
    expect(lines).toHaveLength(3);
    const none = await sluice(['fqdn', 'cache', '--socket', socketPath, '--endpoint', 'db']);
    expect(none.stdout).toBe('the FQDN cache is empty\n');
    const json = JSON.parse((await sluice(['fqdn', 'cache', '--socket', socketPath, '-o', 'json'])).stdout);
    expect(json.entries.map((e: { ip: string }) => e.ip)).toEqual(['192.0.2.10', '2001:db8::10']);
  });
});

describe('cli > sluice endpoint', () => {
  it('adds, lists and deletes endpoints through the agent', async () => {
    const add = await sluice(['endpoint', 'add', '--socket', socketPath, '--name', 'db', '--namespace', 'shop', '--labels', 'app=db,tier=data', '--ifname', 'veth-db', '--ipv4', '10.200.0.3']);
    expect(add.stderr).toBe('');
    expect(add.stdout).toBe('endpoint shop/db added (id 2)\n');
    expect(provider.endpointList.find((e) => e.name === 'db')).toMatchObject({ labels: { app: 'db', tier: 'data' }, ifname: 'veth-db', ipv4: '10.200.0.3' });

    const list = await sluice(['endpoint', 'list', '--socket', socketPath]);
    expect(list.stdout).toMatch(/^db\s+shop\s+2\s+if veth-db\s+10\.200\.0\.3\s+-\s+app=db,tier=data\s+-$/m);
    expect(list.stdout).toMatch(/^web\s+shop\s+1\s+netns sluice-web\s+10\.200\.0\.2\s+-\s+app=web\s+shop\/web-egress$/m);

    const dup = await sluice(['endpoint', 'add', '--socket', socketPath, '--name', 'db', '--netns', 'x']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('sluice endpoint: endpoint db already exists [ERR_ENDPOINT_EXISTS]\n');

    const del = await sluice(['endpoint', 'delete', '--socket', socketPath, 'db']);
    expect(del.stdout).toBe('endpoint db deleted\n');
    const again = await sluice(['endpoint', 'delete', '--socket', socketPath, 'db']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('sluice endpoint: no endpoint named db [ERR_ENDPOINT_NOT_FOUND]\n');
  });

  it('refuses an invalid endpoint before asking the agent', async () => {
    const r = await sluice(['endpoint', 'add', '--socket', join(dir, 'none.sock'), '--name', 'x', '--netns', 'a', '--ifname', 'b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('sluice endpoint: endpoint: give exactly one of netns and ifname [ERR_CONFIG]\n');
  });
});
