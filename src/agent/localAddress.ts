// The DNS proxy's addresses must be local in the agent's namespace for steered packets to reach it.
import { execFileSync } from 'node:child_process';
import { SluiceError } from '../errors.js';

export function ensureLocalAddress(address: string, bits: number): void {
  try {
    execFileSync('ip', [address.includes(':') ? '-6' : '-4', 'addr', 'replace', `${address}/${bits}`, 'dev', 'lo', ...(address.includes(':') ? ['nodad'] : [])], { stdio: 'pipe' });
  } catch (err) {
    throw new SluiceError('ERR_NETNS', `add DNS proxy address ${address} to lo: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`, { cause: err });
  }
}
