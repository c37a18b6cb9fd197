// The upstream leg over TCP: a fresh connection per query (so a fresh source port), a random id,
// and the same answer check as UDP. Clients come here after a truncated UDP answer.
import { connect } from 'node:net';
import { randomInt } from 'node:crypto';
import { SluiceError } from '../errors.js';
import { checkAnswer } from './answerCheck.js';
import { withId } from './message.js';
import { TcpFrameReader, frame } from './tcpFraming.js';
import type { UpstreamAnswer, UpstreamCounters } from './upstreamUdp.js';
import type { WireQuestion } from './wire.js';

export function queryOverTcp(
  server: string,
  port: number,
  query: Buffer,
  question: WireQuestion,
  timeoutMs: number,
  counters: UpstreamCounters,
): Promise<UpstreamAnswer> {
  const id = randomInt(0, 0x10000);
  return new Promise<UpstreamAnswer>((resolve, reject) => {
    const socket = connect({ host: server, port });
    const reader = new TcpFrameReader();
    let settled = false;
    const finish = (result: UpstreamAnswer | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(() => {
      counters.timeouts++;
      finish(new SluiceError('ERR_DNS_UPSTREAM_TIMEOUT', `forward ${question.name} ${question.type} over tcp to ${server}:${port}: no answer in ${timeoutMs} ms`, { retriable: true }));
    }, timeoutMs);
    socket.on('connect', () => socket.write(frame(withId(query, id))));
    socket.on('data', (chunk) => {
      for (const message of reader.push(chunk)) {
        const checked = checkAnswer(message, id, question);
        if (checked.ok) finish({ raw: Buffer.from(message), packet: checked.packet });
        else counters.spoofed++;
      }
    });
    socket.on('error', (err) =>
      finish(new SluiceError('ERR_DNS_UPSTREAM', `forward ${question.name} over tcp to ${server}:${port}: ${err.message}`, { cause: err, retriable: true })),
    );
    socket.on('close', () =>
      finish(new SluiceError('ERR_DNS_UPSTREAM', `forward ${question.name} over tcp to ${server}:${port}: connection closed before an answer`, { retriable: true })),
    );
  });
}
