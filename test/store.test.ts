import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { openSqliteStore } from '../src/store/index.js';
import { adapters, available as reachable, freshStores } from './stores.js';
import { repo } from './helpers.js';

const people = (n: number) => Array.from({ length: n }, (_, i) => ({ email: `p${i}@example.org`, name: `P ${i}`, agencies: i % 2 ? ['police'] : ['health', 'police'] }));
const links = [
  { n: 1, url: 'https://example.org/a', text: 'A' },
  { n: 2, url: 'https://example.org/b', text: 'B', lesson: 3 },
];

for (const [name, open] of adapters) {
  describe(`the store on ${name}`, async () => {
    const available = await reachable(name);
    const fresh = freshStores(open);

    it.skipIf(!available)('migrates once, and again is a no-op', async () => {
      const { store, reopen } = await fresh();
      await store.close();
      const again = await reopen();
      expect(await again.campaigns()).toEqual([]);
      await again.close();
    });

    it.skipIf(!available)('writes a campaign with its deliveries and links in one go, suppressed addresses marked', async () => {
      const { store } = await fresh();
      await store.suppress('P3@example.org', 'unsubscribed');
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: ['police', 'health'], recipients: people(10), links });
      expect(c).toMatchObject({ id: expect.any(Number), slug: 's', state: 'sending', kind: 'briefing' });
      expect(await store.counts(c.id)).toEqual({ queued: 9, sending: 0, sent: 0, failed: 0, suppressed: 1 });
      expect(await store.links(c.id)).toEqual([
        { n: 1, url: 'https://example.org/a', text: 'A', lesson: null },
        { n: 2, url: 'https://example.org/b', text: 'B', lesson: 3 },
      ]);
      const seen: number[] = [];
      for await (const d of store.deliveries(c.id)) seen.push(d.seq);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      await expect(store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: [...people(2), ...people(1)] })).rejects.toThrow();
      expect(await store.campaignsFor('s')).toHaveLength(1);
    });

    it.skipIf(!available)('claims due rows in order under a lease; retries, failures, releases and expired leases behave', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(6) });
      const now = Date.now();
      const first = await store.claimDue(c.id, now, 2, { leaseMs: 1000 });
      expect(first.map((d) => d.seq)).toEqual([1, 2]);
      expect((await store.claimDue(c.id, now, 2, { leaseMs: 1000 })).map((d) => d.seq)).toEqual([3, 4]);
      await store.markSent(first[0]!.id, '250 ok', '<1@x>');
      await store.markRetry(first[1]!.id, '451 later', now + 60_000);
      expect(await store.counts(c.id)).toMatchObject({ sent: 1, sending: 2, queued: 3 });
      // Rows 3 and 4 belong to a sender whose lease runs to now + 1 s.
      expect((await store.claimDue(c.id, now, 10)).map((d) => d.seq)).toEqual([5, 6]);
      expect(await store.claimDue(c.id, now, 10)).toEqual([]);
      expect(await store.nextDueAt(c.id)).toBe(now + 1000);
      // That sender died: after its lease, its rows are claimed again.
      expect((await store.claimDue(c.id, now + 1001, 10)).map((d) => d.seq)).toEqual([3, 4]);
      await store.release([5, 6].map((seq) => first[0]!.id + seq - 1));
      expect((await store.counts(c.id)).queued).toBe(3);
      const d = (await store.claimDue(c.id, now + 60_001, 1))[0]!;
      expect(d.seq).toBe(2);
      await store.markFailed(d.id, '550 no such user');
      expect((await store.failures(c.id)).map((f) => [f.seq, f.attempts, f.last_response])).toEqual([[2, 2, '550 no such user']]);
      expect(await store.requeueFailed(c.id)).toBe(1);
    });

    it.skipIf(!available)('shares a rate across senders: claims in any one second stay within it', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(30) });
      const now = Date.now();
      const a = await store.claimDue(c.id, now, 8, { ratePerSecond: 10 });
      const b = await store.claimDue(c.id, now, 8, { ratePerSecond: 10 });
      expect(a.length + b.length).toBe(10);
      expect(await store.claimDue(c.id, now + 500, 8, { ratePerSecond: 10 })).toEqual([]);
      expect((await store.claimDue(c.id, now + 1001, 8, { ratePerSecond: 10 })).length).toBe(8);
    });

    it.skipIf(!available)('stores tracking in batches and reports engagement, counts, acknowledgements, page views; purges old events', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(3), links });
      const [d1, d2] = await store.claimDue(c.id, Date.now(), 3);
      await store.markSent(d1!.id, '250', '<a>');
      await store.markSent(d2!.id, '250', '<b>');
      const at = Date.now();
      const ev = (delivery_id: number, kind: 'open' | 'click', cls: 'human' | 'machine', link?: number, when = at) =>
        ({ type: 'event', event: { campaign_id: c.id, delivery_id, agencies: 'health police', kind, link, class: cls, at: when } }) as const;
      const ids = await store.writeTracking([
        ev(d1!.id, 'open', 'human'),
        ev(d1!.id, 'click', 'human', 2),
        ev(d2!.id, 'open', 'machine'),
        ev(d2!.id, 'click', 'human', 1, at - 400 * 86_400_000),
        { type: 'ack', ack: { ack_key: `d${d1!.id}`, campaign_id: c.id, delivery_id: d1!.id, agencies: 'health police', shared: 4, at } },
        { type: 'ack', ack: { ack_key: `d${d1!.id}`, campaign_id: c.id, delivery_id: d1!.id, agencies: 'health police', shared: 7, comment: 'again', at } },
        { type: 'page', view: { slug: 's', day: '2026-11-27', class: 'human' } },
        { type: 'page', view: { slug: 's', day: '2026-11-27', class: 'human' } },
      ]);
      const rows = await store.engagement(c.id);
      expect(rows[0]).toMatchObject({ email: 'p0@example.org', opened: 1, clicked: 1, viewed: 0, shared: 7, comment: 'again' });
      expect(rows[1]).toMatchObject({ opened: 0, clicked: 1, acknowledged_at: null });
      expect((await store.eventCounts(c.id)).find((e) => e.class === 'machine')).toMatchObject({ kind: 'open', n: 1 });
      expect(await store.pageViews('s')).toEqual({ human: 2, machine: 0 });
      // Each event's id, in order; a reclassify names clicks by them, and leaves anything else be.
      expect(ids).toHaveLength(4);
      expect(new Set(ids).size).toBe(4);
      expect(await store.writeTracking([{ type: 'reclassify', events: [ids[0]!, ids[1]!], reason: 'every link clicked within 2 s' }])).toEqual([]);
      expect((await store.engagement(c.id))[0]).toMatchObject({ opened: 1, clicked: 0 });
      expect((await store.eventCounts(c.id)).filter((e) => e.class === 'machine').map((e) => [e.kind, e.reason, e.n])).toEqual(
        expect.arrayContaining([['click', 'every link clicked within 2 s', 1]]),
      );
      // Ids run on across batches, in the order the events came.
      const more = await store.writeTracking([ev(d2!.id, 'open', 'human'), { type: 'page', view: { slug: 's', day: '2026-11-28', class: 'human' } }, ev(d2!.id, 'click', 'human', 2)]);
      expect(more).toHaveLength(2);
      expect(more[0]).toBeGreaterThan(Math.max(...ids));
      expect(more[1]).toBeGreaterThan(more[0]!);
      await store.writeTracking([{ type: 'reclassify', events: [more[1]!], reason: 'r' }]);
      expect((await store.engagement(c.id))[1]).toMatchObject({ opened: 1, clicked: 1 });
      expect(await store.trackingRows()).toBe(4 + 1 + 2 + 2 + 1);
      expect(await store.purge(at - 365 * 86_400_000)).toBe(1);
      expect(await store.trackingRows()).toBe(9);
    });

    it.skipIf(!available)('six processes starting at once on a new database migrate it once, and all open it', async () => {
      const { url, reopen } = await fresh();
      const database = name === 'SQLite' ? `sqlite:${url.slice('sqlite:'.length).replace(/test\.db$/, 'new.db')}` : url;
      const opener = `const { openStore } = await import(${JSON.stringify(`${repo}/lib/store/index.js`)}); const s = await openStore('.', { DATABASE_URL: process.argv[1] }); await s.campaigns(); await s.close();`;
      const codes = await Promise.all(
        Array.from({ length: 6 }, () => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', opener, database], { stdio: ['ignore', 'ignore', 'pipe'] });
          let err = '';
          child.stderr!.on('data', (c) => (err += c));
          return new Promise<string>((done) => child.on('exit', (code) => done(`${code} ${err}`.trim())));
        }),
      );
      expect(codes).toEqual(Array(6).fill('0'));
      if (name === 'PostgreSQL') expect(await (await reopen()).campaigns()).toEqual([]);
    });

    it.skipIf(!available)('takes writes while it streams a campaign\'s deliveries', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(1500) });
      let n = 0;
      for await (const d of store.deliveries(c.id)) {
        if (d.seq % 500 === 1) await store.markFailed(d.id, '550', true);
        n++;
      }
      expect(n).toBe(1500);
      expect((await store.counts(c.id)).failed).toBe(3);
    });

    it.skipIf(!available)('matches suppressed addresses whatever their case, in any script; skips them at each claim; removes them', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({
        slug: 's',
        title: 'T',
        content_hash: 'h',
        agencies: 'all',
        recipients: [{ email: 'ZOË@example.org', name: 'Zoë', agencies: ['police'] }, ...people(3)],
      });
      await store.suppress('Zoë@example.org', 'unsubscribed');
      await store.suppress('P1@EXAMPLE.org', 'manual', 'asked by phone');
      expect(await store.isSuppressed('ZOË@EXAMPLE.ORG')).toBe(true);
      const claimed = await store.claimDue(c.id, Date.now(), 10, { owner: 'me' });
      expect(claimed.map((d) => d.email)).toEqual(['p0@example.org', 'p2@example.org']);
      expect(await store.counts(c.id)).toMatchObject({ sending: 2, suppressed: 2 });
      expect((await store.suppressions()).map((s) => [s.email, s.reason, s.detail])).toEqual([
        ['zoë@example.org', 'unsubscribed', null],
        ['p1@example.org', 'manual', 'asked by phone'],
      ]);
      expect(await store.unsuppress('ZOË@example.org')).toBe(true);
      expect(await store.unsuppress('ZOË@example.org')).toBe(false);
      expect(await store.isSuppressed('zoë@example.org')).toBe(false);
    });

    it.skipIf(!available)('keeps a live sender\'s rows: its renewed lease holds them; a dead owner\'s rows go back at once', async () => {
      const { store, reopen } = await fresh();
      const other = await reopen();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(4) });
      const now = Date.now();
      const mine = await store.claimDue(c.id, now, 2, { owner: 'a', leaseMs: 1000 });
      expect(mine.map((d) => d.owner)).toEqual(['a', 'a']);
      await store.renewLeases(c.id, 'a', now + 10_000);
      expect((await other.campaign(c.id))!).toMatchObject({ sender: 'a', sender_until: now + 10_000 });
      // Past the first lease, the rows are still held: they were renewed.
      expect((await other.claimDue(c.id, now + 5000, 10, { owner: 'b' })).map((d) => d.seq)).toEqual([3, 4]);
      expect(await other.inFlightOwners(c.id)).toEqual(expect.arrayContaining(['a', 'b']));
      expect(await other.expireOwners(c.id, ['a'])).toBe(2);
      expect((await other.claimDue(c.id, now + 5000, 10, { owner: 'b' })).map((d) => d.seq)).toEqual([1, 2]);
      await store.leaveCampaign(c.id, 'a');
      expect((await store.campaign(c.id))!.sender).toBeNull();
    });

    it.skipIf(!available)('stores what a campaign sends, and one random install id that stays', async () => {
      const { store, reopen } = await fresh();
      const content = { agencies: '*', subject: 'S', html: { parts: ['<p>', '</p>'], names: ['name'] }, text: { parts: ['', ''], names: ['name'] }, web_url: 'https://x.org/s/', tracked: true };
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(1), content: [content] });
      expect(await store.content(c.id)).toEqual([content]);
      const id = await store.installId();
      expect(id).toMatch(/^[0-9a-f]{16}$/);
      expect(await (await reopen()).installId()).toBe(id);
      const another = await fresh();
      expect(await another.store.installId()).not.toBe(id);
    });
  });
}

