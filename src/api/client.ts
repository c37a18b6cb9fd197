// The CLI's side of the local API: one HTTP request per call over the unix socket. Failures come
// back as SluiceErrors that tell the user what to do: no agent (start one), no permission (sudo),
// or the agent's own error code from the `{"error":{code,message}}` body.
import { request } from 'node:http';
import { errorCodes, SluiceError, type ErrorCode } from '../errors.js';
import { DEFAULT_API_SOCKET } from './defaults.js';
import type {
  CountersView,
  EndpointSpec,
  EndpointView,
  FqdnCacheEntryView,
  MapFillView,
  PolicyView,
  StatusView,
} from './types.js';

export interface ApiClientOptions {
  socketPath?: string;
  timeoutMs?: number;
}

export interface ApiClient {
  readonly socketPath: string;
  status(): Promise<StatusView>;
  endpoints(): Promise<EndpointView[]>;
  policies(): Promise<PolicyView[]>;
  fqdnCache(): Promise<FqdnCacheEntryView[]>;
  mapFill(): Promise<MapFillView[]>;
  counters(): Promise<CountersView>;
  addEndpoint(spec: EndpointSpec): Promise<EndpointView>;
  removeEndpoint(name: string): Promise<void>;
}

function connectError(socketPath: string, err: NodeJS.ErrnoException): SluiceError {
  if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
    return new SluiceError('ERR_AGENT_UNREACHABLE', `no agent answers on ${socketPath}: start it with sudo npx sluice agent`, { cause: err });
  }
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new SluiceError('ERR_PRIVILEGE', `connect ${socketPath}: permission denied: the agent's API is for root only (run with sudo)`, { cause: err });
  }
  return new SluiceError('ERR_AGENT_UNREACHABLE', `connect ${socketPath}: ${err.code ?? err.message}`, { cause: err, retriable: true });
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(errorCodes, code);
}

/** Sends one request; resolves the parsed JSON of a 2xx answer, rejects with a SluiceError otherwise. */
export function callApi(socketPath: string, method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new SluiceError('ERR_API_RESPONSE', `${method} ${path}: ${err.message}`, { cause: err })));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(new SluiceError('ERR_API_RESPONSE', `${method} ${path}: status ${res.statusCode}, body is not JSON`, { details: text }));
            return;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed);
          const e = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
          if (e !== undefined && isErrorCode(e.code) && typeof e.message === 'string') {
            reject(new SluiceError(e.code, e.message, { details: { status } }));
          } else {
            reject(new SluiceError('ERR_API_RESPONSE', `${method} ${path}: status ${status} without an error body`, { details: parsed }));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new SluiceError('ERR_AGENT_UNREACHABLE', `${method} ${path}: the agent on ${socketPath} did not answer within ${timeoutMs} ms`, { retriable: true })));
    req.on('error', (err: NodeJS.ErrnoException) => reject(err instanceof SluiceError ? err : connectError(socketPath, err)));
    req.end(payload);
  });
}

// Each view is checked for its wrapper field only: the agent and the CLI are the same build, and
// a deep schema check here would only duplicate the types.
function field<T>(value: unknown, key: string, path: string): T {
  const v = (value as Record<string, unknown> | null)?.[key];
  if (v === undefined) throw new SluiceError('ERR_API_RESPONSE', `GET ${path}: the answer has no '${key}'`, { details: value });
  return v as T;
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const socketPath = options.socketPath ?? DEFAULT_API_SOCKET;
  const call = (method: string, path: string, body?: unknown) => callApi(socketPath, method, path, body, options.timeoutMs);
  return {
    socketPath,
    status: async () => (await call('GET', '/v1/status')) as StatusView,
    endpoints: async () => field<EndpointView[]>(await call('GET', '/v1/endpoints'), 'endpoints', '/v1/endpoints'),
    policies: async () => field<PolicyView[]>(await call('GET', '/v1/policies'), 'policies', '/v1/policies'),
    fqdnCache: async () => field<FqdnCacheEntryView[]>(await call('GET', '/v1/fqdn'), 'entries', '/v1/fqdn'),
    mapFill: async () => field<MapFillView[]>(await call('GET', '/v1/maps'), 'maps', '/v1/maps'),
    counters: async () => (await call('GET', '/v1/counters')) as CountersView,
    addEndpoint: async (spec) => field<EndpointView>(await call('POST', '/v1/endpoints', spec), 'endpoint', '/v1/endpoints'),
    removeEndpoint: async (name) => {
      await call('DELETE', `/v1/endpoints/${encodeURIComponent(name)}`);
    },
  };
}
