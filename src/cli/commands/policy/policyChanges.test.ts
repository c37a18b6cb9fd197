import { describe, expect, it } from 'vitest';
import { applyPolicies, emptyRepository, parsePolicies } from '../../../policy/index.js';
import { applyChanges, deleteChanges } from './policyChanges.js';

const doc = (name: string, cidr: string) =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: ci}\nspec: {endpointSelector: {}, egress: [{toCIDR: [${cidr}]}]}\n`;

describe('cli > policy > policyChanges', () => {
  it('tells created, configured and unchanged apart by document', () => {
    const before = applyPolicies(emptyRepository(), parsePolicies([{ file: 'a.yaml', text: `${doc('a', '10.0.0.1')}---\n${doc('b', '10.0.0.2')}` }])).state;
    const next = parsePolicies([{ file: 'n.yaml', text: `${doc('a', '10.0.0.1')}---\n${doc('b', '10.0.0.9')}---\n${doc('c', '10.0.0.3')}` }]);
    expect(applyChanges(before, next).map((c) => `${c.change} ${c.name}`)).toEqual(['unchanged a', 'configured b', 'created c']);
  });

  it('marks every deleted key', () => {
    expect(deleteChanges([{ kind: 'CiliumClusterwideNetworkPolicy', namespace: null, name: 'x' }])).toEqual([
      { kind: 'CiliumClusterwideNetworkPolicy', namespace: null, name: 'x', change: 'deleted' },
    ]);
  });
});
