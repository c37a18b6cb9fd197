import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';

const command: Command = {
  usage: 'usage: sluice version',
  async run() {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`sluice ${pkg.version}\n`);
    return 0;
  },
};
export default command;
