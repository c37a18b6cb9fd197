// A relay in Node that only rewrites the 16-bit id, like ceilingRelay.c: what the runtime's I/O
// costs before any of the proxy's work (parsing, origin lookup, rules.dns, events, the log).
//   node nodeRelay.js dgram   LISTEN_IP PORT UPSTREAM_IP UPSTREAM_PORT   one node:dgram callback and send per datagram
//   node nodeRelay.js batched LISTEN_IP PORT UPSTREAM_IP UPSTREAM_PORT   the proxy's I/O: the callback as a cue to drain
//                                                                      with recvmmsg (UdpRecvBatch), sendmmsg per turn (UdpSendBatch)
import { createSocket, type Socket } from 'node:dgram';
import { openBoundSocket } from '../../dns/boundSockets.js';
import { UdpRecvBatch } from '../../dns/udpRecvBatch.js';
import { UdpSendBatch } from '../../dns/udpSendBatch.js';

const [mode, listenIp, listenPort, upstreamIp, upstreamPort] = process.argv.slice(2);
if ((mode !== 'dgram' && mode !== 'batched') || upstreamPort === undefined) {
  process.stderr.write('usage: nodeRelay.js dgram|batched LISTEN_IP PORT UPSTREAM_IP UPSTREAM_PORT\n');
  process.exit(2);
}
const upPort = Number(upstreamPort);

// who asked, by the id the query went upstream with
const clientIds = new Uint16Array(65_536);
const clientPorts = new Uint16Array(65_536);
const clientAddresses: (string | undefined)[] = new Array<string | undefined>(65_536).fill(undefined);
let nextId = 0;

/** Rewrites a query's id in place and remembers the asker; false for runts. */
function toUpstream(message: Buffer, address: string, port: number): boolean {
  if (message.length < 12) return false;
  const id = nextId;
  nextId = (nextId + 1) & 0xffff;
  clientIds[id] = message.readUInt16BE(0);
  clientPorts[id] = port;
  clientAddresses[id] = address;
  message.writeUInt16BE(id, 0);
  return true;
}

/** Gives an answer back its asker's id; the asker, or undefined for strays. */
function toClient(message: Buffer): { address: string; port: number } | undefined {
  if (message.length < 12) return undefined;
  const id = message.readUInt16BE(0);
  const address = clientAddresses[id];
  if (address === undefined) return undefined;
  clientAddresses[id] = undefined;
  message.writeUInt16BE(clientIds[id]!, 0);
  return { address, port: clientPorts[id]! };
}

function bound(fd: number): Promise<Socket> {
  const socket = createSocket('udp4');
  return new Promise((resolve) => socket.bind({ fd }, () => resolve(socket)));
}

const frontFd = openBoundSocket('udp', listenIp!, Number(listenPort));
const backFd = openBoundSocket('udp', '0.0.0.0', 0);
const front = await bound(frontFd);
const back = await bound(backFd);

if (mode === 'dgram') {
  front.on('message', (m, r) => {
    if (toUpstream(m, r.address, r.port)) back.send(m, upPort, upstreamIp);
  });
  back.on('message', (m) => {
    const to = toClient(m);
    if (to !== undefined) front.send(m, to.port, to.address);
  });
} else {
  const recv = new UdpRecvBatch();
  const sends = new UdpSendBatch();
  const query = (m: Buffer, address: string, port: number) => {
    if (toUpstream(m, address, port)) sends.send(backFd, m, upPort, upstreamIp!);
  };
  const answer = (m: Buffer) => {
    const to = toClient(m);
    if (to !== undefined) sends.send(frontFd, m, to.port, to.address);
  };
  front.on('message', (m, r) => {
    query(m, r.address, r.port);
    recv.drain(frontFd, query);
  });
  back.on('message', (m) => {
    answer(m);
    recv.drain(backFd, answer);
  });
}
process.stdout.write('ready\n');
