// `sluice policy trace`: resolves policies for one made-up source endpoint and decides one DNS
// query or one connection, naming the rule that decided. Without --policy it traces against the
// policies in the agent's policy directory, as if they were applied together.
import { parseArgs } from 'node:util';
import { SluiceError } from '../../../errors.js';
import {
  applyPolicies, decideConnection, decideDnsQuery, emptyRepository, parsePolicies, resolveEndpointPolicy,
  NAMESPACE_LABEL, DEFAULT_NAMESPACE, type Decision, type Endpoint,
} from '../../../policy/index.js';
import type { Command } from '../../command.js';
import { DirectoryPolicyStore } from './directoryPolicyStore.js';
import { POLICY_DIR_USAGE, resolvePolicyDir } from './policyDir.js';
import { readPolicyFiles } from './readPolicyFiles.js';

const usage = [
  'usage: sluice policy trace [--policy FILE]... --src-labels K=V,... [-n NAMESPACE]',
  '         (--dns-query NAME [--dns-server IP] [--dport 53] [--proto udp|tcp]',
  '          | --dst IP --dport N --proto tcp|udp [--resolved NAME=IP,...])',
  '         [--dst-labels K=V,...] [--node-address IP]... [-o text|json] [--policy-dir DIR]',
  '',
  '  --policy FILE      policy files to trace against (default: every file in the policy directory)',
  `  ${POLICY_DIR_USAGE}`,
  '  --src-labels       labels of the source pod; k8s:io.kubernetes.pod.namespace=NS sets its namespace',
  '  --dst-labels       labels of the destination (or DNS server) pod, so toEndpoints can select it',
  '  --resolved         answers already seen, e.g. api.github.com=140.82.112.6,api.github.com=140.82.112.7',
  '  --node-address     this node\'s addresses, for toEntities: [host]',
  '  -o json            {"verdict":"allowed"|"denied","policy":...,"rule":...,"reason":...}',
].join('\n');

export function parseLabels(text: string | undefined, flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (text === undefined || text === '') return labels;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SluiceError('ERR_CONFIG', `${flag}: expected KEY=VALUE, got '${pair}'`);
    const key = pair.slice(0, eq).replace(/^(k8s|any):/, '');
    labels[key] = pair.slice(eq + 1);
  }
  return labels;
}

function parseResolved(text: string | undefined): Record<string, string[]> {
  const resolved: Record<string, string[]> = {};
  if (text === undefined || text === '') return resolved;
  for (const pair of text.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new SluiceError('ERR_CONFIG', `--resolved: expected NAME=IP, got '${pair}'`);
    (resolved[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  return resolved;
}

function endpointFrom(name: string, labels: Record<string, string>, fallbackNamespace: string, ip?: string): Endpoint {
  const namespace = labels[NAMESPACE_LABEL] ?? fallbackNamespace;
  const own = Object.fromEntries(Object.entries(labels).filter(([k]) => k !== NAMESPACE_LABEL));
  const ep: Endpoint = { name, namespace, labels: own };
  if (ip !== undefined) {
    if (ip.includes(':')) ep.ipv6 = ip;
    else ep.ipv4 = ip;
  }
  return ep;
}

function protocolOf(text: string | undefined, fallback: 'TCP' | 'UDP'): 'TCP' | 'UDP' {
  if (text === undefined) return fallback;
  const upper = text.toUpperCase();
  if (upper !== 'TCP' && upper !== 'UDP') throw new SluiceError('ERR_CONFIG', `--proto must be tcp or udp, not '${text}'`);
  return upper;
}

function portOf(text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new SluiceError('ERR_CONFIG', '--dport is required with --dst');
    return fallback;
  }
  if (!/^[0-9]+$/.test(text) || Number(text) > 65535) throw new SluiceError('ERR_CONFIG', `--dport must be a port number, not '${text}'`);
  return Number(text);
}

const command: Command = {
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        policy: { type: 'string', multiple: true },
        'policy-dir': { type: 'string' },
        'src-labels': { type: 'string' },
        'dst-labels': { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        'dns-query': { type: 'string' },
        'dns-server': { type: 'string' },
        dst: { type: 'string' },
        dport: { type: 'string' },
        proto: { type: 'string' },
        resolved: { type: 'string' },
        'node-address': { type: 'string', multiple: true },
        output: { type: 'string', short: 'o', default: 'text' },
      },
    });
    if (values.output !== 'text' && values.output !== 'json') throw new SluiceError('ERR_CONFIG', `unknown output format '${values.output}' (text or json)`);
    if ((values['dns-query'] === undefined) === (values.dst === undefined)) throw new SluiceError('ERR_CONFIG', 'give exactly one of --dns-query and --dst');
    // the directory has no revisions (the agent assigns them), so both sources trace as one fresh set
    const policies = values.policy !== undefined
      ? parsePolicies(await readPolicyFiles(values.policy))
      : (await new DirectoryPolicyStore(resolvePolicyDir(values['policy-dir'])).load()).policies.map((s) => s.policy);
    const state = applyPolicies(emptyRepository(), policies).state;

    const srcNamespace = values.namespace ?? DEFAULT_NAMESPACE;
    const source = endpointFrom('trace-source', parseLabels(values['src-labels'], '--src-labels'), srcNamespace);
    const peerIp = values['dns-query'] !== undefined ? values['dns-server'] : values.dst;
    const endpoints = [source];
    if (values['dst-labels'] !== undefined) {
      if (peerIp === undefined) throw new SluiceError('ERR_CONFIG', '--dst-labels needs --dst or --dns-server');
      endpoints.push(endpointFrom('trace-destination', parseLabels(values['dst-labels'], '--dst-labels'), srcNamespace, peerIp));
    }
    const policy = resolveEndpointPolicy(state.policies, source, endpoints, { nodeAddresses: values['node-address'] ?? [] });
    const resolved = parseResolved(values.resolved);

    let decision: Decision;
    if (values['dns-query'] !== undefined) {
      decision = decideDnsQuery(policy, {
        qname: values['dns-query'],
        port: portOf(values.dport, 53),
        protocol: protocolOf(values.proto, 'UDP'),
        resolved,
        ...(values['dns-server'] === undefined ? {} : { server: values['dns-server'] }),
      });
    } else {
      if (values.proto === undefined) throw new SluiceError('ERR_CONFIG', '--proto is required with --dst');
      decision = decideConnection(policy, { dst: values.dst!, port: portOf(values.dport), protocol: protocolOf(values.proto, 'TCP'), resolved });
    }
    if (values.output === 'json') {
      process.stdout.write(`${JSON.stringify(decision)}\n`);
    } else {
      const revision = decision.ref === null ? '' : ` (revision ${decision.ref.revision})`;
      process.stdout.write(
        [`verdict: ${decision.verdict}`, `policy:  ${decision.policy ?? '-'}${revision}`, `rule:    ${decision.rule ?? '-'}`, `reason:  ${decision.reason}`].join('\n') + '\n',
      );
    }
    return 0;
  },
};
export default command;
