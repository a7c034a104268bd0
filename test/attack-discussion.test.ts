import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { agencyCsv, campaignPage, campaignReport, reportText } from '../src/report/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { axeViolations, launchChromium } from './browser.js';
import { repo } from './helpers.js';
import { BROWSER_UA, rawRequest, sentAndTracked } from './track-helpers.js';

const form = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER_UA };

describe('the discussion form, used carelessly and with hostile text', () => {
  const s = sentAndTracked();
  const post = (email: string, body: string) => rawRequest(s.t.origin, 'POST', `/a/${s.tokens.get(email)!}`, form, body);
  const current = async (email: string) => (await s.t.store.discussions(1)).find((d) => d.email === email);

  it('a field the reader empties is cleared: an answer, an action, the number and the comment; one click clears nothing', async () => {
    const sam = 'sam.patel@example.org';
    expect((await post(sam, 'people=4&answer_1=Wrong+briefing&answer_2=Keep&action_1=Typo+action&owner_1=lead&action_2=Audit&comment=oops')).status).toBe(200);
    // The form as the browser sends it back: every field, the ones the reader emptied too.
    const today = new Date().toISOString().slice(0, 10);
    const resent = `discussed_on=${today}&people=&answer_1=&answer_2=Keep&answer_3=&action_1=&owner_1=&due_1=&action_2=Audit&owner_2=&due_2=&action_3=&owner_3=&due_3=&comment=`;
    expect((await post(sam, resent)).status).toBe(200);
    expect(await current(sam)).toMatchObject({ discussed_on: today, people: null, answers: [{ n: 2, answer: 'Keep' }], actions: [{ n: 2, text: 'Audit', owner: null, due: null, done: null }], comment: null });
    // The one-click button sends no field: the record stays as it is.
    expect((await post(sam, '')).status).toBe(200);
    expect((await current(sam))?.actions).toHaveLength(1);
    expect((await s.t.store.discussions(1, { history: true })).filter((d) => d.email === sam)).toHaveLength(2);
  });

  it('control characters never reach the store, and what a reader writes stays text in the report, its CSV and the dashboard', async () => {
    const tom = 'tom.reid@example.org';
    const body = new URLSearchParams({
      people: '2',
      answer_1: '=HYPERLINK("http://evil.example","x")\u0000 first\r\nsecond\u202Edrowssap',
      action_1: 'line one\nline two\u001b[2J',
      owner_1: '@SUM(1+1)\u0085',
      comment: '<script>alert(1)</script>\u001b]0;pwned\u0007 <img src=x onerror=alert(2)>',
    });
    expect((await post(tom, body.toString())).status).toBe(200);
    const record = (await current(tom))!;
    expect(record.answers).toEqual([{ n: 1, answer: '=HYPERLINK("http://evil.example","x") first\nseconddrowssap' }]);
    expect(record.actions[0]).toMatchObject({ text: 'line one line two[2J', owner: '@SUM(1+1)' });
    expect(record.comment).toBe('<script>alert(1)</script>]0;pwned <img src=x onerror=alert(2)>');

    const report = await campaignReport(s.t.store, (await s.t.store.campaign(1))!, { tracking: 'individual', agencyNames: new Map() });
    const csv = agencyCsv(report);
    expect(csv).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"") first\nseconddrowssap"`);
    expect(csv).toContain(",'@SUM(1+1),");
    expect(reportText(report)).not.toMatch(/\x1b/);
    const html = campaignPage(loadConfig(join(s.dir, 'briefcast.yml')).config!, report, 14, {});
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('a day before the briefing was sent is refused beside the field, and the date picker starts at the day before it was sent', async () => {
    const priya = 'priya.shah@example.org';
    const sent = new Date((await s.t.store.campaign(1))!.created_at - 86_400_000).toISOString().slice(0, 10);
    const form = await (await fetch(`${s.t.origin}/a/${s.tokens.get(priya)!}`, { headers: { 'user-agent': BROWSER_UA } })).text();
    expect(form).toContain(`type="date" required min="${sent}"`);
    const lastYear = `${Number(sent.slice(0, 4)) - 1}${sent.slice(4)}`;
    const reply = await post(priya, `discussed_on=${lastYear}&people=4`);
    expect(reply.status).toBe(400);
    expect(reply.body).toContain(`Enter the day your team discussed it: the briefing was not sent before ${sent}`);
    expect(await current(priya)).toBeUndefined();
    expect((await post(priya, `discussed_on=${sent}&people=4`)).status).toBe(200);
  });

  it('twenty submissions at once for one reader leave one current record and twenty versions', async () => {
    const ben = 'ben.carter@example.org';
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => post(ben, `people=${i + 1}&comment=version+${i + 1}`)));
    expect(replies.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await s.t.store.discussions(1)).filter((d) => d.email === ben)).toHaveLength(1);
    const history = (await s.t.store.discussions(1, { history: true })).filter((d) => d.email === ben);
    expect(history).toHaveLength(20);
    expect(history.filter((d) => d.superseded_at === null)).toHaveLength(1);
    expect(new Set(history.map((d) => d.comment)).size).toBe(20);
  });

  it('a follow-up answered from a page opened before the actions changed applies nothing to an action the reader did not see', async () => {
    const kim = 'jo.bloggs@example.org';
    expect((await post(kim, 'people=5&action_1=Audit+chronologies&action_2=Add+father+to+checklist')).status).toBe(200);
    const followUp = await s.t.store.createCampaign({ slug: 'children-p', title: 'Children P', content_hash: 'f', kind: 'follow-up', parent_id: 1, agencies: 'all', recipients: [{ email: kim, name: 'Jo', agencies: ['police'] }] });
    const [d] = await s.t.store.claimDue(followUp.id, Date.now(), 10);
    await s.t.store.markSent(d!.id, '250 ok', '<f@test>');
    const path = `/a/${s.t.tokens.sign({ campaign: followUp.id, delivery: d!.id })}`;
    const page = await (await fetch(`${s.t.origin}${path}`, { headers: { 'user-agent': BROWSER_UA } })).text();
    expect(page).toContain('Add father to checklist');
    // Meanwhile the team removes the first action and rewrites the second.
    expect((await post(kim, 'action_1=&action_2=Add+both+parents+to+checklist')).status).toBe(200);
    // The page as it was: its hidden fields say what each yes or no was about.
    const shown = [...page.matchAll(/<input type="hidden" name="(shown_\d+)" value="([^"]*)">/g)].map(([, name, value]) => `${name}=${encodeURIComponent(value!)}`);
    expect(shown).toHaveLength(2);
    const stale = await rawRequest(s.t.origin, 'POST', path, form, ['answer=We+audit+monthly', 'done_1=yes', 'done_2=yes', ...shown].join('&'));
    expect(stale.status).toBe(400);
    expect(stale.body).toContain('This action changed after you opened this page');
    expect(stale.body).toContain('Add both parents to checklist');
    expect(stale.body).not.toContain('Audit chronologies');
    expect(stale.body).toContain('We audit monthly');
    expect((await current(kim))!.actions).toEqual([{ n: 2, text: 'Add both parents to checklist', owner: null, due: null, done: null }]);
    expect((await current(kim))!.follow_up).toBeNull();
    // Answered again from the page as it is now, it is kept.
    const fresh = await (await fetch(`${s.t.origin}${path}`, { headers: { 'user-agent': BROWSER_UA } })).text();
    const now = [...fresh.matchAll(/<input type="hidden" name="(shown_\d+)" value="([^"]*)">/g)].map(([, name, value]) => `${name}=${encodeURIComponent(value!)}`);
    expect((await rawRequest(s.t.origin, 'POST', path, form, ['answer=We+audit+monthly', 'done_2=yes', ...now].join('&'))).status).toBe(200);
    expect((await current(kim))!).toMatchObject({ follow_up: 'We audit monthly', actions: [{ n: 2, done: true }] });
  });

  it('answers in any script up to the length the form allows are kept: the limits count characters, not bytes', async () => {
    const lee = 'chris.hall@example.org';
    const cjk = '我们讨论了这个简报'.repeat(222).slice(0, 1990);
    const body = new URLSearchParams({ people: '3', answer_1: cjk, answer_2: '😀'.repeat(995), answer_3: 'ناقشنا'.repeat(330), action_1: '审计'.repeat(150), owner_1: '负责人'.repeat(33), action_2: '跟进'.repeat(150), comment: cjk });
    expect(body.toString().length).toBeGreaterThan(64 * 1024);
    const reply = await post(lee, body.toString());
    expect(reply.status, reply.body.slice(0, 200)).toBe(200);
    expect((await current(lee))!).toMatchObject({ answers: [{ n: 1, answer: cjk }, { n: 2, answer: '😀'.repeat(995) }, { n: 3, answer: 'ناقشنا'.repeat(330) }], comment: cjk });
    // Past the form's own limit it is still refused.
    expect((await post(lee, `comment=${encodeURIComponent('我'.repeat(4001))}`)).status).toBe(413);
  });
});

