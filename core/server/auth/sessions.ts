// Login sessions: a random token in an HttpOnly, Secure, SameSite=Strict cookie, kept in
// memory (a restart logs everyone out). Idle sessions expire.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Emitter } from '../../common';

export const SESSION_COOKIE = 'vmdesk_session';
const IDLE_MS = 8 * 3600_000;

interface Session {
  readonly user: string;
  lastSeen: number;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  private readonly onEndEmitter = new Emitter<string>();
  /** A session ended (logout, expiry): its token, so open connections can be closed. */
  readonly onEnd = this.onEndEmitter.event;

  create(user: string): string {
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, { user, lastSeen: Date.now() });
    return token;
  }

  /** The user of the request's session cookie, if it is live. */
  userOf(req: IncomingMessage): string | undefined {
    const token = readCookie(req, SESSION_COOKIE);
    if (!token) return undefined;
    const s = this.sessions.get(token);
    if (!s) return undefined;
    const now = Date.now();
    if (now - s.lastSeen > IDLE_MS) {
      this.sessions.delete(token);
      this.onEndEmitter.fire(token);
      return undefined;
    }
    s.lastSeen = now;
    return s.user;
  }

  end(req: IncomingMessage): void {
    const token = readCookie(req, SESSION_COOKIE);
    if (token && this.sessions.delete(token)) this.onEndEmitter.fire(token);
  }
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(token: string): string {
  return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=${IDLE_MS / 1000}`;
}

export function clearedSessionCookie(): string {
  return `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0`;
}
