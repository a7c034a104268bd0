import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { campaignReport, periodReport } from '../src/report/index.js';
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

    const today = new Date().toISOString().slice(0, 10);
    const year = await periodReport(reopened, { from: today, to: today }, { tracking: 'individual', agencyNames, tagsOf: (slug) => (slug === 'a' ? ['neglect', 'chronologies'] : ['neglect']) });
    expect(year.briefings.map((x) => x.slug)).toEqual(['a', 'b']);
    expect(year.total).toEqual({ briefings: 2, delivered: 5, acknowledged: 2, acknowledged_pct: 40, opened: 0, viewed: 0, people_reached: 3 });
    expect(year.agencies.map((x) => [x.agency, x.briefings, x.delivered, x.acknowledged, x.acknowledged_pct])).toEqual([
      ['health', 2, 3, 1, 33.3],
      ['police', 2, 3, 2, 66.7],
    ]);
    expect(year.themes).toEqual([
      { tag: 'neglect', briefings: 2 },
      { tag: 'chronologies', briefings: 1 },
    ]);
  } finally {
    await reopened.close();
  }
});
