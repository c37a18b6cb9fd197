// `sluice policy apply FILE...`: validates every file, then applies all policies at one
// revision, or nothing.
import { parseArgs } from 'node:util';
import { applyPolicies, parsePolicies, policyKeyString } from '../../../policy/index.js';
import type { Command } from '../../command.js';
import { FilePolicyStore, statePath } from './policyStore.js';
import { readPolicyFiles } from './readPolicyFiles.js';
import { printEvents } from './printEvents.js';

const command: Command = {
  usage: [
    'usage: sluice policy apply [--state FILE] [-o text|json] FILE...',
    '',
    'Applies every policy in the files, all or nothing, at one new revision.',
    '  --state FILE   policy state file (default $SLUICE_STATE or /var/lib/sluice/policies.json)',
    '  -o json        print the policy.applied events as JSON lines',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { state: { type: 'string' }, output: { type: 'string', short: 'o', default: 'text' } },
    });
    const policies = parsePolicies(await readPolicyFiles(positionals));
    const store = new FilePolicyStore(statePath(values.state));
    const change = applyPolicies(await store.load(), policies);
    await store.save(change.state);
    printEvents(change.events, values.output, (e) => `applied ${e.data.kind} ${policyKeyString(e.data)} at revision ${e.data.revision}`);
    return 0;
  },
};
export default command;
