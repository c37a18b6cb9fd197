#!/usr/bin/env node
// Entry point for `npx sluice`: runs the compiled CLI. `npm run build` (or scripts/setup.sh) makes dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('sluice: not built yet: run `npm run build` (or `sudo bash scripts/setup.sh`) in the repository root\n');
  process.exit(1);
}
const { main: run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
