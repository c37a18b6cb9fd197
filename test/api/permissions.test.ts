// The API socket is the agent's control: only root may open it. Node cannot read SO_PEERCRED, so
// the guard is the file mode (0600) and the directory (0700); this test connects as nobody and
// must be refused, and shows with a control (the same socket opened to everyone) that the refusal
// comes from the mode and not from some other failure of the unprivileged client.
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../../src/api/index.js';
import { createFakeAgentProvider } from '../support/fakeAgentProvider.js';
import { describeKernel } from '../support/env.js';

const run = promisify(execFile);

// Prints `status:<code>` or `error:<errno code>`: what a client running as nobody gets.
const probeScript = `
const http = require('node:http');
const req = http.request({ socketPath: process.argv[1], path: '/v1/status' }, (res) => { console.log('status:' + res.statusCode); res.resume(); });
req.on('error', (err) => console.log('error:' + err.code));
req.end();
`;

async function asNobody(socketPath: string): Promise<string> {
  const { stdout } = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', probeScript, socketPath], { timeout: 10_000 });
  return stdout.trim();
}

describeKernel('api > socket refuses unprivileged users', () => {
  // made in beforeAll: a skipped suite's body still runs (to collect its tests), its hooks do not
  let base = '';
  const servers: ApiServer[] = [];
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'sluice-api-perm-'));
    // mkdtemp makes 0700; open it so only the socket's own mode stands between nobody and the agent
    chmodSync(base, 0o755);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (base !== '') rmSync(base, { recursive: true, force: true });
  });

  it('refuses nobody by the 0600 socket mode, and lets nobody in when the mode is opened (control)', async () => {
    const socketPath = join(base, 'agent.sock');
    servers.push(await startApiServer({ socketPath, provider: createFakeAgentProvider() }));
    expect(await asNobody(socketPath)).toBe('error:EACCES');
    chmodSync(socketPath, 0o666);
    expect(await asNobody(socketPath)).toBe('status:200');
  });

  it('refuses nobody by the 0700 directory it creates, even if the socket mode were opened', async () => {
    const socketPath = join(base, 'run', 'sluice', 'agent.sock');
    servers.push(await startApiServer({ socketPath, provider: createFakeAgentProvider() }));
    chmodSync(socketPath, 0o666);
    expect(await asNobody(socketPath)).toBe('error:EACCES');
  });
});
