// The command table. One line per command; each module is loaded only when its command runs.
import { registerCommand } from '../main.js';

registerCommand('version', 'print the version', async () => (await import('./version.js')).default);
