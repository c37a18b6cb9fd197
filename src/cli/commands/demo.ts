import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { runDemo } from '../../demo/demo.js';
import { SluiceError } from '../../errors.js';

const usage = `usage: sluice demo [--duration SECONDS] [--kafka BROKERS] [--log-dir DIR] [--no-color]

Builds a closed world of network namespaces (pods frontend, backend and batch; a world with an
authoritative resolver and servers at documentation addresses), starts the agent with the
embedded event log, applies an example policy, generates traffic and shows the flows live. At the
end it prints a summary and the commands that query the log. Ctrl-C or --duration stops it and
removes everything it made.

  --duration SECONDS   stop after this long (default: run until Ctrl-C)
  --kafka BROKERS      also publish to Kafka (host:port,...); start one with scripts/kafka.sh start
  --log-dir DIR        the event log (default /var/lib/sluice/log, where \`sluice observe\` reads)
  --no-color           plain output`;

const command: Command = {
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { duration: { type: 'string' }, kafka: { type: 'string' }, 'log-dir': { type: 'string' }, 'no-color': { type: 'boolean' } },
      strict: true,
    });
    let durationSec: number | undefined;
    if (values.duration !== undefined) {
      durationSec = Number(values.duration);
      if (!Number.isFinite(durationSec) || durationSec <= 0) throw new SluiceError('ERR_CONFIG', `--duration: '${values.duration}' is not a positive number of seconds`);
    }
    if (process.getuid?.() !== 0) throw new SluiceError('ERR_PRIVILEGE', 'the demo creates network namespaces and loads BPF programs: run it as root (sudo npm run demo)');
    let interrupt: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => { interrupt = resolve; });
    const onSignal = () => {
      process.stdout.write('\nstopping: removing the namespaces, the agent and its pins...\n');
      interrupt();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return runDemo({
      ...(durationSec !== undefined ? { durationSec } : {}),
      ...(values.kafka ? { kafka: values.kafka } : {}),
      logDir: values['log-dir'] ?? process.env.SLUICE_LOG_DIR ?? '/var/lib/sluice/log',
      color: !values['no-color'] && process.stdout.isTTY === true,
      out: (line) => process.stdout.write(line + '\n'),
      interrupted,
    });
  },
};
export default command;