it('the dashboard and the board paper keep every name and answer inside the page: a 300-character name, words longer than a line, 60 agencies', async () => {
  const store = await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'briefcast-attack-')), 'paper.db'));
  const browser = await launchChromium();
  try {
    const ids = Array.from({ length: 60 }, (_, i) => `a${i}`);
    const long = `NORTHUMBERLAND, TYNE AND WEAR MULTI-AGENCY SAFEGUARDING HUB ${'W'.repeat(60)} `.repeat(3).slice(0, 300);
    const names = new Map(ids.map((id, i) => [id, i === 0 ? long : i === 1 ? 'Supercalifragilisticexpialidocious'.repeat(6) : `Partner agency ${i}`]));
    const c = await store.createCampaign({ slug: 's', title: 'Children P', content_hash: 'h', agencies: ids, recipients: ids.map((id, i) => ({ email: `p${i}@example.org`, name: `P${i}`, agencies: [id] })) });
    for (const d of await store.claimDue(c.id, Date.now(), 100)) await store.markSent(d.id, '250 ok', `<${d.id}@test>`);
    const unbroken = `https://example.org/${'a'.repeat(1980)}`;
    for await (const d of store.deliveries(c.id)) {
      if (d.agencies !== 'a0' && d.agencies !== 'a1') continue;
      await store.recordDiscussion({
        campaign_id: c.id, delivery_id: d.id, agencies: d.agencies, discussed_on: '2026-05-01', people: 7,
        answers: [{ n: 1, answer: 'Chronologies were started too late. '.repeat(55).slice(0, 2000) }, { n: 2, answer: unbroken }],
        actions: [{ n: 1, text: 'A'.repeat(300), owner: 'o'.repeat(100), due: '2020-01-01' }], comment: unbroken, at: Date.now(),
      });
    }
    const report = await campaignReport(store, c, { tracking: 'individual', agencyNames: names });
    const config = loadConfig(join(repo, 'briefcast.yml')).config!;
    for (const [view, print, width] of [['dashboard', false, 375], ['dashboard', false, 1280], ['paper', true, 794]] as const) {
      const page = await browser.newPage({ viewport: { width, height: 1100 }, bypassCSP: true });
      if (print) await page.emulateMedia({ media: 'print' });
      await page.setContent(campaignPage(config, report, 14, { print }));
      // Whatever is drawn ends inside its own box: text in a chart inside the chart, a table inside its column, words inside the page.
      const outside = await page.evaluate((print) => {
        const main = document.querySelector('main')!.getBoundingClientRect();
        const bad: string[] = [];
        for (const t of document.querySelectorAll('svg text')) {
          const svg = t.closest('svg')!.getBoundingClientRect();
          if (t.getBoundingClientRect().right > svg.right + 1) bad.push(`chart: ${t.textContent!.slice(0, 30)}`);
        }
        // On a screen a wide table scrolls in its own box; on paper nothing can scroll.
        const boxes = print ? 'table, th, td, dd, .text, li, h3, h4, figcaption' : 'dd, .text, li, h3, h4, figcaption';
        for (const el of document.querySelectorAll(boxes)) {
          const r = el.getBoundingClientRect();
          if (r.right > main.right + 1 || el.scrollWidth > el.clientWidth + 1) bad.push(`${el.tagName.toLowerCase()}: ${el.textContent!.slice(0, 30)}`);
        }
        return [...new Set(bad)];
      }, print);
      expect(outside, `${view} at ${width}px`).toEqual([]);
      if (!print) expect(await axeViolations(page), `${view} at ${width}px`).toEqual([]);
      await page.close();
    }
  } finally {
    await browser.close();
    await store.close();
  }
}, 120_000);

it('agencies are listed as people count: Area 2 before Area 10, in the figures and the discussion records', async () => {
  const store = await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'briefcast-attack-')), 'order.db'));
  try {
    const ids = ['a10', 'a2', 'a1'];
    const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: ids, recipients: ids.map((id) => ({ email: `${id}@example.org`, name: id, agencies: [id] })) });
    for await (const d of store.deliveries(c.id)) await store.recordDiscussion({ campaign_id: c.id, delivery_id: d.id, agencies: d.agencies, people: 2, at: 1 });
    const report = await campaignReport(store, c, { tracking: 'individual', agencyNames: new Map(ids.map((id) => [id, `Area ${id.slice(1)} team`])) });
    expect(report.agencies.map((a) => a.name)).toEqual(['Area 1 team', 'Area 2 team', 'Area 10 team']);
    expect(report.discussions.map((a) => a.name)).toEqual(['Area 1 team', 'Area 2 team', 'Area 10 team']);
  } finally {
    await store.close();
  }
});
