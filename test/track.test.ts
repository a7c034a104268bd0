import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokens } from '../src/tokens/index.js';
import { classify } from '../src/track/index.js';
import { cli } from './helpers.js';
import { BROWSER_UA, sentProject, startTracking, type Tracking } from './track-helpers.js';

function backdate(dir: string, ms: number) {
  const db = new Database(join(dir, 'data', 'briefcast.db'));
  db.prepare('UPDATE deliveries SET sent_at = sent_at - ?').run(ms);
  db.close();
}

describe('the tracking server', () => {
  let dir: string;
  let tokens: Map<string, string>;
  let t: Tracking;
  let jo: string;
  beforeAll(async () => {
    ({ dir, tokens } = await sentProject());
    backdate(dir, 3_600_000);
    t = await startTracking(dir);
    jo = tokens.get('jo.bloggs@example.org')!;
  });
  afterAll(() => t.close());
  const get = (path: string, init: RequestInit = {}) => fetch(`${t.origin}${path}`, { redirect: 'manual', ...init, headers: { 'user-agent': BROWSER_UA, ...init.headers } });

  it('answers the pixel with a 1×1 GIF that is never cached, and records an open', async () => {
    const before = await t.store.trackingRows();
    const res = await get(`/o/${jo}.gif`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 6).toString()).toBe('GIF89a');
    expect(await t.store.trackingRows()).toBe(before + 1);
  });

  it('finds the pixel and a link however the request names them: with a query, a dot segment, an absolute URL', async () => {
    const before = await t.store.trackingRows();
    // Node's client sends a path that is a whole URL as it is (absolute-form, as to a proxy).
    const status = (path: string) =>
      new Promise<number>((done, fail) => {
        const req = request({ host: '127.0.0.1', port: new URL(t.origin).port, path, headers: { 'user-agent': BROWSER_UA } }, (res) => {
          res.resume();
          done(res.statusCode!);
        });
        req.on('error', fail);
        req.end();
      });
    expect(await status(`/o/${jo}.gif?utm=x`)).toBe(200);
    expect(await status(`/b/../o/${jo}.gif`)).toBe(200);
    expect(await status(`http://briefings.example.org/o/${jo}.gif`)).toBe(200);
    expect(await status(`http://briefings.example.org/c/${jo}/1`)).toBe(302);
    expect(await t.store.trackingRows()).toBe(before + 4);
  });

  it('refuses altered, truncated, foreign and cross-campaign tokens with 404 and writes nothing', async () => {
    const other = createTokens('another secret').sign({ campaign: 1, delivery: 4 });
    const ids = t.tokens.verify(jo)!;
    const otherCampaign = t.tokens.sign({ campaign: ids.campaign + 1, delivery: ids.delivery });
    const altered = jo.slice(0, 5) + (jo[5] === 'A' ? 'B' : 'A') + jo.slice(6);
    const before = await t.store.trackingRows();
    for (const bad of [altered, jo.slice(0, -1), jo.slice(0, 10), other, otherCampaign, jo + 'A']) {
      for (const path of [`/o/${bad}.gif`, `/c/${bad}/1`, `/a/${bad}`, `/u/${bad}`]) {
        expect((await get(path)).status, path).toBe(404);
      }
      expect((await get(`/a/${bad}`, { method: 'POST', body: 'shared=3', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(404);
      expect((await get(`/u/${bad}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(404);
    }
    expect(await t.store.trackingRows()).toBe(before);
    expect(await t.store.isSuppressed('jo.bloggs@example.org')).toBe(false);
  });

  it('redirects only to links the briefing contains: no open redirect', async () => {
    const links = await t.store.links(1);
    const ok = await get(`/c/${jo}/${links[0]!.n}?url=https://evil.example`);
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe(links[0]!.url);
    const before = await t.store.trackingRows();
    for (const path of [
      `/c/${jo}/${links.length + 1}`,
      `/c/${jo}/0`,
      `/c/${jo}/https://evil.example`,
      `/c/${jo}/https%3A%2F%2Fevil.example`,
      `/c/${jo}//evil.example`,
      `/c/${jo}/1/../../evil`,
      `/c/${jo}/-1`,
    ]) {
      const res = await get(path);
      if (path.startsWith('/c/')) expect(res.status, path).toBe(404);
      expect(res.headers.get('location') ?? '', path).not.toMatch(/evil/);
    }
    expect(await t.store.trackingRows()).toBe(before);
    // A protocol-relative path is this site's own "/", never another host.
    const slashes = await get('//evil.example');
    expect(slashes.headers.get('location') ?? '').not.toMatch(/evil/);
  });

  it('a GET of the acknowledgement page does not acknowledge; the POST does, and a second POST updates it', async () => {
    const ann = tokens.get('alex.moore@example.org')!;
    const form = await get(`/a/${ann}`);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('Confirm that you have read this briefing');
    expect((await t.store.acknowledgements(1)).length).toBe(0);
    const post = (body: string) => get(`/a/${ann}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await post('people=4&comment=first')).status).toBe(200);
    expect((await post('people=6&comment=second')).status).toBe(200);
    const acks = await t.store.acknowledgements(1);
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ shared: 6, comment: 'second' });
    expect((await post('people=lots')).status).toBe(400);
  });

  it('RFC 8058: a one-click POST unsubscribes at once, and the next send skips the address', async () => {
    const helen = tokens.get('helen.ward@example.org')!;
    expect((await get(`/u/${helen}`)).status).toBe(200);
    expect(await t.store.isSuppressed('helen.ward@example.org')).toBe(false);
    const res = await get(`/u/${helen}`, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(await t.store.isSuppressed('helen.ward@example.org')).toBe(true);
    const again = await cli(dir, ['send', 'children-p', '--yes', '--again'], { SMTP_URL: '' });
    expect(again.stdout).toMatch(/13 recipients in 7 agencies .*1 suppressed/);
    const files = readdirSync(join(dir, 'outbox', '2'));
    expect(files).toHaveLength(12);
    expect(files.some((f) => f.includes('helen.ward'))).toBe(false);
  });

  it('the dashboard needs its key, and shows per-agency bars and a printable view', async () => {
    expect((await get('/dashboard')).status).toBe(401);
    const login = await get('/dashboard/1?key=test-dashboard-key');
    expect(login.status).toBe(303);
    const res = await get(login.headers.get('location')!, { headers: { cookie: login.headers.get('set-cookie')!.split(';')[0]! } });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<svg role="img"');
    expect(page).toContain('Figures per agency');
    expect(page).toContain('@media print');
    const basic = await get('/dashboard/1/chase.csv?days=0', { headers: { authorization: `Basic ${Buffer.from('board:test-dashboard-key').toString('base64')}` } });
    expect(basic.status).toBe(200);
    expect((await basic.text()).split('\n')[0]).toBe('name,email,agencies,sent,opened,read web page');
  });

  it('tells scanners from people: a click 1 s after delivery, an Apple proxy open and every link in a second are machines', async () => {
    const now = Date.now();
    const base = { method: 'GET', ip: '203.0.113.9', now };
    expect(classify({ ...base, kind: 'click', userAgent: BROWSER_UA, sentAt: now - 1000 })).toMatchObject({ class: 'machine' });
    expect(classify({ ...base, kind: 'open', userAgent: 'Mozilla/5.0', sentAt: now - 1000 })).toMatchObject({ class: 'machine', reason: 'Apple Mail Privacy Protection proxy' });
    expect(classify({ ...base, kind: 'click', userAgent: BROWSER_UA, sentAt: now - 3_600_000 })).toEqual({ class: 'human' });
    expect(classify({ ...base, kind: 'click', method: 'HEAD', userAgent: BROWSER_UA, sentAt: now - 3_600_000 })).toMatchObject({ class: 'machine', reason: 'HEAD request' });
    expect(classify({ ...base, kind: 'click', userAgent: 'Mozilla/5.0 (compatible; Microsoft Office/16.0; SafeLinks)', sentAt: now - 3_600_000 })).toMatchObject({ class: 'machine' });

    // Through the server: every link of Kate's message within a second.
    const kate = tokens.get('kate.lewis@example.org')!;
    const links = await t.store.links(1);
    expect(links.length).toBeGreaterThan(1);
    for (const l of links) expect((await get(`/c/${kate}/${l.n}`)).status).toBe(302);
    await t.track.writer.flush();
    const counts = (await t.store.eventCounts(1)).filter((e) => e.agencies === 'marac' && e.kind === 'click');
    expect(counts.filter((c) => c.class === 'human')).toEqual([]);
    expect(counts.reduce((n, c) => n + c.n, 0)).toBe(links.length);

    // A scanner that opens every link at once: the clicks still being stored when the burst is
    // seen are marked too. Three bursts, so that some land in one batch.
    const others = [...tokens.keys()].filter((email) => email !== 'kate.lewis@example.org').slice(0, 3);
    const machineClicks = async () => (await t.store.eventCounts(1)).filter((e) => e.kind === 'click' && e.class === 'machine').reduce((n, c) => n + c.n, 0);
    const humanClicks = async () => (await t.store.eventCounts(1)).filter((e) => e.kind === 'click' && e.class === 'human').reduce((n, c) => n + c.n, 0);
    const [machinesBefore, humansBefore] = [await machineClicks(), await humanClicks()];
    await Promise.all(others.flatMap((email) => links.map(async (l) => expect((await get(`/c/${tokens.get(email)}/${l.n}`)).status).toBe(302))));
    expect(await machineClicks()).toBe(machinesBefore + others.length * links.length);
    expect(await humanClicks()).toBe(humansBefore);
  });

  it('group commit: writes that keep coming turn after turn share a transaction, a lone one waits a turn, none waits long', async () => {
    // The store's own writeTracking, recording the size of each transaction it is given.
    const transactions: number[] = [];
    const writeTracking = t.store.writeTracking.bind(t.store);
    t.store.writeTracking = (writes) => (transactions.push(writes.length), writeTracking(writes));
    const turn = () => new Promise((next) => setImmediate(next));
    const open = () => t.track.writer.write({ type: 'event', event: { campaign_id: 1, delivery_id: 1, agencies: 'police', kind: 'open', class: 'human', at: Date.now() } });
    try {
      await t.track.writer.flush();
      // A request in each of five turns, as under load: one transaction.
      const arriving: Promise<number[]>[] = [];
      for (let i = 0; i < 5; i++) {
        arriving.push(open());
        await turn();
      }
      const ids = (await Promise.all(arriving)).flat();
      expect(transactions).toEqual([5]);
      expect(ids).toHaveLength(5);
      // Alone, stored at the end of the next turn.
      transactions.length = 0;
      let stored = false;
      void open().then(() => (stored = true));
      let turns = 0;
      while (!stored && turns < 50) {
        await turn();
        turns++;
      }
      expect(transactions).toEqual([1]);
      expect(turns).toBeLessThanOrEqual(3);
      // A request every turn for 30 turns: stored in several transactions, none waiting more than 9 turns.
      transactions.length = 0;
      const steady: Promise<number[]>[] = [];
      for (let i = 0; i < 30; i++) {
        steady.push(open());
        await turn();
      }
      await Promise.all(steady);
      expect(transactions.reduce((a, b) => a + b, 0)).toBe(30);
      expect(transactions.length).toBeGreaterThanOrEqual(3);
      expect(Math.max(...transactions)).toBeLessThanOrEqual(9);
    } finally {
      t.store.writeTracking = writeTracking;
    }
  });
});

describe('privacy modes', () => {
  it('aggregate: no event row holds a recipient', async () => {
    const { dir, tokens } = await sentProject('aggregate');
    backdate(dir, 3_600_000);
    const t = await startTracking(dir);
    try {
      const token = tokens.get('jo.bloggs@example.org')!;
      const h = { headers: { 'user-agent': BROWSER_UA }, redirect: 'manual' as const };
      expect((await fetch(`${t.origin}/o/${token}.gif`, h)).status).toBe(200);
      expect((await fetch(`${t.origin}/c/${token}/1`, h)).status).toBe(302);
      expect((await fetch(`${t.origin}/a/${token}`, { ...h, method: 'POST', body: new URLSearchParams({ people: '2' }) })).status).toBe(200);
      // A scanner following every link of another message: its clicks are a machine's, though no row names the reader.
      const scanned = tokens.get('kate.lewis@example.org')!;
      const links = await t.store.links(1);
      for (const l of links) expect((await fetch(`${t.origin}/c/${scanned}/${l.n}`, h)).status).toBe(302);
      const clicks = (await t.store.eventCounts(1)).filter((e) => e.kind === 'click');
      const kate = clicks.filter((e) => e.agencies === 'marac');
      expect([...new Set(kate.map((e) => e.class))]).toEqual(['machine']);
      expect(kate.reduce((n, e) => n + e.n, 0)).toBe(links.length);
    } finally {
      await t.close();
    }
    const db = new Database(join(dir, 'data', 'briefcast.db'));
    const rows = db.prepare("SELECT * FROM events WHERE agencies <> 'marac'").all() as { delivery_id: number | null; agencies: string }[];
    expect(rows.length).toBe(3);
    expect(rows.every((r) => r.delivery_id === null && r.agencies === 'police')).toBe(true);
    expect(db.prepare('SELECT count(*) AS n FROM events WHERE delivery_id IS NOT NULL').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM acknowledgements WHERE delivery_id IS NOT NULL').get()).toEqual({ n: 0 });
    db.close();
    const report = JSON.parse((await cli(dir, ['report', 'children-p', '--json'])).stdout);
    expect(report.agencies.find((a: { agency: string }) => a.agency === 'police')).toMatchObject({ opened: 1, clicked: 1, acknowledged: 1, shared: 2 });
    expect(report.chase).toBeNull();
  });

  it('off: the email has no pixel and plain links', async () => {
    const { dir } = await sentProject('off');
    const eml = readFileSync(join(dir, 'outbox', '1', readdirSync(join(dir, 'outbox', '1'))[0]!), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    expect(eml).not.toMatch(/\/o\/[A-Za-z0-9_-]+\.gif/);
    expect(eml).not.toMatch(/\/c\/[A-Za-z0-9_-]+\/\d/);
    expect(eml).not.toMatch(/\/a\/[A-Za-z0-9_-]+/);
    expect(eml).toContain('href="https://www.example.org/safelives/dash-risk-checklist"');
    expect(eml).toContain('http://localhost:4000/children-p/');
  });
});

it('fuzz: 10,000 random requests get no 5xx, no crash, and write nothing', async () => {
  const { dir, tokens } = await sentProject();
  // An empty site folder, so no random path is a page whose anonymous view would be counted.
  const t = await startTracking(dir, { webRoot: mkdtempSync(join(tmpdir(), 'briefcast-empty-')) });
  const real = [...tokens.values()];
  const before = await t.store.trackingRows();
  const { request } = await import('node:http');
  const port = Number(new URL(t.origin).port);
  const send = (method: string, path: string, headers: Record<string, string>, body: string) =>
    new Promise<number>((done) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      });
      req.on('error', () => done(400));
      req.end(body);
    });
  const token = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.base64String({ maxLength: 40 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
    fc.constantFrom(...real).map((r) => r.slice(0, -2) + 'xx'),
  );
  const path = fc.oneof(
    fc.tuple(fc.constantFrom('/o/', '/c/', '/a/', '/u/', '/b/', '/dashboard/', '/', '/healthz/'), token, fc.constantFrom('', '.gif', '/1', '/999', '?t=x', '/../..', '%00', '%zz')).map(([a, b, c]) => a + encodeURIComponent(b).replace(/%2F/g, '/') + c),
    fc.webPath(),
    fc.string({ maxLength: 60 }).map((s) => '/' + encodeURIComponent(s)),
  );
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
      path,
      fc.dictionary(fc.constantFrom('content-type', 'user-agent', 'x-forwarded-for', 'authorization', 'cookie', 'accept'), fc.string({ maxLength: 60 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''))),
      fc.string({ maxLength: 300 }),
      async (method, p, headers, body) => {
        const status = await send(method, p, headers, method === 'GET' || method === 'HEAD' ? '' : body);
        statuses.push(status);
        return status > 0 && status < 500;
      },
    ),
    { numRuns: 10_000 },
  );
  expect(statuses).toHaveLength(10_000);
  expect((await fetch(`${t.origin}/healthz`)).status).toBe(200);
  expect(await t.store.trackingRows()).toBe(before);
  await t.close();
}, 240_000);

it('fuzz: hostile multipart bodies and odd headers, each answered in time, with /healthz fast throughout', async () => {
  const { dir, tokens } = await sentProject();
  const t = await startTracking(dir);
  const real = [...tokens.values()];
  const { request } = await import('node:http');
  const port = Number(new URL(t.origin).port);
  /** Each request must be answered (any status below 500) or refused at the socket within this. */
  const PER_REQUEST_MS = 5000;
  const send = (method: string, path: string, headers: Record<string, string>, body: string) =>
    new Promise<number>((done) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      });
      req.setTimeout(PER_REQUEST_MS, () => {
        req.destroy();
        done(-1);
      });
      req.on('error', () => done(400));
      req.end(body);
    });
  const health = async () => {
    const start = performance.now();
    const status = await send('GET', '/healthz', {}, '');
    expect(status).toBe(200);
    return performance.now() - start;
  };
  // The machine is shared and busy: what /healthz takes here when nothing else runs is its noise.
  const idle: number[] = [];
  for (let i = 0; i < 20; i++) idle.push(await health());
  // 100 ms is the bound for a responsive server; the idle maximum on this machine is added
  // so that a loaded runner does not fail it, while any backtracking or busy wait (seconds) still does.
  const bound = 100 + Math.max(...idle);

  const piece = fc.constantFrom('--b', '--b--', '\r\n', '\n', 'name="a"', 'name="comment"', 'name="List-Unsubscribe"', 'Content-Disposition: form-data; ', 'filename="x"', '"', ';', 'One-Click', '%', '=', '&', 'a');
  const body = fc.oneof(
    fc.array(piece, { maxLength: 400 }).map((parts) => parts.join('')),
    fc.integer({ min: 100, max: 2000 }).map((n) => '--b\r\n' + 'name="a"\n\n'.repeat(n)),
    fc.string({ maxLength: 20_000 }),
  );
  const headers = fc.record(
    {
      'content-type': fc.constantFrom('multipart/form-data; boundary=b', 'multipart/form-data', 'multipart/form-data; boundary=' + '-'.repeat(200), 'application/x-www-form-urlencoded', 'text/plain', 'multipart/mixed; boundary=b', ''),
      'user-agent': fc.string({ maxLength: 8000 }).map((s) => s.replace(/[^\x20-\x7e]/g, 'x')),
      cookie: fc.string({ maxLength: 4000 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
      'x-odd': fc.string({ maxLength: 30_000 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
    },
    { requiredKeys: ['content-type'] },
  );
  const target = fc.tuple(fc.constantFrom('/a/', '/u/', '/dashboard/login', '/healthz', '/o/'), fc.constantFrom(...real)).map(([route, token]) => (route.endsWith('/') ? route + token : route));
  const latencies: number[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      latencies.push(await health());
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const statuses: number[] = [];
  await fc.assert(
    fc.asyncProperty(target, headers, body, fc.constantFrom('POST', 'PUT', 'GET'), async (path, h, b, method) => {
      const status = await send(method, path, Object.fromEntries(Object.entries(h).filter(([, v]) => v !== '')), method === 'GET' ? '' : b);
      statuses.push(status);
      return status > 0 && status < 500;
    }),
    { numRuns: 400 },
  );
  running = false;
  await sampler;
  expect(statuses).toHaveLength(400);
  expect(latencies.length).toBeGreaterThan(10);
  expect(Math.max(...latencies), `idle max ${Math.max(...idle).toFixed(0)} ms`).toBeLessThan(bound);
  await t.close();
}, 240_000);
