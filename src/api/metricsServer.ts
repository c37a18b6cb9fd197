// Serves GET /metrics in the Prometheus text format on a TCP address (default 127.0.0.1:9963).
// Loopback by default: the metrics name pods and domains, which is not for the whole network.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SluiceError } from '../errors.js';
import { DEFAULT_METRICS_ADDRESS } from './defaults.js';
import type { Counter } from './metrics/counter.js';
import { EXPOSITION_CONTENT_TYPE } from './metrics/exposition.js';
import type { MetricsRegistry } from './metrics/registry.js';

export interface MetricsServerOptions {
  registry: MetricsRegistry;
  /** host:port, [v6]:port or :port; port 0 picks a free one (tests). */
  address?: string;
  /** Counted once per failing collector (sluice_metrics_collect_errors_total). */
  collectErrors?: Counter;
  onError?: (err: unknown) => void;
}

export interface MetricsServer {
  /** The bound address as host:port, with the real port when 0 was asked for. */
  readonly address: string;
  close(): Promise<void>;
}

export function parseListenAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(address);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw new SluiceError('ERR_CONFIG', `metrics address '${address}': expected HOST:PORT, [IPV6]:PORT or :PORT`);
  }
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!), port };
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(options.address ?? DEFAULT_METRICS_ADDRESS);
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://metrics').pathname;
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    options.registry.collect().then(({ text: first, errors }) => {
      let text = first;
      if (errors.length > 0 && options.collectErrors !== undefined) {
        options.collectErrors.inc(errors.length);
        text = options.registry.expose();
      }
      for (const err of errors) options.onError?.(err);
      res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
      res.end(req.method === 'HEAD' ? undefined : text);
    }, (err: unknown) => {
      options.onError?.(err);
      res.writeHead(500, { 'content-type': 'text/plain' }).end('collect failed\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const hint = err.code === 'EADDRINUSE' ? 'address in use (another agent? set a different metrics address)' : (err.code ?? err.message);
      reject(new SluiceError('ERR_METRICS', `listen ${host}:${port}: ${hint}`, { cause: err }));
    });
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shownHost = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  let closed: Promise<void> | undefined;
  return {
    address: `${shownHost}:${bound.port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
