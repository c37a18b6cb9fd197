// Runs a synchronous function inside a named network namespace (/run/netns/NAME) and returns to
// the caller's namespace. setns() moves only the calling thread: that is safe here because the
// callback is synchronous FFI (netlink for tc, if_nametoindex) on the main thread, and nothing
// asynchronous starts in between. Sockets meant to live in another namespace are made by a
// process started there instead (nsenter --net).
import { SluiceError, errnoMessage } from '../errors.js';
import { libc, errno, O_RDONLY, O_CLOEXEC, CLONE_NEWNET } from './ffi/libc.js';

export function netnsPath(name: string): string {
  return name.startsWith('/') ? name : `/run/netns/${name}`;
}

export function withNetns<T>(netns: string | undefined, fn: () => T): T {
  if (netns === undefined) return fn();
  const c = libc();
  const self = c.open(`/proc/thread-self/ns/net`, O_RDONLY | O_CLOEXEC) as number;
  if (self < 0) throw new SluiceError('ERR_NETNS', `open own netns: ${errnoMessage(errno())}`);
  const target = c.open(netnsPath(netns), O_RDONLY | O_CLOEXEC) as number;
  if (target < 0) {
    const e = errno();
    c.close(self);
    throw new SluiceError('ERR_NETNS', `open netns ${netns}: ${errnoMessage(e)}`);
  }
  try {
    if ((c.setns(target, CLONE_NEWNET) as number) < 0) {
      throw new SluiceError('ERR_NETNS', `enter netns ${netns}: ${errnoMessage(errno())}`);
    }
    try {
      return fn();
    } finally {
      if ((c.setns(self, CLONE_NEWNET) as number) < 0) {
        // staying in the wrong namespace would misroute everything this process does next
        throw new SluiceError('ERR_NETNS', `return from netns ${netns}: ${errnoMessage(errno())}`);
      }
    }
  } finally {
    c.close(target);
    c.close(self);
  }
}

export function ifindexOf(ifname: string, netns?: string): number {
  const index = withNetns(netns, () => libc().if_nametoindex(ifname) as number);
  if (index === 0) {
    throw new SluiceError('ERR_NETNS', `interface ${ifname}${netns ? ` in netns ${netns}` : ''}: no such device`);
  }
  return index;
}
