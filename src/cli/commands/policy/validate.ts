// `sluice policy validate FILE...`: every problem of every file, or a line per valid policy.
import { parseArgs } from 'node:util';
import { isSluiceError } from '../../../errors.js';
import { formatIssue, issuesOf, parsePolicies, policyKeyString } from '../../../policy/index.js';
import type { Command } from '../../command.js';
import { readPolicyFiles } from './readPolicyFiles.js';

const command: Command = {
  usage: [
    'usage: sluice policy validate FILE...',
    '',
    'Checks CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy files (several documents and',
    'List objects allowed; - reads stdin). Prints each problem as FILE: document N: PATH: REASON',
    'on stderr and exits 1 when any file is invalid.',
  ].join('\n'),
  async run(argv) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {} });
    const files = await readPolicyFiles(positionals);
    try {
      const policies = parsePolicies(files);
      for (const p of policies) {
        process.stdout.write(`valid: ${p.kind} ${policyKeyString(p)} (${p.source.file} document ${p.source.document})\n`);
      }
      return 0;
    } catch (err) {
      if (!isSluiceError(err, 'ERR_POLICY_INVALID')) throw err;
      const issues = issuesOf(err);
      for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write(`sluice policy validate: ${issues.length} problem${issues.length === 1 ? '' : 's'} found [ERR_POLICY_INVALID]\n`);
      return 1;
    }
  },
};
export default command;
