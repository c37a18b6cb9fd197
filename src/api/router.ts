// Routes one API request to the provider and turns the outcome into a status and a JSON body.
// No sockets here: server.ts does the I/O, so routing is tested with plain calls as well.
import { isSluiceError, SluiceError } from '../errors.js';
import { readEndpointSpec } from './endpointSpec.js';
import { httpStatusFor } from './httpStatus.js';
import type { AgentApiProvider, ApiErrorBody } from './types.js';

export interface ApiReply {
  status: number;
  body: unknown;
}

type Handler = (provider: AgentApiProvider, param: string | undefined, body: unknown) => Promise<ApiReply>;

const ok = (body: unknown, status = 200): ApiReply => ({ status, body });

// Method -> path pattern -> handler. A path with `:name` takes one segment, URL-decoded.
const routes: Array<{ method: string; pattern: RegExp; handler: Handler }> = [
  { method: 'GET', pattern: /^\/v1\/status$/, handler: async (p) => ok(await p.status()) },
  { method: 'GET', pattern: /^\/v1\/endpoints$/, handler: async (p) => ok({ endpoints: await p.endpoints() }) },
  { method: 'GET', pattern: /^\/v1\/policies$/, handler: async (p) => ok({ policies: await p.policies() }) },
  { method: 'GET', pattern: /^\/v1\/fqdn$/, handler: async (p) => ok({ entries: await p.fqdnCache() }) },
  { method: 'GET', pattern: /^\/v1\/maps$/, handler: async (p) => ok({ maps: await p.mapFill() }) },
  { method: 'GET', pattern: /^\/v1\/counters$/, handler: async (p) => ok(await p.counters()) },
  {
    method: 'POST',
    pattern: /^\/v1\/endpoints$/,
    handler: async (p, _param, body) => ok({ endpoint: await p.addEndpoint(readEndpointSpec(body)) }, 201),
  },
  {
    method: 'DELETE',
    pattern: /^\/v1\/endpoints\/([^/]+)$/,
    handler: async (p, name) => {
      await p.removeEndpoint(name!);
      return ok({ deleted: name });
    },
  },
];

/** Called with errors that are not SluiceErrors: bugs, whose stack belongs in the agent's log. */
export type UnexpectedErrorFn = (err: unknown) => void;

export function errorReply(err: unknown, onUnexpected?: UnexpectedErrorFn): ApiReply {
  if (isSluiceError(err)) {
    const body: ApiErrorBody = { error: { code: err.code, message: err.message } };
    return { status: httpStatusFor(err.code), body };
  }
  // The message of an unexpected error may be useful in a bug report; its stack stays in the
  // agent's log (the server's onError), not on the wire.
  onUnexpected?.(err);
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { error: { code: 'ERR_INTERNAL', message } } satisfies ApiErrorBody };
}

/** `body` is the parsed JSON request body, or undefined when there was none. */
export async function routeRequest(
  provider: AgentApiProvider,
  method: string,
  path: string,
  body: unknown,
  onUnexpected?: UnexpectedErrorFn,
): Promise<ApiReply> {
  const samePath = routes.filter((r) => r.pattern.test(path));
  const route = samePath.find((r) => r.method === method);
  if (route === undefined) {
    if (samePath.length > 0) {
      const allowed = samePath.map((r) => r.method).join(', ');
      return { status: 405, body: { error: { code: 'ERR_API_ROUTE', message: `${method} ${path}: method not allowed (${allowed})` } } };
    }
    return errorReply(new SluiceError('ERR_API_ROUTE', `${method} ${path}: no such route`));
  }
  const match = route.pattern.exec(path)!;
  let param: string | undefined;
  if (match[1] !== undefined) {
    try {
      param = decodeURIComponent(match[1]);
    } catch {
      return errorReply(new SluiceError('ERR_CONFIG', `${path}: malformed percent-encoding`));
    }
  }
  try {
    return await route.handler(provider, param, body);
  } catch (err) {
    return errorReply(err, onUnexpected);
  }
}
