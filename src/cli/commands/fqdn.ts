// `sluice fqdn`: tools around FQDN selectors. Subcommands are listed here, one line each.
import { subcommandTable } from '../subcommands.js';

export default subcommandTable('fqdn', {
  cache: { summary: 'list the running agent\'s FQDN cache: endpoint, name, address, expiry', loader: async () => (await import('./fqdn/cache.js')).default },
  match: { summary: 'match names against matchName/matchPattern selectors (JSON lines on stdin)', loader: async () => (await import('./fqdn/match.js')).default },
});
