import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.js';
import { printable } from '../problem.js';
import { escapeHtml } from '../render/index.js';
import type { Store } from '../store/index.js';
import { campaignReport, type AgencyFigures, type Report } from './figures.js';
import { actionStatus, agencyGroups, campaignLine, chaseCsv, readerLabel, twoListsNote } from './format.js';
import { periodReport, type PeriodReport } from './period.js';
import { isoDay } from '../days.js';

/** Escaped, and cleaned of control characters no page should hold (a name pasted from a terminal). */
const e = (text: string) => escapeHtml(printable(text));

/** What the chart needs of a row: a campaign's agency and a period's agency alike. */
type ChartRow = Pick<AgencyFigures, 'name' | 'delivered' | 'opened' | 'viewed' | 'acknowledged'>;

const measures: [keyof ChartRow, string, string][] = [
  ['opened', 'opened', '#8c9bab'],
  ['viewed', 'read the web page', '#4a6b8a'],
  ['acknowledged', 'acknowledged', '#1d3b2a'],
];

/**
 * Per-agency bars as inline SVG, one small chart per agency: no script, no request to another
 * host, prints as drawn, and a page break falls between agencies, never through one. The
 * agency's full name sits above its bars as text of the page, which wraps where an SVG cannot
 * measure (a name in capitals, or a word longer than the line, ran out of the chart).
 */
function chart(rows: readonly ChartRow[]): string {
  const width = 440;
  const barWidth = 250;
  const rowHeight = 22;
  const charts = rows.map((a) => {
    const parts: string[] = [];
    let y = 0;
    const said: string[] = [];
    for (const [key, label, colour] of measures) {
      const value = a[key] as number;
      const pct = a.delivered ? value / a.delivered : 0;
      const w = Math.round(Math.min(1, pct) * barWidth);
      said.push(`${value} of ${a.delivered} ${label}`);
      parts.push(
        `<rect x="0" y="${y + 3}" width="${barWidth}" height="${rowHeight - 7}" fill="#e6e9ed"/>`,
        `<rect x="0" y="${y + 3}" width="${w}" height="${rowHeight - 7}" fill="${colour}"/>`,
        `<text x="${barWidth + 8}" y="${y + rowHeight - 6}" font-size="16">${Math.round(pct * 100)}% ${label}</text>`,
      );
      y += rowHeight;
    }
    return `<figure><figcaption>${e(a.name)}</figcaption><svg role="img" aria-label="${e(`${a.name}: ${said.join(', ')}`)}" viewBox="0 0 ${width} ${y + 6}" width="100%">${parts.join('')}</svg></figure>`;
  });
  return `<div class="charts">${charts.join('\n')}</div><p class="note">Each bar: the share of the messages delivered to the agency that were opened, read on the web or acknowledged.</p>`;
}

/** A table that scrolls on its own on a narrow screen; the region can be reached with the keyboard to scroll it. */
function scrolling(id: string, caption: string, head: string[], body: string, foot = '', kind = ''): string {
  return `<div class="scroll" role="region" aria-labelledby="${id}" tabindex="0"><table${kind ? ` class="${kind}"` : ''}><caption id="${id}">${caption}</caption>
<thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>
<tbody>${body}</tbody>${foot ? `<tfoot>${foot}</tfoot>` : ''}</table></div>`;
}

function figuresTables(report: Report): string {
  return agencyGroups
    .map((group, i) => {
      const row = (a: AgencyFigures) => `<tr><th scope="row">${e(a.name)}</th>${group.columns.map((c) => `<td>${a[c.key]}${c.key === 'acknowledged_pct' ? '%' : ''}</td>`).join('')}</tr>`;
      const caption = `${e(group.title)}${i === 1 && !report.counts_people ? ' (opened, clicked and read count events: tracking is aggregate)' : ''}`;
      return scrolling(`figures-${i}`, caption, ['Agency', ...group.columns.map((c) => e(c.head[0]!.toUpperCase() + c.head.slice(1)))], report.agencies.map(row).join(''), row(report.total), 'figures');
    })
    .join('\n');
}

