// The agent's local API: HTTP/1.1 with JSON bodies on a unix socket that only root may open.
//
// Access control is the socket file's mode (0600, owner root) and its directory (0700 when we
// create it): connect(2) on a unix socket needs write permission on the file. Node exposes no
// SO_PEERCRED, so the server cannot check the peer's uid itself; test/api/ proves the mode by
// connecting as nobody.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, rm } from 'node:fs/promises';
import { SluiceError } from '../errors.js';
import { errorReply, routeRequest, type ApiReply } from './router.js';
import { prepareSocketPath } from './socketGuard.js';
import { DEFAULT_API_SOCKET } from './defaults.js';
import type { AgentApiProvider } from './types.js';

export interface ApiServerOptions {
  provider: AgentApiProvider;
  /** Default /run/sluice/agent.sock. */
  socketPath?: string;
  /** Request bodies above this are refused with 400 (an endpoint spec is a few hundred bytes). */
  maxBodyBytes?: number;
  /** Called with errors that are not SluiceErrors (bugs in a provider), for the agent's log. */
  onError?: (err: unknown) => void;
}

export interface ApiServer {
  readonly socketPath: string;
  /** Stops accepting, ends open connections and removes the socket file. */
  close(): Promise<void>;
}

function readBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new SluiceError('ERR_CONFIG', `request body larger than ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (err) {
        reject(new SluiceError('ERR_CONFIG', `request body is not JSON: ${(err as Error).message}`));
      }
    });
  });
}

function send(res: ServerResponse, reply: ApiReply): void {
  const text = `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

// Sets the umask so the socket is born 0600: there is no window in which another user could
// connect before chmod. Worker threads may not change the umask; there the chmod after listen
// (and the 0700 directory) must do.
function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  let previous: number | undefined;
  try {
    previous = process.umask(mask);
  } catch {
    previous = undefined;
  }
  return fn().finally(() => {
    if (previous !== undefined) process.umask(previous);
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const socketPath = options.socketPath ?? DEFAULT_API_SOCKET;
  const limit = options.maxBodyBytes ?? 64 * 1024;
  await prepareSocketPath(socketPath);

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://agent').pathname;
    readBody(req, limit)
      .then((body) => routeRequest(options.provider, req.method ?? 'GET', path, body, options.onError))
      .catch((err: unknown) => errorReply(err, options.onError))
      .then((reply) => {
        if (!res.destroyed) send(res, reply);
      });
  });
  // The CLI makes one request per connection; a stuck client must not hold the agent's sockets.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;

  try {
    await withUmask(0o177, () => listen(server, socketPath));
    await chmod(socketPath, 0o600);
  } catch (err) {
    server.close();
    const code = (err as NodeJS.ErrnoException).code;
    throw new SluiceError('ERR_API_SOCKET', `listen ${socketPath}: ${code ?? (err as Error).message}`, { cause: err });
  }

  let closed: Promise<void> | undefined;
  return {
    socketPath,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).then(() => rm(socketPath, { force: true }));
      return closed;
    },
  };
}
