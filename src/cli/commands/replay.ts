import { parseArgs } from 'node:util';
import { snapshotState } from '../../log/replay/agentState.js';
import { replayUntil } from '../../log/replay/replay.js';
import { parseTimeArg } from '../../log/time.js';
import type { Command } from '../command.js';
import { resolveLogDir } from './logDir.js';

const usage = `usage: sluice replay [--until TIME] [--log-dir DIR]

Rebuilds agent state (policies, endpoints, FQDN allowlist) from the policy-changes log and prints
it as JSON: the state as it was at TIME (RFC3339 or a duration ago like 10m), or now.`;

const command: Command = {
  usage,
  async run(argv) {
    const { values: v } = parseArgs({ args: argv, options: { until: { type: 'string' }, 'log-dir': { type: 'string' } } });
    const untilMs = v.until === undefined ? Infinity : parseTimeArg(v.until, Date.now());
    const { state } = replayUntil(resolveLogDir(v['log-dir']), untilMs);
    process.stdout.write(JSON.stringify(snapshotState(state), null, 2) + '\n');
    return 0;
  },
};
export default command;
