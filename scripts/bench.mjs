#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs the benchmarks in dist/bench/ (each exports `resultName` and
// `run()`), writes each result to bench/results/NAME.json with the machine it ran on, and prints
// a summary. The README's table quotes these files; they are only ever written from here.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const wanted = process.argv.slice(2);
const dir = join(root, 'dist', 'bench');
const modules = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  const mod = await import(join(dir, file));
  if (typeof mod.run === 'function' && typeof mod.resultName === 'string') modules.push(mod);
}
const unknown = wanted.filter((w) => !modules.some((m) => m.resultName === w));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark(s): ${unknown.join(', ')}; known: ${modules.map((m) => m.resultName).join(', ')}`);
  process.exit(2);
}
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
let failed = 0;
for (const mod of modules) {
  if (wanted.length > 0 && !wanted.includes(mod.resultName)) continue;
  process.stdout.write(`bench ${mod.resultName}: running\n`);
  const started = Date.now();
  try {
    const result = await mod.run();
    const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: (await import('node:os')).release() };
    const out = { ...result, machine, ranAt: new Date().toISOString(), durationSec: Math.round((Date.now() - started) / 1000) };
    writeFileSync(join(root, 'bench', 'results', `${mod.resultName}.json`), JSON.stringify(out, null, 2) + '\n');
    process.stdout.write(`bench ${mod.resultName}: ${JSON.stringify(result)}\n`);
  } catch (err) {
    failed++;
    process.stderr.write(`bench ${mod.resultName}: failed: ${err?.stack ?? err}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
