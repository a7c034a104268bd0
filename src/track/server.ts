import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import type { Config, Messages } from '../config/index.js';
import { setBounded } from '../bounded.js';
import type { CampaignLink, Delivery, EventKind, Store, TrackWrite } from '../store/index.js';
import type { TokenIds, Tokens } from '../tokens/index.js';
import { ALL_LINKS_WINDOW_MS, classify, ipPrefix, type Verdict } from './classify.js';
import { discussionForm, discussionFormLimits, fieldsOf, followUpForm, isEmpty, parseDiscussion, parseFollowUp } from './discussion.js';
import { thanks, unsubscribed, unsubscribeForm } from './pages.js';
import { escapeHtml } from '../render/index.js';
import { redactUrls } from '../secret-url.js';
import { HttpError, readForm } from './form.js';
import { createDashboardGate } from './session.js';
import { realRoot, resolveStatic, sendStatic } from './static.js';
import { EventWriter } from './writer.js';
import { isoDay } from '../days.js';

/** A 1×1 transparent GIF. */
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/**
 * Public pages: scripts only from the site's own files, so no text in a briefing can run as code.
 * Images may come from the web (a logo, a diagram); nothing may frame a page.
 */
const PAGE_POLICY = "default-src 'self'; img-src 'self' https: data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
/** The archive's search runs from a script in the page itself, until it moves to assets/. */
const ARCHIVE_POLICY = PAGE_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");
/** How long a stopping server waits for requests in flight. */
const DRAIN_MS = 3000;
const REPEAT_WINDOW_MS = 60_000;
const MAX_REPEATS = 20;
/** Each kind a token's bound counts apart; a Record, so that a new kind cannot be left out. */
const BOUNDED_KINDS: Record<EventKind | 'discussion', number> = { open: 0, click: 1, view: 2, ack: 3, unsubscribe: 4, discussion: 5 };
const KIND_COUNT = Object.keys(BOUNDED_KINDS).length;
const TOKEN = '[A-Za-z0-9_-]{1,64}';
const routes = {
  open: new RegExp(`^/o/(${TOKEN})\\.gif$`),
  click: new RegExp(`^/c/(${TOKEN})/(\\d{1,4})$`),
  view: /^\/b\/([a-z0-9]+(?:-[a-z0-9]+)*)\/?$/,
  ack: new RegExp(`^/a/(${TOKEN})$`),
  unsubscribe: new RegExp(`^/u/(${TOKEN})$`),
};

/** A click of the last few seconds, and the ids its write was given, once stored. */
interface RecentClick {
  link: number;
  at: number;
  stored?: Promise<number[]>;
}

/** Serves the dashboard; supplied by the report stage, which comes after this one. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;

export interface ServerOptions {
  /** The built site, dist/web. */
  webRoot: string;
  config: Config;
  /** The board's words for the pages a reader meets (messages/<language>.yml). */
  messages: Messages;
  store: Store;
  tokens: Tokens;
  dashboard?: DashboardHandler;
  /** Password for /dashboard (HTTP Basic, any user name) or ?key=. */
  dashboardKey?: string;
  /**
   * Behind this many proxies of our own (true: one), the client address is the X-Forwarded-For
   * entry the outermost of them appended.
   */
  trustProxy?: boolean | number;
}

export interface TrackServer {
  server: Server;
  writer: EventWriter;
  /** Stops accepting, answers what is in flight, stores every buffered event. */
  close(): Promise<void>;
}

function text(res: ServerResponse, status: number, body: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(body + '\n');
}

/**
 * Forms and the dashboard: never framed by another site (clickjacking an acknowledgement or a
 * board member's logged-in dashboard), never sniffed, and no token leaks in a Referer.
 */
function privatePage(res: ServerResponse) {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; img-src 'self' data:; script-src 'self'; base-uri 'self'; frame-ancestors 'none'");
  res.setHeader('X-Frame-Options', 'DENY');
}

function html(res: ServerResponse, status: number, body: string) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  privatePage(res);
  res.end(body);
}

