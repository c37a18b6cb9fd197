// A resolver on 127.0.0.1 that the fuzzer controls: UDP and TCP on one port. For each query it
// asks `answer` what to send back (the query's id and question are given, so an answer can be
// malformed in exactly one way); it may send several messages (a forgery, then the real answer)
// or none. A query it cannot decode is counted too and answered FORMERR, as a resolver does: the
// proxy passes on what it need not read (records after the question), so such queries reach it.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';
import dnsPacket, { type Question } from 'dns-packet';
import { TcpFrameReader, frame } from '../../dns/tcpFraming.js';

export type AnswerFn = (id: number, question: Question, transport: 'UDP' | 'TCP') => Buffer[];

export interface FakeUpstream {
  port: number;
  queries: number;
  close(): Promise<void>;
}

function decodeQuestion(message: Buffer): { id: number; question: Question } | undefined {
  try {
    const packet = dnsPacket.decode(message);
    const question = packet.questions?.[0];
    return question === undefined ? undefined : { id: packet.id ?? 0, question };
  } catch {
    return undefined;
  }
}

/** A header-only FORMERR reply to a message with a readable header. */
function formerr(message: Buffer): Buffer {
  const reply = Buffer.alloc(12);
  reply.writeUInt16BE(message.readUInt16BE(0), 0);
  reply.writeUInt16BE(0x8000 | 1, 2);
  return reply;
}

async function bindBoth(answer: AnswerFn, state: { queries: number }): Promise<{ udp: Socket; tcp: Server; port: number }> {
  const udp = createSocket('udp4');
  udp.on('message', (message, rinfo) => {
    state.queries++;
    const q = decodeQuestion(message);
    if (q === undefined) {
      if (message.length >= 12) udp.send(formerr(message), rinfo.port, rinfo.address);
      return;
    }
    for (const reply of answer(q.id, q.question, 'UDP')) udp.send(reply.subarray(0, 65_507), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const tcp = createServer((socket) => {
    const reader = new TcpFrameReader();
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      for (const message of reader.push(chunk)) {
        state.queries++;
        const q = decodeQuestion(message);
        if (q === undefined) {
          if (message.length >= 12) socket.write(frame(formerr(message)));
          continue;
        }
        for (const reply of answer(q.id, q.question, 'TCP')) socket.write(frame(reply.subarray(0, 65_535)));
      }
    });
  });
  const listening = await new Promise<boolean>((resolve) => {
    tcp.once('error', () => resolve(false));
    tcp.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!listening) {
    udp.close();
    return bindBoth(answer, state); // the TCP port was taken: try another pair
  }
  return { udp, tcp, port };
}

export async function startFakeUpstream(answer: AnswerFn): Promise<FakeUpstream> {
  const state = { queries: 0 };
  const { udp, tcp, port } = await bindBoth(answer, state);
  return {
    port,
    get queries() {
      return state.queries;
    },
    close: () =>
      new Promise<void>((resolve) => {
        udp.close();
        tcp.close(() => resolve());
      }),
  };
}
