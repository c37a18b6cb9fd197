// The `sluice` command: a table of subcommands, each in src/cli/commands/. Errors with a code are
// printed as one line (`sluice: <message> [CODE]`) and exit 1; anything else is a bug and shows its stack.
import type { Command } from './command.js';
import { isSluiceError } from '../errors.js';

type Loader = () => Promise<Command>;

// Loaded lazily so that `sluice policy validate` does not pay for koffi or kafkajs.
const commands: Record<string, { summary: string; loader: Loader }> = {};

export function registerCommand(name: string, summary: string, loader: Loader): void {
  commands[name] = { summary, loader };
}

function help(): string {
  const lines = [
    'sluice: DNS-aware network policy and flow visibility for Linux containers (eBPF)',
    '',
    'usage: sluice COMMAND [ARGS...]',
    '',
    'commands:',
  ];
  for (const name of Object.keys(commands).sort()) lines.push(`  ${name.padEnd(10)} ${commands[name]!.summary}`);
  lines.push('', 'Run `sluice COMMAND --help` for the flags of one command.');
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  await import('./commands/index.js');
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help() + '\n');
    return name === undefined ? 2 : 0;
  }
  const entry = commands[name];
  if (!entry) {
    process.stderr.write(`sluice: unknown command '${name}'\n\n${help()}\n`);
    return 2;
  }
  const cmd = await entry.loader();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(cmd.usage + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (isSluiceError(err)) {
      process.stderr.write(`sluice ${name}: ${err.message} [${err.code}]\n`);
      return 1;
    }
    if (err instanceof Error && (err as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`sluice ${name}: ${err.message}\n\n${cmd.usage}\n`);
      return 2;
    }
    throw err;
  }
}
