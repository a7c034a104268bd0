import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../src/config/index.js';
import { chromiumPath, printPaper } from '../src/pdf.js';
import { agencyCsv, campaignPage, campaignReport, createDashboard, periodPage, periodReport, reportText, type Report } from '../src/report/index.js';
import { openSqliteStore, type Campaign, type Store } from '../src/store/index.js';
import { axeViolations, horizontalOverflow, launchChromium, listen } from './browser.js';
import { cli, repo } from './helpers.js';
import { sentProject } from './track-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'briefcast-board-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config: Config = loadConfig(join(repo, 'briefcast.yml')).config!;
const longName = 'Northumberland, Tyne and Wear NHS Foundation Trust Safeguarding Adults and Children Team';
const agencyNames = new Map([
  ['police', 'Cumbria Constabulary'],
  ['health', longName],
  ['odd', 'Odd <b>"agency"</b> & \u001b[31mred\u001b[0m'],
]);
const ann = { email: 'ann@example.org', name: 'Ann', agencies: ['police'] };
// Bea is on two lists: in both rows, once in the total.
const bea = { email: 'bea@example.org', name: 'Bea', agencies: ['police', 'health'] };
const cal = { email: 'cal@example.org', name: 'Cal', agencies: ['health'] };
// Dee unsubscribed before the send: her delivery is 'suppressed'.
const dee = { email: 'dee@example.org', name: 'Dee', agencies: ['health', 'odd'] };

async function send(store: Store, slug: string, recipients: (typeof ann)[]): Promise<Campaign> {
  const c = await store.createCampaign({ slug, title: `Learning from ${slug}`, content_hash: slug, agencies: ['police', 'health', 'odd'], recipients });
  for (const d of await store.claimDue(c.id, Date.now(), 10)) await store.markSent(d.id, '250 ok', `<${d.id}@test>`);
  return c;
}

let store: Store;
let first: Campaign;
let second: Campaign;
let other: Campaign;
beforeAll(async () => {
  store = await openSqliteStore(join(dir, 'board.db'));
  first = await send(store, 'children-p', [ann, bea, cal]);
  await store.suppress(dee.email, 'unsubscribed');
  second = await send(store, 'children-p', [ann, bea, cal, dee]);
  other = await send(store, 'adult-q', [ann]);
  const beaDelivery = (await store.engagement(second.id)).find((r) => r.email === bea.email)!;
  let id = 0;
  for await (const d of store.deliveries(second.id)) if (d.email === bea.email) id = d.id;
  await store.writeTracking([{ type: 'ack', ack: { ack_key: `d${id}`, campaign_id: second.id, delivery_id: id, agencies: beaDelivery.agencies, shared: 5, at: Date.now() } }]);
});
afterAll(() => store.close());

/** The latest campaign's report, with the discussion records the evidence work will fill, as the board would read them. */
async function withDiscussions(tracking: Report['tracking'] = 'individual'): Promise<Report> {
  const report = await campaignReport(store, second, { tracking, agencyNames });
  const police = report.agencies.find((a) => a.agency === 'police')!;
  Object.assign(police, { discussions: 1, discussion_people: 7, actions_agreed: 2, actions_done: 1, actions_overdue: 1, follow_ups: 1 });
  Object.assign(report.total, { discussions: 1, discussion_people: 7, actions_agreed: 2, actions_done: 1, actions_overdue: 1, follow_ups: 1 });
  report.discussions = [
    {
      agency: 'police',
      name: 'Cumbria Constabulary',
      records: [
        {
          discussed_on: '2026-05-10',
          people: 7,
          reader: tracking === 'individual' ? { name: 'Bea Jones', role: 'team manager' } : null,
          answers: [
            { question: 'What are your key thoughts and reflections?', answer: 'Chronologies were started too late; the team will start one at the first referral. '.repeat(3).trim() },
            { question: 'How will you embed this learning and how will you know?', answer: '=HYPERLINK("https://evil.example") <script>alert(1)</script>' },
          ],
          actions: [
            { text: 'Add the DASH checklist to the team induction pack', owner: 'team manager', due: '2026-06-01', done: true, overdue: false },
            { text: 'Audit ten cases for chronologies', owner: 'practice lead', due: '2026-07-01', done: null, overdue: true },
          ],
          comment: 'Shared at the Monday huddle.',
          follow_up: { answered_on: '2026-08-20', answer: 'Every new case now opens with a chronology.' },
          updated: '2026-08-20T10:00:00.000Z',
        },
      ],
    },
  ];
  return report;
}

