// `--labels app=web,tier=front` -> { app: 'web', tier: 'front' }. A value may contain '=' (only the
// first splits); keys are checked by the agent's endpoint validation, which knows the full rules.
import { SluiceError } from '../../../errors.js';

export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SluiceError('ERR_CONFIG', `--labels: '${part}' is not KEY=VALUE`);
    const key = part.slice(0, eq).trim();
    if (Object.hasOwn(labels, key)) throw new SluiceError('ERR_CONFIG', `--labels: '${key}' given twice`);
    labels[key] = part.slice(eq + 1).trim();
  }
  return labels;
}
