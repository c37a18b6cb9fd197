// `sluice fqdn match`: JSON lines in, JSON lines out, one answer per input line and in order,
// for scripts and conformance checks against Cilium. A bad line is answered, never fatal.
import { createInterface } from 'node:readline';
import { fqdnSelectorMatches, readFqdnSelector } from '../../../policy/index.js';
import type { Command } from '../../command.js';

export type MatchAnswer = { valid: true; match: boolean } | { valid: false; error: string };

/** Answers one input line: {"selector":{"matchName"|"matchPattern":...},"name":...}. */
export function answerMatchLine(line: string): MatchAnswer {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (err) {
    return { valid: false, error: `malformed JSON: ${(err as Error).message}` };
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { valid: false, error: 'each line must be a JSON object with selector and name' };
  }
  const { selector, name } = input as Record<string, unknown>;
  if (typeof name !== 'string') return { valid: false, error: 'name must be a string' };
  const read = readFqdnSelector(selector);
  if ('problems' in read) return { valid: false, error: read.problems.map((p) => p.reason).join('; ') };
  return { valid: true, match: fqdnSelectorMatches(read.selector, name) };
}

const command: Command = {
  usage: [
    'usage: sluice fqdn match < LINES',
    '',
    'Reads JSON lines {"selector":{"matchName":"..."}|{"matchPattern":"..."},"name":"..."} on stdin and',
    'writes one line per input line, in order: {"valid":true,"match":true|false} or',
    '{"valid":false,"error":"..."}. Matching follows Cilium: case-insensitive, trailing dot optional,',
    '`*` within one label, a leading `**.` for one or more labels, all-stars for every name.',
  ].join('\n'),
  async run() {
    const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      const ok = process.stdout.write(`${JSON.stringify(answerMatchLine(line))}\n`);
      if (!ok) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    return 0;
  },
};
export default command;
