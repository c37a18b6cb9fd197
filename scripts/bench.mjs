#!/usr/bin/env node
// `npm run bench [-- NAME...]`: runs the benchmarks in dist/bench/ (each exports `resultName` and
// `run()`), writes each result to bench/results/NAME.json with the machine it ran on, and prints
// a summary. The README's table quotes these files; they are only ever written from here.
//
// Each benchmark runs in a process of its own (this script again, with --one NAME): one that
// leaves a large heap or busy threads behind (reliability holds a million addresses) would
// otherwise slow the next, and a figure would depend on which benchmarks ran before it.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = join(root, 'dist', 'bench');

async function benchmarks() {
  const modules = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
    const mod = await import(join(dir, file));
    if (typeof mod.run === 'function' && typeof mod.resultName === 'string') modules.push(mod);
  }
  return modules;
}

/** Runs one benchmark in this process and writes its result file; the exit code says how it went. */
async function runOne(name) {
  const mod = (await benchmarks()).find((m) => m.resultName === name);
  const started = Date.now();
  try {
    const result = await mod.run();
    const machine = { cpu: cpus()[0]?.model, cores: cpus().length, memGiB: Math.round(totalmem() / 2 ** 30), node: process.version, kernel: release() };
    const out = { ...result, machine, ranAt: new Date().toISOString(), durationSec: Math.round((Date.now() - started) / 1000) };
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(join(root, 'bench', 'results', `${name}.json`), JSON.stringify(out, null, 2) + '\n');
    process.stdout.write(`bench ${name}: ${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (err) {
    process.stderr.write(`bench ${name}: failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  }
}

const args = process.argv.slice(2);
if (args[0] === '--one') await runOne(args[1]);

const modules = await benchmarks();
const unknown = args.filter((w) => !modules.some((m) => m.resultName === w));
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark(s): ${unknown.join(', ')}; known: ${modules.map((m) => m.resultName).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const mod of modules) {
  if (args.length > 0 && !args.includes(mod.resultName)) continue;
  process.stdout.write(`bench ${mod.resultName}: running\n`);
  const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--one', mod.resultName], { stdio: 'inherit' });
  if (child.status !== 0) {
    failed++;
    if (child.status === null) process.stderr.write(`bench ${mod.resultName}: ended by ${child.signal}\n`);
  }
}
process.exit(failed > 0 ? 1 : 0);
