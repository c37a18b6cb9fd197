// Validates the body of `POST /v1/endpoints` into an EndpointSpec. Every problem is listed in one
// ERR_CONFIG error (400), so a user fixes a request in one round trip. The agent still checks
// what only it can know (does the interface exist, is the name taken).
import { isIPv4, isIPv6 } from 'node:net';
import { SluiceError } from '../errors.js';
import type { EndpointSpec } from './types.js';

// Endpoint names end up in URL paths (DELETE /v1/endpoints/:name) and in log events: keep them
// to a DNS-label-like alphabet without slashes.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const LABEL_KEY = /^([A-Za-z0-9][A-Za-z0-9._-]{0,252}[:/])?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
// Linux IFNAMSIZ is 16 including the terminating NUL.
const IFNAME = /^[^\s/:]{1,15}$/;
const NETNS_NAME = /^[A-Za-z0-9._-]{1,255}$/;

function optionalString(body: Record<string, unknown>, key: string, problems: string[]): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v === '') {
    problems.push(`${key} must be a non-empty string`);
    return undefined;
  }
  return v;
}

export function readEndpointSpec(body: unknown): EndpointSpec {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SluiceError('ERR_CONFIG', 'endpoint: the body must be a JSON object');
  }
  const b = body as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(['name', 'namespace', 'labels', 'netns', 'ifname', 'ipv4', 'ipv6']);
  for (const key of Object.keys(b)) if (!known.has(key)) problems.push(`unknown field '${key}'`);

  const name = optionalString(b, 'name', problems);
  if (name === undefined) problems.push('name is required');
  else if (!NAME.test(name)) problems.push(`name '${name}': letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit`);
  const namespace = optionalString(b, 'namespace', problems) ?? 'default';
  if (!NAME.test(namespace)) problems.push(`namespace '${namespace}': letters, digits, '.', '_' and '-', at most 63`);

  const labels: Record<string, string> = {};
  if (b.labels !== undefined && b.labels !== null) {
    if (typeof b.labels !== 'object' || Array.isArray(b.labels)) problems.push('labels must be an object of strings');
    else {
      for (const [k, v] of Object.entries(b.labels as Record<string, unknown>)) {
        if (!LABEL_KEY.test(k)) problems.push(`label key '${k}' is not a valid label key`);
        if (typeof v !== 'string') problems.push(`label '${k}' must have a string value`);
        else labels[k] = v;
      }
    }
  }

  const netns = optionalString(b, 'netns', problems);
  const ifname = optionalString(b, 'ifname', problems);
  if ((netns === undefined) === (ifname === undefined)) problems.push('give exactly one of netns and ifname');
  if (netns !== undefined && !netns.startsWith('/') && !NETNS_NAME.test(netns)) problems.push(`netns '${netns}': a name under /var/run/netns or an absolute path`);
  if (ifname !== undefined && !IFNAME.test(ifname)) problems.push(`ifname '${ifname}': at most 15 characters, no '/', ':' or spaces`);

  const ipv4 = optionalString(b, 'ipv4', problems);
  if (ipv4 !== undefined && !isIPv4(ipv4)) problems.push(`ipv4 '${ipv4}' is not an IPv4 address`);
  const ipv6 = optionalString(b, 'ipv6', problems);
  if (ipv6 !== undefined && !isIPv6(ipv6)) problems.push(`ipv6 '${ipv6}' is not an IPv6 address`);

  if (problems.length > 0 || name === undefined) {
    throw new SluiceError('ERR_CONFIG', `endpoint: ${problems.join('; ')}`, { details: problems });
  }
  const spec: EndpointSpec = { name, namespace, labels };
  if (netns !== undefined) spec.netns = netns;
  if (ifname !== undefined) spec.ifname = ifname;
  if (ipv4 !== undefined) spec.ipv4 = ipv4;
  if (ipv6 !== undefined) spec.ipv6 = ipv6;
  return spec;
}
