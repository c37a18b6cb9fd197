// `sluice policy delete NAME...`: removes applied policies, all or nothing.
import { parseArgs } from 'node:util';
import { SluiceError } from '../../../errors.js';
import { DEFAULT_NAMESPACE, deletePolicies, parsePolicies, policyKeyString, type PolicyKey } from '../../../policy/index.js';
import type { Command } from '../../command.js';
import { FilePolicyStore, statePath } from './policyStore.js';
import { printEvents } from './printEvents.js';
import { readPolicyFiles } from './readPolicyFiles.js';

const command: Command = {
  usage: [
    'usage: sluice policy delete [--state FILE] [-n NAMESPACE | --clusterwide] [-o text|json] NAME...',
    '       sluice policy delete [--state FILE] -f FILE...',
    '',
    'Deletes applied policies; if any is not applied, nothing is deleted.',
    '  NAME may be NAMESPACE/NAME. -n defaults to "default"; --clusterwide names',
    '  CiliumClusterwideNetworkPolicies. -f deletes the policies defined in the files.',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        state: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        clusterwide: { type: 'boolean', default: false },
        filename: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o', default: 'text' },
      },
    });
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
    const store = new FilePolicyStore(statePath(values.state));
    const change = deletePolicies(await store.load(), keys);
    await store.save(change.state);
    printEvents(change.events, values.output, (e) => `deleted ${e.data.kind} ${policyKeyString(e.data)} at revision ${e.data.revision}`);
    return 0;
  },
};
export default command;
