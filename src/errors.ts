// The error base class and the registry of codes. Every error a user can see carries a literal
// code, whether retrying can help, the cause, and the data a handler needs. docs/errors.md lists
// the same codes; src/errors.test.ts keeps the two in step.

export const errorCodes = {
  ERR_BPF_LOAD: 'a BPF object could not be opened, verified or loaded',
  ERR_BPF_ATTACH: 'a tc program could not be attached to or detached from an interface',
  ERR_BPF_PIN: 'a map or program could not be pinned or reused from bpffs',
  ERR_MAP_LOOKUP: 'a BPF map lookup failed for a reason other than a missing key',
  ERR_MAP_UPDATE: 'a BPF map update or delete failed',
  ERR_ALLOWLIST_OVERFLOW: 'a prefix of an endpoint allowlist needs more port rules than the datapath holds',
  ERR_RINGBUF: 'the ring buffer could not be mapped or read',
  ERR_DECODE_SHORT: 'a record is shorter than its version requires',
  ERR_DECODE_VERSION: 'a record carries a type or version this build does not know',
  ERR_NETNS: 'a network namespace or link could not be created, entered or removed',
  ERR_POLICY_INVALID: 'a policy document is invalid',
  ERR_POLICY_NOT_FOUND: 'no policy with that name is applied',
  ERR_DNS_UPSTREAM_TIMEOUT: 'the upstream resolver did not answer in time',
  ERR_DNS_UPSTREAM: 'the upstream resolver could not be reached or closed the connection before answering',
  ERR_DNS_ANSWER_HELD: 'the addresses of an answer were not programmed in time, so the client got SERVFAIL',
  ERR_DNS_MALFORMED: 'a DNS message could not be parsed',
  ERR_LOG_CORRUPT: 'a record of the local log failed its checksum or length check',
  ERR_LOG_WRITE: 'the local log could not be written',
  ERR_KAFKA_PUBLISH: 'events could not be published to Kafka',
  ERR_KAFKA_BROKER: 'the local Kafka broker of scripts/kafka.sh could not be started or stopped',
  ERR_CONFIG: 'the configuration or a command-line argument is invalid',
  ERR_PRIVILEGE: 'the operation needs root or CAP_BPF and CAP_NET_ADMIN',
  ERR_API_SOCKET: "the agent's API socket could not be created, or another agent already answers on it",
  ERR_AGENT_UNREACHABLE: 'no agent answers on the API socket',
  ERR_API_RESPONSE: "the agent's API answered with something that is not a valid response",
  ERR_API_ROUTE: "the agent's API has no such route or method",
  ERR_ENDPOINT_EXISTS: 'an endpoint with that name, interface or address already exists',
  ERR_ENDPOINT_NOT_FOUND: 'no endpoint with that name is known to the agent',
  ERR_METRICS: 'the metrics server could not listen, or a metric was defined or used wrongly',
  ERR_INTERNAL: 'an unexpected error inside the agent (a bug: please report it)',
} as const;

export type ErrorCode = keyof typeof errorCodes;

export interface SluiceErrorOptions {
  cause?: unknown;
  retriable?: boolean;
  /** Bulky diagnostics (a verifier log, a list of validation errors) stay off the message. */
  details?: unknown;
}

export class SluiceError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.details = options.details;
  }
}

export function isSluiceError(err: unknown, code?: ErrorCode): err is SluiceError {
  return err instanceof SluiceError && (code === undefined || err.code === code);
}

/** errno names for the values libbpf returns negated; unknown values keep their number. */
const errnoNames: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 4: 'EINTR', 7: 'E2BIG', 9: 'EBADF', 11: 'EAGAIN', 12: 'ENOMEM',
  13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV', 22: 'EINVAL', 28: 'ENOSPC',
  95: 'EOPNOTSUPP', 524: 'ENOTSUPP',
};

const errnoText: Record<number, string> = {
  1: 'operation not permitted', 2: 'no such file or directory', 7: 'argument list too long',
  12: 'out of memory', 13: 'permission denied', 16: 'device or resource busy', 17: 'file exists',
  19: 'no such device', 22: 'invalid argument', 28: 'no space left on device',
  95: 'operation not supported',
};

export function errnoName(errno: number): string {
  const n = Math.abs(errno);
  return errnoNames[n] ?? `errno ${n}`;
}

export function errnoMessage(errno: number): string {
  const n = Math.abs(errno);
  return errnoText[n] ?? errnoName(n).toLowerCase();
}
