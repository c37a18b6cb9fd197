#!/usr/bin/env node
// Replay benchmark entry: `npm run build:ts && node bench/replay.mjs` writes bench/results/replay.json.
// The logic is TypeScript in src/bench/replayBench.ts (compiled to dist/ by the project's tsc).
import { fileURLToPath } from 'node:url';

export async function run(options) {
  const { run: runReplay } = await import('../dist/bench/replayBench.js');
  return runReplay(options);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
