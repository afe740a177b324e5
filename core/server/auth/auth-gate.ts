// The login wall in front of the web UI and the API when a host is served beyond
// loopback: /login (page and form), /logout, and a session check for every other request
// and for the WebSocket upgrade. Failed logins from one address slow down.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger } from '../../common';
import type { AccountStore } from './accounts';
import { loginPage } from './login-page';
import { SessionStore, clearedSessionCookie, sessionCookie } from './sessions';

const log = createLogger('auth');
const MAX_FORM = 4096;
const PUBLIC = new Set(['/login', '/favicon.svg']);

export class AuthGate {
  readonly sessions = new SessionStore();
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(
    private readonly accounts: AccountStore,
    private readonly hostName: string,
  ) {}

  userOf(req: IncomingMessage): string | undefined {
    return this.sessions.userOf(req);
  }

  /** Answers the request if it is the gate's (login, logout, or refused); false lets it through. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/login' && req.method === 'POST') {
      void this.login(req, res);
      return true;
    }
    if (url.pathname === '/login') {
      this.page(res, 200);
      return true;
    }
    if (url.pathname === '/logout' && req.method === 'POST') {
      this.sessions.end(req);
      res.writeHead(303, { Location: './login', 'Set-Cookie': clearedSessionCookie() }).end();
      return true;
    }
    if (PUBLIC.has(url.pathname) || this.userOf(req)) return false;
    const wantsPage = req.method === 'GET' && (url.pathname === '/' || !/\.\w+$/.test(url.pathname));
    if (wantsPage) res.writeHead(302, { Location: '/login', 'Cache-Control': 'no-store' }).end();
    else res.writeHead(401, { 'Content-Type': 'text/plain' }).end('vmdesk: log in first\n');
    return true;
  }

  private page(res: ServerResponse, status: number, message?: string): void {
    res.writeHead(status, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    res.end(loginPage(this.hostName, message));
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin && origin !== 'null') {
      let same = false;
      try {
        same = new URL(origin).host === req.headers.host;
      } catch {
        same = false;
      }
      if (!same) {
        res.writeHead(403).end('vmdesk: login from another site refused\n');
        return;
      }
    }
    const body = await readBody(req);
    const from = req.socket.remoteAddress ?? '?';
    const fail = this.failures.get(from);
    if (fail && fail.until > Date.now()) {
      this.page(res, 429, 'Too many failed logins; wait a minute and try again.');
      return;
    }
    const form = new URLSearchParams(body ?? '');
    const user = form.get('user') ?? '';
    const password = form.get('password') ?? '';
    if (body !== null && user && (await this.accounts.verify(user, password))) {
      this.failures.delete(from);
      const token = this.sessions.create(user);
      log.info(`${user} logged in from ${from}`);
      res.writeHead(303, { Location: './', 'Set-Cookie': sessionCookie(token), 'Cache-Control': 'no-store' }).end();
      return;
    }
    const count = (fail?.count ?? 0) + 1;
    this.failures.set(from, { count, until: count >= 5 ? Date.now() + 60_000 : 0 });
    log.warn(`failed login for "${user.slice(0, 40)}" from ${from}`);
    this.page(res, 401, 'Wrong user name or password.');
  }
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    let size = 0;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_FORM) {
        resolve(null);
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', () => resolve(null));
  });
}
