import { describe, expect, it } from 'vitest';
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
