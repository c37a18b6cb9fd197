// The DNS proxy's listening sockets, made by the supervisor and handed to each agent process it
// starts (as inherited file descriptors). They outlive any one agent: while a crashed agent is
// being replaced, queries wait in the socket buffers and the accept backlog and the next agent
// answers them, where a proxy that owned its sockets would leave clients with port unreachable.
import { isIPv6 } from 'node:net';
import { SluiceError, errnoMessage } from '../errors.js';
import { libc, errno } from '../datapath/ffi/libc.js';
import { writeAddress } from '../datapath/maps/layout.js';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_RCVBUF = 8;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

function sockaddr(address: string, port: number): Buffer {
  if (isIPv6(address)) {
    const sa = Buffer.alloc(28);
    sa.writeUInt16LE(AF_INET6, 0);
    sa.writeUInt16BE(port, 2);
    writeAddress(sa, 8, address);
    return sa;
  }
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(AF_INET, 0);
  sa.writeUInt16BE(port, 2);
  writeAddress(sa, 4, address);
  return sa;
}

function intOpt(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value, 0);
  return b;
}

/** A bound (and for TCP listening) socket; the fd is inheritable (no close-on-exec). */
export function openListeningSocket(proto: 'udp' | 'tcp', address: string, port: number): number {
  const c = libc();
  const v6 = isIPv6(address);
  const fd = c.socket(v6 ? AF_INET6 : AF_INET, proto === 'udp' ? SOCK_DGRAM : SOCK_STREAM, 0) as number;
  if (fd < 0) throw new SluiceError('ERR_NETNS', `socket for the DNS proxy: ${errnoMessage(errno())}`);
  const fail = (what: string): never => {
    const e = errno();
    c.close(fd);
    throw new SluiceError('ERR_NETNS', `${what} ${proto} ${v6 ? `[${address}]` : address}:${port} for the DNS proxy: ${errnoMessage(e)}${e === 98 ? ' (port in use: another agent?)' : ''}`);
  };
  c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, intOpt(1), 4);
  if (v6) c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, intOpt(1), 4);
  // room for a restart's worth of queries (the kernel doubles and caps it at rmem_max)
  if (proto === 'udp') c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intOpt(4 << 20), 4);
  const sa = sockaddr(address, port);
  if ((c.bind(fd, sa, sa.length) as number) < 0) fail('bind');
  if (proto === 'tcp' && (c.listen(fd, 4096) as number) < 0) fail('listen');
  return fd;
}

export interface ProxySockets {
  udp4: number;
  tcp4: number;
  udp6: number;
  tcp6: number;
}

export function openProxySockets(address4: string, address6: string, port: number): ProxySockets {
  if (port === 0) throw new SluiceError('ERR_CONFIG', 'proxy.port: the supervisor holds the proxy sockets across restarts, so the port must be fixed (not 0)');
  const opened: number[] = [];
  try {
    const open = (proto: 'udp' | 'tcp', address: string) => {
      const fd = openListeningSocket(proto, address, port);
      opened.push(fd);
      return fd;
    };
    return { udp4: open('udp', address4), tcp4: open('tcp', address4), udp6: open('udp', address6), tcp6: open('tcp', address6) };
  } catch (err) {
    for (const fd of opened) libc().close(fd);
    throw err;
  }
}

/** The fds as a child sees them: stdio slots 3..6, named in SLUICE_PROXY_FDS. */
export const proxyFdsEnv = 'SLUICE_PROXY_FDS';

export function proxySocketsFromEnv(env: NodeJS.ProcessEnv): ProxySockets | undefined {
  const text = env[proxyFdsEnv];
  if (!text) return undefined;
  const [udp4, tcp4, udp6, tcp6] = text.split(',').map(Number);
  if ([udp4, tcp4, udp6, tcp6].some((n) => n === undefined || !Number.isInteger(n) || n < 3)) {
    throw new SluiceError('ERR_CONFIG', `${proxyFdsEnv}='${text}': expected four file descriptors`);
  }
  return { udp4: udp4!, tcp4: tcp4!, udp6: udp6!, tcp6: tcp6! };
}
