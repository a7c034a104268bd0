import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { defaultQuestions } from '../src/config/schema.js';
import { campaignReport } from '../src/report/index.js';
import { axeViolations, horizontalOverflow, launchChromium } from './browser.js';
import { cli, configure, fastSending, tempProject } from './helpers.js';
import { startSink } from './smtp.js';
import { BROWSER_UA, rawRequest, sentAndTracked, sentProject, startTracking } from './track-helpers.js';

const agencyNames = new Map([['police', 'Cumbria Constabulary']]);
const form = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER_UA };

/** Moves the focus with the Tab key only, as a keyboard user does, until it reaches #id. */
async function tabTo(page: Page, id: string) {
  for (let i = 0; i < 150; i++) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached #${id}`);
}

describe('the team discussion record', () => {
  const s = sentAndTracked();

  it('a manager fills it in with the keyboard only, from their web copy; errors come back beside the fields with what they typed; the report holds it all', async () => {
    const jo = s.tokens.get('jo.bloggs@example.org')!;
    const browser = await launchChromium();
    try {
      // bypassCSP lets axe's script in; the page itself runs none.
      const page = await browser.newPage({ userAgent: BROWSER_UA, viewport: { width: 375, height: 800 }, bypassCSP: true });
      await page.goto(`${s.t.origin}/b/children-p?t=${jo}`);
      expect(await page.locator('#questions + ol li').allTextContents()).toEqual([...defaultQuestions]);
      const link = page.locator('a', { hasText: 'Record your team’s discussion' });
      expect(await link.getAttribute('href')).toBe(`/a/${jo}`);
      await link.click();
      expect(new URL(page.url()).pathname).toBe(`/a/${jo}`);
      expect(await axeViolations(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(await page.inputValue('#discussed_on')).toBe(new Date().toISOString().slice(0, 10));

      await tabTo(page, 'people');
      await page.keyboard.type('0');
      await tabTo(page, 'answer_1');
      await page.keyboard.type('We had not thought about the father’s role.');
      await tabTo(page, 'action_1');
      await page.keyboard.type('Audit chronologies in every open case');
      await tabTo(page, 'owner_1');
      await page.keyboard.type('team manager');
      await tabTo(page, 'due_1');
      // Digits in the order the browser's date field asks for them (day first in en-GB, month in en-US).
      const digits = await page.evaluate(() =>
        new Intl.DateTimeFormat(undefined, { day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(new Date(2020, 0, 31)).filter((p) => p.type !== 'literal').map((p) => p.value).join(''),
      );
      await page.keyboard.type(digits);
      expect(await page.inputValue('#due_1')).toBe('2020-01-31');
      await tabTo(page, 'save');
      await page.keyboard.press('Enter');
      await page.waitForSelector('.error-summary');

      // The error state: said once at the top with a link, once beside the field; nothing typed is lost.
      expect(await page.locator('.error-summary a').allTextContents()).toEqual(['Enter a whole number from 1 to 500']);
      expect(await page.getAttribute('#people', 'aria-invalid')).toBe('true');
      expect(await page.getAttribute('#people', 'aria-describedby')).toBe('people-hint people-error');
      expect(await page.inputValue('#people')).toBe('0');
      expect(await page.inputValue('#answer_1')).toBe('We had not thought about the father’s role.');
      expect(await page.inputValue('#due_1')).toBe('2020-01-31');
      expect(await axeViolations(page)).toEqual([]);
      expect(await s.t.store.discussions(1)).toEqual([]);

      await tabTo(page, 'people');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('8');
      await tabTo(page, 'comment');
      await page.keyboard.type('Discussed at the Tuesday team meeting.');
      await tabTo(page, 'save');
      await page.keyboard.press('Space');
      await page.waitForSelector('h1:text("Thank you")');
      expect(await page.textContent('main')).toContain('discussion of “Learning from Serious Case Reviews – Children P” has been recorded');

      // Opened again, the form shows the record, ready to add to.
      await page.goto(`${s.t.origin}/a/${jo}`);
      expect(await page.inputValue('#people')).toBe('8');
      expect(await page.inputValue('#action_1')).toBe('Audit chronologies in every open case');
    } finally {
      await browser.close();
    }

    const campaign = (await s.t.store.campaign(1))!;
    const report = await campaignReport(s.t.store, campaign, { tracking: 'individual', agencyNames, roles: new Map([['jo.bloggs@example.org', 'manager']]), now: Date.parse('2026-06-01T12:00:00Z') });
    expect(report.agencies.find((a) => a.agency === 'police')).toMatchObject({ discussions: 1, discussion_people: 8, actions_agreed: 1, actions_done: 0, actions_overdue: 1, follow_ups: 0 });
    expect(report.total).toMatchObject({ discussions: 1, discussion_people: 8 });
    const expected = {
      discussed_on: new Date().toISOString().slice(0, 10),
      people: 8,
      reader: { name: 'Jo Bloggs', role: 'manager' },
      answers: [{ question: defaultQuestions[0], answer: 'We had not thought about the father’s role.' }],
      actions: [{ text: 'Audit chronologies in every open case', owner: 'team manager', due: '2020-01-31', done: null, overdue: true }],
      comment: 'Discussed at the Tuesday team meeting.',
      follow_up: null,
    };
    expect(report.discussions).toEqual([{ agency: 'police', name: 'Cumbria Constabulary', records: [expect.objectContaining(expected)] }]);

    const run = await cli(s.dir, ['report', 'children-p', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.discussions).toEqual([{ agency: 'police', name: 'Cumbria Constabulary', records: [expect.objectContaining(expected)] }]);
  });

  it('one click on "I have read this briefing" acknowledges without making a discussion record', async () => {
    const chris = s.tokens.get('chris.hall@example.org')!;
    expect((await rawRequest(s.t.origin, 'POST', `/a/${chris}`, form, '')).status).toBe(200);
    await s.t.track.writer.flush();
    const acks = await s.t.store.acknowledgements(1);
    expect(acks.some((a) => a.delivery_id !== undefined && a.agencies === 'police')).toBe(true);
    expect((await s.t.store.discussions(1)).every((d) => d.email !== 'chris.hall@example.org')).toBe(true);
    // The briefing was sent today: tomorrow is the one other day a team can have discussed it on.
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await rawRequest(s.t.origin, 'POST', `/a/${chris}`, form, `discussed_on=${tomorrow}`)).status).toBe(200);
    expect((await s.t.store.discussions(1)).every((d) => d.email !== 'chris.hall@example.org')).toBe(true);
    // A date alone corrects the day of a record that exists, keeping the rest.
    expect((await rawRequest(s.t.origin, 'POST', `/a/${chris}`, form, 'people=3')).status).toBe(200);
    expect((await rawRequest(s.t.origin, 'POST', `/a/${chris}`, form, `discussed_on=${tomorrow}`)).status).toBe(200);
    expect((await s.t.store.discussions(1)).find((d) => d.email === 'chris.hall@example.org')).toMatchObject({ discussed_on: tomorrow, people: 3 });
  });

  it('hostile submissions get a 4xx and store nothing; the server keeps answering', async () => {
    const sam = s.tokens.get('sam.patel@example.org')!;
    const post = (body: string, headers: Record<string, string> = form) => rawRequest(s.t.origin, 'POST', `/a/${sam}`, headers, body);
    const statuses = async (bodies: string[]) => Promise.all(bodies.map(async (b) => (await post(b)).status));
    expect(await statuses(['people=0', 'people=501', 'people=x', 'people=1e2', 'people=12x'])).toEqual([400, 400, 400, 400, 400]);
    expect(await statuses(['discussed_on=2026-02-30', 'discussed_on=yesterday', 'discussed_on=2999-01-01', 'action_1=A&due_1=31%2F02%2F2026', 'owner_1=manager'])).toEqual([400, 400, 400, 400, 400]);
    // Fields no form of ours has, too many fields, too long, too big.
    expect(await statuses(['answer_4=x', 'action_11=x', 'due_0=2026-01-01', 'evil=1'])).toEqual([400, 400, 400, 400]);
    expect((await post(Array.from({ length: 61 }, (_, i) => `action_${(i % 10) + 1}=${i}`).join('&'))).status).toBe(413);
    const long = await post(`answer_1=${'a'.repeat(2500)}`);
    expect(long.status).toBe(400);
    expect(long.body).toContain('Use 2000 characters or fewer');
    expect((await post(`comment=${'a'.repeat(5000)}`)).status).toBe(413);
    expect((await post(`comment=${'a'.repeat(70_000)}`)).status).toBe(413);
    expect((await post('people=3', { ...form, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await rawRequest(s.t.origin, 'PUT', `/a/${sam}`, form, 'people=3')).status).toBe(405);
    expect((await s.t.store.discussions(1)).some((d) => d.email === 'sam.patel@example.org')).toBe(false);

    // A script replaying one link: twenty records a minute, then 429.
    const replies = [];
    for (let i = 0; i < 22; i++) replies.push((await post(`people=${i + 1}`)).status);
    expect(replies.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(replies.slice(20)).toEqual([429, 429]);
    expect((await s.t.store.discussions(1, { history: true })).filter((d) => d.email === 'sam.patel@example.org')).toHaveLength(20);
    expect((await fetch(`${s.t.origin}/healthz`)).status).toBe(200);
  });
});

describe('privacy settings', () => {
  it('aggregate: records are kept per agency without the reader, each submission a record; off: there is no form', async () => {
    const { dir, tokens } = await sentProject('aggregate');
    const t = await startTracking(dir);
    try {
      const jo = tokens.get('jo.bloggs@example.org')!;
      for (const people of ['4', '5']) {
        const reply = await rawRequest(t.origin, 'POST', `/a/${jo}`, form, `people=${people}&comment=ok`);
        expect(reply.status).toBe(200);
        // Nothing can be opened again to change: the page does not say it can.
        expect(reply.body).toContain('Each time the form is sent it makes a record of its own');
      }
      const records = await t.store.discussions(1, { history: true });
      expect(records.map((r) => [r.delivery_id, r.email, r.agencies, r.people, r.superseded_at])).toEqual([
        [null, null, 'police', 4, null],
        [null, null, 'police', 5, null],
      ]);
      const report = await campaignReport(t.store, (await t.store.campaign(1))!, { tracking: 'aggregate', agencyNames, roles: new Map([['jo.bloggs@example.org', 'manager']]) });
      expect(report.discussions[0]!.records.map((r) => r.reader)).toEqual([null, null]);
      expect(report.agencies.find((a) => a.agency === 'police')).toMatchObject({ discussions: 2, discussion_people: 9 });
    } finally {
      await t.close();
    }
    configure(dir, { tracking: 'off' });
    const off = await startTracking(dir);
    try {
      const jo = tokens.get('jo.bloggs@example.org')!;
      expect((await fetch(`${off.origin}/a/${jo}`)).status).toBe(404);
      expect((await rawRequest(off.origin, 'POST', `/a/${jo}`, form, 'people=3')).status).toBe(404);
    } finally {
      await off.close();
    }
  });
});

it('follow-up round trip: sent through SMTP to those who recorded a discussion, answered from its link, shown in the report; overdue actions listed per agency', async () => {
  const dir = tempProject();
  configure(dir, fastSending);
  expect((await cli(dir, ['build'])).code).toBe(0);
  const t = await startTracking(dir);
  const sink = await startSink();
  const env = { SMTP_URL: sink.url, BRIEFCAST_BASE_URL: t.origin };
  try {
    const sent = await cli(dir, ['send', 'children-p', '--yes'], env);
    expect(sent.code, sent.stderr).toBe(0);
    const ackLink = (to: string) => /\/a\/([A-Za-z0-9_-]+)/.exec(String(sink.received.find((r) => r.to === to)!.mail.text))![1]!;
    const jo = ackLink('jo.bloggs@example.org');
    const body = new URLSearchParams({ people: '6', action_1: 'Audit chronologies', owner_1: 'team manager', due_1: '2020-01-31', action_2: 'Add father to the checklist', due_2: '2099-12-31' });
    expect((await rawRequest(t.origin, 'POST', `/a/${jo}`, form, body.toString())).status).toBe(200);

    const tooSoon = await cli(dir, ['send', 'children-p', '--follow-up', '--yes'], env);
    expect(tooSoon.code).toBe(1);
    expect(tooSoon.stderr).toContain('no one to follow up: 1 recorded a discussion, 1 of them too recently, 0 already asked');

    const before = sink.received.length;
    const run = await cli(dir, ['send', 'children-p', '--follow-up', '--after', '0d', '--yes'], env);
    expect(run.code, run.stderr).toBe(0);
    const followUps = sink.received.slice(before);
    expect(followUps.map((r) => r.to)).toEqual(['jo.bloggs@example.org']);
    const mail = followUps[0]!.mail;
    expect(mail.subject).toBe('What has changed since: Learning from Serious Case Reviews – Children P');
    expect(String(mail.text).replace(/\s+/g, ' ')).toContain('What has changed in your practice or your team since?');
    const link = /(http:\/\/127\.0\.0\.1:\d+\/a\/[A-Za-z0-9_-]+)/.exec(String(mail.text))![1]!;
    expect(link).not.toContain(jo);

    const page = await fetch(link, { headers: { 'user-agent': BROWSER_UA } });
    const html = await page.text();
    expect(html).toContain('Audit chronologies (team manager), 2020-01-31: Is it done?');
    const browser = await launchChromium();
    try {
      const form = await browser.newPage({ userAgent: BROWSER_UA, viewport: { width: 375, height: 800 }, bypassCSP: true });
      await form.goto(link);
      expect(await axeViolations(form)).toEqual([]);
      expect(await horizontalOverflow(form)).toBeLessThanOrEqual(0);
    } finally {
      await browser.close();
    }
    expect((await rawRequest(t.origin, 'POST', new URL(link).pathname, form, 'answer=We+now+ask+about+fathers+at+every+visit&done_1=no&done_2=yes')).status).toBe(200);
    // An action the record does not hold (removed since the page was opened) is let go; junk is refused.
    expect((await rawRequest(t.origin, 'POST', new URL(link).pathname, form, 'done_3=yes')).status).toBe(200);
    expect((await rawRequest(t.origin, 'POST', new URL(link).pathname, form, 'done_11=yes')).status).toBe(400);
    expect((await rawRequest(t.origin, 'POST', new URL(link).pathname, form, 'done_1=maybe')).status).toBe(400);

    const again = await cli(dir, ['send', 'children-p', '--follow-up', '--after', '0d', '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('1 already asked');

    const report = JSON.parse((await cli(dir, ['report', 'children-p', '--json'])).stdout);
    expect(report.campaign.reminders).toEqual([]);
    expect(report.total.recipients).toBe(13);
    expect(report.agencies.find((a: { agency: string }) => a.agency === 'police')).toMatchObject({ discussions: 1, follow_ups: 1, actions_agreed: 2, actions_done: 1, actions_overdue: 1 });
    const record = report.discussions.find((d: { agency: string }) => d.agency === 'police').records[0];
    expect(record.follow_up).toEqual({ answered_on: new Date().toISOString().slice(0, 10), answer: 'We now ask about fathers at every visit' });
    expect(record.actions.map((a: { done: boolean }) => a.done)).toEqual([false, true]);

    const actions = await cli(dir, ['report', 'children-p', '--actions', '--json']);
    expect(JSON.parse(actions.stdout).agencies).toEqual([
      { agency: 'police', name: 'Cumbria Constabulary', actions: [{ discussed_on: expect.any(String), reader: 'Jo Bloggs', role: 'manager', action: 'Audit chronologies', owner: 'team manager', due: '2020-01-31' }] },
    ]);
    const table = await cli(dir, ['report', 'children-p', '--actions']);
    expect(table.stdout).toContain('1 agreed action past its due date and not done');
    expect(table.stdout).toMatch(/Cumbria Constabulary +Audit chronologies +team manager +2020-01-31/);
    const csv = await cli(dir, ['report', 'children-p', '--actions', '--csv']);
    expect(csv.stdout.split('\n').slice(0, 2)).toEqual(['agency,action,owner,due,discussed,recorded by', `Cumbria Constabulary,Audit chronologies,team manager,2020-01-31,${new Date().toISOString().slice(0, 10)},"Jo Bloggs, manager"`]);
    // Seen from a day before it was due, nothing is overdue.
    const early = await campaignReport(t.store, (await t.store.campaign(1))!, { tracking: 'individual', agencyNames, now: Date.parse('2020-01-30T12:00:00Z') });
    expect(early.total.actions_overdue).toBe(0);
  } finally {
    await sink.close();
    await t.close();
  }
});
