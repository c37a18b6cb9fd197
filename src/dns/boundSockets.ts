// Bound sockets made with libc rather than node:dgram/net, so their file descriptors are known:
// the proxy's UDP replies and forwarded queries leave through sendmmsg on these fds
// (udpSendBatch.ts) while node:dgram, given the same fd, does the receiving; and the supervisor's
// UDP and TCP listening sockets are handed down to the agent processes it starts.
import { isIPv6 } from 'node:net';
import { SluiceError, errnoMessage } from '../errors.js';
import { libc, errno } from '../datapath/ffi/libc.js';
import { writeAddress } from '../datapath/maps/layout.js';

const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_REUSEADDR = 2;
const SO_RCVBUF = 8;
const IPPROTO_IPV6 = 41;
const IPV6_V6ONLY = 26;

/** struct sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes) for an address and port. */
export function sockaddr(address: string, port: number): Buffer {
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

export interface OpenSocketOptions {
  /** Keep the fd across exec (the supervisor hands it to agent processes). Default false. */
  inheritable?: boolean;
  /** Receive buffer to ask for; the kernel doubles it and caps it at rmem_max. */
  receiveBufferBytes?: number;
}

/** A bound socket (listening, for TCP); port 0 lets the kernel pick a random ephemeral port. */
export function openBoundSocket(proto: 'udp' | 'tcp', address: string, port: number, options: OpenSocketOptions = {}): number {
  const c = libc();
  const v6 = isIPv6(address);
  const type = (proto === 'udp' ? SOCK_DGRAM : SOCK_STREAM) | (options.inheritable === true ? 0 : SOCK_CLOEXEC);
  const fd = c.socket(v6 ? AF_INET6 : AF_INET, type, 0) as number;
  const where = `${proto} ${v6 ? `[${address}]` : address}:${port}`;
  if (fd < 0) throw new SluiceError('ERR_NETNS', `socket for ${where}: ${errnoMessage(errno())}`);
  const fail = (what: string): never => {
    const e = errno();
    c.close(fd);
    throw new SluiceError('ERR_NETNS', `${what} ${where}: ${errnoMessage(e)}${e === 98 ? ' (port in use: another agent?)' : ''}`);
  };
  if (port !== 0) c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, intOpt(1), 4);
  if (v6) c.setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, intOpt(1), 4);
  if (options.receiveBufferBytes !== undefined) c.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intOpt(options.receiveBufferBytes), 4);
  const sa = sockaddr(address, port);
  if ((c.bind(fd, sa, sa.length) as number) < 0) fail('bind');
  if (proto === 'tcp' && (c.listen(fd, 4096) as number) < 0) fail('listen');
  return fd;
}
