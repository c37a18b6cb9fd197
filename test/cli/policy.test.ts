// Runs the built CLI as a user would: `node bin/sluice.js policy ...` and `sluice fqdn match`.
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPolicyDir, syncPolicies } from '../../src/agent/policySource.js';
import { startApiServer, type ApiServer, type StatusView } from '../../src/api/index.js';
import { emptyRepository } from '../../src/policy/index.js';
import { createFakeAgentProvider } from '../support/fakeAgentProvider.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = 'test/fixtures/policies';
const stateDir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));

// no agent unless a test starts one: a real agent on this host must not answer for the tests
const noAgent = join(stateDir, 'no-agent.sock');
const isolated = () => ({ ...process.env, SLUICE_SOCKET: noAgent, SLUICE_POLICY_DIR: '' });

function sluice(args: string[], input?: string, env: Record<string, string> = {}) {
  const out = spawnSync(process.execPath, ['bin/sluice.js', ...args], { cwd: root, input, encoding: 'utf8', env: { ...isolated(), ...env } });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

// Asynchronous, for tests whose API server lives in this process and must answer while the CLI runs.
function sluiceAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/sluice.js', ...args], { cwd: root, env: { ...isolated(), ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

const cnp = (name: string, cidr: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ci\nspec:\n  endpointSelector: {}\n  egress:\n    - toCIDR: [${cidr}]\n`;

beforeAll(() => {
  // the build may report errors from work in progress elsewhere; it still emits, and we only
  // need dist/cli to exist
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  expect(existsSync(join(root, 'dist/cli/main.js'))).toBe(true);
});

afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('cli > sluice policy validate', () => {
  it('exits 0 and lists the valid policies', () => {
    const r = sluice(['policy', 'validate', `${fixtures}/ci-egress.yaml`, `${fixtures}/platform.yaml`, `${fixtures}/list.yaml`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('valid: CiliumNetworkPolicy ci/ci-egress (test/fixtures/policies/ci-egress.yaml document 0)');
    expect(r.stdout).toContain('valid: CiliumNetworkPolicy payments/ledger-db (test/fixtures/policies/list.yaml document 0)');
  });

  it('exits 1 with each problem naming file, document and YAML path', () => {
    const r = sluice(['policy', 'validate', `${fixtures}/invalid/mixed.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `test/fixtures/policies/invalid/mixed.yaml: document 0: spec.egress[0].toFQDNs[1].matchPattern: invalid characters in matchPattern "bad pattern.com"`,
    );
    expect(r.stderr).toContain('test/fixtures/policies/invalid/mixed.yaml: document 1: spec.ingress: ingress rules are not supported');
    expect(r.stderr).toContain('5 problems found [ERR_POLICY_INVALID]');
  });

  it('reads stdin and reports a missing file', () => {
    const r = sluice(['policy', 'validate', '-'], 'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: x}\nspec: {endpointSelector: {}, egress: [{toFQDNs: [{matchPattern: "a..b"}]}]}\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('-: document 0: spec.egress[0].toFQDNs[0].matchPattern: matchPattern "a..b" has an empty label');
    const missing = sluice(['policy', 'validate', `${fixtures}/nope.yaml`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/read test\/fixtures\/policies\/nope.yaml: no such file \[ERR_CONFIG\]/);
  });
});

