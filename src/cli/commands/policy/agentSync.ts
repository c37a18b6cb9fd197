// The running agent's side of apply and delete. The CLI only writes the policy directory; the
// agent notices, applies the whole set and assigns the revision (policy.applied events). So the
// CLI asks the agent for its set before writing, then polls GET /v1/policies until the agent
// reports the new set, and reads the revision it assigned.
import { createApiClient, resolveSocketPath, type ApiClient, type PolicyView } from '../../../api/index.js';
import { isSluiceError } from '../../../errors.js';

export type AgentProbe =
  | { reachable: true; policies: PolicyView[] }
  | { reachable: false; reason: string };

/** What the directory holds after the write, and which of those policies are new or replaced. */
export interface ExpectedSet {
  keys: string[];
  changed: string[];
}

export interface AgentApplied {
  /** The repository revision the agent reports after applying the set. */
  revision: number;
  policies: PolicyView[];
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** --socket, SLUICE_SOCKET or the default; a short timeout, as a hung agent must not hang apply. */
export function policyAgentClient(socket: string | undefined): ApiClient {
  return createApiClient({ socketPath: resolveSocketPath(socket), timeoutMs: 2000 });
}

/** `namespace/name`, or `name` for a clusterwide policy: policyKeyString of a view. */
export function viewKey(v: { namespace: string | null; name: string }): string {
  return v.namespace === null ? v.name : `${v.namespace}/${v.name}`;
}

/** A missing agent is a normal state for these commands (the change waits for it), not an error. */
export async function probeAgent(client: ApiClient): Promise<AgentProbe> {
  try {
    return { reachable: true, policies: await client.policies() };
  } catch (err) {
    if (isSluiceError(err)) return { reachable: false, reason: err.message };
    throw err;
  }
}

/**
 * True when the agent holds exactly the expected policies and has re-applied every changed one:
 * a replaced policy keeps its key, so only a revision above the one before the write proves the
 * agent read the new document.
 */
export function agentHasApplied(now: PolicyView[], before: PolicyView[], expected: ExpectedSet): boolean {
  const keys = new Set(now.map(viewKey));
  if (keys.size !== expected.keys.length || !expected.keys.every((k) => keys.has(k))) return false;
  const was = new Map(before.map((v) => [viewKey(v), v.revision]));
  return expected.changed.every((k) => {
    const v = now.find((p) => viewKey(p) === k);
    return v !== undefined && v.revision > (was.get(k) ?? -1);
  });
}

/** Polls until the agent reports the expected set; undefined when it does not within the timeout. */
export async function waitForAgent(client: ApiClient, before: PolicyView[], expected: ExpectedSet, options: WaitOptions = {}): Promise<AgentApplied | undefined> {
  const intervalMs = options.intervalMs ?? 100;
  const attempts = Math.max(1, Math.ceil((options.timeoutMs ?? 2000) / intervalMs));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let i = 0; i < attempts; i++) {
    await sleep(intervalMs);
    let now: PolicyView[];
    try {
      now = await client.policies();
    } catch (err) {
      // an agent restarting in between is worth another poll, anything else is a bug
      if (isSluiceError(err)) continue;
      throw err;
    }
    if (agentHasApplied(now, before, expected)) return { revision: (await client.status()).policies.revision, policies: now };
  }
  return undefined;
}
