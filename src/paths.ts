// Paths inside the installed package, the same whether this module runs compiled from dist/ or
// as TypeScript under vitest (src/): child processes always start the compiled scripts.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository (package) root. */
export const packageRoot = fileURLToPath(new URL('..', import.meta.url).href.replace(/\/(dist|src)\/?$/, '/'));

/** A compiled script under dist/, e.g. distScript('testbed/peer.js'). */
export function distScript(relative: string): string {
  return join(packageRoot, 'dist', relative);
}
