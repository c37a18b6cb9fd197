// The DNS proxy's listening sockets, made by the supervisor and handed to each agent process it
// starts (as inherited file descriptors). They outlive any one agent: while a crashed agent is
// being replaced, queries wait in the socket buffers and the accept backlog and the next agent
// answers them, where a proxy that owned its sockets would leave clients with port unreachable.
import { SluiceError } from '../errors.js';
import { libc } from '../datapath/ffi/libc.js';
import { openBoundSocket } from '../dns/boundSockets.js';

/** A bound (and for TCP listening) socket; the fd is inheritable (no close-on-exec). */
export function openListeningSocket(proto: 'udp' | 'tcp', address: string, port: number): number {
  // room for a restart's worth of queries in the UDP socket's buffer
  return openBoundSocket(proto, address, port, { inheritable: true, ...(proto === 'udp' ? { receiveBufferBytes: 4 << 20 } : {}) });
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
