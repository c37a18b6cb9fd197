// One flow as one line, in the spirit of `hubble observe -o compact`:
//   Nov 27 17:04:05.123: default/frontend:43210 (ID:1000) -> 198.51.100.20:443 (api.partner.test) FORWARDED (TCP Flags: SYN)
// DNS flows show the query and the answer. Colours only when writing to a terminal.
import type { HubbleFlowRecord, HubbleEndpoint } from '../log/hubble/types.js';

type Color = 'green' | 'red' | 'yellow' | 'cyan' | 'dim' | 'bold';
const codes: Record<Color, string> = { green: '32', red: '31', yellow: '33', cyan: '36', dim: '2', bold: '1' };

export function paint(on: boolean, color: Color, text: string): string {
  return on ? `\x1b[${codes[color]}m${text}\x1b[0m` : text;
}

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function stamp(time: string): string {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return time;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${months[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

function side(ip: string | undefined, port: number | undefined, ep: HubbleEndpoint | undefined, names: string[] | undefined): string {
  const host = ep?.pod_name ? `${ep.namespace ? `${ep.namespace}/` : ''}${ep.pod_name}` : ip?.includes(':') ? `[${ip}]` : (ip ?? '?');
  const withPort = port ? `${host}:${port}` : host;
  const id = ep?.ID ? ` (ID:${ep.ID})` : '';
  const dns = names && names.length > 0 ? ` (${names.join(',')})` : '';
  return `${withPort}${id}${dns}`;
}

export function formatFlowLine(record: HubbleFlowRecord, color: boolean): string {
  const f = record.flow;
  const l4 = f.l4;
  const ports = l4 && 'TCP' in l4 ? l4.TCP : l4 && 'UDP' in l4 ? l4.UDP : undefined;
  const src = side(f.IP?.source, ports?.source_port, f.source, undefined);
  const dst = side(f.IP?.destination, ports?.destination_port, f.destination, f.destination_names);
  const verdictColor: Color = f.verdict === 'DROPPED' ? 'red' : f.verdict === 'FORWARDED' ? 'green' : 'yellow';
  let detail = '';
  if (f.l7?.dns) {
    const d = f.l7.dns;
    detail = f.l7.type === 'REQUEST'
      ? `DNS Query ${d.query} ${(d.qtypes ?? []).join(',')}`
      : `DNS Answer ${d.query} ${(d.ips ?? []).join(',') || `rcode ${d.rcode ?? 0}`}${d.ttl !== undefined ? ` TTL: ${d.ttl}` : ''}`;
  } else if (l4 && 'TCP' in l4) {
    const flags = Object.entries(l4.TCP.flags ?? {}).filter(([, v]) => v).map(([k]) => k).join(', ');
    detail = `TCP Flags: ${flags || '-'}`;
  } else if (l4 && 'UDP' in l4) {
    detail = 'UDP';
  } else if (l4 && ('ICMPv4' in l4 || 'ICMPv6' in l4)) {
    const icmp = 'ICMPv4' in l4 ? l4.ICMPv4 : l4.ICMPv6;
    detail = `${'ICMPv4' in l4 ? 'ICMPv4' : 'ICMPv6'} ${icmp.type ?? 0}/${icmp.code ?? 0}`;
  }
  const reason = f.verdict === 'DROPPED' && f.drop_reason_desc ? ` ${f.drop_reason_desc}` : '';
  const kind = f.l7?.dns ? (f.l7.type === 'REQUEST' ? 'dns-request' : 'dns-response') : f.is_reply ? 'to-endpoint' : 'to-stack';
  return `${paint(color, 'dim', `${stamp(f.time)}:`)} ${src} ${f.is_reply ? '<-' : '->'} ${dst} ${kind} ${paint(color, verdictColor, f.verdict)}${paint(color, verdictColor, reason)} (${detail})`;
}
