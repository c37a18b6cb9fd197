import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../agent/config.js';
import { DEFAULT_POLICY_DIR, policyFileName, resolvePolicyDir } from './policyDir.js';

describe('cli > policy > policyDir', () => {
  it('defaults to the directory the agent reads, so neither needs a flag', () => {
    expect(DEFAULT_POLICY_DIR).toBe('/etc/sluice/policies');
    expect(defaultConfig.policyDir).toBe(DEFAULT_POLICY_DIR);
  });

  it('takes the flag, then SLUICE_POLICY_DIR, then the default; empty counts as unset', () => {
    expect(resolvePolicyDir('/a', { SLUICE_POLICY_DIR: '/b' })).toBe('/a');
    expect(resolvePolicyDir(undefined, { SLUICE_POLICY_DIR: '/b' })).toBe('/b');
    expect(resolvePolicyDir('', { SLUICE_POLICY_DIR: '' })).toBe(DEFAULT_POLICY_DIR);
    expect(resolvePolicyDir(undefined, {})).toBe(DEFAULT_POLICY_DIR);
  });

  it('names files <namespace>.<name>.yaml and _cluster.<name>.yaml, suffixes with _N', () => {
    expect(policyFileName({ kind: 'CiliumNetworkPolicy', namespace: 'ci', name: 'ci-egress' })).toBe('ci.ci-egress.yaml');
    expect(policyFileName({ kind: 'CiliumClusterwideNetworkPolicy', namespace: null, name: 'a.b' })).toBe('_cluster.a.b.yaml');
    expect(policyFileName({ kind: 'CiliumNetworkPolicy', namespace: 'ci', name: 'x' }, 2)).toBe('ci.x_2.yaml');
  });
});
