// The host-side interface of a pod given its network namespace: the peer of the pod's veth, in
// the agent's namespace (iproute2 reports the peer's ifindex as link_index).
import { execFileSync } from 'node:child_process';
import { SluiceError } from '../errors.js';

interface IpLink { ifindex: number; ifname: string; link_index?: number; linkinfo?: { info_kind?: string } }

function links(args: string[]): IpLink[] {
  try {
    return JSON.parse(execFileSync('ip', ['-d', '-j', ...args, 'link', 'show'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as IpLink[];
  } catch (err) {
    throw new SluiceError('ERR_NETNS', `list links${args.length ? ` in ${args.at(-1)}` : ''}: ${String((err as { stderr?: string }).stderr ?? err).trim()}`, { cause: err });
  }
}

export function hostInterfaceOf(netns: string): string {
  const ns = netns.startsWith('/') ? netns.replace(/^\/(var\/)?run\/netns\//, '') : netns;
  const veths = links(['-n', ns]).filter((l) => l.linkinfo?.info_kind === 'veth' && l.link_index !== undefined);
  if (veths.length !== 1) throw new SluiceError('ERR_CONFIG', `netns ${netns}: expected one veth, found ${veths.length}: give ifname instead`);
  const peer = links([]).find((l) => l.ifindex === veths[0]!.link_index);
  if (!peer) throw new SluiceError('ERR_CONFIG', `netns ${netns}: the peer of ${veths[0]!.ifname} is not in the agent's namespace`);
  return peer.ifname;
}
