// Where `sluice policy apply|delete|list|trace` find the policies: the directory the agent reads
// and watches (src/agent/policySource.ts). One directory, so what apply writes is what the agent
// enforces. The default must equal the agent's (defaultConfig.policyDir in src/agent/config.ts;
// policyDir.test.ts keeps the two in step).
import { join } from 'node:path';
import type { PolicyKey } from '../../../policy/index.js';

export const DEFAULT_POLICY_DIR = '/etc/sluice/policies';

export const POLICY_DIR_USAGE = `--policy-dir DIR  the agent's policy directory (env SLUICE_POLICY_DIR, default ${DEFAULT_POLICY_DIR})`;

/** --policy-dir wins, then SLUICE_POLICY_DIR, then the default: the same order as `sluice agent`. */
export function resolvePolicyDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.SLUICE_POLICY_DIR;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_POLICY_DIR;
}

/**
 * `<namespace>.<name>.yaml`, or `_cluster.<name>.yaml` for a clusterwide policy. A namespace is a
 * DNS label (no dots, no underscore), so the prefix up to the first dot names the namespace and
 * `_cluster` can never be one; names are DNS subdomains, so no name can climb out of `dir`.
 */
export function policyFileName(key: PolicyKey, suffix = 0): string {
  // a suffix uses '_', which no policy name may contain, so it cannot hit another policy's file
  return `${key.namespace ?? '_cluster'}.${key.name}${suffix === 0 ? '' : `_${suffix}`}.yaml`;
}

export function policyFilePath(dir: string, key: PolicyKey, suffix = 0): string {
  return join(dir, policyFileName(key, suffix));
}
