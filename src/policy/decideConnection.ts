// May this endpoint open a connection to dst:port/protocol? egressDeny wins over any allow; an
// FQDN peer includes an address when `resolved` maps a name it selects to that address.
import { SluiceError } from '../errors.js';
import { decided, defaultDeny, describeRef, notEnforced } from './decision.js';
import { parseIp } from './ip.js';
import { peerIncludes, rangeCovers, resolvedNameFor } from './peerMatch.js';
import type { Connection, Decision, EndpointPolicy } from './types.js';

export function decideConnection(ep: EndpointPolicy, conn: Connection): Decision {
  if (!ep.enforced) return notEnforced();
  const ip = parseIp(conn.dst);
  if (ip === undefined) throw new SluiceError('ERR_CONFIG', `decide connection: invalid destination address ${JSON.stringify(conn.dst)}`);
  const resolved = conn.resolved ?? {};
  const what = `${conn.dst} ${conn.protocol}/${conn.port}`;
  for (const action of ['deny', 'allow'] as const) {
    for (const rule of ep.rules) {
      if (rule.action !== action) continue;
      if (!rule.portRules.some((pr) => pr.ports.some((r) => rangeCovers(r, conn.port, conn.protocol)))) continue;
      const path = peerIncludes(rule.peer, ip, resolved);
      if (path === undefined) continue;
      const ref = { ...rule.ref, path };
      if (action === 'deny') return decided('denied', ref, `${what} is denied by egressDeny ${describeRef(ref)}`);
      const name = resolvedNameFor(rule.peer, path, ip, resolved);
      const via = name === undefined ? '' : ` (${conn.dst} is an address of ${name})`;
      return decided('allowed', ref, `${what} is allowed by ${describeRef(ref)}${via}`);
    }
  }
  return defaultDeny(ep, what);
}
