// `sluice fqdn`: tools around FQDN selectors. Subcommands are listed here, one line each.
import { subcommandTable } from '../subcommands.js';

export default subcommandTable('fqdn', {
  match: { summary: 'match names against matchName/matchPattern selectors (JSON lines on stdin)', loader: async () => (await import('./fqdn/match.js')).default },
});
