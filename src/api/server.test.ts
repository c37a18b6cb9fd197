import { existsSync, linkSync, mkdtempSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type Server } from 'node:net';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFakeAgentProvider, type FakeAgentProvider } from '../../test/support/fakeAgentProvider.js';
import { isSluiceError } from '../errors.js';
import { createApiClient } from './client.js';
import { startApiServer, type ApiServer } from './server.js';

const base = mkdtempSync(join(tmpdir(), 'sluice-api-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** Raw request, so status codes and bodies are checked as the wire carries them. */
function raw(socketPath: string, method: string, path: string, body?: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('api > server routes', () => {
  let server: ApiServer;
  let provider: FakeAgentProvider;
  const unexpected: unknown[] = [];
  const socketPath = join(base, 'routes', 'agent.sock');

  beforeAll(async () => {
    provider = createFakeAgentProvider();
    server = await startApiServer({ socketPath, provider, onError: (err) => unexpected.push(err) });
  });
  afterAll(() => server.close());

  it('serves every GET view wrapped as documented', async () => {
    expect((await raw(socketPath, 'GET', '/v1/status')).json).toMatchObject({ node: 'node-a', policies: { revision: 4 } });
    expect((await raw(socketPath, 'GET', '/v1/endpoints')).json).toEqual({ endpoints: provider.endpointList });
    expect((await raw(socketPath, 'GET', '/v1/policies')).json).toMatchObject({ policies: [{ name: 'web-egress' }] });
    expect((await raw(socketPath, 'GET', '/v1/fqdn')).json).toMatchObject({ entries: [{ ip: '192.0.2.10' }, { ip: '2001:db8::10' }] });
    expect((await raw(socketPath, 'GET', '/v1/maps')).json).toEqual({ maps: [{ name: 'allowlist', entries: 250, capacity: 1000 }, { name: 'conntrack', entries: 3, capacity: 65536 }] });
    const counters = await raw(socketPath, 'GET', '/v1/counters?x=1');
    expect(counters).toEqual({ status: 200, json: { ringLost: 5, undecodable: 1, logWriteLost: 3, logLagEvents: 7, dnsProxy: { requests: 12, refused: 2 } } });
  });

  it('adds (201), refuses a duplicate (409) and a bad body (400), deletes (200) and reports a missing one (404)', async () => {
    const spec = { name: 'db', namespace: 'shop', labels: { app: 'db' }, ifname: 'veth-db', ipv4: '10.200.0.3' };
    const added = await raw(socketPath, 'POST', '/v1/endpoints', JSON.stringify(spec));
    expect(added).toEqual({ status: 201, json: { endpoint: { ...spec, id: 2, policies: [] } } });
    expect(await raw(socketPath, 'POST', '/v1/endpoints', JSON.stringify(spec))).toEqual({
      status: 409,
      json: { error: { code: 'ERR_ENDPOINT_EXISTS', message: 'endpoint db already exists' } },
    });
    const bad = await raw(socketPath, 'POST', '/v1/endpoints', JSON.stringify({ name: 'x', ipv4: '300.1.1.1' }));
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({ error: { code: 'ERR_CONFIG', message: "endpoint: give exactly one of netns and ifname; ipv4 '300.1.1.1' is not an IPv4 address" } });
    const notJson = await raw(socketPath, 'POST', '/v1/endpoints', '{nope');
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ error: { code: 'ERR_CONFIG' } });
    expect(await raw(socketPath, 'DELETE', '/v1/endpoints/db')).toEqual({ status: 200, json: { deleted: 'db' } });
    expect(await raw(socketPath, 'DELETE', '/v1/endpoints/db')).toEqual({ status: 404, json: { error: { code: 'ERR_ENDPOINT_NOT_FOUND', message: 'no endpoint named db' } } });
  });

  it('answers unknown routes 404, wrong methods 405, and provider bugs 500 with ERR_INTERNAL', async () => {
    expect(await raw(socketPath, 'GET', '/v1/nope')).toEqual({ status: 404, json: { error: { code: 'ERR_API_ROUTE', message: 'GET /v1/nope: no such route' } } });
    expect(await raw(socketPath, 'PUT', '/v1/status')).toMatchObject({ status: 405, json: { error: { code: 'ERR_API_ROUTE' } } });
    expect(await raw(socketPath, 'DELETE', '/v1/endpoints/%E0%A4%A')).toMatchObject({ status: 400, json: { error: { code: 'ERR_CONFIG' } } });
    const bug = await raw(socketPath, 'POST', '/v1/endpoints', JSON.stringify({ name: 'b', ifname: 'boom' }));
    expect(bug).toEqual({ status: 500, json: { error: { code: 'ERR_INTERNAL', message: 'provider bug' } } });
    expect(unexpected).toHaveLength(1);
    expect(unexpected[0]).toBeInstanceOf(TypeError);
  });

  it('refuses bodies over the limit', async () => {
    const big = JSON.stringify({ name: 'x', labels: { a: 'y'.repeat(70_000) } });
    const r = await raw(socketPath, 'POST', '/v1/endpoints', big).catch((err: NodeJS.ErrnoException) => ({ status: -1, json: err.code }));
    // the server answers 400 and closes; depending on timing the client sees the answer or a reset
    if (r.status !== -1) expect(r).toMatchObject({ status: 400, json: { error: { code: 'ERR_CONFIG' } } });
    else expect(['ECONNRESET', 'EPIPE']).toContain(r.json);
  });

  it('the client maps views and error bodies to SluiceErrors', async () => {
    const client = createApiClient({ socketPath });
    expect((await client.status()).node).toBe('node-a');
    expect(await client.mapFill()).toHaveLength(2);
    expect((await client.fqdnCache())[1]!.sourceEventId).toBe('dns-42');
    const added = await client.addEndpoint({ name: 'cache', namespace: 'shop', labels: {}, netns: 'sluice-cache' });
    expect(added.id).toBeGreaterThan(1);
    await client.removeEndpoint('cache');
    const err = await client.removeEndpoint('cache').catch((e: unknown) => e);
    expect(isSluiceError(err, 'ERR_ENDPOINT_NOT_FOUND')).toBe(true);
  });
});

describe('api > server socket', () => {
  const servers: ApiServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('creates the socket 0600 in a new 0700 directory, and removes it on close', async () => {
    const dir = join(base, 'perm', 'run');
    const socketPath = join(dir, 'agent.sock');
    const server = await startApiServer({ socketPath, provider: createFakeAgentProvider() });
    const st = statSync(socketPath);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await server.close();
    expect(existsSync(socketPath)).toBe(false);
  });

  it('refuses to start while another agent answers on the socket', async () => {
    const socketPath = join(base, 'busy.sock');
    servers.push(await startApiServer({ socketPath, provider: createFakeAgentProvider() }));
    const err = await startApiServer({ socketPath, provider: createFakeAgentProvider() }).catch((e: unknown) => e);
    expect(isSluiceError(err, 'ERR_API_SOCKET')).toBe(true);
    expect((err as Error).message).toBe(`another agent answers on ${socketPath}: stop it first, or give this one another api socket path`);
    // the first agent still answers
    expect((await createApiClient({ socketPath }).status()).node).toBe('node-a');
  });

  it('replaces a stale socket file left by a dead agent', async () => {
    const socketPath = join(base, 'stale.sock');
    // a listener closed without unlinking leaves exactly what a killed agent leaves: a socket
    // file nobody listens on
    const dead: Server = createNetServer();
    await new Promise<void>((resolve) => dead.listen(socketPath, resolve));
    // close() unlinks the path; a second hard link keeps the socket inode to put back afterwards
    linkSync(socketPath, `${socketPath}.keep`);
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    linkSync(`${socketPath}.keep`, socketPath);
    unlinkSync(`${socketPath}.keep`);
    expect(statSync(socketPath).isSocket()).toBe(true);

    servers.push(await startApiServer({ socketPath, provider: createFakeAgentProvider() }));
    expect((await createApiClient({ socketPath }).status()).node).toBe('node-a');
  });

  it('refuses to replace a file that is not a socket', async () => {
    const socketPath = join(base, 'regular.sock');
    writeFileSync(socketPath, 'not a socket');
    const err = await startApiServer({ socketPath, provider: createFakeAgentProvider() }).catch((e: unknown) => e);
    expect(isSluiceError(err, 'ERR_API_SOCKET')).toBe(true);
    expect((err as Error).message).toContain('exists and is not a socket');
  });

  it('the client says clearly when no agent answers', async () => {
    const socketPath = join(base, 'nobody-home.sock');
    const err = await createApiClient({ socketPath }).status().catch((e: unknown) => e);
    expect(isSluiceError(err, 'ERR_AGENT_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toBe(`no agent answers on ${socketPath}: start it with sudo npx sluice agent`);
  });
});
