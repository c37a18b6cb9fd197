// Attach and detach tc programs with libbpf's tc API (clsact qdisc, direct-action filters).
// Attachments live in the kernel, not in this process: they stay when the agent exits, which is
// what lets enforcement survive a restart; detachTc removes them.
import { SluiceError, errnoMessage } from '../errors.js';
import { libbpf } from './ffi/libbpf.js';
import { withNetns, ifindexOf } from './netns.js';

export type TcDirection = 'ingress' | 'egress';

const BPF_TC_INGRESS = 1;
const BPF_TC_EGRESS = 2;
const BPF_TC_F_REPLACE = 1;
const EEXIST = 17;
const ENOENT = 2;

/** Our filters use one fixed handle and priority, so a restarted agent replaces its own. */
const HANDLE = 0x5c1;
const PRIORITY = 1;

export interface TcTarget {
  ifname: string;
  /** Network namespace name (under /run/netns) or path; the caller's own when absent. */
  netns?: string;
}

function hook(ifindex: number, direction: TcDirection) {
  return { sz: 24, ifindex, attach_point: direction === 'ingress' ? BPF_TC_INGRESS : BPF_TC_EGRESS, parent: 0 };
}

export function attachTc(target: TcTarget, direction: TcDirection, progFd: number): number {
  return withNetns(target.netns, () => {
    const lib = libbpf();
    const ifindex = ifindexOf(target.ifname);
    const h = hook(ifindex, direction);
    const created = lib.bpf_tc_hook_create(h) as number;
    if (created < 0 && created !== -EEXIST) {
      throw new SluiceError('ERR_BPF_ATTACH', `attach tc ${direction} ${target.ifname}: create clsact: ${errnoMessage(created)}`);
    }
    const opts = { sz: 32, prog_fd: progFd, flags: BPF_TC_F_REPLACE, prog_id: 0, handle: HANDLE, priority: PRIORITY };
    const rc = lib.bpf_tc_attach(h, opts) as number;
    if (rc < 0) throw new SluiceError('ERR_BPF_ATTACH', `attach tc ${direction} ${target.ifname}: ${errnoMessage(rc)}`);
    return ifindex;
  });
}

/** Removes our filter; a missing interface or filter is not an error (it is already gone). */
export function detachTc(target: TcTarget, direction: TcDirection): boolean {
  return withNetns(target.netns, () => detachIfindex(safeIfindex(target.ifname), direction, target.ifname));
}

/** The same by interface index, for cleaning up after an agent that is gone (its endpoints map
 * holds ifindexes, not names). Runs in the caller's namespace or `netns`. */
export function detachTcIfindex(ifindex: number, direction: TcDirection, netns?: string): boolean {
  return withNetns(netns, () => detachIfindex(ifindex, direction, `ifindex ${ifindex}`));
}

function detachIfindex(ifindex: number, direction: TcDirection, what: string): boolean {
  if (ifindex === 0) return false;
  const opts = { sz: 32, prog_fd: 0, flags: 0, prog_id: 0, handle: HANDLE, priority: PRIORITY };
  const rc = libbpf().bpf_tc_detach(hook(ifindex, direction), opts) as number;
  if (rc === -ENOENT || rc === -22 || rc === -19) return false;
  if (rc < 0) throw new SluiceError('ERR_BPF_ATTACH', `detach tc ${direction} ${what}: ${errnoMessage(rc)}`);
  return true;
}

/** The id of the program our filter runs, or undefined when none is attached. */
export function queryTc(target: TcTarget, direction: TcDirection): number | undefined {
  return withNetns(target.netns, () => {
    const ifindex = safeIfindex(target.ifname);
    if (ifindex === 0) return undefined;
    const opts = { sz: 32, prog_fd: 0, flags: 0, prog_id: 0, handle: HANDLE, priority: PRIORITY };
    const rc = libbpf().bpf_tc_query(hook(ifindex, direction), opts) as number;
    return rc < 0 ? undefined : opts.prog_id;
  });
}

function safeIfindex(ifname: string): number {
  try {
    return ifindexOf(ifname);
  } catch {
    return 0;
  }
}