/** What opens and clicks can and cannot prove, in the words a board member needs. */
const evidenceNote = `<section class="evidence" aria-labelledby="evidence-title"><h2 id="evidence-title">What these figures can and cannot prove</h2>
<p><strong>Opens</strong> are counted when a mail client loads a hidden image. Many clients block it, so some people read without being counted; mail scanners and privacy proxies load it without anyone reading, and those are shown apart as machine events. An open shows the message arrived, not that anyone read it.</p>
<p><strong>Clicks</strong> show that someone followed a link. A click is not reading: scanners follow links too, and a reader can open the page and move on.</p>
<p><strong>Acknowledgements and discussions</strong> are what teams tell us: that they read the briefing, talked about it, and what they agreed to do. They are the board's evidence that learning reached practice, as good as the teams' own account.</p></section>`;

function discussionsHtml(report: Report): string {
  const groups = report.discussions.filter((g) => g.records.length);
  const head = `<h2 id="discussions">What teams recorded</h2>`;
  if (!groups.length) return `${head}<p>${report.tracking === 'off' ? 'Tracking is off: there is no discussion form.' : 'No team has recorded a discussion yet.'}</p>`;
  return (
    head +
    groups
      .map((g) => {
        const records = g.records.map((d) => {
          const who = readerLabel(d);
          const answers = d.answers.map((a) => `<dt>${e(a.question)}</dt><dd>${e(a.answer)}</dd>`).join('');
          const actions = d.actions.length
            ? `<p class="label">Agreed actions</p><ul>${d.actions.map((a) => `<li>${e(a.text)}${a.owner || a.due ? ` <span class="note">(${e([a.owner, a.due && `due ${a.due}`].filter(Boolean).join(', '))})</span>` : ''}: <strong class="status-${actionStatus(a).replace(' ', '-')}">${actionStatus(a)}</strong></li>`).join('')}</ul>`
            : '';
          return `<article class="record"><h4>Discussed ${e(d.discussed_on)}${d.people ? ` by ${d.people} ${d.people === 1 ? 'person' : 'people'}` : ''}${who ? `; recorded by ${e(who)}` : ''}</h4>
${answers ? `<dl>${answers}</dl>` : ''}${actions}${d.comment ? `<p class="label">Comment</p><p class="text">${e(d.comment)}</p>` : ''}${d.follow_up ? `<p class="label">What has changed since (answered ${e(d.follow_up.answered_on)})</p><p class="text">${e(d.follow_up.answer)}</p>` : ''}</article>`;
        });
        return `<section class="agency"><h3>${e(g.name)}: ${g.records.length} discussion${g.records.length === 1 ? '' : 's'}</h3>${records.join('')}</section>`;
      })
      .join('')
  );
}

export interface PageOptions {
  /** The printable view (and the board paper): no forms or links, the chase list left out. */
  print?: boolean;
  /** The day the report was made, YYYY-MM-DD. */
  today?: string;
}