export function createTrackServer(options: ServerOptions): TrackServer {
  const { config, store, tokens } = options;
  const writer = new EventWriter(store);
  const gate = options.dashboardKey ? createDashboardGate({ key: options.dashboardKey, secure: config.base_url.startsWith('https:') }) : undefined;
  const base = config.base_url;
  /** Recent clicks per delivery, to notice a scanner following every link within a second or two. */
  const recentClicks = new Map<number, RecentClick[]>();
  /** A campaign's links as it was sent: they never change, and every click needs them. */
  const campaignLinks = new Map<number, Map<number, CampaignLink>>();

  const hops = options.trustProxy === true ? 1 : options.trustProxy || 0;
  const clientIp = (req: IncomingMessage) => {
    // Each proxy appends the address it was reached from, and a client can write anything to the
    // left of that: the entry our own nearest proxies added is the only one to believe.
    const entries = hops ? String(req.headers['x-forwarded-for'] ?? '').split(',') : [];
    const forwarded = entries.length ? entries[Math.max(0, entries.length - hops)]!.trim() : '';
    return (isIP(forwarded) ? forwarded : '') || req.socket.remoteAddress || '';
  };

  /** Deliveries by id: a reader's pixel, clicks and page view each need theirs, and it seldom changes. */
  const deliveries = new Map<number, Delivery>();
  async function fetchDelivery(id: number): Promise<Delivery | undefined> {
    const d = await store.delivery(id);
    if (d?.sent_at) setBounded(deliveries, id, d, 20_000);
    return d;
  }

  /** Tokens already checked: a reader's pixel, clicks and pages repeat one, and its HMAC need not be computed again. */
  const verified = new Map<string, TokenIds>();
  async function deliveryFor(token: string): Promise<Delivery> {
    let ids = verified.get(token);
    if (!ids) {
      ids = tokens.verify(token);
      if (!ids) throw new HttpError(404);
      setBounded(verified, token, ids, 20_000);
    }
    // Looked up here, not in an async helper: the usual case then waits for no promise.
    const delivery = deliveries.get(ids.delivery) ?? (await fetchDelivery(ids.delivery));
    if (!delivery || delivery.campaign_id !== ids.campaign) throw new HttpError(404);
    return delivery;
  }

  function event(req: IncomingMessage, d: Delivery, kind: EventKind, verdict: Verdict, link?: number): TrackWrite {
    return {
      type: 'event',
      event: {
        campaign_id: d.campaign_id,
        delivery_id: config.tracking === 'individual' ? d.id : undefined,
        agencies: d.agencies,
        kind,
        link,
        class: verdict.class,
        reason: verdict.reason,
        user_agent: String(req.headers['user-agent'] ?? '').slice(0, 300) || undefined,
        ip_prefix: ipPrefix(clientIp(req)) || undefined,
        at: Date.now(),
      },
    };
  }

  const seen = (req: IncomingMessage, d: Delivery, kind: 'open' | 'click' | 'view') =>
    classify({ kind, method: req.method ?? 'GET', userAgent: String(req.headers['user-agent'] ?? ''), ip: clientIp(req), sentAt: d.sent_at, now: Date.now() });

  const recording = config.tracking !== 'off';

  /**
   * Events a token may record per minute, per kind (opens, clicks, views, acknowledgements,
   * unsubscribes; an acknowledgement still updates its one row): a person never needs more,
   * and a script replaying one token should not fill the database (it once wrote 8,000 a second).
   */
  const repeats = new Map<number, { start: number; count: number }>();
  const withinBound = (d: Delivery, kind: EventKind | 'discussion') => {
    // A number, not "id:kind": every pixel and click looks one up, and a string key is built and hashed each time.
    const key = d.id * KIND_COUNT + BOUNDED_KINDS[kind];
    const now = Date.now();
    let window = repeats.get(key);
    if (!window || now - window.start > REPEAT_WINDOW_MS) {
      window = { start: now, count: 0 };
      setBounded(repeats, key, window, 50_000);
    }
    return ++window.count <= MAX_REPEATS;
  };
  const recordable = (d: Delivery, kind: EventKind) => recording && withinBound(d, kind);

  async function linksOf(campaignId: number): Promise<Map<number, CampaignLink>> {
    let links = campaignLinks.get(campaignId);
    if (!links) {
      links = new Map((await store.links(campaignId)).map((l) => [l.n, l]));
      // Only campaigns a signed token names get here, so the map holds at most the real ones.
      campaignLinks.set(campaignId, links);
    }
    return links;
  }

  /**
   * Records a click. One that completes "every link within two seconds" turns the burst into a
   * machine's: the earlier clicks are marked by the ids their writes were given, in the same
   * transaction as this one, never by a search of the events.
   */
  async function recordClick(req: IncomingMessage, d: Delivery, link: number): Promise<void> {
    const now = Date.now();
    let recent = recentClicks.get(d.id);
    if (!recent) {
      recent = [];
      setBounded(recentClicks, d.id, recent, 10_000);
    }
    // Changed in place: moving a reader's entry on every click costs the map a rehash now and then.
    while (recent.length && now - recent[0]!.at > ALL_LINKS_WINDOW_MS) recent.shift();
    const click: RecentClick = { link, at: now };
    recent.push(click);
    const total = (await linksOf(d.campaign_id)).size;
    const writes: TrackWrite[] = [];
    let verdict = seen(req, d, 'click');
    // Counting distinct links only once there are enough clicks to cover them all.
    if (total > 1 && recent.length >= total && new Set(recent.map((c) => c.link)).size >= total) {
      const reason = `every link clicked within ${ALL_LINKS_WINDOW_MS / 1000} s`;
      verdict = { class: 'machine', reason };
      // Those still being stored are waited for; one that failed has nothing to mark.
      const stored = await Promise.allSettled(recent.flatMap((c) => (c.stored ? [c.stored] : [])));
      const earlier = stored.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
      if (earlier.length) writes.push({ type: 'reclassify', events: earlier, reason });
    }
    click.stored = writer.write(event(req, d, 'click', verdict, link), ...writes);
    await click.stored;
  }

  /**
   * /a/<token>: confirm reading with one click, record the team's discussion, or, from a
   * follow-up's link, say what changed since. The record is a direct store write, awaited: the
   * form is submitted rarely, and its answer must say whether it was kept.
   */
  async function discussionRoute(req: IncomingMessage, res: ServerResponse, token: string, post: boolean): Promise<void> {
    // Tracking off: no email carries this link, and nothing about a reader is kept.
    if (!recording) throw new HttpError(404);
    // A browser says when another site made it post: no page of ours posts this form from elsewhere.
    if (post && req.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'this form can only be sent from its own page');
    const d = await deliveryFor(token);
    const campaign = (await store.campaign(d.campaign_id))!;
    const first = (campaign.parent_id !== null && (await store.campaign(campaign.parent_id))) || campaign;
    // The reader's record belongs to the briefing's first campaign, whichever email they came from.
    const reader = config.tracking !== 'individual' ? undefined : first.id === d.campaign_id ? d : ((await store.deliveryByEmail(first.id, d.email)) ?? d);
    const t = options.messages;
    const view = { title: campaign.title, action: `/a/${token}` };
    const done = (words: string) => html(res, 200, thanks(config, t, words, campaign.title, `${base}/${campaign.slug}/`));
    const now = Date.now();

    if (campaign.kind === 'follow-up') {
      const record = reader && (await store.discussionOf(first.id, reader.id));
      if (!record) throw new HttpError(404);
      if (!post) return html(res, 200, followUpForm(config, t, { ...view, actions: record.actions, values: new Map(record.follow_up ? [['answer', record.follow_up]] : []) }));
      const fields = await readForm(req, discussionFormLimits);
      const { input, errors } = parseFollowUp(fields, record.actions, now, t);
      if (!input) return html(res, 400, followUpForm(config, t, { ...view, actions: record.actions, values: fields, errors }));
      if (!withinBound(d, 'discussion')) throw new HttpError(429, 'too many submissions from this link: try again in a minute');
      await store.recordDiscussion({ campaign_id: first.id, delivery_id: reader.id, agencies: record.agencies, follow_up: input, at: now });
      return done(t.follow_up_recorded);
    }

    const questions = await store.questions(first.id);
    const earliest = isoDay(first.created_at - 86_400_000);
    if (!post) {
      const previous = reader && (await store.discussionOf(first.id, reader.id));
      return html(res, 200, discussionForm(config, t, { ...view, questions, values: fieldsOf(previous), now, earliest }));
    }
    const fields = await readForm(req, discussionFormLimits);
    const { input, errors } = parseDiscussion(fields, questions.length, now, t, earliest);
    if (!input) return html(res, 400, discussionForm(config, t, { ...view, questions, values: fields, errors, now, earliest }));
    // Only a date is "I have read it", unless it corrects the day of a record the reader already has.
    const discussed = !isEmpty(input) || (input.discussed_on !== undefined && reader !== undefined && (await store.discussionOf(first.id, reader.id)) !== undefined);
    if (discussed) {
      // Each submission is a version kept: a script replaying one link must not fill the table.
      if (!withinBound(d, 'discussion')) throw new HttpError(429, 'too many submissions from this link: try again in a minute');
      await store.recordDiscussion({ campaign_id: first.id, delivery_id: reader?.id, agencies: d.agencies, ...input, at: now });
    }
    const key = config.tracking === 'individual' ? `d${d.id}` : `k${createHash('sha256').update(token).digest('base64url').slice(0, 22)}`;
    const writes: TrackWrite[] = [
      { type: 'ack', ack: { ack_key: key, campaign_id: d.campaign_id, delivery_id: config.tracking === 'individual' ? d.id : undefined, agencies: d.agencies, shared: input.people ?? undefined, comment: input.comment || undefined, at: now } },
    ];
    if (recordable(d, 'ack')) writes.push(event(req, d, 'ack', { class: 'human', reason: 'submitted the form' }));
    await writer.write(...writes);
    // Without a reader there is no record to open again: a second submission is a second record.
    return done(discussed ? (reader ? t.discuss_recorded : t.discuss_recorded_unnamed) : t.ack_recorded);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const readOnly = method === 'GET' || method === 'HEAD';
    let m: RegExpExecArray | null;
    // The pixel and the links, most of what comes, are matched on the path as it was sent: a
    // token is plain ASCII, which parsing the URL would leave as it is, and a parse costs each
    // request about 0.9 µs and an object to collect. Anything else (another route, a dot
    // segment, an absolute URL) is parsed.
    const sent = req.url ?? '/';
    const query = sent.indexOf('?');
    let path = query < 0 ? sent : sent.slice(0, query);
    let parsed: URL | undefined;
    const parse = () => {
      try {
        return (parsed ??= new URL(sent, 'http://localhost'));
      } catch {
        throw new HttpError(400);
      }
    };
    if (!routes.open.test(path) && !routes.click.test(path)) path = parse().pathname;

    if (path === '/healthz') {
      if (!readOnly) throw new HttpError(405);
      const failing = writer.failing;
      if (failing) return text(res, 503, `tracking writes failing for ${Math.round((Date.now() - failing.since) / 1000)} s: ${redactUrls(failing.message)}`);
      await store.campaigns();
      return text(res, 200, 'ok');
    }

    if ((m = routes.open.exec(path))) {
      if (!readOnly) throw new HttpError(405);
      const d = await deliveryFor(m[1]!);
      if (recordable(d, 'open')) await writer.write(event(req, d, 'open', seen(req, d, 'open')));
      res.statusCode = 200;
      res.setHeader('Content-Type', 'image/gif');
      res.setHeader('Content-Length', GIF.length);
      res.setHeader('Cache-Control', 'no-store, max-age=0');
      res.end(method === 'HEAD' ? undefined : GIF);
      return;
    }

    if ((m = routes.click.exec(path))) {
      if (!readOnly) throw new HttpError(405);
      const d = await deliveryFor(m[1]!);
      const n = Number(m[2]);
      // Only a link the campaign's own briefing contained; nothing from the request.
      const link = (await linksOf(d.campaign_id)).get(n);
      // A link no header can carry (CR, LF, other controls) is not followed, and nothing is recorded.
      if (!link || /[\x00-\x1f\x7f]/.test(link.url)) throw new HttpError(404);
      if (recordable(d, 'click')) await recordClick(req, d, n);
      res.statusCode = 302;
      res.setHeader('Location', link.url);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Referrer-Policy', 'no-referrer');
      res.end();
      return;
    }

    if ((m = routes.view.exec(path))) {
      if (!readOnly) throw new HttpError(405);
      const slug = m[1]!;
      const file = resolveStatic(options.webRoot, `/${slug}/`);
      if (!file) throw new HttpError(404);
      const token = parse().searchParams.get('t');
      const d = token ? await deliveryFor(token).catch(() => undefined) : undefined;
      const campaign = d ? await store.campaign(d.campaign_id) : undefined;
      if (!d || !campaign || campaign.slug !== slug) {
        // Not a reader's own link (forwarded and mangled, or made up): the public page, recording nothing.
        res.statusCode = 302;
        res.setHeader('Location', `/${slug}/`);
        res.end();
        return;
      }
      if (recordable(d, 'view')) await writer.write(event(req, d, 'view', seen(req, d, 'view')));
      // The page's links are relative to /<slug>/; a <base> keeps them working from /b/<slug>.
      // The reader's own copy also leads to their team's discussion record.
      const discuss = `<p class="noprint"><a class="report" href="/a/${escapeHtml(token!)}">${escapeHtml(options.messages.discuss_link)}</a></p>`;
      const page = (await readFile(file, 'utf8')).replace('<head>', `<head>\n<base href="/${slug}/">`).replace('<!--briefcast:discuss-->', discuss);
      res.setHeader('Referrer-Policy', 'no-referrer');
      return html(res, 200, method === 'HEAD' ? '' : page);
    }

    if ((m = routes.ack.exec(path))) {
      if (!readOnly && method !== 'POST') throw new HttpError(405);
      return discussionRoute(req, res, m[1]!, method === 'POST');
    }

    if ((m = routes.unsubscribe.exec(path))) {
      const d = await deliveryFor(m[1]!);
      if (readOnly) return html(res, 200, unsubscribeForm(config, options.messages, `/u/${m[1]}`, d.email));
      if (method !== 'POST') throw new HttpError(405);
      const fields = await readForm(req);
      if (fields.get('List-Unsubscribe') !== 'One-Click') throw new HttpError(400, 'expected List-Unsubscribe=One-Click');
      await store.suppress(d.email, 'unsubscribed', `campaign ${d.campaign_id}`);
      if (recordable(d, 'unsubscribe')) await writer.write(event(req, d, 'unsubscribe', { class: 'human' }));
      return html(res, 200, unsubscribed(config, options.messages));
    }

    if (path === '/dashboard' || path.startsWith('/dashboard/')) {
      if (!options.dashboard || !gate) throw new HttpError(404);
      privatePage(res);
      if (await gate.admit(req, res, parse(), clientIp(req))) return options.dashboard(req, res, parse());
      return;
    }

    if (!readOnly) throw new HttpError(405);
    const file = resolveStatic(options.webRoot, path);
    if (!file) throw new HttpError(404);
    if (!path.endsWith('/') && file.endsWith('index.html') && !path.endsWith('.html')) {
      res.statusCode = 301;
      // One leading slash: "//children-p/" would send the browser to a host named children-p.
      res.setHeader('Location', `${path.replace(/\/{2,}/g, '/')}/`);
      res.end();
      return;
    }
    if (file.endsWith('index.html') && method === 'GET' && recording) {
      // Anonymous page views: a count per page and day, with no cookie and no identity. The page is
      // the file served, however the path was spelt; the count never holds up or fails the page.
      const slug = relative(realRoot(options.webRoot), dirname(file)).split(sep).join('/');
      const verdict = classify({ kind: 'view', method, userAgent: String(req.headers['user-agent'] ?? ''), ip: clientIp(req), now: Date.now() });
      writer.write({ type: 'page', view: { slug, day: isoDay(Date.now()), class: verdict.class } }).catch(() => undefined);
    }
    if (file.endsWith('.html')) {
      res.setHeader('Content-Security-Policy', path === '/' || path === '/index.html' ? ARCHIVE_POLICY : PAGE_POLICY);
      res.setHeader('Referrer-Policy', 'strict-origin-when-cross-origin');
    }
    await sendStatic(req, res, file);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      if (status === 500) console.error(`briefcast serve: ${redactUrls((error as Error).message)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      text(res, status, error instanceof HttpError && error.message ? error.message : status === 404 ? 'Not found' : status === 405 ? 'Method not allowed' : status === 401 ? 'Password needed' : 'Bad request');
    });
  });
  // A client that sends its headers or body a byte at a time is cut off, not waited for.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    writer,
    async close() {
      await new Promise<void>((done) => {
        // Idle keep-alive connections go at once; a client still sending gets DRAIN_MS, then is cut.
        const force = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
        server.close(() => {
          clearTimeout(force);
          done();
        });
        server.closeIdleConnections();
      });
      await writer.flush();
    },
  };
}
