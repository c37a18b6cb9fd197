// Runs the built CLI as a user would: `node bin/sluice.js policy ...` and `sluice fqdn match`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const fixtures = 'test/fixtures/policies';
const stateDir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));

function sluice(args: string[], input?: string, env: Record<string, string> = {}) {
  const out = spawnSync(process.execPath, ['bin/sluice.js', ...args], { cwd: root, input, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

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
  const state = join(stateDir, 'policies.json');

  it('applies, lists, deletes all or nothing, against the state file', () => {
    expect(sluice(['policy', 'apply', '--state', state, `${fixtures}/platform.yaml`]).stdout).toBe(
      'applied CiliumClusterwideNetworkPolicy deny-cloud-metadata at revision 1\napplied CiliumClusterwideNetworkPolicy web-public-dns at revision 1\n',
    );
    const rejected = sluice(['policy', 'apply', '--state', state, `${fixtures}/list.yaml`, `${fixtures}/invalid/mixed.yaml`]);
    expect(rejected.code).toBe(1);
    const listed = JSON.parse(sluice(['policy', 'list', '-o', 'json'], undefined, { SLUICE_STATE: state }).stdout);
    expect(listed.revision).toBe(1);
    expect(listed.policies.map((p: { name: string }) => p.name)).toEqual(['deny-cloud-metadata', 'web-public-dns']);
    const missing = sluice(['policy', 'delete', '--state', state, '--clusterwide', 'web-public-dns', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[ERR_POLICY_NOT_FOUND]');
    const deleted = sluice(['policy', 'delete', '--state', state, '--clusterwide', 'web-public-dns', '-o', 'json']);
    expect(JSON.parse(deleted.stdout)).toMatchObject({ type: 'policy.deleted', data: { name: 'web-public-dns', revision: 2 } });
    expect(sluice(['policy', 'list', '--state', state]).stdout).toContain('repository revision 2');
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
