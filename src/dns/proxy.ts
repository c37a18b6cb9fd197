// The transparent DNS proxy: UDP and TCP listeners on one port, the query handler between them
// and the upstream legs. Collaborators (origin lookup, rules.dns decision, datapath programming,
// event sink) are injected so tests and the agent wire it differently.
import type { Server, Socket as TcpSocket } from 'node:net';
import type { Socket as UdpSocket } from 'node:dgram';
import { createQueryHandler, defaultQueryHandlerOptions } from './queryHandler.js';
import { listenTcp } from './tcpServer.js';
import { listenUdp, type HandleQuery } from './udpServer.js';
import { queryOverTcp } from './upstreamTcp.js';
import { UdpUpstream, type UdpUpstreamOptions } from './upstreamUdp.js';
import { UdpSendBatch } from './udpSendBatch.js';
import type { DecideDnsQuery, DnsEventSink, DnsProxyCounters, LookupOrigin, OnAnswer } from './types.js';

export interface DnsProxyOptions {
  lookupOrigin: LookupOrigin;
  decide: DecideDnsQuery;
  onAnswer: OnAnswer;
  onEvent: DnsEventSink;
  /** Default 127.0.0.1. */
  listenAddress?: string;
  /** 0 (default) = a free port, the same for UDP and TCP. */
  port?: number;
  denyRcode?: 'REFUSED' | 'NXDOMAIN';
  /** How long an answer may wait for the datapath before it becomes SERVFAIL. Default 100 ms. */
  answerDeadlineMs?: number;
  /** Default 5000 ms; then the client gets SERVFAIL. */
  upstreamTimeoutMs?: number;
  /** Queries being forwarded at once; past it, REFUSED. Default 10000. */
  maxInFlight?: number;
  tcpIdleTimeoutMs?: number;
  maxTcpConnections?: number;
  upstreamUdp?: Partial<UdpUpstreamOptions>;
  newEventId?: () => string;
  now?: () => number;
  /**
   * Sockets made and held by another process (the agent's supervisor), so queries that arrive
   * while this proxy restarts wait in the kernel's buffers instead of being refused.
   */
  fds?: { udp: number; tcp: number };
  /** Errors of the listeners themselves (not of queries); default: ignored after counting. */
  onSocketError?: (err: Error) => void;
  /**
   * Queries that arrive before this settles wait for it (in arrival order) instead of being
   * handled: the proxy can listen before it knows the endpoints, which otherwise it would refuse.
   */
  ready?: Promise<void>;
}

export interface DnsProxy {
  readonly address: string;
  readonly port: number;
  readonly counters: Readonly<DnsProxyCounters>;
  close(): Promise<void>;
}

export function emptyCounters(): DnsProxyCounters {
  return {
    received: 0, malformed: 0, refusedUnknownClient: 0, refusedOverload: 0, denied: 0, forwarded: 0, answered: 0,
    servfail: 0, upstreamTimeouts: 0, answersHeldTooLong: 0, programmingFailures: 0, spoofed: 0, tcpConnections: 0, sendFailures: 0,
  };
}

function gated(handle: HandleQuery, ready: Promise<void> | undefined): HandleQuery {
  if (ready === undefined) return handle;
  let open = false;
  const opened = ready.then(() => { open = true; });
  return (message, client, transport) => (open ? handle(message, client, transport) : opened.then(() => handle(message, client, transport)));
}

export async function startDnsProxy(options: DnsProxyOptions): Promise<DnsProxy> {
  const address = options.listenAddress ?? '127.0.0.1';
  const counters = emptyCounters();
  // one batch for replies and forwarded queries: each socket gets one sendmmsg per turn
  const sends = new UdpSendBatch();
  const udpUpstream = new UdpUpstream(sends, options.upstreamUdp);
  const onSocketError = options.onSocketError ?? (() => undefined);
  const handleNow = createQueryHandler({
    ...defaultQueryHandlerOptions,
    lookupOrigin: options.lookupOrigin,
    decide: options.decide,
    onAnswer: options.onAnswer,
    emit: options.onEvent,
    counters,
    forward: (transport, server, port, query, question, timeoutMs) =>
      transport === 'UDP'
        ? udpUpstream.query(server, port, query, question, timeoutMs)
        : queryOverTcp(server, port, query, question, timeoutMs, udpUpstream.counters),
    ...(options.denyRcode === undefined ? {} : { denyRcode: options.denyRcode }),
    ...(options.answerDeadlineMs === undefined ? {} : { answerDeadlineMs: options.answerDeadlineMs }),
    ...(options.upstreamTimeoutMs === undefined ? {} : { upstreamTimeoutMs: options.upstreamTimeoutMs }),
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
    ...(options.newEventId === undefined ? {} : { newEventId: options.newEventId }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const handle = gated(handleNow, options.ready);
  let udp: UdpSocket;
  try {
    udp = (await listenUdp(address, options.port ?? 0, handle, sends, onSocketError, options.fds?.udp)).socket;
  } catch (err) {
    udpUpstream.close();
    throw err;
  }
  const port = udp.address().port;
  let tcp: { server: Server; sockets: Set<TcpSocket> };
  try {
    tcp = await listenTcp(
      address,
      port,
      handle,
      { idleTimeoutMs: options.tcpIdleTimeoutMs ?? 10_000, maxConnections: options.maxTcpConnections ?? 1_000 },
      () => counters.tcpConnections++,
      onSocketError,
      options.fds?.tcp,
    );
  } catch (err) {
    udp.close();
    udpUpstream.close();
    throw err;
  }
  return {
    address,
    port,
    get counters() {
      // Spoofed upstream messages are counted by the upstream legs. (Object.assign, not a spread
      // followed by more properties: see queryHandler.ts.)
      return Object.assign({}, counters, { spoofed: udpUpstream.counters.spoofed, sendFailures: sends.counters.failed });
    },
    close: () =>
      new Promise<void>((resolve) => {
        sends.flush();
        udpUpstream.close();
        for (const socket of tcp.sockets) socket.destroy();
        udp.close(() => tcp.server.close(() => resolve()));
      }),
  };
}
