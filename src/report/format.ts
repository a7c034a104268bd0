import { stringify } from 'csv-stringify/sync';
import wrapAnsi from 'wrap-ansi';
import { printable } from '../problem.js';
import type { ActionRecord, AgencyFigures, DiscussionRecord, Report } from './figures.js';
import type { AgencyInPeriod, BriefingInPeriod, PeriodReport } from './period.js';
import { isoDay } from '../days.js';

/**
 * The per-agency figures, in the groups every form of the report shows them in. `head` is the
 * CSV's and the page's heading; `short` breaks it onto two lines where a terminal of 100
 * columns needs it.
 */
export const agencyGroups: { title: string; columns: { key: keyof AgencyFigures; head: string; short?: string }[] }[] = [
  {
    title: 'Delivery',
    columns: [
      { key: 'recipients', head: 'recipients' },
      { key: 'delivered', head: 'delivered' },
      { key: 'bounced', head: 'bounced' },
      { key: 'failed', head: 'failed' },
      { key: 'suppressed', head: 'suppressed' },
    ],
  },
  {
    title: 'Reading',
    columns: [
      { key: 'opened', head: 'opened' },
      { key: 'clicked', head: 'clicked' },
      { key: 'viewed', head: 'read web page', short: 'read\nweb page' },
      { key: 'acknowledged', head: 'acknowledged' },
      { key: 'acknowledged_pct', head: 'acknowledged %', short: '% of\ndelivered' },
      { key: 'shared', head: 'shared with', short: 'shared\nwith' },
    ],
  },
  {
    title: 'What teams did with it',
    columns: [
      { key: 'discussions', head: 'discussions' },
      { key: 'discussion_people', head: 'people in discussions', short: 'people\ntaking part' },
      { key: 'actions_agreed', head: 'actions agreed', short: 'actions\nagreed' },
      { key: 'actions_done', head: 'actions done', short: 'actions\ndone' },
      { key: 'actions_overdue', head: 'actions overdue', short: 'actions\noverdue' },
      { key: 'follow_ups', head: 'follow-ups' },
    ],
  },
];

/** The CSV keeps the columns it always had first, so a spreadsheet built on it still lines up. */
const csvColumns: [keyof AgencyFigures, string][] = [
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
  ['suppressed', 'suppressed'],
  ['discussions', 'discussions'],
  ['discussion_people', 'people in discussions'],
  ['actions_agreed', 'actions agreed'],
  ['actions_done', 'actions done'],
  ['actions_overdue', 'actions overdue'],
  ['follow_ups', 'follow-ups'],
  ['shared_with_other_agencies', 'also on another agency list'],
];

/** What the terminal, the page and the board paper say under the figures about people on two lists. */
export function twoListsNote(report: Report): string | undefined {
  const n = report.total.shared_with_other_agencies;
  if (!n) return undefined;
  return `${n} ${n === 1 ? 'person is' : 'people are'} on more than one agency's list: shown under each of those agencies, counted once in "All agencies".`;
}

/** "Campaign 7, sent 2026-05-03, state completed", as every form of the report names it. */
export function campaignLine(report: Report): string {
  const c = report.campaign;
  return `Campaign ${c.id}, sent ${c.created.slice(0, 10)}, state ${c.state}${c.reminders.length ? `; reminders: ${c.reminders.join(', ')}` : ''}`;
}

/** Who recorded a discussion, as far as the tracking mode lets the report say. */
export function readerLabel(record: DiscussionRecord): string {
  return record.reader ? [record.reader.name, record.reader.role].filter(Boolean).join(', ') : '';
}

export function actionStatus(action: ActionRecord): string {
  if (action.done) return 'done';
  if (action.overdue) return 'overdue';
  return action.done === false ? 'not done' : 'open';
}

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