function page(config: Config, title: string, body: string, options: PageOptions): string {
  return `<!doctype html>
<html lang="${e(config.language)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${e(title)} – ${e(config.board.name)}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 0; color: #1a1a1a; line-height: 1.5; }
header { background: ${config.board.colour}; color: #fff; padding: .6rem 1rem; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
header p { margin: 0; font-weight: bold; font-size: 1.1rem; }
header a { color: #fff; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
h1 { line-height: 1.2; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(22rem, 100%), 1fr)); gap: 1rem 2rem; }
.charts figure { margin: 0; }
.charts figcaption { font-weight: bold; font-size: 1.05rem; line-height: 1.25; margin-bottom: .2rem; }
.charts svg { display: block; max-width: 30rem; }
/* A word longer than its line (a link pasted into an answer, a name with no spaces) breaks rather than running off the page. */
main { overflow-wrap: anywhere; }
table { overflow-wrap: normal; }
th:first-child, td:first-child, .words :is(th, td) { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; margin: 1rem 0; }
.scroll:focus { outline: 2px solid ${config.board.colour}; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: bold; margin-bottom: .4rem; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; min-width: 8rem; }
.figures th:first-child { width: 34%; }
.words th, .words td, .machine :is(th, td):nth-child(2), .briefings :is(th, td):is(:nth-child(2), :last-child) { text-align: left; }
@media (max-width: 40rem) { table { font-size: .85rem; } th, td { padding: .25rem .3rem; } }
tbody th { font-weight: normal; }
tfoot th, tfoot td { font-weight: bold; background: #f2f2f2; }
.note { color: #4d4d4d; }
.summary { font-size: 1.1rem; font-weight: bold; }
form { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: end; margin: 1rem 0; padding: .8rem; background: #f4f4f4; }
form label { display: flex; flex-direction: column; font-weight: bold; }
input, select, button { font: inherit; padding: .3rem; }
input[type=number] { width: 6rem; }
button { background: ${config.board.colour}; color: #fff; border: 0; padding: .4rem 1rem; }
.evidence { border-left: 4px solid ${config.board.colour}; padding: 0 1rem; margin: 1.5rem 0; background: #fafafa; }
.record { border-top: 1px solid #ccc; padding: .5rem 0; }
.record h4 { margin: .2rem 0; }
dt, .label { font-weight: bold; margin: .5rem 0 0; }
dd { margin: 0 0 .3rem 1rem; white-space: pre-line; }
.text { white-space: pre-line; margin: 0 0 .3rem 1rem; }
.status-overdue { color: #a4000f; }
@page { size: A4; }
@media print {
  .noprint { display: none; }
  main { max-width: none; padding: 0 0 0 0; }
  body { font-size: 10pt; }
  a { color: #000; text-decoration: none; }
  .scroll { overflow: visible; }
  table { font-size: 9pt; }
  thead { display: table-header-group; }
  tfoot { display: table-row-group; }
  .figures { break-inside: avoid; }
  .charts { grid-template-columns: 1fr 1fr; gap: .4rem 1.5rem; }
  tr, .record h4, dt, dd, li, .charts figure, .evidence { break-inside: avoid; }
  h1, h2, h3, h4, caption, .label, dt { break-after: avoid; }
}
</style></head>
<body><header><p>${e(config.board.name)}</p>${options.print ? '' : `<a class="noprint" href="/dashboard">Briefings: engagement and evidence</a>`}</header>
<main>${body}</main></body></html>`;
}

function chooser(report: Report, days: number): string {
  const campaigns = [{ id: report.campaign.id, created: report.campaign.created, state: report.campaign.state }, ...report.other_campaigns].sort((a, b) => b.created.localeCompare(a.created) || b.id - a.id);
  return `<form class="noprint" method="get" action="/dashboard/campaign">
<label for="campaign">Campaign of this briefing <select id="campaign" name="id">${campaigns.map((c) => `<option value="${c.id}"${c.id === report.campaign.id ? ' selected' : ''}>${c.id}: sent ${e(c.created.slice(0, 10))}, ${e(c.state)}</option>`).join('')}</select></label>
<label for="days">Chase those who have not acknowledged after (days) <input id="days" name="days" type="number" min="0" max="3650" step="1" value="${days}"></label>
<button type="submit">Show</button></form>`;
}

