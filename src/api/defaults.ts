// Where the agent listens unless told otherwise. The CLI and the agent read the same constants,
// so `sluice status` finds an agent started without flags.

export const DEFAULT_API_SOCKET = '/run/sluice/agent.sock';
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9963';

/** --socket wins, then SLUICE_SOCKET, then the default. */
export function resolveSocketPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = env.SLUICE_SOCKET;
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_API_SOCKET;
}
