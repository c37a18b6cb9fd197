// `sluice endpoint`: the endpoints the running agent enforces policy on. Subcommands, one line each.
import { subcommandTable } from '../subcommands.js';

export default subcommandTable('endpoint', {
  list: { summary: 'list the endpoints of the running agent', loader: async () => (await import('./endpoint/list.js')).default },
  add: { summary: 'add an endpoint (a network namespace or an interface) to the running agent', loader: async () => (await import('./endpoint/add.js')).default },
  delete: { summary: 'remove endpoints from the running agent by name', loader: async () => (await import('./endpoint/delete.js')).default },
});
