// The agent's configuration: a YAML file, then environment variables, then flags, each overriding
// the one before. Every problem names the key (`endpoints[1].ifname`) and what is wrong with it,
// and nothing starts until the whole configuration is valid.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { SluiceError } from '../errors.js';
import { defaultKafkaCompression, forwarderCompressions, type ForwarderCompression } from '../log/kafka/compression.js';
import { lz4 } from '../log/kafka/lz4.js';

export interface EndpointConfig {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Host-side veth of the endpoint, in the agent's network namespace. */
  ifname: string;
  ipv4?: string;
  ipv6?: string;
}

export interface AgentConfig {
  node: string;
  /** Network namespace the agent runs in (the node's); the agent re-executes itself inside it. */
  netns?: string;
  endpoints: EndpointConfig[];
  /** Directory of CiliumNetworkPolicy YAML files, watched and created if missing (also where `sluice policy apply` writes). */
  policyDir?: string;
  log: {
    dir: string;
    fsync: 'always' | 'interval' | 'never';
    kafka?: { brokers: string[]; topicPrefix: string; partitions: number; compression: ForwarderCompression };
  };
  proxy: {
    address4: string;
    address6: string;
    /** 0 = any free port. */
    port: number;
    denyRcode: 'REFUSED' | 'NXDOMAIN';
    answerDeadlineMs: number;
    upstreamTimeoutMs: number;
    maxInFlight: number;
    /**
     * UDP sockets the upstream leg spreads queries over, each on a random port that changes every
     * 1,000 queries: log2 of this is the bits of source-port entropy a forged answer must guess
     * besides the 16-bit id. More cost throughput (the sends no longer share a sendmmsg).
     */
    upstreamSockets: number;
  };
  /** The FQDN cache's bounds (see src/fqdn/cache.ts): past them the oldest entries go first. */
  fqdn: { minTtlSec: number; maxAddressesPerName: number; maxNamesPerEndpoint: number };
  datapath: { pinRoot: string; ringSizeBytes: number; keepPinned: boolean };
  api: { socket: string };
  metrics: { address: string | null };
}

export const defaultConfig: AgentConfig = {
  node: 'node-1',
  endpoints: [],
  policyDir: '/etc/sluice/policies',
  log: { dir: '/var/lib/sluice/log', fsync: 'interval' },
  proxy: { address4: '169.254.53.53', address6: 'fd00:53::53', port: 10053, denyRcode: 'REFUSED', answerDeadlineMs: 100, upstreamTimeoutMs: 2000, maxInFlight: 10000, upstreamSockets: 8 },
  fqdn: { minTtlSec: 0, maxAddressesPerName: 1000, maxNamesPerEndpoint: 10_000 },
  datapath: { pinRoot: '/sys/fs/bpf/sluice', ringSizeBytes: 1 << 24, keepPinned: true },
  api: { socket: '/run/sluice/agent.sock' },
  metrics: { address: '127.0.0.1:9963' },
};

export interface ConfigOverrides {
  node?: string;
  netns?: string;
  policyDir?: string;
  logDir?: string;
  kafka?: string;
  socket?: string;
  metricsAddress?: string;
}

/** log.kafka.compression: defaultKafkaCompression() when absent; lz4 asked for explicitly must be loadable. */
function kafkaCompressionSetting(value: unknown, p: Problems): ForwarderCompression {
  if (value === undefined) return defaultKafkaCompression();
  if (!forwarderCompressions.includes(value as ForwarderCompression)) {
    p.add('log.kafka.compression', `must be one of ${forwarderCompressions.join(', ')}`);
    return 'none';
  }
  if (value === 'lz4' && lz4 === null) p.add('log.kafka.compression', 'lz4 needs liblz4.so.1 (Debian package liblz4-1), which could not be loaded');
  return value as ForwarderCompression;
}

