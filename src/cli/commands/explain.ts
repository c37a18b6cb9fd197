import { parseArgs } from 'node:util';
import { SluiceError } from '../../errors.js';
import { explainFlow } from '../../log/replay/explain.js';
import { parseTimeArg } from '../../log/time.js';
import type { Command } from '../command.js';
import { resolveLogDir } from './logDir.js';

const usage = `usage: sluice explain FLOW_ID | --src IP --dst IP [--dport N] [--proto tcp|udp] [--time TIME]

The chain behind a flow's verdict, from the log: the allowlist entry for its destination, the DNS
answer (and its time) that created it, and the policy rule and revision that allowed the name.
FLOW_ID is the flow's uuid (sluice observe -o json shows it). Prints JSON with a one-line conclusion.
  --log-dir DIR   local log (default $SLUICE_LOG_DIR or /var/lib/sluice/log)`;

const command: Command = {
  usage,
  async run(argv) {
    const { values: v, positionals } = parseArgs({
      args: argv, allowPositionals: true,
      options: { src: { type: 'string' }, dst: { type: 'string' }, dport: { type: 'string' }, proto: { type: 'string' }, time: { type: 'string' }, 'log-dir': { type: 'string' } },
    });
    const flowId = positionals[0];
    if (flowId === undefined && v.dst === undefined && v.src === undefined) throw new SluiceError('ERR_CONFIG', 'give a FLOW_ID or --src/--dst');
    const explanation = explainFlow(resolveLogDir(v['log-dir']), {
      flowId, src: v.src, dst: v.dst, proto: v.proto,
      dport: v.dport === undefined ? undefined : Number(v.dport),
      timeMs: v.time === undefined ? undefined : parseTimeArg(v.time, Date.now()),
    });
    process.stdout.write(JSON.stringify(explanation, null, 2) + '\n');
    return 0;
  },
};
export default command;
