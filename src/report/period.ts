import type { Store } from '../store/index.js';
import { byName, campaignReport, type AgencyFigures, type ReportOptions } from './figures.js';

/** One briefing's campaign in the period, as the yearly report lists it. */
export interface BriefingInPeriod extends DiscussionFigures {
  slug: string;
  title: string;
  campaign: number;
  sent: string;
  tags: string[];
  recipients: number;
  delivered: number;
  acknowledged: number;
  acknowledged_pct: number;
  opened: number;
  viewed: number;
}

/** What teams did with the learning: discussion records and the actions they agreed. */
export interface DiscussionFigures {
  discussions: number;
  /** Discussion records as a percentage of messages delivered. */
  discussion_pct: number;
  actions_agreed: number;
  actions_done: number;
  /** Past their due date and not done, on the day the report was made. */
  actions_overdue: number;
}

export interface AgencyInPeriod extends DiscussionFigures {
  agency: string;
  name: string;
  /** Briefings whose campaign reached this agency. */
  briefings: number;
  /** Messages delivered to the agency's people, over every briefing. */
  delivered: number;
  acknowledged: number;
  acknowledged_pct: number;
  opened: number;
  viewed: number;
}

export interface PeriodReport {
  from: string;
  to: string;
  tracking: ReportOptions['tracking'];
  briefings: BriefingInPeriod[];
  agencies: AgencyInPeriod[];
  total: { briefings: number; delivered: number; acknowledged: number; acknowledged_pct: number; opened: number; viewed: number; people_reached: number } & DiscussionFigures;
  themes: { tag: string; briefings: number }[];
}

/** The figures an agency's row adds up over the period's briefings. */
const summed = ['delivered', 'acknowledged', 'opened', 'viewed', 'discussions', 'actions_agreed', 'actions_done', 'actions_overdue'] as const satisfies readonly (keyof AgencyFigures & keyof AgencyInPeriod)[];

function discussionFigures(f?: AgencyFigures): DiscussionFigures {
  if (!f) return { discussions: 0, discussion_pct: 0, actions_agreed: 0, actions_done: 0, actions_overdue: 0 };
  return { discussions: f.discussions, discussion_pct: pct(f.discussions, f.delivered), actions_agreed: f.actions_agreed, actions_done: f.actions_done, actions_overdue: f.actions_overdue };
}

const pct = (part: number, whole: number) => (whole ? Math.round((1000 * part) / whole) / 10 : 0);

/**
 * What the board's yearly report asks of its learning: every briefing sent in a period (first
 * campaigns, their reminders folded in), per briefing and per agency, and the themes covered.
 * `from` and `to` are days (YYYY-MM-DD), both included.
 */
export async function periodReport(
  store: Store,
  period: { from: string; to: string },
  options: Omit<ReportOptions, 'chaseDays' | 'agency'> & { tagsOf?: (slug: string) => string[] },
): Promise<PeriodReport> {
  const start = Date.parse(`${period.from}T00:00:00Z`);
  const end = Date.parse(`${period.to}T00:00:00Z`) + 86_400_000;
  const campaigns = (await store.campaigns()).filter((c) => c.kind === 'briefing' && c.created_at >= start && c.created_at < end);
  const briefings: BriefingInPeriod[] = [];
  const agencies = new Map<string, AgencyInPeriod>();
  const themes = new Map<string, number>();
  const reached = new Set<string>();
  for (const campaign of campaigns) {
    const report = await campaignReport(store, campaign, options);
    const tags = options.tagsOf?.(campaign.slug) ?? [];
    for (const tag of tags) themes.set(tag, (themes.get(tag) ?? 0) + 1);
    const t = report.total;
    briefings.push({
      slug: campaign.slug,
      title: campaign.title,
      campaign: campaign.id,
      sent: report.campaign.created.slice(0, 10),
      tags,
      recipients: t.recipients,
      delivered: t.delivered,
      acknowledged: t.acknowledged,
      acknowledged_pct: t.acknowledged_pct,
      opened: t.opened,
      viewed: t.viewed,
      ...discussionFigures(t),
    });
    for (const a of report.agencies) {
      const row =
        agencies.get(a.agency) ??
        agencies.set(a.agency, { agency: a.agency, name: a.name, briefings: 0, delivered: 0, acknowledged: 0, acknowledged_pct: 0, opened: 0, viewed: 0, ...discussionFigures() }).get(a.agency)!;
      row.briefings++;
      for (const key of summed) row[key] += a[key];
    }
    for await (const d of store.deliveries(campaign.id)) if (d.state === 'sent') reached.add(d.email.toLowerCase());
  }
  for (const a of agencies.values()) {
    a.acknowledged_pct = pct(a.acknowledged, a.delivered);
    a.discussion_pct = pct(a.discussions, a.delivered);
  }
  const sum = (key: (typeof summed)[number]) => briefings.reduce((n, b) => n + b[key], 0);
  return {
    from: period.from,
    to: period.to,
    tracking: options.tracking,
    briefings,
    agencies: [...agencies.values()].sort(byName),
    total: {
      briefings: briefings.length,
      delivered: sum('delivered'),
      acknowledged: sum('acknowledged'),
      acknowledged_pct: pct(sum('acknowledged'), sum('delivered')),
      opened: sum('opened'),
      viewed: sum('viewed'),
      people_reached: reached.size,
      discussions: sum('discussions'),
      discussion_pct: pct(sum('discussions'), sum('delivered')),
      actions_agreed: sum('actions_agreed'),
      actions_done: sum('actions_done'),
      actions_overdue: sum('actions_overdue'),
    },
    themes: [...themes].map(([tag, n]) => ({ tag, briefings: n })).sort((a, b) => b.briefings - a.briefings || a.tag.localeCompare(b.tag)),
  };
}
