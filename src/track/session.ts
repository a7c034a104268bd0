import { setBounded } from '../bounded.js';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readForm } from './form.js';

/** How long a dashboard login lasts: a working day. */
const SESSION_MS = 12 * 3_600_000;
const COOKIE = 'briefcast_session';
/** Wrong passwords allowed from one address before each further try waits. */
const FREE_FAILURES = 5;
/** The wait doubles with each failure past the free ones, up to this. */
const MAX_WAIT_MS = 15 * 60_000;
/** Addresses remembered; the oldest is forgotten first, so a flood of addresses cannot fill memory. */
const MAX_ADDRESSES = 10_000;

export interface GateOptions {
  /** The dashboard password, or the key `serve` printed. */
  key: string;
  /** The dashboard is reached over https (base_url), so the cookie may only travel that way. */
  secure: boolean;
  now?: () => number;
}

export interface DashboardGate {
  /**
   * True when the request may see the dashboard. Otherwise the gate has answered: the login
   * form, a redirect that sets the cookie, or 429 while an address waits after wrong passwords.
   */
  admit(req: IncomingMessage, res: ServerResponse, url: URL, ip: string): Promise<boolean>;
}

function same(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function loginPage(message: string): string {
  return `<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Dashboard login</title></head>
<body><main><h1>Dashboard</h1>${message ? `<p role="alert">${message}</p>` : ''}
<form method="post" action="/dashboard/login"><label for="password">Password or key</label> <input id="password" name="password" type="password" autocomplete="current-password" required> <button>Open the dashboard</button></form></main></body></html>`;
}

/**
 * A key or password is exchanged for a signed session cookie (HttpOnly, SameSite=Strict, Secure
 * on https), so the dashboard's own links work and the key leaves the address bar and the
 * browser history at once. The cookie carries its expiry and an HMAC keyed by the password:
 * changing the password ends every session.
 */
export function createDashboardGate(options: GateOptions): DashboardGate {
  const now = options.now ?? Date.now;
  const signingKey = createHmac('sha256', options.key).update('dashboard session').digest();
  const failures = new Map<string, { count: number; until: number }>();

  const sign = (expires: number) => `${expires}.${createHmac('sha256', signingKey).update(String(expires)).digest('base64url')}`;
  const validCookie = (req: IncomingMessage) => {
    const value = /(?:^|;\s*)briefcast_session=(\d{1,15})\.([A-Za-z0-9_-]{43})(?:;|$)/.exec(String(req.headers.cookie ?? ''));
    if (!value) return false;
    const expires = Number(value[1]);
    return expires > now() && same(sign(expires), `${value[1]}.${value[2]}`);
  };
  const startSession = (res: ServerResponse, location: string) => {
    const expires = now() + SESSION_MS;
    res.statusCode = 303;
    res.setHeader('Set-Cookie', `${COOKIE}=${sign(expires)}; Path=/dashboard; Max-Age=${SESSION_MS / 1000}; HttpOnly; SameSite=Strict${options.secure ? '; Secure' : ''}`);
    res.setHeader('Location', location);
    res.setHeader('Cache-Control', 'no-store');
    res.end();
  };
  const waiting = (ip: string) => {
    const f = failures.get(ip);
    return f && f.until > now() ? f.until - now() : 0;
  };
  const failed = (ip: string) => {
    const count = (failures.get(ip)?.count ?? 0) + 1;
    const wait = count > FREE_FAILURES ? Math.min(MAX_WAIT_MS, 1000 * 2 ** (count - FREE_FAILURES - 1)) : 0;
    setBounded(failures, ip, { count, until: now() + wait }, MAX_ADDRESSES);
  };
  const form = (res: ServerResponse, status: number, message: string) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.end(loginPage(message));
  };
  const tooMany = (res: ServerResponse, ms: number) => {
    res.setHeader('Retry-After', String(Math.ceil(ms / 1000)));
    form(res, 429, `Too many wrong passwords from your address: try again in ${Math.ceil(ms / 1000)} seconds.`);
  };

  return {
    async admit(req, res, url, ip) {
      const method = req.method ?? 'GET';
      if (url.pathname === '/dashboard/login' && method === 'POST') {
        const wait = waiting(ip);
        if (wait) {
          tooMany(res, wait);
          return false;
        }
        // Counted as wrong before the body arrives, so parallel logins with slow bodies each
        // see the ones before them; the right password clears the count again.
        failed(ip);
        const password = (await readForm(req, { body: 2048, fields: 4, value: 400 })).get('password') ?? '';
        if (!same(password, options.key)) {
          form(res, 401, 'That password is not right.');
          return false;
        }
        failures.delete(ip);
        startSession(res, '/dashboard');
        return false;
      }
      if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405);
      if (validCookie(req)) return true;
      const auth = /^Basic ([A-Za-z0-9+/=]{1,400})$/.exec(String(req.headers.authorization ?? ''));
      const given = auth ? Buffer.from(auth[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : url.searchParams.get('key');
      if (given === null) {
        form(res, 401, '');
        return false;
      }
      const wait = waiting(ip);
      if (wait) {
        tooMany(res, wait);
        return false;
      }
      if (!same(given, options.key)) {
        failed(ip);
        form(res, 401, 'That key is not right.');
        return false;
      }
      failures.delete(ip);
      // Scripts send the password each time; a browser that came with ?key= gets a cookie and a clean address.
      if (auth) return true;
      url.searchParams.delete('key');
      startSession(res, url.pathname + url.search);
      return false;
    },
  };
}
