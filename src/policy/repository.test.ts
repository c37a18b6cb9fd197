import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../errors.js';
import { parsePolicies } from './parsePolicies.js';
import { applyPolicies, deletePolicies, emptyRepository, foldPolicyEvent, listPolicies } from './repository.js';

const load = (name: string) => parsePolicies([{ file: name, text: readFileSync(new URL(`../../test/fixtures/policies/${name}`, import.meta.url), 'utf8') }]);

describe('policy > repository', () => {
  it('applies a set at one revision and emits one applied event per policy', () => {
    const { state, events } = applyPolicies(emptyRepository(), load('platform.yaml'));
    expect(state.revision).toBe(1);
    expect(listPolicies(state).map((s) => [s.policy.name, s.revision])).toEqual([['deny-cloud-metadata', 1], ['web-public-dns', 1]]);
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      type: 'policy.applied',
      data: { kind: 'CiliumClusterwideNetworkPolicy', namespace: null, name: 'deny-cloud-metadata', revision: 1, document: load('platform.yaml')[0]!.document },
    });
  });

  it('replaces a policy with the same key and keeps the others', () => {
    const first = applyPolicies(emptyRepository(), [...load('platform.yaml'), ...load('ci-egress.yaml')]);
    const second = applyPolicies(first.state, load('ci-egress.yaml'));
    expect(second.state.revision).toBe(2);
    expect(listPolicies(second.state).map((s) => [s.policy.name, s.revision])).toEqual([
      ['deny-cloud-metadata', 1],
      ['web-public-dns', 1],
      ['ci-egress', 2],
    ]);
  });

  it('deletes all or nothing, with the deleted document in the event', () => {
    const { state } = applyPolicies(emptyRepository(), load('platform.yaml'));
    const key = { kind: 'CiliumClusterwideNetworkPolicy' as const, namespace: null, name: 'web-public-dns' };
    const missing = { kind: 'CiliumNetworkPolicy' as const, namespace: 'x', name: 'nope' };
    let thrown: unknown;
    try {
      deletePolicies(state, [key, missing]);
    } catch (err) {
      thrown = err;
    }
    expect(isSluiceError(thrown, 'ERR_POLICY_NOT_FOUND')).toBe(true);
    expect((thrown as Error).message).toBe('delete policy: not applied: CiliumNetworkPolicy x/nope');
    expect(listPolicies(state)).toHaveLength(2);

    const deleted = deletePolicies(state, [key]);
    expect(deleted.state.revision).toBe(2);
    expect(listPolicies(deleted.state).map((s) => s.policy.name)).toEqual(['deny-cloud-metadata']);
    expect(deleted.events).toEqual([{ type: 'policy.deleted', data: { ...key, revision: 2, document: load('platform.yaml')[1]!.document } }]);
  });

  it('replaying the events rebuilds the same state', () => {
    const a = applyPolicies(emptyRepository(), load('platform.yaml'));
    const b = applyPolicies(a.state, load('list.yaml'));
    const c = deletePolicies(b.state, [{ kind: 'CiliumNetworkPolicy', namespace: 'payments', name: 'lockdown' }]);
    const replayed = [...a.events, ...b.events, ...c.events].reduce(foldPolicyEvent, emptyRepository());
    expect(replayed.revision).toBe(3);
    const view = (s: typeof replayed) => s.policies.map((p) => [p.policy.kind, p.policy.namespace, p.policy.name, p.revision, p.policy.specs]);
    expect(view(replayed)).toEqual(view(c.state));
  });

  it('applying nothing changes nothing', () => {
    const state = emptyRepository();
    expect(applyPolicies(state, [])).toEqual({ state, events: [] });
  });
});
