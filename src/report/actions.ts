import type { Report } from './figures.js';
import { csv, table } from './format.js';
import { printable } from '../problem.js';

/** An agreed action past its day and not done, with who agreed it, for the board to ask about. */
export interface OverdueAction {
  discussed_on: string;
  /** The reader who recorded it: only where tracking is `individual`. */
  reader: string | null;
  role: string | null;
  action: string;
  owner: string | null;
  due: string;
}

export interface ActionsReport {
  campaign: Report['campaign'];
  /** Per agency (a reader on two lists under each), the agencies with none left out. */
  agencies: { agency: string; name: string; actions: OverdueAction[] }[];
}

export function overdueActions(report: Report): ActionsReport {
  const agencies = report.discussions
    .map(({ agency, name, records }) => ({
      agency,
      name,
      actions: records.flatMap((r) =>
        r.actions
          .filter((a) => a.overdue)
          .map((a): OverdueAction => ({ discussed_on: r.discussed_on, reader: r.reader?.name ?? null, role: r.reader?.role ?? null, action: a.text, owner: a.owner, due: a.due! })),
      ),
    }))
    .filter((a) => a.actions.length);
  return { campaign: report.campaign, agencies };
}

const head = ['agency', 'action', 'owner', 'due', 'discussed', 'recorded by'];
const cells = (name: string, a: OverdueAction) => [name, a.action, a.owner ?? '', a.due, a.discussed_on, [a.reader, a.role].filter(Boolean).join(', ')];

export function actionsText(r: ActionsReport): string {
  const n = r.agencies.reduce((sum, a) => sum + a.actions.length, 0);
  const out = [`"${printable(r.campaign.title)}": ${n} agreed action${n === 1 ? '' : 's'} past ${n === 1 ? 'its' : 'their'} due date and not done`];
  if (n) out.push('', table([head, ...r.agencies.flatMap((a) => a.actions.map((x) => cells(a.name, x).map((c) => c.slice(0, 60))))]));
  return out.join('\n');
}

export function actionsCsv(r: ActionsReport): string {
  return csv([head, ...r.agencies.flatMap((a) => a.actions.map((x) => cells(a.name, x)))]);
}