class Problems {
  readonly list: string[] = [];
  add(path: string, why: string): void {
    this.list.push(`${path}: ${why}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/;

export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv, overrides: ConfigOverrides): AgentConfig {
  let raw: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      throw new SluiceError('ERR_CONFIG', `read config ${file}: ${(cause as Error).message}`, { cause });
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (cause) {
      throw new SluiceError('ERR_CONFIG', `config ${file}: not YAML: ${(cause as Error).message.split('\n')[0]}`, { cause });
    }
  }
  const merged = mergeEnvAndFlags(raw, env, overrides);
  return validateConfig(merged, file ?? '(defaults)');
}

function mergeEnvAndFlags(raw: unknown, env: NodeJS.ProcessEnv, o: ConfigOverrides): Record<string, unknown> {
  const c: Record<string, unknown> = isRecord(raw) ? structuredClone(raw) : { __notAMapping: true };
  const log = (c.log = isRecord(c.log) ? c.log : {}) as Record<string, unknown>;
  const node = o.node ?? env.SLUICE_NODE;
  if (node !== undefined) c.node = node;
  const netns = o.netns ?? env.SLUICE_NETNS;
  if (netns !== undefined) c.netns = netns;
  const policyDir = o.policyDir ?? env.SLUICE_POLICY_DIR;
  if (policyDir !== undefined) c.policyDir = policyDir;
  const logDir = o.logDir ?? env.SLUICE_LOG_DIR;
  if (logDir !== undefined) log.dir = logDir;
  const kafka = o.kafka ?? env.SLUICE_KAFKA_BROKERS;
  if (kafka !== undefined) log.kafka = { ...(isRecord(log.kafka) ? log.kafka : {}), brokers: kafka.split(',').map((b) => b.trim()).filter(Boolean) };
  const socket = o.socket ?? env.SLUICE_SOCKET;
  if (socket !== undefined) c.api = { ...(isRecord(c.api) ? c.api : {}), socket };
  const metrics = o.metricsAddress ?? env.SLUICE_METRICS_ADDRESS;
  if (metrics !== undefined) c.metrics = { address: metrics === 'off' ? null : metrics };
  return c;
}

export function validateConfig(c: Record<string, unknown>, source: string): AgentConfig {
  const p = new Problems();
  if (c.__notAMapping) p.add('(top)', 'the config must be a YAML mapping');
  const known = ['node', 'netns', 'endpoints', 'policyDir', 'log', 'proxy', 'fqdn', 'datapath', 'api', 'metrics'];
  for (const k of Object.keys(c)) if (!known.includes(k) && k !== '__notAMapping') p.add(k, `unknown key (known: ${known.join(', ')})`);

  const str = (v: unknown, path: string, fallback: string): string => {
    if (v === undefined) return fallback;
    if (typeof v !== 'string' || v === '') { p.add(path, 'must be a non-empty string'); return fallback; }
    return v;
  };
  const int = (v: unknown, path: string, fallback: number, min: number, max: number): number => {
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) { p.add(path, `must be an integer from ${min} to ${max}`); return fallback; }
    return v;
  };
  const section = (key: string): Record<string, unknown> => {
    const v = c[key];
    if (v === undefined) return {};
    if (!isRecord(v)) { p.add(key, 'must be a mapping'); return {}; }
    return v;
  };
  const only = (s: Record<string, unknown>, path: string, keys: string[]) => {
    for (const k of Object.keys(s)) if (!keys.includes(k)) p.add(`${path}.${k}`, `unknown key (known: ${keys.join(', ')})`);
  };
  const d = defaultConfig;

  const endpoints: EndpointConfig[] = [];
  if (c.endpoints !== undefined && !Array.isArray(c.endpoints)) p.add('endpoints', 'must be a list');
  (Array.isArray(c.endpoints) ? c.endpoints : []).forEach((e: unknown, i: number) => {
    const path = `endpoints[${i}]`;
    if (!isRecord(e)) { p.add(path, 'must be a mapping'); return; }
    only(e, path, ['name', 'namespace', 'labels', 'ifname', 'ipv4', 'ipv6']);
    const name = str(e.name, `${path}.name`, '');
    if (name && !NAME.test(name)) p.add(`${path}.name`, `'${name}' is not a DNS-1123 name`);
    const labels: Record<string, string> = {};
    if (e.labels !== undefined) {
      if (!isRecord(e.labels)) p.add(`${path}.labels`, 'must be a mapping of strings');
      else for (const [k, v] of Object.entries(e.labels)) {
        if (typeof v !== 'string') p.add(`${path}.labels.${k}`, 'must be a string');
        else labels[k] = v;
      }
    }
    const ep: EndpointConfig = { name, namespace: str(e.namespace, `${path}.namespace`, 'default'), labels, ifname: str(e.ifname, `${path}.ifname`, '') };
    if (!ep.ifname) p.add(`${path}.ifname`, 'required: the host-side interface of the endpoint');
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const v = e[fam];
      if (v === undefined) continue;
      if (typeof v !== 'string' || isIP(v) !== (fam === 'ipv4' ? 4 : 6)) p.add(`${path}.${fam}`, `must be an ${fam === 'ipv4' ? 'IPv4' : 'IPv6'} address`);
      else ep[fam] = v;
    }
    if (endpoints.some((x) => x.name === ep.name && x.namespace === ep.namespace)) p.add(`${path}.name`, `endpoint ${ep.namespace}/${ep.name} is listed twice`);
    if (endpoints.some((x) => x.ifname === ep.ifname)) p.add(`${path}.ifname`, `interface ${ep.ifname} is listed twice`);
    endpoints.push(ep);
  });

  const log = section('log');
  only(log, 'log', ['dir', 'fsync', 'kafka']);
  const fsync = log.fsync ?? d.log.fsync;
  if (!['always', 'interval', 'never'].includes(fsync as string)) p.add('log.fsync', 'must be always, interval or never');
  let kafka: AgentConfig['log']['kafka'];
  if (log.kafka !== undefined) {
    if (!isRecord(log.kafka)) p.add('log.kafka', 'must be a mapping');
    else {
      only(log.kafka, 'log.kafka', ['brokers', 'topicPrefix', 'partitions', 'compression']);
      const brokers = log.kafka.brokers;
      if (!Array.isArray(brokers) || brokers.length === 0 || brokers.some((b) => typeof b !== 'string' || !/^[^:\s]+:\d+$/.test(b))) {
        p.add('log.kafka.brokers', 'must be a non-empty list of host:port');
      }
      kafka = {
        brokers: Array.isArray(brokers) ? (brokers as string[]) : [],
        topicPrefix: str(log.kafka.topicPrefix, 'log.kafka.topicPrefix', 'sluice.'),
        partitions: int(log.kafka.partitions, 'log.kafka.partitions', 3, 1, 1024),
        compression: kafkaCompressionSetting(log.kafka.compression, p),
      };
    }
  }

  const proxy = section('proxy');
  only(proxy, 'proxy', Object.keys(d.proxy));
  const denyRcode = proxy.denyRcode ?? d.proxy.denyRcode;
  if (denyRcode !== 'REFUSED' && denyRcode !== 'NXDOMAIN') p.add('proxy.denyRcode', 'must be REFUSED or NXDOMAIN');
  const address4 = str(proxy.address4, 'proxy.address4', d.proxy.address4);
  if (isIP(address4) !== 4) p.add('proxy.address4', 'must be an IPv4 address');
  const address6 = str(proxy.address6, 'proxy.address6', d.proxy.address6);
  if (isIP(address6) !== 6) p.add('proxy.address6', 'must be an IPv6 address');

  const fqdn = section('fqdn');
  only(fqdn, 'fqdn', Object.keys(d.fqdn));
  const datapath = section('datapath');
  only(datapath, 'datapath', Object.keys(d.datapath));
  const ring = int(datapath.ringSizeBytes, 'datapath.ringSizeBytes', d.datapath.ringSizeBytes, 4096, 1 << 30);
  if ((ring & (ring - 1)) !== 0) p.add('datapath.ringSizeBytes', 'must be a power of two');
  if (datapath.keepPinned !== undefined && typeof datapath.keepPinned !== 'boolean') p.add('datapath.keepPinned', 'must be true or false');
  const api = section('api');
  only(api, 'api', ['socket']);
  const metrics = section('metrics');
  only(metrics, 'metrics', ['address']);
  let metricsAddress: string | null = d.metrics.address;
  if (metrics.address === null) metricsAddress = null;
  else if (metrics.address !== undefined) {
    if (typeof metrics.address !== 'string' || !/^[^\s]+:\d+$/.test(metrics.address)) p.add('metrics.address', 'must be host:port, or null to turn metrics off');
    else metricsAddress = metrics.address;
  }

  const node = str(c.node, 'node', d.node);
  const config: AgentConfig = {
    node,
    endpoints,
    log: { dir: str(log.dir, 'log.dir', d.log.dir), fsync: fsync as AgentConfig['log']['fsync'], ...(kafka ? { kafka } : {}) },
    proxy: {
      address4, address6,
      port: int(proxy.port, 'proxy.port', d.proxy.port, 0, 65535),
      denyRcode: denyRcode as 'REFUSED' | 'NXDOMAIN',
      answerDeadlineMs: int(proxy.answerDeadlineMs, 'proxy.answerDeadlineMs', d.proxy.answerDeadlineMs, 1, 60_000),
      upstreamTimeoutMs: int(proxy.upstreamTimeoutMs, 'proxy.upstreamTimeoutMs', d.proxy.upstreamTimeoutMs, 1, 60_000),
      maxInFlight: int(proxy.maxInFlight, 'proxy.maxInFlight', d.proxy.maxInFlight, 1, 1_000_000),
      upstreamSockets: int(proxy.upstreamSockets, 'proxy.upstreamSockets', d.proxy.upstreamSockets, 1, 4096),
    },
    fqdn: {
      minTtlSec: int(fqdn.minTtlSec, 'fqdn.minTtlSec', d.fqdn.minTtlSec, 0, 86400 * 7),
      maxAddressesPerName: int(fqdn.maxAddressesPerName, 'fqdn.maxAddressesPerName', d.fqdn.maxAddressesPerName, 1, 1_000_000),
      maxNamesPerEndpoint: int(fqdn.maxNamesPerEndpoint, 'fqdn.maxNamesPerEndpoint', d.fqdn.maxNamesPerEndpoint, 1, 10_000_000),
    },
    datapath: {
      pinRoot: str(datapath.pinRoot, 'datapath.pinRoot', d.datapath.pinRoot),
      ringSizeBytes: ring,
      keepPinned: (datapath.keepPinned as boolean | undefined) ?? d.datapath.keepPinned,
    },
    api: { socket: str(api.socket, 'api.socket', d.api.socket) },
    metrics: { address: metricsAddress },
  };
  config.policyDir = str(c.policyDir, 'policyDir', d.policyDir ?? '');
  if (c.netns !== undefined) config.netns = str(c.netns, 'netns', '');
  if (p.list.length > 0) {
    throw new SluiceError('ERR_CONFIG', `config ${source}: ${p.list.length === 1 ? p.list[0] : `${p.list.length} problems: ${p.list.join('; ')}`}`, { details: p.list });
  }
  return config;
}
