// `sluice policy list`: the applied policies and the repository revision.
import { parseArgs } from 'node:util';
import { SluiceError } from '../../../errors.js';
import { listPolicies } from '../../../policy/index.js';
import type { Command } from '../../command.js';
import { FilePolicyStore, statePath } from './policyStore.js';

const command: Command = {
  usage: 'usage: sluice policy list [--state FILE] [-o text|json]',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { state: { type: 'string' }, output: { type: 'string', short: 'o', default: 'text' } } });
    const state = await new FilePolicyStore(statePath(values.state)).load();
    const rows = listPolicies(state).map((s) => ({ kind: s.policy.kind, namespace: s.policy.namespace, name: s.policy.name, revision: s.revision, source: s.policy.source }));
    if (values.output === 'json') {
      process.stdout.write(`${JSON.stringify({ revision: state.revision, policies: rows })}\n`);
      return 0;
    }
    if (values.output !== 'text') throw new SluiceError('ERR_CONFIG', `unknown output format '${values.output}' (text or json)`);
    const table = [['KIND', 'NAMESPACE', 'NAME', 'REVISION'], ...rows.map((r) => [r.kind, r.namespace ?? '-', r.name, String(r.revision)])];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
    for (const row of table) process.stdout.write(`${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}\n`);
    process.stdout.write(`repository revision ${state.revision}\n`);
    return 0;
  },
};
export default command;
