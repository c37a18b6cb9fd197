// Benchmarks write their figures to bench/results/<name>.json; nothing else writes there.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const resultsDir = fileURLToPath(new URL('../../bench/results/', import.meta.url));

export function writeResults(name: string, results: object): string {
  mkdirSync(resultsDir, { recursive: true });
  const path = `${resultsDir}${name}.json`;
  writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
  return path;
}
