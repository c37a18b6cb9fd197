// `sluice policy`: validate, apply, delete, list and trace CiliumNetworkPolicies.
import { subcommandTable } from '../subcommands.js';

export default subcommandTable('policy', {
  validate: { summary: 'check policy files and print every problem', loader: async () => (await import('./policy/validate.js')).default },
  apply: { summary: 'apply policy files, all or nothing', loader: async () => (await import('./policy/apply.js')).default },
  delete: { summary: 'delete applied policies by name', loader: async () => (await import('./policy/delete.js')).default },
  list: { summary: 'list applied policies with their revisions', loader: async () => (await import('./policy/list.js')).default },
  trace: { summary: 'decide a DNS query or a connection and name the deciding rule', loader: async () => (await import('./policy/trace.js')).default },
});
