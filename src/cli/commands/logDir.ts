// Where the local event log lives for commands that read it: --log-dir, else SLUICE_LOG_DIR,
// else the agent's default.
export const DEFAULT_LOG_DIR = '/var/lib/sluice/log';

export const resolveLogDir = (flag: string | undefined): string => flag ?? process.env.SLUICE_LOG_DIR ?? DEFAULT_LOG_DIR;

/** An AbortSignal that fires on Ctrl-C or SIGTERM, for --follow. */
export function interruptSignal(): AbortSignal {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return ac.signal;
}
