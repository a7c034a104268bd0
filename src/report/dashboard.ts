import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Config } from '../config/index.js';
import { escapeHtml as e } from '../render/index.js';
import type { Store } from '../store/index.js';
import { campaignReport, type AgencyFigures, type Report } from './figures.js';
import { chaseCsv } from './format.js';

const measures: [keyof AgencyFigures, string, string][] = [
  ['opened', 'opened', '#8c9bab'],
  ['viewed', 'read the web page', '#4a6b8a'],
  ['acknowledged', 'acknowledged', '#1d3b2a'],
];

/** Per-agency bars as inline SVG: no script, no request to another host, prints as drawn. */
function chart(report: Report): string {
  const rows = report.agencies;
  const labelWidth = 260;
  const barWidth = 360;
  const rowHeight = 18;
  const groupHeight = measures.length * rowHeight + 14;
  const height = rows.length * groupHeight + 30;
  const parts: string[] = [];
  rows.forEach((a, i) => {
    const y = i * groupHeight;
    parts.push(`<text x="0" y="${y + rowHeight}" font-size="13">${e(a.name.length > 38 ? a.name.slice(0, 37) + '…' : a.name)}</text>`);
    measures.forEach(([key, label, colour], j) => {
      const value = Number(a[key]);
      const pct = a.delivered ? value / a.delivered : 0;
      const w = Math.round(Math.min(1, pct) * barWidth);
      const by = y + j * rowHeight + 4;
      parts.push(
        `<rect x="${labelWidth}" y="${by}" width="${w}" height="${rowHeight - 5}" fill="${colour}"><title>${e(a.name)}: ${value} of ${a.delivered} ${label}</title></rect>`,
        `<text x="${labelWidth + w + 6}" y="${by + rowHeight - 7}" font-size="12">${Math.round(pct * 100)}% ${label}</text>`,
      );
    });
  });
  const legend = measures.map(([, label, colour], j) => `<rect x="${labelWidth + j * 150}" y="${height - 16}" width="12" height="12" fill="${colour}"/><text x="${labelWidth + j * 150 + 16}" y="${height - 6}" font-size="12">${label}</text>`).join('');
  return `<svg role="img" aria-labelledby="chart-title" viewBox="0 0 ${labelWidth + barWidth + 160} ${height}" width="100%" style="max-width:${labelWidth + barWidth + 160}px">
<title id="chart-title">Share of delivered messages opened, read on the web and acknowledged, per agency</title>${parts.join('')}${legend}</svg>`;
}

function figuresTable(report: Report): string {
  const head = ['Agency', 'Recipients', 'Delivered', 'Failed', 'Bounced', 'Opened', 'Clicked', 'Read web page', 'Acknowledged', 'Acknowledged %', 'Shared with'];
  const line = (a: AgencyFigures, th = false) =>
    `<tr>${th ? `<th scope="row">${e(a.name)}</th>` : `<td>${e(a.name)}</td>`}${[a.recipients, a.delivered, a.failed, a.bounced, a.opened, a.clicked, a.viewed, a.acknowledged, `${a.acknowledged_pct}%`, a.shared].map((v) => `<td>${v}</td>`).join('')}</tr>`;
  return `<table><caption>Engagement per agency${report.counts_people ? '' : ' (opened, clicked and read count events: tracking is aggregate)'}</caption>
<thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead>
<tbody>${report.agencies.map((a) => line(a, true)).join('')}</tbody>
<tfoot>${line(report.total, true)}</tfoot></table>`;
}

function page(config: Config, title: string, body: string): string {
  return `<!doctype html>
<html lang="${e(config.language)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${e(title)} – briefcast dashboard</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Arial, sans-serif; margin: 0; color: #1a1a1a; line-height: 1.5; }
header { background: ${config.board.colour}; color: #fff; padding: .6rem 1rem; }
header a { color: #fff; }
main { max-width: 64rem; margin: 0 auto; padding: 1rem; }
table { border-collapse: collapse; margin: 1rem 0; width: 100%; font-size: .95rem; }
caption { text-align: left; font-weight: bold; margin-bottom: .4rem; }
th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
tfoot th, tfoot td { font-weight: bold; background: #f2f2f2; }
.note { color: #4d4d4d; }
@media print { header, .noprint { display: none; } main { max-width: none; padding: 0; } body { font-size: 10pt; } a { color: #000; text-decoration: none; } }
</style></head>
<body><header><a href="/dashboard">${e(config.board.short_name)} briefings: engagement</a></header>
<main>${body}</main></body></html>`;
}