/** The agency table, then every discussion record one line per answer, action or comment. */
export function agencyCsv(report: Report): string {
  const discussions: unknown[][] = [];
  for (const group of report.discussions) {
    for (const d of group.records) {
      const base = [group.name, d.discussed_on, d.people ?? '', d.reader?.name ?? '', d.reader?.role ?? ''];
      for (const a of d.answers) discussions.push([...base, 'answer', a.question, a.answer, '', '', '']);
      for (const a of d.actions) discussions.push([...base, 'action', '', a.text, a.owner ?? '', a.due ?? '', actionStatus(a)]);
      if (d.comment) discussions.push([...base, 'comment', '', d.comment, '', '', '']);
      if (d.follow_up) discussions.push([...base, 'follow-up', `answered ${d.follow_up.answered_on}`, d.follow_up.answer, '', '', '']);
    }
  }
  return csv([
    csvColumns.map(([, h]) => h),
    ...[...report.agencies, report.total].map((a) => csvColumns.map(([k]) => a[k])),
    [],
    ['agency', 'discussed on', 'people', 'reader', 'role', 'kind', 'question', 'text', 'owner', 'due', 'status'],
    ...discussions,
  ]);
}

export function chaseCsv(report: Report): string {
  const people = report.chase?.people ?? [];
  return csv([
    ['name', 'email', 'agencies', 'sent', 'opened', 'read web page'],
    ...people.map((p) => [p.name, p.email, p.agencies.join(' '), p.sent_at ? isoDay(p.sent_at) : '', p.opened ? 'yes' : 'no', p.viewed ? 'yes' : 'no']),
  ]);
}

/**
 * A fixed-width table for the terminal. A cell may break onto lines ("read\nweb page"); with a
 * width, one column (the names, unless `wrap` says another) wraps so that the table fits it.
 */
export function table(cells: (string | number)[][], options: { width?: number; wrap?: number } = {}): string {
  const split = (c: string | number) => (typeof c === 'number' ? [String(c)] : printable(c.replace(/\t/g, ' ')).split('\n'));
  const lines = cells.map((r) => r.map(split));
  const widthOf = (i: number) => Math.max(...lines.map((r) => Math.max(...(r[i] ?? ['']).map((l) => l.length))));
  const widths = lines[0]!.map((_, i) => widthOf(i));
  const wrap = options.wrap ?? 0;
  if (options.width) {
    const rest = widths.reduce((n, w, i) => (i === wrap ? n : n + w + 2), 0);
    const room = Math.max(12, options.width - rest);
    if (widths[wrap]! > room) {
      // Continued lines are indented, so a second line does not read as another row.
      for (const r of lines) r[wrap] = (r[wrap] ?? []).flatMap((l) => wrapAnsi(l, room - 2, { hard: true }).split('\n').map((part, k) => (k ? `  ${part}` : part)));
      widths[wrap] = widthOf(wrap);
    }
  }
  const out: string[] = [];
  lines.forEach((r, row) => {
    const height = Math.max(...r.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      out.push(r.map((c, i) => (typeof cells[row]![i] === 'number' ? (c[k] ?? '').padStart(widths[i]!) : (c[k] ?? '').padEnd(widths[i]!))).join('  ').trimEnd());
    }
  });
  return out.join('\n');
}

/** The widest a terminal report runs: a board member's terminal, or a printout. */
const WIDTH = 100;

/** Text wrapped to the report's width under an indent. */
function block(text: string, indent: number): string {
  const pad = ' '.repeat(indent);
  return wrapAnsi(printable(text.replace(/\t/g, ' ')), WIDTH - indent, { hard: true, trim: true })
    .split('\n')
    .map((l) => (l ? pad + l : ''))
    .join('\n');
}

