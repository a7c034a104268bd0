import { stringify } from 'csv-stringify/sync';
import type { AgencyFigures, Report } from './figures.js';

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

export function agencyCsv(report: Report): string {
  return stringify([columns.map(([, h]) => h), ...[...report.agencies, report.total].map((a) => columns.map(([k]) => a[k]))]);
}

export function chaseCsv(report: Report): string {
  const people = report.chase?.people ?? [];
  return stringify([
    ['name', 'email', 'agencies', 'sent', 'opened', 'read web page'],
    ...people.map((p) => [p.name, p.email, p.agencies.join(' '), p.sent_at ? new Date(p.sent_at).toISOString().slice(0, 10) : '', p.opened ? 'yes' : 'no', p.viewed ? 'yes' : 'no']),
  ]);
}

/** A fixed-width table for the terminal. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

/** The report as a board member reads it in a terminal. */
export function reportText(report: Report): string {
  const c = report.campaign;
  const out: string[] = [];
  out.push(`"${c.title}": campaign ${c.id} (${c.state}), sent ${c.created.slice(0, 10)}${c.reminders.length ? `, reminders: ${c.reminders.join(', ')}` : ''}`);
  if (report.tracking === 'off') out.push('tracking is off: only delivery figures are known');
  if (report.tracking === 'aggregate') out.push('tracking is aggregate: opened, clicked and read count events, not people');
  out.push('');
  out.push(table([columns.map(([, h]) => h), ...[...report.agencies, report.total].map((a) => columns.map(([k]) => a[k]))]));
  if (report.links.length) {
    out.push('', 'Clicks per link (people; machines apart)');
    out.push(table([['#', 'link', 'lesson', 'clicks', 'machine'], ...report.links.map((l) => [l.n, l.text.slice(0, 50) || l.url.slice(0, 50), l.lesson ?? '', l.human, l.machine])]));
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
