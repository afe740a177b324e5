// How every API call's outcome crosses a process boundary (IPC or WebSocket).

/** Stable error codes a client may branch on. */
export type ApiErrorCode =
  | 'bad-request' // malformed message, unknown method, invalid params
  | 'not-found' // the named object does not exist
  | 'conflict' // the object is in a state that forbids the call (locked, powered on…)
  | 'forbidden' // the caller may not do this (sender check, login)
  | 'unavailable' // the host or a part of it is not reachable
  | 'internal'; // a bug: the message says what failed

export interface ApiError {
  readonly code: ApiErrorCode;
  /** One line a person can act on, subsystem first. */
  readonly message: string;
}

export type ApiResult<T> = { readonly ok: true; readonly data: T } | { readonly ok: false; readonly error: ApiError };
