import { stringify } from 'csv-stringify/sync';
import { printable } from '../problem.js';
import type { AgencyFigures, Report } from './figures.js';
import type { AgencyInPeriod, BriefingInPeriod, PeriodReport } from './period.js';

const columns: [keyof AgencyFigures, string][] = [
  ['name', 'agency'],
  ['recipients', 'recipients'],
  ['delivered', 'delivered'],
  ['failed', 'failed'],
  ['bounced', 'bounced'],
  ['opened', 'opened'],
  ['clicked', 'clicked'],
  ['viewed', 'read web page'],
  ['acknowledged', 'acknowledged'],
  ['acknowledged_pct', 'acknowledged %'],
  ['shared', 'shared with'],
];

/**
 * OWASP's rule for CSV injection: a cell a spreadsheet would read as a formula (= + - @, tab or
 * CR first) gets a leading apostrophe, so a name like =HYPERLINK(…) stays text.
 */
export function csvCell(value: unknown): string {
  const text = value === undefined || value === null ? '' : String(value);
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Numbers stay numbers (-1 is not a formula); every text cell is neutralised. */
export function csv(rows: unknown[][]): string {
  return stringify(rows.map((row) => row.map((c) => (typeof c === 'number' ? c : csvCell(c)))));
}


export function agencyCsv(report: Report): string {
  return csv([columns.map(([, h]) => h), ...[...report.agencies, report.total].map((a) => columns.map(([k]) => a[k]))]);
}

export function chaseCsv(report: Report): string {
  const people = report.chase?.people ?? [];
  return csv([
    ['name', 'email', 'agencies', 'sent', 'opened', 'read web page'],
    ...people.map((p) => [p.name, p.email, p.agencies.join(' '), p.sent_at ? new Date(p.sent_at).toISOString().slice(0, 10) : '', p.opened ? 'yes' : 'no', p.viewed ? 'yes' : 'no']),
  ]);
}

/** A fixed-width table for the terminal. */
export function table(cells: (string | number)[][]): string {
  const rows = cells.map((r) => r.map((c) => (typeof c === 'number' ? c : printable(c))));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The report as a board member reads it in a terminal. */
export function reportText(report: Report): string {
  const c = report.campaign;
  const out: string[] = [];
  out.push(`"${printable(c.title)}": campaign ${c.id} (${c.state}), sent ${c.created.slice(0, 10)}${c.reminders.length ? `, reminders: ${c.reminders.join(', ')}` : ''}`);
  if (report.tracking === 'off') out.push('tracking is off: only delivery figures are known');
  if (report.tracking === 'aggregate') out.push('tracking is aggregate: opened, clicked and read count events, not people');
  out.push('');
  out.push(table([columns.map(([, h]) => h), ...[...report.agencies, report.total].map((a) => columns.map(([k]) => a[k]))]));
  if (report.links.length) {
    out.push('', 'Clicks per link (machines apart)');
    out.push(table([['#', 'link', 'lesson', 'people', 'clicks', 'machine'], ...report.links.map((l) => [l.n, l.text.slice(0, 50) || l.url.slice(0, 50), l.lesson ?? '', l.people ?? '', l.clicks, l.machine])]));
  }
  out.push('', `Public web page: ${report.page_views.human} anonymous views (${report.page_views.machine} by machines)`);
  if (report.machine.length) {
    out.push('', 'Machine events (not counted above)');
    out.push(table([['kind', 'reason', 'events'], ...report.machine.map((m) => [m.kind, m.reason, m.events])]));
  }
  if (report.chase) {
    out.push('', `Not acknowledged ${report.chase.days} days after delivery: ${report.chase.people.length}`);
    if (report.chase.people.length) out.push(table([['name', 'email', 'agencies', 'opened', 'read'], ...report.chase.people.map((p) => [p.name, p.email, p.agencies.join(' '), p.opened ? 'yes' : 'no', p.viewed ? 'yes' : 'no'])]));
    for (const u of report.chase.unreachable) {
      out.push('', `Unreachable addresses at ${u.name} (their messages bounced): ${u.people.length}`);
      out.push(table([['name', 'email', 'reason'], ...u.people.map((p) => [p.name, p.email, p.reason.slice(0, 80)])]));
    }
  }
  return out.join('\n');
}

const periodColumns = [
  ['name', 'agency'],
  ['briefings', 'briefings'],
  ['delivered', 'delivered'],
  ['opened', 'opened'],
  ['viewed', 'read web page'],
  ['acknowledged', 'acknowledged'],
  ['acknowledged_pct', 'acknowledged %'],
  ['discussions', 'discussions'],
  ['discussion_pct', 'discussed %'],
  ['actions_agreed', 'actions agreed'],
  ['actions_done', 'actions done'],
  ['actions_overdue', 'actions overdue'],
] as const satisfies readonly (readonly [keyof AgencyInPeriod, string])[];

const briefingColumns = [
  ['sent', 'sent'],
  ['title', 'briefing'],
  ['delivered', 'delivered'],
  ['opened', 'opened'],
  ['viewed', 'read web page'],
  ['acknowledged', 'acknowledged'],
  ['acknowledged_pct', 'acknowledged %'],
  ['discussions', 'discussions'],
  ['discussion_pct', 'discussed %'],
  ['actions_agreed', 'actions agreed'],
  ['actions_done', 'actions done'],
  ['actions_overdue', 'actions overdue'],
] as const satisfies readonly (readonly [keyof BriefingInPeriod, string])[];

/** The period's figures as one CSV: a section per agency, then per briefing, for a spreadsheet. */
export function periodCsv(report: PeriodReport): string {
  return csv([
    ['per agency', `${report.from} to ${report.to}`],
    periodColumns.map(([, h]) => h),
    ...report.agencies.map((a) => periodColumns.map(([k]) => a[k])),
    [],
    ['per briefing'],
    [...briefingColumns.map(([, h]) => h), 'themes'],
    ...report.briefings.map((b) => [...briefingColumns.map(([k]) => b[k]), b.tags.join(' ')]),
  ]);
}

export function periodText(report: PeriodReport): string {
  const t = report.total;
  const out = [
    `Learning briefings sent ${report.from} to ${report.to}: ${t.briefings}; ${t.delivered} messages delivered to ${t.people_reached} people; ${t.acknowledged} acknowledged (${t.acknowledged_pct}%)`,
    `Team discussions recorded: ${t.discussions} (${t.discussion_pct}% of messages delivered); actions agreed ${t.actions_agreed}, done ${t.actions_done}, overdue ${t.actions_overdue}`,
  ];
  if (!report.briefings.length) return out.join('\n');
  out.push('', table([periodColumns.map(([, h]) => h), ...report.agencies.map((a) => periodColumns.map(([k]) => a[k]))]));
  out.push('', table([briefingColumns.map(([, h]) => h), ...report.briefings.map((b) => briefingColumns.map(([k]) => b[k]))]));
  if (report.themes.length) out.push('', `Themes covered: ${report.themes.map((x) => `${printable(x.tag)} (${x.briefings})`).join(', ')}`);
  return out.join('\n');
}
