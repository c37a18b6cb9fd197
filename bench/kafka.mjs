#!/usr/bin/env node
// Kafka benchmark entry: `npm run build:ts && bash scripts/kafka.sh start && node bench/kafka.mjs`
// writes bench/results/kafka.json. The logic is TypeScript in src/bench/kafkaBench.ts.
import { fileURLToPath } from 'node:url';

export async function run(options) {
  const { run: runKafka } = await import('../dist/bench/kafkaBench.js');
  return runKafka(options);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2));
}
