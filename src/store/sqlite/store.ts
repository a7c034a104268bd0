import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromRow, mergeDiscussion, type DiscussionRow } from '../discussion.js';
import type { Discussion, NewDiscussion } from '../types.js';
import Database from 'better-sqlite3';
import { keepOwnerOnly } from '../../private-files.js';
import { StoreError, type Store } from '../store.js';
import { BUSY_MS as SHORT_BUSY_MS, retryWhileBusy, trackingConnection } from './tracking.js';
import type { BounceKind, Acknowledgement, ClaimOptions, Campaign, CampaignLink, CampaignState, Counts, Delivery, Engagement, EventCount, NewCampaign, Suppression } from '../types.js';
import { isoDay } from '../../days.js';

const migrationsDir = import.meta.dirname;
/** How long a statement waits for another process's lock; the thread is blocked meanwhile. */
const BUSY_MS = 5000;

function emptyCounts(): Counts {
  return { queued: 0, sending: 0, sent: 0, failed: 0, suppressed: 0 };
}

/**
 * Applies the numbered .sql files beside this one that the database has not seen. One IMMEDIATE
 * transaction holds the write lock from reading what was applied to the last file, so two
 * processes starting on a new database take turns, as PostgreSQL's advisory lock makes them.
 */
function migrate(db: Database.Database) {
  const files = readdirSync(migrationsDir)
    .filter((f) => /^\d+-.*\.sql$/.test(f))
    .sort();
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const file of files) {
      const version = Number.parseInt(file, 10);
      if (done.has(version)) continue;
      db.exec(readFileSync(join(migrationsDir, file), 'utf8'));
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length) throw new Error(`${file} left ${broken.length} row(s) pointing at nothing`);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(version, file, Date.now());
    }
  }).immediate();
}

/**
 * The database holds names, addresses and acknowledgements: its folder is the owner's only and
 * the file is made 0600 before SQLite opens it, which gives its -wal and -shm files the same mode.
 * The files, and the folder if it is briefcast's own, are narrowed if an older version left them
 * readable.
 */
function keepPrivate(path: string, ownFolder: boolean) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  // Someone else's folder is left as it is: DATABASE_URL=sqlite:/tmp/x.db once made /tmp 0700,
  // and every other program on the machine lost it.
  keepOwnerOnly(...(ownFolder ? [dirname(path)] : []), path, `${path}-wal`, `${path}-shm`);
}

export interface SqliteOptions {
  /** How long a statement waits for another process's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /**
   * The database's folder is briefcast's own (the project's data/), to be kept the owner's only.
   * A folder it names otherwise (sqlite:path) may be shared, and only the database's files are
   * narrowed; a folder briefcast makes for it is made the owner's only either way.
   */
  ownFolder?: boolean;
}

