// The proxy's TCP listener: length-prefixed messages, several queries per connection, answered
// as they complete (RFC 7766 allows out-of-order replies; clients match them by id). Idle
// connections are closed so a client cannot hold sockets forever.
import { createServer, type Server, type Socket } from 'node:net';
import { TcpFrameReader, frame } from './tcpFraming.js';
import type { HandleQuery } from './udpServer.js';

export interface TcpServerOptions {
  idleTimeoutMs: number;
  maxConnections: number;
}

export function listenTcp(
  address: string,
  port: number,
  handle: HandleQuery,
  options: TcpServerOptions,
  onConnection: () => void,
  onError: (err: Error) => void,
  /** An already listening socket handed down by the process that holds it across agent restarts. */
  fd?: number,
): Promise<{ server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    onConnection();
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const reader = new TcpFrameReader();
    const client = { addr: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    socket.on('data', (chunk) => {
      for (const message of reader.push(chunk)) {
        handle(Buffer.from(message), client, 'TCP').then((reply) => {
          if (reply !== undefined && !socket.destroyed) socket.write(frame(reply));
        }, onError);
      }
    });
  });
  server.maxConnections = options.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const listening = () => {
      server.off('error', reject);
      resolve({ server, sockets });
    };
    if (fd === undefined) server.listen(port, address, listening);
    else server.listen({ fd }, listening);
  });
}