function chaseHtml(report: Report, days: number): string {
  const c = report.campaign;
  if (!report.chase) return '<p class="note">No chase list: tracking is not individual.</p>';
  const people = report.chase.people.length
    ? scrolling('chase', 'People to chase', ['Name', 'Email', 'Agencies', 'Opened', 'Read'], report.chase.people.map((p) => `<tr><td>${e(p.name)}</td><td>${e(p.email)}</td><td>${e(p.agencies.join(', '))}</td><td>${p.opened ? 'yes' : 'no'}</td><td>${p.viewed ? 'yes' : 'no'}</td></tr>`).join(''), '', 'words')
    : '';
  const unreachable = report.chase.unreachable
    .map((u, i) => `<h3>Unreachable addresses at ${e(u.name)}: ${u.people.length}</h3>${scrolling(`unreachable-${i}`, `Bounced at ${e(u.name)}`, ['Name', 'Email', 'Why the message bounced'], u.people.map((p) => `<tr><td>${e(p.name)}</td><td>${e(p.email)}</td><td>${e(p.reason)}</td></tr>`).join(''), '', 'words')}`)
    .join('');
  return `<h2>Not acknowledged after ${report.chase.days} ${report.chase.days === 1 ? 'day' : 'days'}: ${report.chase.people.length}</h2>
<p><a href="/dashboard/${c.id}/chase.csv?days=${days}">Download the chase list (CSV)</a></p>${people}${unreachable}`;
}

/** The paper's opening line: what the board would ask first. */
function summary(report: Report): string {
  const t = report.total;
  const n = report.agencies.length;
  const parts = [`${t.delivered} of ${t.recipients} messages delivered in ${n} ${n === 1 ? 'agency' : 'agencies'}`];
  if (report.tracking !== 'off') parts.push(`${t.acknowledged} acknowledged (${t.acknowledged_pct}%)`);
  if (t.discussions) parts.push(`${t.discussions} team discussion${t.discussions === 1 ? '' : 's'} with ${t.discussion_people} people`);
  if (t.actions_agreed) parts.push(`${t.actions_agreed} action${t.actions_agreed === 1 ? '' : 's'} agreed, ${t.actions_done} done, ${t.actions_overdue} overdue`);
  return `${parts.join('; ')}.`;
}

/** One campaign: the dashboard's page, and (print) the board paper printed from it. */
export function campaignPage(config: Config, report: Report, days: number, options: PageOptions = {}): string {
  const c = report.campaign;
  const today = options.today ?? isoDay(Date.now());
  const others = report.other_campaigns.length ? `<p class="note">This briefing was also sent as campaign ${report.other_campaigns.map((o) => `${o.id} (${e(o.created.slice(0, 10))})`).join(', ')}.</p>` : '';
  const links = report.links.length
    ? scrolling('links', 'Clicks per lesson and link (machines apart; people counts each reader once)', ['Link', 'Lesson', 'People', 'Clicks', 'Machine'], report.links.map((l) => `<tr><td>${e(l.text || l.url)}</td><td>${l.lesson ?? ''}</td><td>${l.people ?? ''}</td><td>${l.clicks}</td><td>${l.machine}</td></tr>`).join(''))
    : '';
  const machine = report.machine.length
    ? scrolling('machine', 'Machine events: mail scanners and privacy proxies (shown apart, not counted as reading)', ['Kind', 'Reason', 'Events'], report.machine.map((m) => `<tr><td>${e(m.kind)}</td><td>${e(m.reason)}</td><td>${m.events}</td></tr>`).join(''), '', 'machine')
    : '<p class="note">No machine events.</p>';
  const note = twoListsNote(report);
  return page(
    config,
    c.title,
    `<h1>${e(c.title)}</h1>
<p>${e(campaignLine(report))}. Report made ${e(today)}.</p>
<p class="summary">${e(summary(report))}${report.tracking === 'aggregate' ? ' Tracking is aggregate: opened, clicked and read count events, not people.' : report.tracking === 'off' ? ' Tracking is off: only delivery figures are known.' : ''}</p>
${others}${options.print ? '' : `${chooser(report, days)}<p class="noprint"><a href="/dashboard/${c.id}?print=1&amp;days=${days}">Printable view</a> · <a href="/dashboard">All campaigns and periods</a></p>`}
<h2>Reach and acknowledgement per agency</h2>
${chart(report.agencies)}
<h2>Figures per agency</h2>
${figuresTables(report)}
${note ? `<p class="note">${e(note)}</p>` : ''}
${evidenceNote}
${discussionsHtml(report)}
<h2>Links and machines</h2>
${links}
<p>Public web page: ${report.page_views.human} anonymous views (${report.page_views.machine} by machines), counted without cookies or identity.</p>
${machine}
${options.print ? '' : chaseHtml(report, days)}`,
    options,
  );
}

