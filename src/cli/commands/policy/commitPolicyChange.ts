// What apply and delete share once they know the new set: write it to the policy directory, then
// report what changed and whether the running agent took it (with the revision it assigned), or
// that the change waits for the agent to start. Notes go to stdout in text mode and to stderr with
// -o json, so stdout stays one JSON object per line.
import { basename } from 'node:path';
import type { ApiClient } from '../../../api/index.js';
import { policyKeyString, type RepositoryState } from '../../../policy/index.js';
import { probeAgent, viewKey, waitForAgent, type AgentApplied, type WaitOptions } from './agentSync.js';
import type { PolicyChange } from './policyChanges.js';
import type { PolicyStore, SaveSummary } from './policyStore.js';

export interface CommitOptions {
  store: PolicyStore;
  state: RepositoryState;
  changes: PolicyChange[];
  client: ApiClient;
  output: 'text' | 'json';
  wait?: WaitOptions;
}

export async function commitPolicyChange(o: CommitOptions): Promise<void> {
  const note = (line: string) => (o.output === 'json' ? process.stderr : process.stdout).write(`${line}\n`);
  const changed = o.changes.filter((c) => c.change !== 'unchanged');
  if (changed.length === 0) {
    printChanges(o.changes, o.output, undefined);
    note(`nothing changed in ${o.store.location}`);
    return;
  }
  const agent = await probeAgent(o.client);
  const saved = await o.store.save(o.state);
  let applied: AgentApplied | undefined;
  if (agent.reachable) {
    const expected = { keys: o.state.policies.map((s) => policyKeyString(s.policy)), changed: changed.filter((c) => c.change !== 'deleted').map(policyKeyString) };
    applied = await waitForAgent(o.client, agent.policies, expected, o.wait);
  }
  printChanges(o.changes, o.output, applied);
  note(filesLine(o.store.location, saved));
  if (!agent.reachable) note(`${agent.reason}; the change applies when the agent starts`);
  else if (applied !== undefined) note(`the agent on ${o.client.socketPath} applied the set at revision ${applied.revision}`);
  else process.stderr.write(`sluice: the agent on ${o.client.socketPath} has not reported the change yet: does it watch ${o.store.location}? (sluice policy list)\n`);
}

function printChanges(changes: PolicyChange[], output: 'text' | 'json', applied: AgentApplied | undefined): void {
  for (const c of changes) {
    // a deleted policy has no revision of its own: the set's revision is the one that removed it
    const revision = applied === undefined || c.change === 'unchanged' ? null : c.change === 'deleted' ? applied.revision : (applied.policies.find((v) => viewKey(v) === policyKeyString(c))?.revision ?? null);
    if (output === 'json') {
      process.stdout.write(`${JSON.stringify({ change: c.change, kind: c.kind, namespace: c.namespace, name: c.name, revision })}\n`);
    } else {
      process.stdout.write(`${c.change} ${c.kind} ${policyKeyString(c)}${revision === null ? '' : ` at revision ${revision}`}\n`);
    }
  }
}

function filesLine(dir: string, saved: SaveSummary): string {
  const parts = [];
  if (saved.written.length > 0) parts.push(`wrote ${saved.written.map((f) => basename(f)).join(', ')}`);
  if (saved.removed.length > 0) parts.push(`removed ${saved.removed.map((f) => basename(f)).join(', ')}`);
  return `policy directory ${dir}: ${parts.length > 0 ? parts.join('; ') : 'no file changed'}`;
}
