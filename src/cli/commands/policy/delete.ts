// `sluice policy delete NAME...`: removes policies from the agent's policy directory, all or
// nothing; the running agent applies the smaller set and assigns its revision.
import { parseArgs } from 'node:util';
import { SluiceError } from '../../../errors.js';
import { DEFAULT_NAMESPACE, deletePolicies, parsePolicies, type PolicyKey } from '../../../policy/index.js';
import { outputFormat, SOCKET_USAGE } from '../../agentFlags.js';
import type { Command } from '../../command.js';
import { policyAgentClient } from './agentSync.js';
import { commitPolicyChange } from './commitPolicyChange.js';
import { DirectoryPolicyStore } from './directoryPolicyStore.js';
import { deleteChanges } from './policyChanges.js';
import { POLICY_DIR_USAGE, resolvePolicyDir } from './policyDir.js';
import { readPolicyFiles } from './readPolicyFiles.js';

const command: Command = {
  usage: [
    'usage: sluice policy delete [--policy-dir DIR] [--socket PATH] [-n NAMESPACE | --clusterwide] [-o text|json] NAME...',
    '       sluice policy delete [--policy-dir DIR] [--socket PATH] -f FILE...',
    '',
    "Deletes policies from the agent's policy directory; if any is not there, nothing is deleted.",
    'A policy in a file of several is cut out of it (the file goes when it holds nothing else).',
    '  NAME may be NAMESPACE/NAME. -n defaults to "default"; --clusterwide names',
    '  CiliumClusterwideNetworkPolicies. -f deletes the policies defined in the files.',
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
        namespace: { type: 'string', short: 'n' },
        clusterwide: { type: 'boolean', default: false },
        filename: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o', default: 'text' },
      },
    });
    const output = outputFormat(values.output);
    let keys: PolicyKey[];
    if (values.filename !== undefined) {
      keys = parsePolicies(await readPolicyFiles([...values.filename, ...positionals])).map((p) => ({ kind: p.kind, namespace: p.namespace, name: p.name }));
    } else {
      if (positionals.length === 0) throw new SluiceError('ERR_CONFIG', 'name the policies to delete');
      if (values.clusterwide && values.namespace !== undefined) throw new SluiceError('ERR_CONFIG', '--clusterwide and --namespace exclude each other');
      keys = positionals.map((arg): PolicyKey => {
        if (values.clusterwide) return { kind: 'CiliumClusterwideNetworkPolicy', namespace: null, name: arg };
        const [ns, name] = arg.includes('/') ? arg.split('/', 2) : [values.namespace ?? DEFAULT_NAMESPACE, arg];
        return { kind: 'CiliumNetworkPolicy', namespace: ns!, name: name! };
      });
    }
    const store = new DirectoryPolicyStore(resolvePolicyDir(values['policy-dir']));
    const { state } = deletePolicies(await store.load(), keys);
    await commitPolicyChange({ store, state, changes: deleteChanges(keys), client: policyAgentClient(values.socket), output });
    return 0;
  },
};
export default command;
