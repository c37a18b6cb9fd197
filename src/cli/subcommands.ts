// A command made of subcommands (`sluice policy validate`, `sluice fqdn match`): a table of
// lazily loaded modules, like the top-level table in main.ts. Adding a subcommand is one line
// in the parent's table.
import type { Command } from './command.js';
import { SluiceError } from '../errors.js';

export interface SubcommandEntry {
  summary: string;
  loader: () => Promise<Command>;
}

export function subcommandTable(parent: string, table: Record<string, SubcommandEntry>): Command {
  const names = Object.keys(table).sort();
  const usage = [
    `usage: sluice ${parent} SUBCOMMAND [ARGS...]`,
    '',
    'subcommands:',
    ...names.map((n) => `  ${n.padEnd(10)} ${table[n]!.summary}`),
    '',
    `Run \`sluice ${parent} SUBCOMMAND --help\` for its flags.`,
  ].join('\n');
  return {
    usage,
    async run(argv) {
      const [name, ...rest] = argv;
      const entry = name === undefined ? undefined : table[name];
      if (entry === undefined) {
        throw new SluiceError('ERR_CONFIG', name === undefined ? `missing subcommand (one of ${names.join(', ')})` : `unknown subcommand '${name}' (one of ${names.join(', ')})`);
      }
      return (await entry.loader()).run(rest);
    },
  };
}
