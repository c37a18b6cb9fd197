import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../../errors.js';
import { parsePolicies, type PolicyFile } from '../../../policy/index.js';
import { planDirectory } from './planDirectory.js';

const cnp = (name: string, cidr = '10.0.0.1', ns = 'ci') =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {endpointSelector: {}, egress: [{toCIDR: [${cidr}]}]}\n`;
const policies = (text: string) => parsePolicies([{ file: 'input.yaml', text }]);
const names = (files: PolicyFile[]) => parsePolicies(files).map((p) => p.name).sort();

describe('cli > policy > planDirectory', () => {
  it('writes a new policy to <namespace>.<name>.yaml and leaves unchanged ones where they are', () => {
    const current = [{ file: '/p/team.yaml', text: cnp('a') }];
    const plan = planDirectory('/p', current, policies(`${cnp('a')}---\n${cnp('b')}`));
    expect(plan.removes).toEqual([]);
    expect(plan.writes.map((w) => w.file)).toEqual(['/p/ci.b.yaml']);
    expect(names(plan.writes)).toEqual(['b']);
  });

  it('cuts a replaced policy out of a multi-document file, keeping the rest and its comments', () => {
    const team = `# owned by team ci\n${cnp('a')}---\n# b stays\n${cnp('b')}`;
    const plan = planDirectory('/p', [{ file: '/p/team.yaml', text: team }], policies(`${cnp('a', '10.9.9.9')}---\n${cnp('b')}`));
    // the new file comes first: a reader in between sees a duplicate (refused), never a gap
    expect(plan.writes.map((w) => w.file)).toEqual(['/p/ci.a.yaml', '/p/team.yaml']);
    const rewritten = plan.writes[1]!.text;
    expect(rewritten).toContain('# b stays');
    expect(names([{ file: 't', text: rewritten }])).toEqual(['b']);
    expect(plan.writes[0]!.text).toContain('10.9.9.9');
  });

  it('removes a file once its last policy is deleted, and drops items from a List', () => {
    const list = `kind: CiliumNetworkPolicyList\napiVersion: cilium.io/v2\nitems:\n  - metadata: {name: x, namespace: ci}\n    spec: {endpointSelector: {}}\n  - metadata: {name: y, namespace: ci}\n    spec: {endpointSelector: {}}\n`;
    const current = [{ file: '/p/a.yaml', text: cnp('a') }, { file: '/p/list.yml', text: list }];
    const plan = planDirectory('/p', current, parsePolicies([{ file: '/p/list.yml', text: list }]).filter((p) => p.name === 'y'));
    expect(plan.removes).toEqual(['/p/a.yaml']);
    expect(plan.writes.map((w) => w.file)).toEqual(['/p/list.yml']);
    expect(names(plan.writes)).toEqual(['y']);
  });

  it('overwrites a policy in its own file in place, and never merges into a user file of that name', () => {
    expect(planDirectory('/p', [{ file: '/p/ci.a.yaml', text: cnp('a') }], policies(cnp('a', '10.0.0.2')))).toMatchObject({ writes: [{ file: '/p/ci.a.yaml' }], removes: [] });
    const squatted = [{ file: '/p/ci.a.yaml', text: cnp('other') }];
    const plan = planDirectory('/p', squatted, policies(`${cnp('other')}---\n${cnp('a')}`));
    expect(plan.writes.map((w) => w.file)).toEqual(['/p/ci.a_1.yaml']);
  });

  it('plans nothing when the directory already holds the set', () => {
    expect(planDirectory('/p', [{ file: '/p/t.yaml', text: `${cnp('a')}---\n${cnp('b')}` }], policies(`${cnp('b')}---\n${cnp('a')}`))).toEqual({ writes: [], removes: [] });
  });

  it('refuses a directory that does not parse as a whole', () => {
    const current = [{ file: '/p/a.yaml', text: cnp('a') }, { file: '/p/dup.yaml', text: cnp('a') }];
    let err: unknown;
    try {
      planDirectory('/p', current, policies(cnp('b')));
    } catch (e) {
      err = e;
    }
    expect(isSluiceError(err, 'ERR_POLICY_INVALID')).toBe(true);
  });
});
