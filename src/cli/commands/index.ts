// The command table. One line per command; each module is loaded only when its command runs.
import { registerCommand } from '../main.js';

registerCommand('version', 'print the version', async () => (await import('./version.js')).default);
registerCommand('policy', 'validate, apply, delete, list and trace Cilium network policies', async () => (await import('./policy.js')).default);
registerCommand('fqdn', 'FQDN tools: the agent\'s cache, selector matching', async () => (await import('./fqdn.js')).default);
registerCommand('agent', 'run the agent: datapath, DNS proxy, policies, event log', async () => (await import('./agent.js')).default);
registerCommand('status', 'show the running agent\'s health, map fill and lost events', async () => (await import('./status.js')).default);
registerCommand('endpoint', 'list, add and delete the running agent\'s endpoints', async () => (await import('./endpoint.js')).default);
registerCommand('demo', 'the agent on a demo world of real namespaces, flows shown live', async () => (await import('./demo.js')).default);
registerCommand('observe', 'flows from the event log (or Kafka), filtered like hubble observe', async () => (await import('./observe.js')).default);
registerCommand('events', 'print or follow a topic of the event log (policy-changes, dns, flows)', async () => (await import('./events.js')).default);
registerCommand('replay', 'agent state rebuilt from the log, as it was at a time', async () => (await import('./replay.js')).default);
registerCommand('explain', 'the policy, allowlist entry and DNS answer behind a flow\'s verdict', async () => (await import('./explain.js')).default);
registerCommand('cleanup', 'detach the programs and remove the pins an agent left for its restarts', async () => (await import('./cleanup.js')).default);