function discussionsText(report: Report): string[] {
  const out: string[] = ['', 'What teams recorded'];
  if (!report.discussions.some((g) => g.records.length)) {
    out.push(report.tracking === 'off' ? '  Tracking is off: there is no discussion form.' : '  No team has recorded a discussion yet.');
    return out;
  }
  for (const group of report.discussions) {
    if (!group.records.length) continue;
    out.push('', block(`${group.name}: ${group.records.length} discussion${group.records.length === 1 ? '' : 's'}`, 0));
    for (const d of group.records) {
      const who = readerLabel(d);
      out.push('', block(`Discussed ${d.discussed_on}${d.people ? ` by ${d.people} ${d.people === 1 ? 'person' : 'people'}` : ''}${who ? `; recorded by ${who}` : ''}`, 2));
      for (const a of d.answers) out.push(block(a.question, 4), block(a.answer, 6));
      if (d.actions.length) {
        out.push(block('Agreed actions', 4));
        for (const a of d.actions) {
          const about = [a.owner, a.due && `due ${a.due}`].filter(Boolean).join(', ');
          out.push(block(`- ${a.text}${about ? ` (${about})` : ''}: ${actionStatus(a)}`, 6));
        }
      }
      if (d.comment) out.push(block('Comment', 4), block(d.comment, 6));
      if (d.follow_up) out.push(block(`What has changed since (answered ${d.follow_up.answered_on})`, 4), block(d.follow_up.answer, 6));
    }
  }
  return out;
}

/** The report as a board member reads it in a terminal, no wider than 100 columns. */
export function reportText(report: Report): string {
  const out: string[] = [];
  out.push(block(`"${report.campaign.title}": ${campaignLine(report)}`, 0));
  if (report.other_campaigns.length) {
    out.push(block(`Other campaigns of this briefing: ${report.other_campaigns.map((o) => `${o.id} (sent ${o.created.slice(0, 10)}, ${o.state})`).join(', ')}. Show one with --campaign ${report.other_campaigns[0]!.id}.`, 0));
  }
  if (report.tracking === 'off') out.push('Tracking is off: only delivery figures are known.');
  if (report.tracking === 'aggregate') out.push('Tracking is aggregate: opened, clicked and read count events, not people.');
  for (const group of agencyGroups) {
    const head = ['agency', ...group.columns.map((c) => c.short ?? c.head)];
    out.push('', group.title, table([head, ...[...report.agencies, report.total].map((a) => [a.name, ...group.columns.map((c) => a[c.key])])], { width: WIDTH }));
  }
  const note = twoListsNote(report);
  if (note) out.push('', block(note, 0));
  if (report.links.length) {
    out.push('', 'Clicks per link (machines apart; people counts each reader once)');
    out.push(table([['#', 'link', 'lesson', 'people', 'clicks', 'machine'], ...report.links.map((l) => [l.n, l.text.slice(0, 50) || l.url.slice(0, 50), l.lesson ?? '', l.people ?? '', l.clicks, l.machine])], { width: WIDTH, wrap: 1 }));
  }
  out.push('', `Public web page: ${report.page_views.human} anonymous views (${report.page_views.machine} by machines)`);
  if (report.machine.length) {
    out.push('', 'Machine events (not counted above)');
    out.push(table([['kind', 'reason', 'events'], ...report.machine.map((m) => [m.kind, m.reason, m.events])], { width: WIDTH, wrap: 1 }));
  }
  out.push(...discussionsText(report));
  if (report.chase) {
    out.push('', `Not acknowledged ${report.chase.days} days after delivery: ${report.chase.people.length}`);
    if (report.chase.people.length) out.push(table([['name', 'email', 'opened', 'read', 'agencies'], ...report.chase.people.map((p) => [p.name, p.email, p.opened ? 'yes' : 'no', p.viewed ? 'yes' : 'no', p.agencies.join(' ')])], { width: WIDTH, wrap: 4 }));
    for (const u of report.chase.unreachable) {
      out.push('', `Unreachable addresses at ${u.name} (their messages bounced): ${u.people.length}`);
      out.push(table([['name', 'email', 'reason'], ...u.people.map((p) => [p.name, p.email, p.reason.slice(0, 300)])], { width: WIDTH, wrap: 2 }));
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