function periodForm(from = '', to = ''): string {
  return `<form class="noprint" method="get" action="/dashboard/period">
<label for="from">From <input id="from" name="from" type="date" required value="${e(from)}"></label>
<label for="to">To <input id="to" name="to" type="date" required value="${e(to)}"></label>
<button type="submit">Show the period</button></form>`;
}

/** Every briefing sent in a period, for the board's yearly report: the page, and the paper printed from it. */
export function periodPage(config: Config, report: PeriodReport, options: PageOptions = {}): string {
  const t = report.total;
  const today = options.today ?? isoDay(Date.now());
  const agencies = scrolling(
    'period-agencies',
    'Per agency',
    ['Agency', 'Briefings', 'Delivered', 'Opened', 'Read web page', 'Acknowledged', 'Acknowledged %'],
    report.agencies.map((a) => `<tr><th scope="row">${e(a.name)}</th><td>${a.briefings}</td><td>${a.delivered}</td><td>${a.opened}</td><td>${a.viewed}</td><td>${a.acknowledged}</td><td>${a.acknowledged_pct}%</td></tr>`).join(''),
  );
  const briefings = scrolling(
    'period-briefings',
    'Per briefing',
    ['Sent', 'Briefing', 'Delivered', 'Opened', 'Read web page', 'Acknowledged', 'Acknowledged %', 'Themes'],
    report.briefings
      .map((b) => `<tr><td>${e(b.sent)}</td><td>${options.print ? e(b.title) : `<a href="/dashboard/${b.campaign}">${e(b.title)}</a>`}</td><td>${b.delivered}</td><td>${b.opened}</td><td>${b.viewed}</td><td>${b.acknowledged}</td><td>${b.acknowledged_pct}%</td><td>${e(b.tags.join(', '))}</td></tr>`)
      .join(''),
    '',
    'briefings',
  );
  const body = report.briefings.length
    ? `<h2>Reach and acknowledgement per agency</h2>${chart(report.agencies)}<h2>Figures</h2>${agencies}${briefings}${report.themes.length ? `<p>Themes covered: ${report.themes.map((x) => `${e(x.tag)} (${x.briefings})`).join(', ')}</p>` : ''}${evidenceNote}`
    : '<p>No briefing was sent in this period.</p>';
  return page(
    config,
    `Learning briefings ${report.from} to ${report.to}`,
    `<h1>Learning briefings, ${e(report.from)} to ${e(report.to)}</h1>
<p>${t.briefings} briefing${t.briefings === 1 ? '' : 's'} sent; ${t.delivered} messages delivered to ${t.people_reached} people; ${t.acknowledged} acknowledged (${t.acknowledged_pct}%). Report made ${e(today)}.</p>
${options.print ? '' : `${periodForm(report.from, report.to)}<p class="noprint"><a href="/dashboard/period?from=${e(report.from)}&amp;to=${e(report.to)}&amp;print=1">Printable view</a> · <a href="/dashboard">All campaigns and periods</a></p>`}
${body}`,
    options,
  );
}

const day = /^\d{4}-\d{2}-\d{2}$/;
/** A day that is in the calendar: not 2026-02-30 (which Date rolls over) nor 2026-13-01 (which it refuses). */
export function realDay(text: string): boolean {
  const at = Date.parse(`${text}T00:00:00Z`);
  return day.test(text) && !Number.isNaN(at) && isoDay(at) === text;
}

