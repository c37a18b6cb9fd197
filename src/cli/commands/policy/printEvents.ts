// Output of apply and delete: one line per event, as text or JSON.
import { SluiceError } from '../../../errors.js';
import type { PolicyEvent } from '../../../policy/index.js';

export function printEvents(events: PolicyEvent[], output: string | undefined, text: (e: PolicyEvent) => string): void {
  if (output !== 'text' && output !== 'json') throw new SluiceError('ERR_CONFIG', `unknown output format '${output}' (text or json)`);
  for (const event of events) process.stdout.write(`${output === 'json' ? JSON.stringify(event) : text(event)}\n`);
}
