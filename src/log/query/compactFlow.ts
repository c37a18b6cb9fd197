// One flow as hubble's compact one-liner:
//   Nov 27 16:48:00.123: default/pod-1:43512 (ID:1) -> 203.0.113.7:443 (api.example.com) to-stack FORWARDED (TCP Flags: SYN)
import type { HubbleEndpoint, HubbleFlowRecord } from '../hubble/types.js';

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(time: string): string {
  const d = new Date(time);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

function ports(r: HubbleFlowRecord): [number | undefined, number | undefined] {
  const l4 = r.flow.l4;
  if (l4 && 'TCP' in l4) return [l4.TCP.source_port, l4.TCP.destination_port];
  if (l4 && 'UDP' in l4) return [l4.UDP.source_port, l4.UDP.destination_port];
  return [undefined, undefined];
}

function side(ep: HubbleEndpoint | undefined, ip: string | undefined, port: number | undefined, names: string[] | undefined): string {
  const where = ep?.pod_name ? `${ep.namespace}/${ep.pod_name}` : (ip ?? '?');
  const withPort = port ? `${where}:${port}` : where;
  const tag = ep?.ID ? `(ID:${ep.ID})` : names?.length ? `(${names.join(',')})` : ep?.labels?.includes('reserved:world') ? '(world)' : '';
  return tag === '' ? withPort : `${withPort} ${tag}`;
}

export function compactFlow(r: HubbleFlowRecord): string {
  const f = r.flow;
  const [sport, dport] = ports(r);
  const kind = f.Type === 'L7' ? `dns-${f.l7?.type === 'RESPONSE' ? 'response' : 'request'} proxy` : f.verdict === 'DROPPED' ? 'policy-verdict' : 'to-stack';
  const verdict = f.verdict === 'DROPPED' && f.drop_reason_desc !== undefined ? `DROPPED (${f.drop_reason_desc})` : f.verdict;
  return `${stamp(r.time)}: ${side(f.source, f.IP?.source, sport, f.source_names)} -> ${side(f.destination, f.IP?.destination, dport, f.destination_names)} ${kind} ${verdict} (${f.Summary ?? ''})`;
}