/** The dashboard's routes, handed to the tracking server by the command line. */
export function createDashboard(store: Store, config: Config, agencyNames: ReadonlyMap<string, string>, settings: { tagsOf?: (slug: string) => string[] } = {}) {
  return async (_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const send = (status: number, type: string, body: string) => {
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      res.end(body);
    };
    const html = (status: number, body: string) => send(status, 'text/html; charset=utf-8', body);
    // 0 is a real choice (everyone who has not acknowledged yet); only a missing or garbled value means 14.
    const asked = url.searchParams.get('days') ?? '';
    const days = /^\d{1,4}$/.test(asked) ? Math.min(3650, Number(asked)) : 14;
    const print = url.searchParams.get('print') === '1';
    if (url.pathname === '/dashboard' || url.pathname === '/dashboard/') {
      const rows: string[] = [];
      for (const c of (await store.campaigns()).filter((c) => c.kind === 'briefing').reverse()) {
        const r = await campaignReport(store, c, { tracking: config.tracking, agencyNames });
        rows.push(`<tr><td><a href="/dashboard/${c.id}">${e(c.title)}</a></td><td>${c.id}</td><td>${e(isoDay(c.created_at))}</td><td>${r.total.delivered}</td><td>${r.total.acknowledged}</td><td>${r.total.acknowledged_pct}%</td></tr>`);
      }
      // The board's year runs April to March: offer the one under way.
      const now = new Date();
      const year = now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
      return html(
        200,
        page(
          config,
          'Briefings',
          `<h1>Briefings: engagement and evidence</h1>
<h2>A period, for the yearly report</h2>${periodForm(`${year}-04-01`, `${year + 1}-03-31`)}
<h2>Campaigns</h2>${rows.length ? scrolling('campaigns', 'Every campaign, newest first', ['Briefing', 'Campaign', 'Sent', 'Delivered', 'Acknowledged', '%'], rows.join('')) : '<p>No campaigns yet.</p>'}`,
          {},
        ),
      );
    }
    if (url.pathname === '/dashboard/campaign') {
      const id = url.searchParams.get('id') ?? '';
      if (!/^\d{1,9}$/.test(id)) return send(400, 'text/plain; charset=utf-8', 'Choose a campaign\n');
      res.setHeader('Location', `/dashboard/${Number(id)}?days=${days}`);
      return send(303, 'text/plain; charset=utf-8', '');
    }
    if (url.pathname === '/dashboard/period') {
      const from = url.searchParams.get('from') ?? '';
      const to = url.searchParams.get('to') ?? '';
      if (!realDay(from) || !realDay(to) || from > to) {
        return html(400, page(config, 'Choose a period', `<h1>Choose a period</h1><p role="alert">Give two days, the first not after the second.</p>${periodForm(realDay(from) ? from : '', realDay(to) ? to : '')}`, {}));
      }
      const report = await periodReport(store, { from, to }, { tracking: config.tracking, agencyNames, tagsOf: settings.tagsOf });
      return html(200, periodPage(config, report, { print }));
    }
    const m = /^\/dashboard\/(\d{1,9})(\/chase\.csv)?$/.exec(url.pathname);
    if (!m) return send(404, 'text/plain; charset=utf-8', 'Not found\n');
    const campaign = await store.campaign(Number(m[1]));
    if (!campaign) return send(404, 'text/plain; charset=utf-8', 'Not found\n');
    const report = await campaignReport(store, campaign, { tracking: config.tracking, agencyNames, chaseDays: days });
    if (m[2]) {
      res.setHeader('Content-Disposition', `attachment; filename="chase-${campaign.slug}-${days}d.csv"`);
      return send(200, 'text/csv; charset=utf-8', chaseCsv(report));
    }
    return html(200, campaignPage(config, report, days, { print }));
  };
}
