import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readPolicyDir, syncPolicies } from '../../../agent/policySource.js';
import { isSluiceError } from '../../../errors.js';
import { applyPolicies, deletePolicies, emptyRepository, parsePolicies } from '../../../policy/index.js';
import { DirectoryPolicyStore } from './directoryPolicyStore.js';

const cnp = (name: string, cidr = '10.0.0.1') =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: ci}\nspec: {endpointSelector: {}, egress: [{toCIDR: [${cidr}]}]}\n`;
const ccnp = (name: string) => `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: ${name}}\nspec: {endpointSelector: {}}\n`;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'sluice-store-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('cli > policy > DirectoryPolicyStore', () => {
  it('loads a missing directory as empty and creates it on save, one file per policy', async () => {
    const dir = join(root, 'policies');
    const store = new DirectoryPolicyStore(dir);
    expect(await store.load()).toEqual(emptyRepository());
    const { state } = applyPolicies(await store.load(), parsePolicies([{ file: 'in.yaml', text: `${cnp('a')}---\n${ccnp('g')}` }]));
    expect(await store.save(state)).toEqual({ written: [join(dir, '_cluster.g.yaml'), join(dir, 'ci.a.yaml')], removed: [] });
    // no temp file is left behind for the agent's watcher to trip over
    expect(readdirSync(dir).sort()).toEqual(['_cluster.g.yaml', 'ci.a.yaml']);
    const loaded = await store.load();
    expect(loaded.policies.map((s) => [s.policy.name, s.revision])).toEqual([['g', 0], ['a', 0]]);
  });

  it('leaves the directory so the agent reads exactly the saved set', async () => {
    writeFileSync(join(root, 'team.yaml'), `# team\n${cnp('a')}---\n${cnp('b')}`);
    const store = new DirectoryPolicyStore(root);
    const after = deletePolicies(applyPolicies(await store.load(), parsePolicies([{ file: 'in', text: cnp('c') }])).state, [{ kind: 'CiliumNetworkPolicy', namespace: 'ci', name: 'a' }]).state;
    await store.save(after);
    const agent = syncPolicies(emptyRepository(), readPolicyDir(root)).state;
    expect(agent.policies.map((s) => s.policy.name)).toEqual(['b', 'c']);
    expect(readFileSync(join(root, 'team.yaml'), 'utf8')).not.toContain('name: a');
  });

  it('writes nothing when the directory would not parse', async () => {
    writeFileSync(join(root, 'a.yaml'), cnp('a'));
    writeFileSync(join(root, 'broken.yaml'), 'kind: CiliumNetworkPolicy\nmetadata: {name: "Bad Name"}\n');
    const store = new DirectoryPolicyStore(root);
    const state = applyPolicies(emptyRepository(), parsePolicies([{ file: 'in', text: cnp('b') }])).state;
    await expect(store.save(state)).rejects.toSatisfy((e: unknown) => isSluiceError(e, 'ERR_POLICY_INVALID'));
    expect(readdirSync(root).sort()).toEqual(['a.yaml', 'broken.yaml']);
  });
});
