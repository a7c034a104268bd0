import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/index.js';
import { adapters, available as reachable, freshStores } from './stores.js';

const readers = [
  { email: 'ann@example.org', name: 'Ann', agencies: ['police'] },
  { email: 'bob@example.org', name: 'Bob', agencies: ['health', 'police'] },
];

for (const [name, open] of adapters) {
  describe(`discussion records on ${name}`, async () => {
    const available = await reachable(name);
    const fresh = freshStores(open);

    it.skipIf(!available)('keeps the questions a campaign asked, and a follow-up is a campaign kind of its own', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: readers, questions: ['Q one?', 'Q two?'] });
      expect(await store.questions(c.id)).toEqual(['Q one?', 'Q two?']);
      const f = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', kind: 'follow-up', parent_id: c.id, agencies: 'all', recipients: readers.slice(0, 1), questions: ['What changed?'] });
      expect(f).toMatchObject({ kind: 'follow-up', parent_id: c.id });
      expect(await store.questions(f.id)).toEqual(['What changed?']);
      expect((await store.deliveryByEmail(c.id, 'bob@example.org'))?.name).toBe('Bob');
    });

    it.skipIf(!available)("a second submission supersedes the reader's record, keeps what it did not send, and keeps history", async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: readers });
      const ann = (await store.deliveryByEmail(c.id, 'ann@example.org'))!;
      await store.recordDiscussion({
        campaign_id: c.id, delivery_id: ann.id, agencies: 'police', discussed_on: '2026-05-01', people: 7,
        answers: [{ n: 1, answer: 'Think family' }, { n: 2, answer: 'Supervision' }],
        actions: [{ n: 1, text: 'Audit referrals', owner: 'team manager', due: '2026-06-01' }],
        comment: 'Good session', at: 1000,
      });
      const second = await store.recordDiscussion({ campaign_id: c.id, delivery_id: ann.id, agencies: 'police', discussed_on: '2026-05-02', answers: [{ n: 2, answer: 'Monthly supervision' }], at: 2000 });
      expect(second).toMatchObject({
        discussed_on: '2026-05-02', people: 7, comment: 'Good session', email: 'ann@example.org', name: 'Ann', created_at: 1000, updated_at: 2000,
        answers: [{ n: 1, answer: 'Think family' }, { n: 2, answer: 'Monthly supervision' }],
        actions: [{ n: 1, text: 'Audit referrals', owner: 'team manager', due: '2026-06-01', done: null }],
      });
      // The follow-up marks the action done and adds its answer, nothing else changes.
      await store.recordDiscussion({ campaign_id: c.id, delivery_id: ann.id, agencies: 'police', follow_up: { answer: 'We audit monthly now', on: '2026-09-01', done: [{ n: 1, done: true }, { n: 9, done: true }] }, at: 3000 });
      const current = await store.discussions(c.id);
      expect(current).toHaveLength(1);
      expect(current[0]).toMatchObject({ discussed_on: '2026-05-02', follow_up: 'We audit monthly now', follow_up_on: '2026-09-01', actions: [{ n: 1, done: true }] });
      expect(await store.discussionOf(c.id, ann.id)).toEqual(current[0]);
      const history = await store.discussions(c.id, { history: true });
      expect(history.map((d) => d.superseded_at)).toEqual([2000, 3000, null]);
      expect(history[0]!.answers[1]!.answer).toBe('Supervision');
    });

    it.skipIf(!available)('without a reader (aggregate) each submission is a record of its own, naming no one', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: readers });
      await store.recordDiscussion({ campaign_id: c.id, agencies: 'police', discussed_on: '2026-05-01', people: 3, at: 1 });
      await store.recordDiscussion({ campaign_id: c.id, agencies: 'police', discussed_on: '2026-05-01', people: 4, at: 2 });
      const all = await store.discussions(c.id);
      expect(all.map((d) => [d.people, d.delivery_id, d.email])).toEqual([[3, null, null], [4, null, null]]);
    });

    it.skipIf(!available)('two submissions by one reader at once leave one current record and both versions', async () => {
      const { store, reopen } = await fresh();
      const other = await reopen();
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: readers });
      const bob = (await store.deliveryByEmail(c.id, 'bob@example.org'))!;
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? other : store).recordDiscussion({ campaign_id: c.id, delivery_id: bob.id, agencies: 'health police', people: i + 1, at: 10 + i })),
      );
      expect(await store.discussions(c.id)).toHaveLength(1);
      expect(await store.discussions(c.id, { history: true })).toHaveLength(12);
    });
  });
}

