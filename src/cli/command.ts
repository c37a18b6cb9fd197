// What every subcommand module provides. main.ts holds the table; each command parses its own
// flags (node:util parseArgs) and returns the process exit code.
export interface Command {
  /** The full usage text for `sluice CMD --help`. */
  usage: string;
  run(argv: string[]): Promise<number>;
}