export function openSqliteStore(path: string, options: SqliteOptions = {}): Store {
  const busyMs = Math.round(options.busyTimeoutMs ?? BUSY_MS);
  let db: Database.Database;
  try {
    if (path !== ':memory:') keepPrivate(path, options.ownFolder ?? false);
    db = new Database(path);
    // First, so that even switching to WAL waits for a process that is migrating.
    db.pragma(`busy_timeout = ${busyMs}`);
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a killed process (what "resume" needs) without an fsync per delivery.
    db.pragma('synchronous = NORMAL');
    // Off while migrating: SQLite changes a table's CHECK by copying the table, and the rows that
    // point at it must survive the copy (each migration is checked below before it commits).
    db.pragma('foreign_keys = OFF');
    migrate(db);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw new StoreError('ESTORE', `cannot open the database ${path}: ${(error as Error).message}`);
  }

  const q = {
    campaign: db.prepare<[number], Campaign>('SELECT * FROM campaigns WHERE id = ?'),
    campaignsFor: db.prepare<[string], Campaign>('SELECT * FROM campaigns WHERE slug = ? ORDER BY id'),
    campaigns: db.prepare<[], Campaign>('SELECT * FROM campaigns ORDER BY id'),
    counts: db.prepare<[number], { state: keyof Counts; n: number }>('SELECT state, count(*) AS n FROM deliveries WHERE campaign_id = ? GROUP BY state'),
    insertCampaign: db.prepare(
      `INSERT INTO campaigns (slug, title, content_hash, kind, parent_id, agencies, state, send_by, created_at, updated_at)
       VALUES (@slug, @title, @content_hash, @kind, @parent_id, @agencies, 'sending', @send_by, @now, @now)`,
    ),
    insertDelivery: db.prepare(
      `INSERT INTO deliveries (campaign_id, seq, email, name, agencies, state, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    setState: db.prepare('UPDATE campaigns SET state = ?, state_reason = ?, updated_at = ? WHERE id = ?'),
    insertContent: db.prepare('INSERT INTO campaign_content (campaign_id, agencies, subject, html, text, web_url, tracked) VALUES (?, ?, ?, ?, ?, ?, ?)'),
    content: db.prepare<[number], { agencies: string; subject: string; html: string; text: string; web_url: string; tracked: number }>(
      'SELECT agencies, subject, html, text, web_url, tracked FROM campaign_content WHERE campaign_id = ? ORDER BY agencies',
    ),
    installId: db.prepare<[], { id: string }>('SELECT id FROM install'),
    renewRows: db.prepare("UPDATE deliveries SET lease_until = ? WHERE campaign_id = ? AND owner = ? AND state = 'sending'"),
    renewCampaign: db.prepare('UPDATE campaigns SET sender = ?, sender_until = ? WHERE id = ?'),
    leave: db.prepare('UPDATE campaigns SET sender = NULL, sender_until = NULL WHERE id = ? AND sender = ?'),
    expireOwner: db.prepare("UPDATE deliveries SET state = 'queued', lease_until = NULL, owner = NULL, updated_at = ? WHERE campaign_id = ? AND owner = ? AND state = 'sending'"),
    inFlightOwners: db.prepare<[number], string>("SELECT DISTINCT owner FROM deliveries WHERE campaign_id = ? AND state = 'sending' AND owner IS NOT NULL").pluck(),
    requeueFailed: db.prepare("UPDATE deliveries SET state = 'queued', attempts = 0, next_attempt_at = 0, updated_at = ? WHERE campaign_id = ? AND state = 'failed' AND permanent = 0"),
    suppressRow: db.prepare("UPDATE deliveries SET state = 'suppressed', updated_at = ? WHERE id = ?"),
    unsuppress: db.prepare('DELETE FROM suppressions WHERE email = ?'),
    // Due rows in list order; claiming marks them 'sending' in the same transaction. Three
    // index walks, each stopping at the limit: one OR across the states made SQLite walk the
    // campaign from its first row on every claim, past every row already sent, which made a
    // campaign's sending time grow with the square of its size. The leases' walk names its index,
    // or SQLite takes the (campaign, seq) one for its order and walks the campaign again.
    due: db.prepare<{ campaign: number; now: number; limit: number }, Delivery>(
      `SELECT * FROM (
         SELECT * FROM (SELECT * FROM deliveries WHERE campaign_id = $campaign AND state = 'queued' AND next_attempt_at = 0 ORDER BY seq LIMIT $limit)
         UNION ALL
         SELECT * FROM (SELECT * FROM deliveries WHERE campaign_id = $campaign AND state = 'queued' AND next_attempt_at BETWEEN 1 AND $now ORDER BY seq LIMIT $limit)
         UNION ALL
         SELECT * FROM (SELECT * FROM deliveries INDEXED BY deliveries_due WHERE campaign_id = $campaign AND state = 'sending' AND lease_until < $now ORDER BY seq LIMIT $limit)
       ) ORDER BY seq LIMIT $limit`,
    ),
    claim: db.prepare("UPDATE deliveries SET state = 'sending', lease_until = ?, claimed_at = ?, updated_at = ?, owner = ? WHERE id = ?"),
    claimedSince: db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM deliveries WHERE claimed_at > ?'),
    nextDue: db.prepare<[number, number], { at: number | null }>(
      `SELECT min(at) AS at FROM (
         SELECT min(next_attempt_at) AS at FROM deliveries WHERE campaign_id = ? AND state = 'queued'
         UNION ALL SELECT min(lease_until) FROM deliveries WHERE campaign_id = ? AND state = 'sending')`,
    ),
    sent: db.prepare(
      "UPDATE deliveries SET state = 'sent', attempts = attempts + 1, last_response = ?, message_id = ?, sent_at = ?, updated_at = ? WHERE id = ?",
    ),
    retry: db.prepare("UPDATE deliveries SET state = 'queued', attempts = attempts + 1, last_response = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?"),
    failed: db.prepare("UPDATE deliveries SET state = 'failed', attempts = attempts + 1, last_response = ?, permanent = ?, updated_at = ? WHERE id = ?"),
    release: db.prepare("UPDATE deliveries SET state = 'queued', lease_until = NULL, claimed_at = NULL, owner = NULL, updated_at = ? WHERE id = ? AND state = 'sending'"),
    failures: db.prepare<[number], Delivery>("SELECT * FROM deliveries WHERE campaign_id = ? AND state = 'failed' ORDER BY seq"),
    delivery: db.prepare<[number], Delivery>('SELECT * FROM deliveries WHERE id = ?'),
    // A page at a time: a statement left open while the caller writes would make the connection busy.
    deliveries: db.prepare<[number, number], Delivery>('SELECT * FROM deliveries WHERE campaign_id = ? AND seq > ? ORDER BY seq LIMIT 1000'),
    suppress: db.prepare(
      'INSERT INTO suppressions (email, reason, detail, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET reason = excluded.reason, detail = excluded.detail',
    ),
    // Addresses are stored lower-cased by JavaScript, which folds every script's case (NOCASE folds ASCII only).
    suppressed: db.prepare<[string], Suppression>('SELECT * FROM suppressions WHERE email = ?'),
    suppressions: db.prepare<[], Suppression>('SELECT * FROM suppressions ORDER BY created_at'),
    insertLink: db.prepare('INSERT INTO campaign_links (campaign_id, n, url, text, lesson) VALUES (?, ?, ?, ?, ?)'),
    links: db.prepare<[number], CampaignLink>('SELECT n, url, text, lesson FROM campaign_links WHERE campaign_id = ? ORDER BY n'),
    byMessageId: db.prepare<[string], Delivery>('SELECT * FROM deliveries WHERE message_id = ? ORDER BY id DESC LIMIT 1'),
    insertBounce: db.prepare(
      `INSERT INTO bounces (delivery_id, kind, status, reason, source, created_at) VALUES (@delivery_id, @kind, @status, @reason, @source, @at)
       ON CONFLICT (delivery_id, source) DO NOTHING`,
    ),
    recentBounces: db.prepare<[string, number], { kind: BounceKind | null }>(
      `SELECT (SELECT b.kind FROM bounces b WHERE b.delivery_id = d.id ORDER BY b.id DESC LIMIT 1) AS kind
       FROM deliveries d WHERE d.email = ? COLLATE NOCASE AND d.state = 'sent' ORDER BY d.sent_at DESC, d.id DESC LIMIT ?`,
    ),
    engagement: db.prepare<[{ campaign: number }], Engagement>(
      `SELECT d.email, d.name, d.agencies, CASE WHEN b.reason IS NULL THEN d.state ELSE 'bounced' END AS state, b.reason AS bounce, d.sent_at,
              coalesce(e.opened, 0) AS opened, coalesce(e.clicked, 0) AS clicked, coalesce(e.viewed, 0) AS viewed,
              a.created_at AS acknowledged_at, a.shared AS shared, a.comment AS comment
       FROM deliveries d
       LEFT JOIN (SELECT delivery_id, sum(kind = 'open') AS opened, sum(kind = 'click') AS clicked, sum(kind = 'view') AS viewed
                  FROM events WHERE campaign_id = @campaign AND class = 'human' GROUP BY delivery_id) e ON e.delivery_id = d.id
       LEFT JOIN acknowledgements a ON a.delivery_id = d.id
       LEFT JOIN (SELECT delivery_id, reason, max(id) FROM bounces GROUP BY delivery_id) b ON b.delivery_id = d.id
       WHERE d.campaign_id = @campaign
       ORDER BY d.seq`,
    ),
    eventCounts: db.prepare<[number], EventCount>(
      `SELECT agencies, kind, class, reason, link, count(*) AS n, count(DISTINCT delivery_id) AS people FROM events WHERE campaign_id = ?
       GROUP BY agencies, kind, class, reason, link`,
    ),
    acks: db.prepare<[number], Acknowledgement & { created_at: number }>('SELECT * FROM acknowledgements WHERE campaign_id = ?'),
    pageViews: db.prepare<[string], { class: string; views: number }>('SELECT class, sum(views) AS views FROM page_views WHERE slug = ? GROUP BY class'),
    purgeEvents: db.prepare('DELETE FROM events WHERE at < ?'),
    purgeViews: db.prepare('DELETE FROM page_views WHERE day < ?'),
    insertQuestion: db.prepare('INSERT INTO campaign_questions (campaign_id, n, text) VALUES (?, ?, ?)'),
    questions: db.prepare<[number], string>('SELECT text FROM campaign_questions WHERE campaign_id = ? ORDER BY n').pluck(),
    deliveryByEmail: db.prepare<[number, string], Delivery>('SELECT * FROM deliveries WHERE campaign_id = ? AND email = ?'),
    discussionOf: db.prepare<[number, number], DiscussionRow>(
      `SELECT r.*, d.email, d.name FROM discussions r LEFT JOIN deliveries d ON d.id = r.delivery_id
       WHERE r.campaign_id = ? AND r.delivery_id = ? AND r.superseded_at IS NULL`,
    ),
    discussion: db.prepare<[number], DiscussionRow>('SELECT r.*, d.email, d.name FROM discussions r LEFT JOIN deliveries d ON d.id = r.delivery_id WHERE r.id = ?'),
    discussions: db.prepare<[number, number], DiscussionRow>(
      `SELECT r.*, d.email, d.name FROM discussions r LEFT JOIN deliveries d ON d.id = r.delivery_id
       WHERE r.campaign_id = ? AND (? = 1 OR r.superseded_at IS NULL) ORDER BY r.id`,
    ),
    supersede: db.prepare('UPDATE discussions SET superseded_at = ? WHERE id = ?'),
    insertDiscussion: db.prepare(
      `INSERT INTO discussions (campaign_id, delivery_id, agencies, discussed_on, people, answers, actions, comment, follow_up, follow_up_on, created_at, updated_at)
       VALUES (@campaign_id, @delivery_id, @agencies, @discussed_on, @people, @answers, @actions, @comment, @follow_up, @follow_up_on, @created_at, @updated_at)`,
    ),
    eventTotal: db.prepare<[], { n: number }>('SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM acknowledgements) + (SELECT coalesce(sum(views), 0) FROM page_views) AS n'),
  };

  const createCampaign = db.transaction((c: NewCampaign, suppressed: Set<string>): Campaign => {
    const now = Date.now();
    const { lastInsertRowid } = q.insertCampaign.run({
      slug: c.slug,
      title: c.title,
      content_hash: c.content_hash,
      kind: c.kind ?? 'briefing',
      parent_id: c.parent_id ?? null,
      agencies: c.agencies === 'all' ? 'all' : c.agencies.join(' '),
      send_by: c.send_by ?? null,
      now,
    });
    const id = Number(lastInsertRowid);
    let seq = 0;
    for (const r of c.recipients) {
      const state = suppressed.has(r.email.toLowerCase()) ? 'suppressed' : 'queued';
      q.insertDelivery.run(id, ++seq, r.email, r.name, r.agencies.join(' '), state, now);
    }
    for (const l of c.links ?? []) q.insertLink.run(id, l.n, l.url, l.text, l.lesson ?? null);
    (c.questions ?? []).forEach((text, i) => q.insertQuestion.run(id, i + 1, text));
    for (const x of c.content ?? []) q.insertContent.run(id, x.agencies, x.subject, JSON.stringify(x.html), JSON.stringify(x.text), x.web_url, x.tracked ? 1 : 0);
    return q.campaign.get(id)!;
  });

  const claimDue = db.transaction((campaignId: number, now: number, limit: number, options: ClaimOptions) => {
    let room = limit;
    if (options.ratePerSecond) room = Math.min(room, Math.max(0, Math.floor(options.ratePerSecond) - q.claimedSince.get(now - 1000)!.n));
    if (room === 0) return [];
    const lease = now + (options.leaseMs ?? 300_000);
    const owner = options.owner ?? null;
    const claimed: Delivery[] = [];
    // Suppressed rows do not count against the room: keep taking until it is full or nothing is due.
    while (claimed.length < room) {
      const rows = q.due.all({ campaign: campaignId, now, limit: room - claimed.length });
      if (rows.length === 0) break;
      for (const r of rows) {
        if (q.suppressed.get(r.email.toLowerCase())) {
          q.suppressRow.run(now, r.id);
          continue;
        }
        q.claim.run(lease, now, now, owner, r.id);
        claimed.push({ ...r, state: 'sending', owner });
      }
    }
    return claimed;
  });

  const release = db.transaction((ids: number[]) => {
    const now = Date.now();
    for (const id of ids) q.release.run(now, id);
  });

  const tracking = trackingConnection(path, db);

  const recordDiscussion = db.transaction((next: NewDiscussion): Discussion => {
    const current = next.delivery_id === undefined ? undefined : q.discussionOf.get(next.campaign_id, next.delivery_id);
    if (current) q.supersede.run(next.at, current.id);
    const { superseded_at: _, ...row } = mergeDiscussion(current && fromRow(current), next);
    const { lastInsertRowid } = q.insertDiscussion.run(row);
    return fromRow(q.discussion.get(Number(lastInsertRowid))!);
  });

  /** A reader's form waits for another process's write lock as tracking writes do (see retryWhileBusy). */
  const briefly = <T>(run: () => T): Promise<T> =>
    retryWhileBusy(() => {
      db.pragma(`busy_timeout = ${SHORT_BUSY_MS}`);
      try {
        return run();
      } finally {
        db.pragma(`busy_timeout = ${busyMs}`);
      }
    });

  const suppressionSet = () => new Set(q.suppressions.all().map((s) => s.email.toLowerCase()));

  return {
    kind: 'sqlite',
    async createCampaign(c) {
      return createCampaign(c, suppressionSet());
    },
    async campaign(id) {
      return q.campaign.get(id);
    },
    async campaignsFor(slug) {
      return q.campaignsFor.all(slug);
    },
    async campaigns() {
      return q.campaigns.all();
    },
    async counts(campaignId) {
      const counts = emptyCounts();
      for (const row of q.counts.all(campaignId)) counts[row.state] = row.n;
      return counts;
    },
    async setCampaignState(id: number, state: CampaignState, reason?: string) {
      q.setState.run(state, reason ?? null, Date.now(), id);
    },
    async content(campaignId) {
      return q.content.all(campaignId).map((r) => ({ ...r, html: JSON.parse(r.html), text: JSON.parse(r.text), tracked: r.tracked === 1 }));
    },
    async installId() {
      return q.installId.get()!.id;
    },
    async renewLeases(campaignId, owner, until) {
      db.transaction(() => {
        q.renewRows.run(until, campaignId, owner);
        q.renewCampaign.run(owner, until, campaignId);
      }).immediate();
    },
    async leaveCampaign(campaignId, owner) {
      q.leave.run(campaignId, owner);
    },
    async expireOwners(campaignId, owners) {
      return db.transaction(() => owners.reduce((n, owner) => n + q.expireOwner.run(Date.now(), campaignId, owner).changes, 0))();
    },
    async inFlightOwners(campaignId) {
      return q.inFlightOwners.all(campaignId);
    },
    async requeueFailed(campaignId) {
      return q.requeueFailed.run(Date.now(), campaignId).changes;
    },
    async claimDue(campaignId, now, limit, options = {}) {
      // IMMEDIATE: take the write lock first, so two senders cannot count the same window.
      return claimDue.immediate(campaignId, now, limit, options);
    },
    async nextDueAt(campaignId) {
      return q.nextDue.get(campaignId, campaignId)?.at ?? undefined;
    },
    async markSent(id, response, messageId) {
      const now = Date.now();
      q.sent.run(response, messageId, now, now, id);
    },
    async markRetry(id, response, at) {
      q.retry.run(response, at, Date.now(), id);
    },
    async markFailed(id, response, permanent = false) {
      q.failed.run(response, permanent ? 1 : 0, Date.now(), id);
    },
    async release(ids) {
      release(ids);
    },
    async failures(campaignId) {
      return q.failures.all(campaignId);
    },
    async delivery(id) {
      return q.delivery.get(id);
    },
    async *deliveries(campaignId) {
      for (let after = 0; ; ) {
        const page = q.deliveries.all(campaignId, after);
        if (!page.length) return;
        yield* page;
        after = page.at(-1)!.seq;
      }
    },
    async deliveryByMessageId(messageId) {
      return q.byMessageId.get(messageId);
    },
    async recordBounce(bounce) {
      return q.insertBounce.run(bounce).changes > 0;
    },
    async recentBounces(email, n) {
      return q.recentBounces.all(email, n).map((r) => r.kind);
    },
    async suppress(email, reason, detail) {
      q.suppress.run(email.toLowerCase(), reason, detail ?? null, Date.now());
    },
    async isSuppressed(email) {
      return q.suppressed.get(email.toLowerCase()) !== undefined;
    },
    async unsuppress(email) {
      return q.unsuppress.run(email.toLowerCase()).changes > 0;
    },
    async suppressions() {
      return q.suppressions.all();
    },
    async links(campaignId) {
      return q.links.all(campaignId);
    },
    async writeTracking(writes) {
      return writes.length ? tracking.write(writes) : [];
    },
    async engagement(campaignId) {
      return q.engagement.all({ campaign: campaignId });
    },
    async eventCounts(campaignId) {
      return q.eventCounts.all(campaignId);
    },
    async acknowledgements(campaignId) {
      return q.acks.all(campaignId);
    },
    async questions(campaignId) {
      return q.questions.all(campaignId);
    },
    async deliveryByEmail(campaignId, email) {
      return q.deliveryByEmail.get(campaignId, email);
    },
    async recordDiscussion(discussion) {
      return briefly(() => recordDiscussion.immediate(discussion));
    },
    async discussionOf(campaignId, deliveryId) {
      const row = q.discussionOf.get(campaignId, deliveryId);
      return row && fromRow(row);
    },
    async discussions(campaignId, options = {}) {
      return q.discussions.all(campaignId, options.history ? 1 : 0).map(fromRow);
    },
    async pageViews(slug) {
      const out = { human: 0, machine: 0 };
      for (const r of q.pageViews.all(slug)) out[r.class as 'human' | 'machine'] = r.views;
      return out;
    },
    async purge(before) {
      const day = isoDay(before);
      return db.transaction(() => q.purgeEvents.run(before).changes + q.purgeViews.run(day).changes)();
    },
    async trackingRows() {
      return q.eventTotal.get()!.n;
    },
    async close() {
      tracking.close();
      db.close();
    },
  };
}