it('SQLite: a database made before follow-ups keeps its campaigns, deliveries and their links when 005 copies the campaigns table', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'briefcast-upgrade-')), 'old.db');
  const dir = join(import.meta.dirname, '..', 'src', 'store', 'sqlite');
  const old = new Database(path);
  old.pragma('foreign_keys = ON');
  old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const file of readdirSync(dir).filter((f) => /^\d+-.*\.sql$/.test(f) && !f.startsWith('005')).sort()) {
    old.exec(readFileSync(join(dir, file), 'utf8'));
    old.prepare('INSERT INTO schema_migrations VALUES (?, ?, 0)').run(Number.parseInt(file, 10), file);
  }
  old.exec(`INSERT INTO campaigns (id, slug, title, content_hash, kind, parent_id, agencies, state, created_at, updated_at, sender) VALUES (1, 's', 'T', 'h', 'briefing', NULL, 'all', 'completed', 1, 2, 'host/1/x'), (2, 's', 'T', 'h', 'reminder', 1, 'all', 'sending', 3, 4, NULL);
    INSERT INTO deliveries (id, campaign_id, seq, email, name, agencies, state, updated_at) VALUES (1, 1, 1, 'a@example.org', 'A', 'police', 'sent', 1), (2, 2, 1, 'a@example.org', 'A', 'police', 'queued', 1);
    INSERT INTO bounces (delivery_id, kind, status, reason, source, created_at) VALUES (1, 'mailbox', '5.1.1', 'gone', '<b@x>', 5);`);
  old.close();

  const store = await openSqliteStore(path);
  try {
    expect((await store.campaigns()).map((c) => [c.id, c.kind, c.parent_id, c.sender])).toEqual([[1, 'briefing', null, 'host/1/x'], [2, 'reminder', 1, null]]);
    expect((await store.delivery(2))?.campaign_id).toBe(2);
    expect(await store.recentBounces('a@example.org', 1)).toEqual(['mailbox']);
    const f = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', kind: 'follow-up', parent_id: 1, agencies: 'all', recipients: [] });
    expect(f.kind).toBe('follow-up');
    // Foreign keys hold again after the migration: a delivery of no campaign is refused.
    const raw = new Database(path);
    raw.pragma('foreign_keys = ON');
    expect(() => raw.prepare("INSERT INTO deliveries (campaign_id, seq, email, name, agencies, state, updated_at) VALUES (99, 1, 'b@x.org', 'B', 'p', 'queued', 1)").run()).toThrow(/FOREIGN KEY/);
    raw.close();
    await expect(store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', parent_id: 99, agencies: 'all', recipients: [] })).rejects.toThrow(/FOREIGN KEY/);
  } finally {
    await store.close();
  }
});

it("SQLite: a discussion waits for another process's write lock between other work, not by blocking the thread", async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'briefcast-lock-')), 'lock.db');
  const store = await openSqliteStore(path);
  const other = new Database(path);
  try {
    const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: 'all', recipients: readers });
    other.exec('BEGIN IMMEDIATE');
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const saved = store.recordDiscussion({ campaign_id: c.id, agencies: 'police', people: 3, at: 1 });
    // The thread is free while the lock is held: timers run (a blocking wait would hold them for 5 s).
    await new Promise((r) => setTimeout(r, 600));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(5);
    other.exec('COMMIT');
    expect((await saved).people).toBe(3);
  } finally {
    other.close();
    await store.close();
  }
});