describe('cli > sluice policy trace', () => {
  it('prints the verdict and the deciding rule as JSON for a DNS query', () => {
    const r = sluice([
      'policy', 'trace', '--policy', `${fixtures}/ci-egress.yaml`, '--src-labels', 'app=runner,k8s:io.kubernetes.pod.namespace=ci',
      '--dns-query', 'Objects.GitHubUserContent.com', '--dns-server', '10.0.0.10', '--dst-labels', 'k8s:io.kubernetes.pod.namespace=kube-system,k8s-app=kube-dns', '-o', 'json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'allowed', policy: 'ci/ci-egress', rule: 'spec.egress[0].toPorts[0].rules.dns[2]' });
    const denied = sluice(['policy', 'trace', '--policy', `${fixtures}/ci-egress.yaml`, '--src-labels', 'app=runner', '-n', 'ci', '--dns-query', 'evil.io', '-o', 'json']);
    expect(JSON.parse(denied.stdout)).toMatchObject({ verdict: 'denied', policy: 'ci/ci-egress' });
  });

  it('decides connections with resolved names, and egressDeny wins', () => {
    const base = ['policy', 'trace', '--policy', `${fixtures}/ci-egress.yaml`, '--policy', `${fixtures}/platform.yaml`, '-o', 'json'];
    const allowed = sluice([...base, '--src-labels', 'app=runner', '-n', 'ci', '--dst', '140.82.112.6', '--dport', '443', '--proto', 'tcp', '--resolved', 'api.github.com=140.82.112.6']);
    expect(JSON.parse(allowed.stdout)).toEqual(expect.objectContaining({ verdict: 'allowed', policy: 'ci/ci-egress', rule: 'spec.egress[1].toFQDNs[1]' }));
    const unresolved = sluice([...base, '--src-labels', 'app=runner', '-n', 'ci', '--dst', '140.82.112.6', '--dport', '443', '--proto', 'tcp']);
    expect(JSON.parse(unresolved.stdout)).toMatchObject({ verdict: 'denied', policy: null, rule: null });
    const denied = sluice([...base, '--src-labels', 'role=web', '--dst', '203.0.113.9', '--dport', '443', '--proto', 'tcp']);
    expect(JSON.parse(denied.stdout)).toMatchObject({ verdict: 'denied', policy: 'web-public-dns', rule: 'spec.egressDeny[0].toCIDRSet[0]' });
  });

  it('prints text by default and refuses contradictory flags', () => {
    const r = sluice(['policy', 'trace', '--policy', `${fixtures}/platform.yaml`, '--src-labels', 'role=web', '--dns-query', 'a.example.com', '--dns-server', '192.0.2.53']);
    expect(r.stdout).toMatch(/^verdict: allowed\npolicy:  web-public-dns \(revision 1\)\nrule:    spec.egress\[0\].toPorts\[0\].rules.dns\[0\]\n/);
    const both = sluice(['policy', 'trace', '--policy', `${fixtures}/platform.yaml`, '--src-labels', 'a=b', '--dns-query', 'a', '--dst', '1.2.3.4']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give exactly one of --dns-query and --dst [ERR_CONFIG]');
  });
});

describe('cli > sluice policy apply|list|delete', () => {
  const dir = join(stateDir, 'policies');

  it('applies, lists, deletes all or nothing, against the policy directory', () => {
    const applied = sluice(['policy', 'apply', '--policy-dir', dir, `${fixtures}/platform.yaml`]);
    expect(applied.stdout).toBe(
      'created CiliumClusterwideNetworkPolicy deny-cloud-metadata\ncreated CiliumClusterwideNetworkPolicy web-public-dns\n' +
        `policy directory ${dir}: wrote _cluster.deny-cloud-metadata.yaml, _cluster.web-public-dns.yaml\n` +
        `no agent answers on ${noAgent}: start it with sudo npx sluice agent; the change applies when the agent starts\n`,
    );
    expect(readdirSync(dir).sort()).toEqual(['_cluster.deny-cloud-metadata.yaml', '_cluster.web-public-dns.yaml']);
    const rejected = sluice(['policy', 'apply', '--policy-dir', dir, `${fixtures}/list.yaml`, `${fixtures}/invalid/mixed.yaml`]);
    expect(rejected.code).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['_cluster.deny-cloud-metadata.yaml', '_cluster.web-public-dns.yaml']);
    const listed = JSON.parse(sluice(['policy', 'list', '-o', 'json'], undefined, { SLUICE_POLICY_DIR: dir }).stdout);
    expect(listed).toMatchObject({ from: 'directory', revision: null });
    expect(listed.policies.map((p: { name: string }) => p.name)).toEqual(['deny-cloud-metadata', 'web-public-dns']);
    const missing = sluice(['policy', 'delete', '--policy-dir', dir, '--clusterwide', 'web-public-dns', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[ERR_POLICY_NOT_FOUND]');
    expect(readdirSync(dir)).toHaveLength(2);
    const deleted = sluice(['policy', 'delete', '--policy-dir', dir, '--clusterwide', 'web-public-dns', '-o', 'json']);
    expect(JSON.parse(deleted.stdout)).toEqual({ change: 'deleted', kind: 'CiliumClusterwideNetworkPolicy', namespace: null, name: 'web-public-dns', revision: null });
    expect(readdirSync(dir)).toEqual(['_cluster.deny-cloud-metadata.yaml']);
    expect(sluice(['policy', 'list', '--policy-dir', dir]).stdout).toContain(`listing the policies in ${dir} instead, without revisions`);
    const again = sluice(['policy', 'apply', '--policy-dir', dir, '-f', `${fixtures}/platform.yaml`]);
    expect(again.stdout).toMatch(/^unchanged CiliumClusterwideNetworkPolicy deny-cloud-metadata\ncreated CiliumClusterwideNetworkPolicy web-public-dns\n/);
    // trace without --policy reads the same directory
    const traced = sluice(['policy', 'trace', '--policy-dir', dir, '--src-labels', 'role=web', '--dns-query', 'a.example.com', '--dns-server', '192.0.2.53', '-o', 'json']);
    expect(JSON.parse(traced.stdout)).toMatchObject({ verdict: 'allowed', policy: 'web-public-dns' });
  });

  it("cuts a replaced or deleted policy out of a user's multi-document file", () => {
    const own = join(stateDir, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'team.yaml'), `# team ci owns these\n${cnp('a', '10.0.0.1')}---\n# keep b\n${cnp('b', '10.0.0.2')}`);
    writeFileSync(join(stateDir, 'a-v2.yaml'), cnp('a', '10.0.0.9'));
    const r = sluice(['policy', 'apply', '--policy-dir', own, '-f', join(stateDir, 'a-v2.yaml')]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('configured CiliumNetworkPolicy ci/a\n');
    expect(r.stdout).toContain(`policy directory ${own}: wrote ci.a.yaml, team.yaml\n`);
    const team = readFileSync(join(own, 'team.yaml'), 'utf8');
    expect(team).toContain('# keep b');
    expect(team).not.toContain('name: a');
    expect(readFileSync(join(own, 'ci.a.yaml'), 'utf8')).toContain('10.0.0.9');
    const d = sluice(['policy', 'delete', '--policy-dir', own, '-n', 'ci', 'b']);
    expect(d.stdout).toContain(`policy directory ${own}: removed team.yaml\n`);
    expect(readdirSync(own)).toEqual(['ci.a.yaml']);
  });

  it('writes nothing when the directory as a whole would not parse', () => {
    const broken = join(stateDir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'dup.yaml'), cnp('a', '10.0.0.1'));
    writeFileSync(join(broken, 'dup-too.yaml'), cnp('a', '10.0.0.2'));
    const r = sluice(['policy', 'apply', '--policy-dir', broken, `${fixtures}/platform.yaml`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is defined twice');
    expect(r.stderr).toContain('[ERR_POLICY_INVALID]');
    expect(readdirSync(broken).sort()).toEqual(['dup-too.yaml', 'dup.yaml']);
  });
});

describe('cli > sluice policy apply|list|delete with a running agent', () => {
  const dir = join(stateDir, 'agent-policies');
  const socketPath = join(stateDir, 'agent.sock');
  let server: ApiServer | undefined;
  afterAll(async () => server?.close());

  it("waits for the agent to apply the set and prints the agent's revisions", async () => {
    mkdirSync(dir);
    // the agent's own reader and sync, as its directory watcher would run them
    let repo = emptyRepository();
    const sync = () => {
      try {
        repo = syncPolicies(repo, readPolicyDir(dir)).state;
      } catch {
        // an invalid set in between changes nothing, as in the agent
      }
      return repo;
    };
    const fake = createFakeAgentProvider();
    server = await startApiServer({
      socketPath,
      provider: {
        ...fake,
        policies: () => sync().policies.map((s) => ({ kind: s.policy.kind, namespace: s.policy.namespace, name: s.policy.name, revision: s.revision, source: s.policy.source.file, selects: [] })),
        status: () => ({ ...(fake.status() as StatusView), policies: { count: repo.policies.length, revision: sync().revision } }),
      },
    });
    const env = { SLUICE_SOCKET: socketPath, SLUICE_POLICY_DIR: dir };
    const applied = await sluiceAsync(['policy', 'apply', `${fixtures}/ci-egress.yaml`], env);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('created CiliumNetworkPolicy ci/ci-egress at revision 1\n');
    expect(applied.stdout).toContain(`the agent on ${socketPath} applied the set at revision 1\n`);
    const listed = await sluiceAsync(['policy', 'list'], env);
    expect(listed.stdout).toMatch(/^CiliumNetworkPolicy\s+ci\s+ci-egress\s+1\s/m);
    expect(listed.stdout).toContain(`repository revision 1 (the agent on ${socketPath})\n`);
    const deleted = await sluiceAsync(['policy', 'delete', '-n', 'ci', 'ci-egress', '-o', 'json'], env);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ change: 'deleted', name: 'ci-egress', revision: 2 });
    expect(deleted.stderr).toContain('applied the set at revision 2');
  });

  it('says so when the agent does not report the change (it watches another directory)', async () => {
    const other = join(stateDir, 'not-watched');
    const r = await sluiceAsync(['policy', 'apply', '--policy-dir', other, `${fixtures}/ci-egress.yaml`], { SLUICE_SOCKET: socketPath });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created CiliumNetworkPolicy ci/ci-egress\n');
    expect(r.stderr).toContain(`has not reported the change yet: does it watch ${other}?`);
  });
});

describe('cli > sluice fqdn match', () => {
  it('answers every line in order, including malformed ones, and exits 0', () => {
    const input = [
      '{"selector":{"matchPattern":"*.cilium.io"},"name":"WWW.Cilium.IO."}',
      '{"selector":{"matchPattern":"*.cilium.io"},"name":"a.b.cilium.io"}',
      '{"selector":{"matchPattern":"**.cilium.io"},"name":"a.b.cilium.io"}',
      '{"selector":{"matchName":"cilium.io"},"name":"cilium.io."}',
      '{"selector":{"matchPattern":"*"},"name":"anything.at.all"}',
      'not json',
      '{"selector":{"matchName":"bad name"},"name":"x"}',
      '{"selector":{"matchName":"a.io","matchPattern":"*.io"},"name":"a.io"}',
    ].join('\n');
    const r = sluice(['fqdn', 'match'], `${input}\n`);
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(answers.slice(0, 5)).toEqual([
      { valid: true, match: true },
      { valid: true, match: false },
      { valid: true, match: true },
      { valid: true, match: true },
      { valid: true, match: true },
    ]);
    expect(answers[5]).toMatchObject({ valid: false, error: expect.stringMatching(/^malformed JSON/) });
    expect(answers[6]).toMatchObject({ valid: false, error: expect.stringMatching(/invalid characters in matchName/) });
    expect(answers[7]).toEqual({ valid: false, error: 'set only one of matchName and matchPattern' });
    expect(answers).toHaveLength(8);
  });
});
