import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { campaignReport, periodCsv, periodReport, periodText } from '../src/report/index.js';
import { openSqliteStore, type Store } from '../src/store/index.js';

const dir = mkdtempSync(join(tmpdir(), 'briefcast-period-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const agencyNames = new Map([
  ['police', 'Police'],
  ['health', 'Health'],
]);
const ann = { email: 'ann@example.org', name: 'Ann', agencies: ['police'] };
// Bea is on both lists: shown under each agency, counted once in totals.
const bea = { email: 'bea@example.org', name: 'Bea', agencies: ['police', 'health'] };
const cal = { email: 'cal@example.org', name: 'Cal', agencies: ['health'] };

async function sendAll(store: Store, slug: string, recipients: (typeof ann)[]) {
  const c = await store.createCampaign({ slug, title: `Briefing ${slug}`, content_hash: slug, agencies: ['police', 'health'], recipients, links: [{ n: 1, url: 'https://www.example.org/report.pdf', text: 'report' }] });
  for (const d of await store.claimDue(c.id, Date.now(), 10)) await store.markSent(d.id, '250 ok', `<${d.id}@test>`);
  const ids = new Map<string, { id: number; agencies: string }>();
  for await (const d of store.deliveries(c.id)) ids.set(d.email, { id: d.id, agencies: d.agencies });
  return { campaign: c, ids };
}

it('the period roll-up counts by hand: a reader on two lists once in totals, a reader who clicked a link twice is one person', async () => {
  const path = join(dir, 'period.db');
  const store = await openSqliteStore(path);
  const a = await sendAll(store, 'a', [ann, bea, cal]);
  const b = await sendAll(store, 'b', [ann, cal]);
  await sendAll(store, 'old', [ann, bea, cal]);
  const at = Date.now();
  const beaA = a.ids.get('bea@example.org')!;
  const annB = b.ids.get('ann@example.org')!;
  const click = { type: 'event' as const, event: { campaign_id: a.campaign.id, delivery_id: beaA.id, agencies: beaA.agencies, kind: 'click' as const, link: 1, class: 'human' as const, at } };
  await store.writeTracking([
    click,
    { ...click, event: { ...click.event, at: at + 60_000 } },
    { type: 'ack', ack: { ack_key: `d${beaA.id}`, campaign_id: a.campaign.id, delivery_id: beaA.id, agencies: beaA.agencies, at } },
    { type: 'ack', ack: { ack_key: `d${annB.id}`, campaign_id: b.campaign.id, delivery_id: annB.id, agencies: annB.agencies, at } },
  ]);
  // Bea's team (both lists) agreed two actions, one overdue, one done; Ann's team one, not yet due.
  await store.recordDiscussion({
    campaign_id: a.campaign.id, delivery_id: beaA.id, agencies: beaA.agencies, discussed_on: '2026-01-10', people: 6,
    actions: [{ n: 1, text: 'Audit chronologies', owner: 'team manager', due: '2020-01-31' }, { n: 2, text: 'Supervision prompt', owner: null, due: '2099-01-01' }], at,
  });
  await store.recordDiscussion({ campaign_id: a.campaign.id, delivery_id: beaA.id, agencies: beaA.agencies, follow_up: { answer: 'Prompt in use', on: '2026-04-01', done: [{ n: 2, done: true }] }, at: at + 1 });
  await store.recordDiscussion({ campaign_id: b.campaign.id, delivery_id: annB.id, agencies: annB.agencies, people: 4, actions: [{ n: 1, text: 'Team training', owner: null, due: '2099-01-01' }], at });
  await store.close();
  // The third campaign went out a year before the period.
  const raw = new Database(path);
  raw.prepare('UPDATE campaigns SET created_at = created_at - ? WHERE slug = ?').run(366 * 86_400_000, 'old');
  raw.close();

  const reopened = await openSqliteStore(path);
  try {
    const one = await campaignReport(reopened, a.campaign, { tracking: 'individual', agencyNames });
    expect(one.links[0]).toMatchObject({ clicks: 2, people: 1, machine: 0 });
    expect(one.total).toMatchObject({ recipients: 3, delivered: 3, acknowledged: 1, acknowledged_pct: 33.3 });
    expect(one.agencies.map((x) => [x.agency, x.delivered, x.acknowledged])).toEqual([
      ['health', 2, 1],
      ['police', 2, 1],
    ]);
    // Bea's one record shows under both her agencies and counts once in the total.
    expect(one.total).toMatchObject({ discussions: 1, discussion_people: 6, actions_agreed: 2, actions_done: 1, actions_overdue: 1, follow_ups: 1 });
    expect(one.agencies.map((x) => [x.agency, x.discussions, x.discussion_people, x.actions_overdue])).toEqual([
      ['health', 1, 6, 1],
      ['police', 1, 6, 1],
    ]);
    expect(one.discussions.map((d) => [d.agency, d.records.length])).toEqual([
      ['health', 1],
      ['police', 1],
    ]);
    expect(one.discussions[0]!.records[0]).toMatchObject({ reader: { name: 'Bea', role: null }, follow_up: { answered_on: '2026-04-01', answer: 'Prompt in use' } });

    const today = new Date().toISOString().slice(0, 10);
    const year = await periodReport(reopened, { from: today, to: today }, { tracking: 'individual', agencyNames, tagsOf: (slug) => (slug === 'a' ? ['neglect', 'chronologies'] : ['neglect']) });
    expect(year.briefings.map((x) => x.slug)).toEqual(['a', 'b']);
    expect(year.total).toEqual({
      briefings: 2, delivered: 5, acknowledged: 2, acknowledged_pct: 40, opened: 0, viewed: 0, people_reached: 3,
      discussions: 2, discussion_pct: 40, actions_agreed: 3, actions_done: 1, actions_overdue: 1,
    });
    expect(year.agencies.map((x) => [x.agency, x.briefings, x.delivered, x.acknowledged, x.acknowledged_pct, x.discussions, x.discussion_pct, x.actions_agreed, x.actions_done, x.actions_overdue])).toEqual([
      ['health', 2, 3, 1, 33.3, 1, 33.3, 2, 1, 1],
      ['police', 2, 3, 2, 66.7, 2, 66.7, 3, 1, 1],
    ]);
    expect(year.briefings.map((x) => [x.slug, x.discussions, x.discussion_pct, x.actions_agreed, x.actions_done, x.actions_overdue])).toEqual([
      ['a', 1, 33.3, 2, 1, 1],
      ['b', 1, 50, 1, 0, 0],
    ]);
    expect(periodText(year)).toContain('Team discussions recorded: 2 (40% of messages delivered); actions agreed 3, done 1, overdue 1');
    expect(periodCsv(year)).toContain('Police,2,3,0,0,2,66.7,2,66.7,3,1,1');
    expect(year.themes).toEqual([
      { tag: 'neglect', briefings: 2 },
      { tag: 'chronologies', briefings: 1 },
    ]);
  } finally {
    await reopened.close();
  }
});
