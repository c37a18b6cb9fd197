// The proxy's UDP listener: one socket; each datagram is handled on its own and the reply goes
// back from this socket, batched with the other replies of the same turn (in the datapath design
// the BPF reverse NAT restores the address the client asked, so the client sees its resolver
// answer). node:dgram's callback for one datagram is the cue to take the rest of the queue with
// recvmmsg (udpRecvBatch.ts).
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { DnsTransport } from './types.js';
import type { UdpSendBatch } from './udpSendBatch.js';
import { openBoundSocket } from './boundSockets.js';
import { threadRecvBatch } from './udpRecvBatch.js';
import { libc } from '../datapath/ffi/libc.js';

export type HandleQuery = (message: Buffer, client: { addr: string; port: number }, transport: DnsTransport) => Promise<Buffer | undefined>;

/**
 * `fd`: an already bound socket handed down by the process that holds it across agent restarts;
 * otherwise one is made here (with libc, so its fd is known). Replies go out through `sends`.
 */
export function listenUdp(address: string, port: number, handle: HandleQuery, sends: UdpSendBatch, onError: (err: Error) => void, fd?: number): Promise<{ socket: Socket; fd: number }> {
  const socketFd = fd ?? openBoundSocket('udp', address, port);
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
  const recv = threadRecvBatch();
  const onDatagram = (message: Buffer, addr: string, port: number) => {
    handle(message, { addr, port }, 'UDP').then(
      (reply) => {
        if (reply !== undefined) sends.send(socketFd, reply, port, addr);
      },
      onError,
    );
  };
  socket.on('message', (message, rinfo) => {
    onDatagram(message, rinfo.address, rinfo.port);
    recv.drain(socketFd, onDatagram);
  });
  socket.on('error', onError);
  return new Promise((resolve, reject) => {
    const failed = (err: Error) => {
      if (fd === undefined) libc().close(socketFd);
      reject(err);
    };
    socket.once('error', failed);
    socket.bind({ fd: socketFd }, () => {
      socket.off('error', failed);
      resolve({ socket, fd: socketFd });
    });
  });
}
