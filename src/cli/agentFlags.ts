// What every command that talks to the agent shares: the --socket flag (SLUICE_SOCKET, default
// /run/sluice/agent.sock), -o text|json, and a table printer for the text form.
import { createApiClient, resolveSocketPath, type ApiClient } from '../api/index.js';
import { SluiceError } from '../errors.js';

export const agentOptions = {
  socket: { type: 'string' },
  output: { type: 'string', short: 'o', default: 'text' },
} as const;

export const SOCKET_USAGE = '--socket PATH   the agent API socket (env SLUICE_SOCKET, default /run/sluice/agent.sock)';

export function agentClient(socket: string | undefined): ApiClient {
  return createApiClient({ socketPath: resolveSocketPath(socket) });
}

export function outputFormat(value: string | undefined): 'text' | 'json' {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new SluiceError('ERR_CONFIG', `unknown output format '${value}' (text or json)`);
}

/** Left-aligned columns separated by two spaces; the first row is the header. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => (row[c] ?? '').length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** `in 25s`, `in 3m10s`, `2s ago`: how an expiry reads at a glance. */
export function relativeTime(targetMs: number, nowMs: number): string {
  const diffSec = Math.round((targetMs - nowMs) / 1000);
  const abs = Math.abs(diffSec);
  const text = abs >= 3600 ? `${Math.floor(abs / 3600)}h${Math.floor((abs % 3600) / 60)}m` : abs >= 60 ? `${Math.floor(abs / 60)}m${abs % 60}s` : `${abs}s`;
  return diffSec >= 0 ? `in ${text}` : `${text} ago`;
}