export function dashboardPage(config: Config, report: Report, chaseDays: number): string {
  const c = report.campaign;
  const links = report.links.length
    ? `<table><caption>Clicks per lesson and link (machines apart)</caption><thead><tr><th scope="col">Link</th><th scope="col">Lesson</th><th scope="col">People</th><th scope="col">Clicks</th><th scope="col">Machine</th></tr></thead><tbody>${report.links
        .map((l) => `<tr><td>${e(l.text || l.url)}</td><td>${l.lesson ?? ''}</td><td>${l.people ?? ''}</td><td>${l.clicks}</td><td>${l.machine}</td></tr>`)
        .join('')}</tbody></table>`
    : '';
  const machine = report.machine.length
    ? `<table><caption>Machine events: mail scanners and privacy proxies (shown apart, not counted as reading)</caption><thead><tr><th scope="col">Kind</th><th scope="col">Reason</th><th scope="col">Events</th></tr></thead><tbody>${report.machine
        .map((m) => `<tr><td>${e(m.kind)}</td><td>${e(m.reason)}</td><td>${m.events}</td></tr>`)
        .join('')}</tbody></table>`
    : '<p class="note">No machine events.</p>';
  const chase = report.chase
    ? `<h2>Not acknowledged after ${report.chase.days} days: ${report.chase.people.length}</h2>
<p class="noprint"><a href="/dashboard/${c.id}/chase.csv?days=${chaseDays}">Download the chase list (CSV)</a></p>
${report.chase.people.length ? `<table><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Agencies</th><th scope="col">Opened</th><th scope="col">Read</th></tr></thead><tbody>${report.chase.people.map((p) => `<tr><td>${e(p.name)}</td><td>${e(p.email)}</td><td>${e(p.agencies.join(', '))}</td><td>${p.opened ? 'yes' : 'no'}</td><td>${p.viewed ? 'yes' : 'no'}</td></tr>`).join('')}</tbody></table>` : ''}${report.chase.unreachable
        .map(
          (u) =>
            `<h3>Unreachable addresses at ${e(u.name)}: ${u.people.length}</h3><table><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Why the message bounced</th></tr></thead><tbody>${u.people.map((p) => `<tr><td>${e(p.name)}</td><td>${e(p.email)}</td><td>${e(p.reason)}</td></tr>`).join('')}</tbody></table>`,
        )
        .join('')}`
    : '<p class="note">No chase list: tracking is not individual.</p>';
  return page(
    config,
    c.title,
    `<h1>${e(c.title)}</h1>
<p>Campaign ${c.id}, ${e(c.state)}, sent ${e(c.created.slice(0, 10))}${c.reminders.length ? `; reminders: ${c.reminders.join(', ')}` : ''}. Report made ${new Date().toISOString().slice(0, 10)}.</p>
<p class="noprint"><a href="?print=1&amp;days=${chaseDays}">Printable view</a> · <a href="/dashboard">All campaigns</a></p>
${chart(report)}
${figuresTable(report)}
${links}
<p>Public web page: ${report.page_views.human} anonymous views (${report.page_views.machine} by machines), counted without cookies or identity.</p>
${machine}
${chase}`,
  );
}

/** The dashboard's routes, handed to the tracking server by the command line. */
export function createDashboard(store: Store, config: Config, agencyNames: ReadonlyMap<string, string>) {
  return async (_req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const send = (status: number, type: string, body: string) => {
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.setHeader('Cache-Control', 'no-store');
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      res.end(body);
    };
    // 0 is a real choice (everyone who has not acknowledged yet); only a missing or garbled value means 14.
    const asked = url.searchParams.get('days') ?? '';
    const days = /^\d{1,4}$/.test(asked) ? Math.min(3650, Number(asked)) : 14;
    const m = /^\/dashboard\/(\d{1,9})(\/chase\.csv)?$/.exec(url.pathname);
    if (url.pathname === '/dashboard' || url.pathname === '/dashboard/') {
      const rows: string[] = [];
      for (const c of (await store.campaigns()).filter((c) => c.kind === 'briefing').reverse()) {
        const r = await campaignReport(store, c, { tracking: config.tracking, agencyNames });
        rows.push(`<tr><td><a href="/dashboard/${c.id}">${e(c.title)}</a></td><td>${e(c.created_at ? new Date(c.created_at).toISOString().slice(0, 10) : '')}</td><td>${r.total.delivered}</td><td>${r.total.acknowledged}</td><td>${r.total.acknowledged_pct}%</td></tr>`);
      }
      return send(
        200,
        'text/html; charset=utf-8',
        page(config, 'Campaigns', `<h1>Campaigns</h1>${rows.length ? `<table><thead><tr><th scope="col">Briefing</th><th scope="col">Sent</th><th scope="col">Delivered</th><th scope="col">Acknowledged</th><th scope="col">%</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p>No campaigns yet.</p>'}`),
      );
    }
    if (!m) return send(404, 'text/plain; charset=utf-8', 'Not found\n');
    const campaign = await store.campaign(Number(m[1]));
    if (!campaign) return send(404, 'text/plain; charset=utf-8', 'Not found\n');
    const report = await campaignReport(store, campaign, { tracking: config.tracking, agencyNames, chaseDays: days });
    if (m[2]) {
      res.setHeader('Content-Disposition', `attachment; filename="chase-${campaign.slug}-${days}d.csv"`);
      return send(200, 'text/csv; charset=utf-8', chaseCsv(report));
    }
    return send(200, 'text/html; charset=utf-8', dashboardPage(config, report, days));
  };
}
