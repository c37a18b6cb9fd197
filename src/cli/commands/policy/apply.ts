// `sluice policy apply FILE...`: validates every file, then writes the policies into the agent's
// policy directory, all or nothing; the running agent applies the new set and assigns its revision.
import { parseArgs } from 'node:util';
import { applyPolicies, parsePolicies } from '../../../policy/index.js';
import { outputFormat, SOCKET_USAGE } from '../../agentFlags.js';
import { policyAgentClient } from './agentSync.js';
import type { Command } from '../../command.js';
import { commitPolicyChange } from './commitPolicyChange.js';
import { DirectoryPolicyStore } from './directoryPolicyStore.js';
import { applyChanges } from './policyChanges.js';
import { POLICY_DIR_USAGE, resolvePolicyDir } from './policyDir.js';
import { readPolicyFiles } from './readPolicyFiles.js';

const command: Command = {
  usage: [
    'usage: sluice policy apply [--policy-dir DIR] [--socket PATH] [-o text|json] [-f] FILE...',
    '',
    "Writes every policy in the files into the agent's policy directory, all or nothing: if any",
    'document is invalid, or the directory would not parse as a whole, nothing is written. Each new',
    'or changed policy gets its own file, <namespace>.<name>.yaml (_cluster.<name>.yaml when',
    'clusterwide); a replaced policy is cut out of the file that held it. When an agent answers, the',
    'command waits up to 2 s for it to apply the set and prints the revision it assigned; otherwise',
    'the change applies when the agent starts.',
    `  ${POLICY_DIR_USAGE}`,
    `  ${SOCKET_USAGE}`,
    '  -o json           one JSON object per policy: {change, kind, namespace, name, revision}',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'policy-dir': { type: 'string' },
        socket: { type: 'string' },
        filename: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o', default: 'text' },
      },
    });
    const output = outputFormat(values.output);
    const policies = parsePolicies(await readPolicyFiles([...(values.filename ?? []), ...positionals]));
    const store = new DirectoryPolicyStore(resolvePolicyDir(values['policy-dir']));
    const before = await store.load();
    const { state } = applyPolicies(before, policies);
    await commitPolicyChange({ store, state, changes: applyChanges(before, policies), client: policyAgentClient(values.socket), output });
    return 0;
  },
};
export default command;
