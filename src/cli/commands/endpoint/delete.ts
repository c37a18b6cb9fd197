// `sluice endpoint delete NAME...`: removes endpoints from the running agent, in order; the first
// failure stops the rest, so what was deleted is exactly what was printed.
import { parseArgs } from 'node:util';
import { SluiceError } from '../../../errors.js';
import type { Command } from '../../command.js';
import { agentClient, SOCKET_USAGE } from '../../agentFlags.js';

const command: Command = {
  usage: ['usage: sluice endpoint delete NAME... [--socket PATH]', '', `  ${SOCKET_USAGE}`].join('\n'),
  async run(argv) {
    const { values, positionals } = parseArgs({ args: argv, options: { socket: { type: 'string' } }, allowPositionals: true });
    if (positionals.length === 0) throw new SluiceError('ERR_CONFIG', 'give the name of at least one endpoint');
    const client = agentClient(values.socket);
    for (const name of positionals) {
      await client.removeEndpoint(name);
      process.stdout.write(`endpoint ${name} deleted\n`);
    }
    return 0;
  },
};
export default command;
