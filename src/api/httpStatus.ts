// Error code -> HTTP status for the API. Unknown and non-Sluice errors are 500: a provider that
// throws a TypeError has a bug, and the client must not mistake it for a refusal of its request.
import type { ErrorCode } from '../errors.js';

const statusByCode: Partial<Record<ErrorCode, number>> = {
  ERR_CONFIG: 400,
  ERR_POLICY_INVALID: 400,
  ERR_API_ROUTE: 404,
  ERR_ENDPOINT_NOT_FOUND: 404,
  ERR_POLICY_NOT_FOUND: 404,
  ERR_ENDPOINT_EXISTS: 409,
  ERR_PRIVILEGE: 403,
};

export function httpStatusFor(code: ErrorCode): number {
  return statusByCode[code] ?? 500;
}
