// The proxy's UDP listener: one socket; each datagram is handled on its own and the reply goes
// back from this socket (in the datapath design the BPF reverse NAT restores the address the
// client asked, so the client sees its resolver answer).
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DnsTransport } from './types.js';

export type HandleQuery = (message: Buffer, client: { addr: string; port: number }, transport: DnsTransport) => Promise<Buffer | undefined>;

/** `fd`: an already bound socket handed down by the process that holds it across agent restarts. */
export function listenUdp(address: string, port: number, handle: HandleQuery, onError: (err: Error) => void, fd?: number): Promise<Socket> {
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
  socket.on('message', (message, rinfo) => {
    handle(message, { addr: rinfo.address, port: rinfo.port }, 'UDP').then(
      (reply) => {
        if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address);
      },
      onError,
    );
  });
  socket.on('error', onError);
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    const bound = () => {
      socket.off('error', reject);
      resolve(socket);
    };
    if (fd === undefined) socket.bind(port, address, bound);
    else socket.bind({ fd }, bound);
  });
}
