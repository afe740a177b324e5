// Turns a call that arrived over any transport into an ApiResult: checks the method
// name and params shape, runs the handler, maps thrown errors to typed API errors.
// Nothing thrown here escapes to a transport.
import { API_METHODS, type ApiError, type ApiErrorCode, type ApiMethod, type ApiResult } from '../api';
import { VmdeskError, createLogger, errorMessage } from '../common';
import type { CallContext } from './call-context';
import type { ApiHandlers } from './handlers';

const log = createLogger('api');
const METHODS = new Set<string>(API_METHODS);
const CODES = new Set<ApiErrorCode>(['bad-request', 'not-found', 'conflict', 'forbidden', 'unavailable', 'internal']);

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && METHODS.has(name);
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof VmdeskError) {
    const code: ApiErrorCode = err.code === 'usage' ? 'bad-request' : CODES.has(err.code as ApiErrorCode) ? (err.code as ApiErrorCode) : 'internal';
    return { code, message: err.message };
  }
  log.error(`handler failed: ${errorMessage(err)}`);
  return { code: 'internal', message: `vmdesk: internal error: ${errorMessage(err)}` };
}

export async function dispatch(handlers: ApiHandlers, method: unknown, params: unknown, context: CallContext): Promise<ApiResult<unknown>> {
  if (!isApiMethod(method)) {
    return { ok: false, error: { code: 'bad-request', message: `api: unknown method ${JSON.stringify(method)}` } };
  }
  const args = params ?? {};
  if (typeof args !== 'object' || Array.isArray(args)) {
    return { ok: false, error: { code: 'bad-request', message: `api: ${method} takes an object of parameters` } };
  }
  try {
    const handler = handlers[method] as (p: unknown, c: CallContext) => unknown;
    return { ok: true, data: await handler(args, context) };
  } catch (err) {
    return { ok: false, error: toApiError(err) };
  }
}
