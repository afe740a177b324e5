// What a handler knows about the connection a call came on: who is logged in, and the
// topics it subscribed to (per-VM stats and console events go only to subscribers).
import type { Topic } from '../api';

export interface CallContext {
  /** The account of a logged-in session; undefined where no login is needed. */
  readonly user?: string;
  readonly loginRequired: boolean;
  readonly topics: Set<Topic>;
}

export function newCallContext(init: { user?: string; loginRequired?: boolean } = {}): CallContext {
  return { ...(init.user ? { user: init.user } : {}), loginRequired: init.loginRequired ?? false, topics: new Set() };
}
