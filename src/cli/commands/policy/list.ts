// `sluice policy list`: what the running agent enforces, with the revisions it assigned, when an
// agent answers; otherwise what the policy directory holds, which has no revisions yet.
import { parseArgs } from 'node:util';
import { isSluiceError } from '../../../errors.js';
import { formatTable, outputFormat, SOCKET_USAGE } from '../../agentFlags.js';
import type { Command } from '../../command.js';
import { policyAgentClient } from './agentSync.js';
import { DirectoryPolicyStore } from './directoryPolicyStore.js';
import { POLICY_DIR_USAGE, resolvePolicyDir } from './policyDir.js';

interface Row {
  kind: string;
  namespace: string | null;
  name: string;
  revision: number | null;
  source: string | null;
}

const command: Command = {
  usage: [
    'usage: sluice policy list [--socket PATH] [--policy-dir DIR] [-o text|json]',
    '',
    'Lists the policies the running agent enforces, with the revision of each and of the set.',
    'When no agent answers, lists the policy directory instead: no revisions, as the agent assigns',
    'them when it applies the set.',
    `  ${SOCKET_USAGE}`,
    `  ${POLICY_DIR_USAGE}`,
    '  -o json           {from: "agent"|"directory", revision, policies: [{kind, namespace, name, revision, source}]}',
  ].join('\n'),
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { socket: { type: 'string' }, 'policy-dir': { type: 'string' }, output: { type: 'string', short: 'o', default: 'text' } } });
    const output = outputFormat(values.output);
    const client = policyAgentClient(values.socket);
    let view: { from: 'agent' | 'directory'; revision: number | null; policies: Row[]; note: string };
    try {
      const [policies, status] = await Promise.all([client.policies(), client.status()]);
      const rows = policies.map((p) => ({ kind: p.kind, namespace: p.namespace, name: p.name, revision: p.revision, source: p.source ?? null }));
      view = { from: 'agent', revision: status.policies.revision, policies: rows, note: `repository revision ${status.policies.revision} (the agent on ${client.socketPath})` };
    } catch (err) {
      // no agent, or not ours to ask (the socket is root's): the directory is the next best answer
      if (!isSluiceError(err)) throw err;
      const dir = resolvePolicyDir(values['policy-dir']);
      const state = await new DirectoryPolicyStore(dir).load();
      const rows = state.policies.map((s) => ({ kind: s.policy.kind, namespace: s.policy.namespace, name: s.policy.name, revision: null, source: s.policy.source.file }));
      view = { from: 'directory', revision: null, policies: rows, note: `${err.message}; listing the policies in ${dir} instead, without revisions (the agent assigns them when it applies the set)` };
    }
    if (output === 'json') {
      process.stdout.write(`${JSON.stringify({ from: view.from, revision: view.revision, policies: view.policies })}\n`);
      return 0;
    }
    const rows = view.policies.map((r) => [r.kind, r.namespace ?? '-', r.name, r.revision === null ? '-' : String(r.revision), r.source ?? '-']);
    process.stdout.write(formatTable([['KIND', 'NAMESPACE', 'NAME', 'REVISION', 'FILE'], ...rows]));
    process.stdout.write(`${view.note}\n`);
    return 0;
  },
};
export default command;