describe('the figures the board asked for', () => {
  it('counts suppressed deliveries, people on two lists once in the total, and lists the other campaigns newest first', async () => {
    const report = await campaignReport(store, first, { tracking: 'individual', agencyNames });
    expect(report.other_campaigns.map((c) => c.id)).toEqual([second.id]);
    const latest = await campaignReport(store, second, { tracking: 'individual', agencyNames });
    expect(latest.other_campaigns).toEqual([{ id: first.id, created: new Date(first.created_at).toISOString(), state: first.state }]);
    const row = (id: string) => latest.agencies.find((a) => a.agency === id)!;
    expect(latest.total).toMatchObject({ recipients: 4, delivered: 3, suppressed: 1, acknowledged: 1, shared_with_other_agencies: 2 });
    expect([row('police').recipients, row('police').suppressed, row('police').shared_with_other_agencies]).toEqual([2, 0, 1]);
    expect([row('health').recipients, row('health').suppressed, row('health').shared_with_other_agencies]).toEqual([3, 1, 2]);
    expect(row('odd')).toMatchObject({ recipients: 1, delivered: 0, suppressed: 1, shared_with_other_agencies: 1 });
    // Another briefing's campaign is not this one's.
    expect((await campaignReport(store, other, { tracking: 'individual', agencyNames })).other_campaigns).toEqual([]);
  });

  it('the terminal report names its campaign, lists the others, notes the two lists and never runs past 100 columns', async () => {
    const text = reportText(await withDiscussions());
    expect(text).toContain(`Campaign ${second.id}, sent ${new Date(second.created_at).toISOString().slice(0, 10)}, state ${second.state}`);
    expect(text).toContain(`Other campaigns of this briefing: ${first.id} (sent`);
    expect(text).toContain(`--campaign ${first.id}`);
    expect(text).toMatch(/2 people are on more than one agency's list: shown under each of those agencies, counted once in\s+"All agencies"/);
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    // The chase list and the unreachable addresses, with long lists and a bounce that runs on, stay inside too.
    const agencies = ['childrens-social-care', 'early-help', 'marac', 'adult-substance-misuse', 'police'];
    const reason = '550 5.1.1 <someone.with.a.long.address@mail.example.org>: Recipient address rejected: User unknown in virtual mailbox table; see https://help.example.org/bounces';
    const chased = reportText({
      ...(await withDiscussions()),
      chase: {
        days: 0,
        people: [{ name: 'Someone With A Long Name', email: 'someone.with.a.long.address@example.org', agencies, sent_at: 0, opened: false, viewed: false }],
        unreachable: [{ agency: 'police', name: 'Cumbria Constabulary', people: [{ name: 'Someone With A Long Name', email: 'someone.with.a.long.address@example.org', reason }] }],
      },
    });
    for (const line of chased.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
    // Wrapped, not cut: the whole reason and every agency are there once the line breaks are taken out.
    const joined = chased.replace(/\s+/g, '');
    expect(joined).toContain(reason.replace(/\s+/g, ''));
    for (const agency of agencies) expect(joined).toContain(agency);
    // The long name is wrapped in the table, not cut: every word of it is there.
    for (const word of longName.split(' ')) expect(text).toContain(word);
    expect(text).not.toContain('\u001b');
    // The totals line of the last table, as computed.
    expect(text).toMatch(/^All agencies\s+1\s+7\s+2\s+1\s+1\s+1$/m);
    expect(text).toMatch(/^All agencies\s+4\s+3\s+0\s+0\s+1$/m);
  });

  it('the terminal report gives the answers, actions, comment and follow-up in full under the agency, with the reader where tracking names one', async () => {
    const text = reportText(await withDiscussions());
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain('Cumbria Constabulary: 1 discussion Discussed 2026-05-10 by 7 people; recorded by Bea Jones, team manager');
    expect(flat).toContain('Chronologies were started too late; the team will start one at the first referral. Chronologies were');
    expect(flat).toContain('- Add the DASH checklist to the team induction pack (team manager, due 2026-06-01): done');
    expect(flat).toContain('- Audit ten cases for chronologies (practice lead, due 2026-07-01): overdue');
    expect(flat).toContain('Comment Shared at the Monday huddle.');
    expect(flat).toContain('What has changed since (answered 2026-08-20) Every new case now opens with a chronology.');
    const aggregate = reportText(await withDiscussions('aggregate')).replace(/\s+/g, ' ');
    expect(aggregate).toContain('Discussed 2026-05-10 by 7 people What are your key thoughts');
    expect(aggregate).not.toContain('Bea Jones');
  });

  it('the CSV keeps its old columns first, adds the new ones, and lists every answer with formula-like text neutralised', async () => {
    const csv = agencyCsv(await withDiscussions());
    const lines = csv.split('\n');
    expect(lines[0]).toBe(
      'agency,recipients,delivered,failed,bounced,opened,clicked,read web page,acknowledged,acknowledged %,shared with,suppressed,discussions,people in discussions,actions agreed,actions done,actions overdue,follow-ups,also on another agency list',
    );
    expect(lines).toContain('All agencies,4,3,0,0,0,0,0,1,33.3,5,1,1,7,2,1,1,1,2');
    expect(csv).toContain('agency,discussed on,people,reader,role,kind,question,text,owner,due,status');
    expect(csv).toContain(`Cumbria Constabulary,2026-05-10,7,Bea Jones,team manager,answer,How will you embed this learning and how will you know?,"'=HYPERLINK(""https://evil.example"") <script>alert(1)</script>"`);
    expect(csv).toContain('Cumbria Constabulary,2026-05-10,7,Bea Jones,team manager,action,,Audit ten cases for chronologies,practice lead,2026-07-01,overdue');
  });
});

describe('the dashboard', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    const handler = createDashboard(store, config, agencyNames, { tagsOf: (slug) => (slug === 'children-p' ? ['neglect', 'chronologies'] : []) });
    server = createServer((req, res) => void handler(req, res, new URL(req.url ?? '/', 'http://localhost')));
    origin = await listen(server);
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  const get = (path: string) => fetch(`${origin}${path}`, { redirect: 'manual' });

  it('a campaign page offers the briefing’s campaigns and the chase days as a form that needs no script', async () => {
    const html = await (await get(`/dashboard/${second.id}`)).text();
    const form = /<form[^>]*action="\/dashboard\/campaign"[\s\S]*?<\/form>/.exec(html)![0];
    expect(form).toContain('method="get"');
    expect([...form.matchAll(/<option value="(\d+)"( selected)?/g)].map((m) => [Number(m[1]), Boolean(m[2])])).toEqual([
      [second.id, true],
      [first.id, false],
    ]);
    expect(form).toMatch(/<input id="days" name="days" type="number" min="0"[^>]* value="14">/);
    expect(html).not.toContain('<script');
    // The chooser's answer lands on the campaign's own page.
    const chosen = await get(`/dashboard/campaign?id=${first.id}&days=0`);
    expect(chosen.status).toBe(303);
    expect(chosen.headers.get('location')).toBe(`/dashboard/${first.id}?days=0`);
    expect((await get('/dashboard/campaign?id=../../x')).status).toBe(400);
  });

  it('days=0 chases everyone delivered and not acknowledged; a garbled value means 14', async () => {
    const zero = await (await get(`/dashboard/${second.id}?days=0`)).text();
    expect(zero).toContain('Not acknowledged after 0 days: 2');
    expect(zero).toContain('value="0"');
    expect(zero).toContain('href="/dashboard/' + second.id + '/chase.csv?days=0"');
    const csv = await (await get(`/dashboard/${second.id}/chase.csv?days=0`)).text();
    expect(csv.trim().split('\n').slice(1).map((l) => l.split(',')[0])).toEqual(['Ann', 'Cal']);
    expect(await (await get(`/dashboard/${second.id}?days=-1`)).text()).toContain('Not acknowledged after 14 days: 0');
  });

  it('shows full agency names, escaped, with the new columns and the note on two lists', async () => {
    const html = await (await get(`/dashboard/${second.id}`)).text();
    expect(html).toContain(`<th scope="row">${longName}</th>`);
    expect(html).toContain(`aria-label="${longName}: 0 of 2 opened`);
    expect(html).not.toContain('…');
    expect(html).toContain('Odd &lt;b&gt;&quot;agency&quot;&lt;/b&gt; &amp;');
    expect(html).not.toContain('<b>"agency"');
    expect(html).not.toContain('\u001b');
    for (const head of ['Suppressed', 'Discussions', 'People in discussions', 'Actions agreed', 'Actions done', 'Actions overdue', 'Follow-ups']) expect(html).toContain(`<th scope="col">${head}</th>`);
    expect(html).toContain('2 people are on more than one agency');
    expect(html).toContain('What these figures can and cannot prove');
  });

  it('the printable view has the board’s name and no forms, links to act on, or chase list', async () => {
    const html = await (await get(`/dashboard/${second.id}?print=1&days=0`)).text();
    expect(html).toContain(`<header><p>${config.board.name}</p></header>`);
    expect(html).not.toContain('<form');
    expect(html).not.toContain('Not acknowledged after');
    expect(html).not.toContain('ann@example.org');
  });

  it('the period view rolls up every briefing in the chosen days, and refuses a day that is not one', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await get(`/dashboard/period?from=${today}&to=${today}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`Learning briefings, ${today} to ${today}`);
    expect(html).toContain('3 briefings sent; 7 messages delivered to 3 people; 1 acknowledged (14.3%)');
    expect(html).toContain(`<a href="/dashboard/${other.id}">Learning from adult-q</a>`);
    expect(html).toContain('Themes covered: chronologies (2), neglect (2)');
    expect(html).toContain(`<th scope="row">${longName}</th>`);
    expect(html).toMatch(/<input id="from" name="from" type="date" required value="\d{4}-\d{2}-\d{2}">/);
    const index = await (await get('/dashboard')).text();
    expect(index).toContain('action="/dashboard/period"');
    for (const bad of ['from=2026-02-30&to=2026-03-01', 'from=2026-13-01&to=2026-12-01', 'from=2026-01-01&to=2026-01-00', 'from=2026-04-01&to=2026-03-01', 'from=x&to=y', 'from=%3Cscript%3E&to=2026-01-01']) {
      const refused = await get(`/dashboard/period?${bad}`);
      expect(refused.status, bad).toBe(400);
      const text = await refused.text();
      expect(text).toContain('Give two days, the first not after the second.');
      expect(text).not.toContain('<script>');
    }
  });

  it('has no accessibility violations and no sideways scrolling of the page, on a phone and a desktop', async () => {
    const browser = await launchChromium();
    try {
      // With the chase list too: its addresses make the widest table.
      const report = { ...(await withDiscussions()), chase: (await campaignReport(store, second, { tracking: 'individual', agencyNames, chaseDays: 0 })).chase };
      const today = new Date().toISOString().slice(0, 10);
      const pages: [string, string | undefined][] = [
        ['campaign', campaignPage(config, report, 14)],
        ['printable', campaignPage(config, report, 14, { print: true })],
        ['period', periodPage(config, await periodReport(store, { from: today, to: today }, { tracking: 'individual', agencyNames }))],
        ['index', undefined],
      ];
      for (const width of [375, 1280]) {
        // axe is injected as a script, which the dashboard's own policy rightly forbids.
        const page = await browser.newPage({ viewport: { width, height: 900 }, bypassCSP: true });
        for (const [name, html] of pages) {
          if (html) await page.setContent(html);
          else await page.goto(`${origin}/dashboard`);
          expect(await axeViolations(page), `${name} at ${width}px`).toEqual([]);
          expect(await horizontalOverflow(page), `${name} at ${width}px`).toBeLessThanOrEqual(0);
          // Every table sits inside the page's column: a wide one scrolls within it, nothing is pushed sideways.
          const outside = await page.evaluate(() => [...document.querySelectorAll('.scroll')].filter((r) => (r.firstElementChild as HTMLElement).getBoundingClientRect().left < r.getBoundingClientRect().left - 0.5 || (r.firstElementChild as HTMLElement).getBoundingClientRect().left > r.getBoundingClientRect().left + 0.5).length);
          expect(outside, `${name} at ${width}px`).toBe(0);
        }
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});

describe('the board paper (report --pdf)', () => {
  it('is A4 with page numbers, and its text holds the board, the agencies, the figures and the discussion answers', async () => {
    const report = await withDiscussions();
    const { pdf, pages } = await printPaper(campaignPage(config, report, 14, { print: true }), { chromium: chromiumPath(), footer: `${config.board.name}: ${report.campaign.title}` });
    const file = join(dir, 'paper.pdf');
    writeFileSync(file, pdf);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info).toMatch(/^Page size:\s+59[45]\.\d+ x 84[12]\.\d+ pts \(A4\)/m);
    expect(info).toMatch(new RegExp(`^Pages:\\s+${pages}$`, 'm'));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    const flat = text.replace(/\s+/g, ' ');
    expect(flat).toContain(config.board.name);
    expect(flat).toContain(report.campaign.title);
    for (const word of longName.split(' ')) expect(flat).toContain(word);
    expect(flat).toContain('Cumbria Constabulary');
    expect(text).toMatch(/All agencies\s+4\s+3\s+0\s+0\s+1/);
    expect(text).toMatch(/All agencies\s+1\s+7\s+2\s+1\s+1\s+1/);
    expect(flat).toContain('What these figures can and cannot prove');
    expect(flat).toContain('A click is not reading');
    expect(flat).toContain('Every new case now opens with a chronology.');
    expect(flat).toContain('Audit ten cases for chronologies (practice lead, due 2026-07-01): overdue');
    expect(flat).toContain(`Page 1 of ${pages}`);
    expect(flat).toContain('3 of 4 messages delivered in 3 agencies; 1 acknowledged (33.3%); 1 team discussion with 7 people; 2 actions agreed, 1 done, 1 overdue.');
    expect(flat).not.toContain('ann@example.org');
  });

  it('a paper of many pages repeats the table headers on each page and keeps each row whole on one page', async () => {
    const report = await withDiscussions();
    const row = report.agencies[0]!;
    report.agencies = Array.from({ length: 60 }, (_, i) => ({ ...row, agency: `a${i}`, name: `Partner agency ${String(i + 1).padStart(2, '0')}`, recipients: 1000 + i }));
    const { pdf, pages } = await printPaper(campaignPage(config, report, 14, { print: true }), { chromium: chromiumPath(), footer: 'Board' });
    expect(pages).toBeGreaterThan(3);
    const file = join(dir, 'long.pdf');
    writeFileSync(file, pdf);
    const perPage = Array.from({ length: pages }, (_, i) => execFileSync('pdftotext', ['-layout', '-f', String(i + 1), '-l', String(i + 1), file, '-'], { encoding: 'utf8' }));
    // The Delivery table runs over a page break: its header is on both pages.
    const delivery = perPage.filter((t) => /Recipients\s+Delivered\s+Bounced/.test(t));
    expect(delivery.length).toBeGreaterThan(1);
    for (const t of delivery) expect(t).toMatch(/Agency\s+Recipients\s+Delivered\s+Bounced\s+Failed\s+Suppressed/);
    // Each agency's row in that table: its name and its recipients on one line of one page.
    for (let i = 0; i < 60; i++) {
      const name = `Partner agency ${String(i + 1).padStart(2, '0')}`;
      expect(perPage.filter((t) => new RegExp(`${name}\\s+${1000 + i}\\s`).test(t)).length, name).toBe(1);
    }
  });

  it('where Chromium is absent, says in one line how to install it', async () => {
    await expect(printPaper('<p>x</p>', { chromium: '/nonexistent/chromium', footer: '' })).rejects.toThrow(/^no Chromium at \/nonexistent\/chromium: install it \(apt-get install chromium\) or set CHROMIUM_PATH to one$/);
  });
});

describe('report on the command line', () => {
  let project: string;
  beforeAll(async () => {
    ({ dir: project } = await sentProject());
  });

  it('--pdf writes the board paper; the period has one too; without Chromium it says how to install it, once, and fails', async () => {
    const paper = join(project, 'paper.pdf');
    const run = await cli(project, ['report', 'children-p', '--pdf', paper]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^board paper written to .*paper\.pdf \(\d+ A4 pages?\)$/m);
    const text = execFileSync('pdftotext', [paper, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    expect(text).toContain('Cumbria Local Safeguarding Children Board');
    expect(text).toContain('NHS Cumbria Clinical Commissioning Group');
    const today = new Date().toISOString().slice(0, 10);
    const year = await cli(project, ['report', '--from', today, '--to', today, '--pdf', join(project, 'year.pdf')]);
    expect(year.code, year.stderr).toBe(0);
    expect(execFileSync('pdftotext', [join(project, 'year.pdf'), '-'], { encoding: 'utf8' })).toContain(`Learning briefings, ${today} to ${today}`);
    const none = await cli(project, ['report', 'children-p', '--pdf', join(project, 'none.pdf')], { CHROMIUM_PATH: '/nonexistent/chromium' });
    expect(none.code).toBe(1);
    expect(none.stderr).toBe('briefcast: no Chromium at /nonexistent/chromium: install it (apt-get install chromium) or set CHROMIUM_PATH to one\n');
    // A folder in the file's place: one line, and no half-written file left beside it.
    const folder = await cli(project, ['report', 'children-p', '--pdf', 'lists']);
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe('briefcast: --pdf lists: cannot write it: it is a folder, not a file\n');
    expect(readdirSync(project).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a period day that is not in the calendar is refused, not read as an empty year', async () => {
    const run = await cli(project, ['report', '--from', '2026-13-01', '--to', '2027-03-31']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('briefcast: --from and --to: both days, as YYYY-MM-DD (e.g. --from 2026-04-01 --to 2027-03-31)\n');
  });

  it('--campaign shows the one asked for, and a wrong one is refused in one line naming the briefing’s campaigns', async () => {
    expect((await cli(project, ['report', 'children-p', '--campaign', '1'])).stdout).toContain('Campaign 1, sent');
    for (const [value, message] of [
      ['9', 'briefcast: --campaign 9: not a campaign of "children-p" (its campaigns: 1)'],
      ['1x', "briefcast: --campaign 1x: expected a campaign number (children-p's: 1)"],
    ]) {
      const run = await cli(project, ['report', 'children-p', '--campaign', value!]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`${message}\n`);
    }
  });
});