describe('tracking writes on SQLite', () => {
  it('append: a batch of opens from readers all over a campaign writes a few pages, not one per reader', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'briefcast-append-')), 'test.db');
    const store = await openSqliteStore(path);
    try {
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(5000) });
      const event = (delivery: number) => ({ type: 'event', event: { campaign_id: c.id, delivery_id: delivery, agencies: 'police', kind: 'open', class: 'human', user_agent: 'Mozilla/5.0', at: Date.now() } }) as const;
      const scattered = (n: number, from: number) => Array.from({ length: n }, (_, i) => event(1 + ((from + i) * 7919) % 5000));
      // Opens already recorded across the whole campaign: an index by reader would span hundreds of pages.
      for (let k = 0; k < 10; k++) await store.writeTracking(scattered(2000, k * 2000));
      // Bytes this thread writes: the batch's commit, into the WAL. (The checkpoint thread writes its own.)
      const written = () => Number(/wchar: (\d+)/.exec(readFileSync(`/proc/self/task/${process.pid}/io`, 'utf8'))![1]);
      const before = written();
      await store.writeTracking(scattered(50, 123_457));
      const pages = (written() - before) / 4096;
      // The table's last page and the end of the campaign index: 2 pages when measured (3 with the
      // time index that migration 007 dropped).
      // With an index by reader it was 44, a leaf for most readers.
      expect(pages).toBeLessThan(15);
      expect(await store.trackingRows()).toBe(20_050);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("are checkpointed by a thread of their own, not in the tracker's commits", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'briefcast-checkpoint-')), 'test.db');
    const store = await openSqliteStore(path);
    try {
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: people(1) });
      const event = (i: number) => ({ type: 'event', event: { campaign_id: c.id, delivery_id: i, agencies: 'police', kind: 'open', class: 'human', user_agent: `Mozilla/5.0 reader ${i}`, at: Date.now() } }) as const;
      const wal = () => statSync(`${path}-wal`).size;
      const database = statSync(path).size;
      // More than the 1,000 pages at which SQLite would checkpoint in the commit.
      await store.writeTracking(Array.from({ length: 60_000 }, (_, i) => event(i)));
      const big = wal();
      expect(big).toBeGreaterThan(1000 * 4096);
      // Checkpointed in that commit, the WAL would start again at its beginning with this one, and not grow.
      await store.writeTracking([event(0)]);
      expect(wal()).toBeGreaterThan(big);
      // Meanwhile the thread copies the pages into the database file.
      await vi.waitFor(() => expect(statSync(path).size).toBeGreaterThan(database + 1000 * 4096), { timeout: 20_000, interval: 100 });
      expect(await store.trackingRows()).toBe(60_001);
    } finally {
      await store.close();
    }
  }, 60_000);
});
