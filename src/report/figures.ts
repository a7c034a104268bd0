import type { Campaign, Discussion, Store } from '../store/index.js';
import { isoDay } from '../days.js';

export interface Person {
  email: string;
  name: string;
  agencies: string[];
  state: string;
  /** Why the message bounced after the relay accepted it. */
  bounce: string | null;
  sent_at: number | null;
  opened: boolean;
  clicked: boolean;
  viewed: boolean;
  acknowledged_at: number | null;
  shared: number | null;
  comment: string | null;
}

export interface AgencyFigures {
  agency: string;
  name: string;
  recipients: number;
  delivered: number;
  failed: number;
  /** Accepted by the relay, then bounced: not delivered. */
  bounced: number;
  opened: number;
  clicked: number;
  viewed: number;
  acknowledged: number;
  /** Acknowledged as a percentage of delivered. */
  acknowledged_pct: number;
  shared: number;
  /** Left out of the send: suppressed (unsubscribed, unreachable) before or while sending. */
  suppressed: number;
  /** Team discussion records made from this agency's messages (a reader's latest counts once). */
  discussions: number;
  /** People who took part in those discussions, as the teams said. */
  discussion_people: number;
  actions_agreed: number;
  actions_done: number;
  /** Agreed actions past their due date and not marked done. */
  actions_overdue: number;
  /** Discussion records that answered the follow-up ("what has changed since?"). */
  follow_ups: number;
  /** People counted here who are also on another agency's list (counted once in the total). */
  shared_with_other_agencies: number;
}

/** An agreed action as a team recorded it, and what the follow-up said of it. */
export interface ActionRecord {
  text: string;
  /** A role, not a name: "team manager". */
  owner: string | null;
  /** YYYY-MM-DD. */
  due: string | null;
  /** From the follow-up: null until it was answered. */
  done: boolean | null;
  overdue: boolean;
}

/** One team discussion, as the board reads it under the agency. */
export interface DiscussionRecord {
  /** YYYY-MM-DD. */
  discussed_on: string;
  people: number | null;
  /** The reader's name and role: only where tracking is `individual`. */
  reader: { name: string; role: string | null } | null;
  answers: { question: string; answer: string }[];
  actions: ActionRecord[];
  comment: string | null;
  follow_up: { answered_on: string; answer: string } | null;
  /** When the record was last changed (ISO). */
  updated: string;
}

export interface LinkFigures {
  n: number;
  url: string;
  text: string;
  lesson: number | null;
  /** Clicks by people (machines apart); a reader who clicked twice counts twice here… */
  clicks: number;
  /** …and once here. Null where tracking is aggregate and no click has a reader. */
  people: number | null;
  machine: number;
}

export interface Report {
  campaign: { id: number; slug: string; title: string; state: string; created: string; reminders: number[] };
  tracking: 'individual' | 'aggregate' | 'off';
  /** In aggregate mode, opened/clicked/viewed count events, not people. */
  counts_people: boolean;
  total: AgencyFigures;
  agencies: AgencyFigures[];
  links: LinkFigures[];
  machine: { kind: string; reason: string; events: number }[];
  page_views: { human: number; machine: number };
  /** The briefing's other campaigns, newest first: `report --campaign N` shows one. */
  other_campaigns: { id: number; created: string; state: string }[];
  /** Per agency, what its teams recorded, in full. Empty where tracking is `off`. */
  discussions: { agency: string; name: string; records: DiscussionRecord[] }[];
  chase: {
    days: number;
    people: Pick<Person, 'name' | 'email' | 'agencies' | 'sent_at' | 'opened' | 'viewed'>[];
    /** Per agency, the addresses whose message bounced: for the agency's lead to correct. */
    unreachable: { agency: string; name: string; people: { name: string; email: string; reason: string }[] }[];
  } | null;
}

export interface ReportOptions {
  tracking: 'individual' | 'aggregate' | 'off';
  agencyNames: ReadonlyMap<string, string>;
  /** Only this agency's people and figures. */
  agency?: string;
  /** Chase those who have not acknowledged this many days after delivery. */
  chaseDays?: number;
  now?: number;
  /** Readers' roles from the lists, by lower-cased address: shown with their discussion records. */
  roles?: ReadonlyMap<string, string>;
}

function blank(agency: string, name: string): AgencyFigures {
  return {
    agency, name, recipients: 0, delivered: 0, failed: 0, bounced: 0, opened: 0, clicked: 0, viewed: 0, acknowledged: 0, acknowledged_pct: 0, shared: 0,
    suppressed: 0, discussions: 0, discussion_people: 0, actions_agreed: 0, actions_done: 0, actions_overdue: 0, follow_ups: 0, shared_with_other_agencies: 0,
  };
}

/** Everyone a campaign (and its reminders) reached, once each, with what they did. */
async function people(store: Store, family: Campaign[]): Promise<Person[]> {
  const byEmail = new Map<string, Person>();
  for (const c of family) {
    for (const row of await store.engagement(c.id)) {
      const key = row.email.toLowerCase();
      const p = byEmail.get(key);
      if (!p) {
        byEmail.set(key, {
          email: row.email,
          name: row.name,
          agencies: row.agencies.split(' ').filter(Boolean),
          state: row.state,
          bounce: row.bounce,
          sent_at: row.sent_at,
          opened: row.opened > 0,
          clicked: row.clicked > 0,
          viewed: row.viewed > 0,
          acknowledged_at: row.acknowledged_at,
          shared: row.shared,
          comment: row.comment,
        });
        continue;
      }
      // A reminder's events count for the person the first campaign reached.
      p.opened ||= row.opened > 0;
      p.clicked ||= row.clicked > 0;
      p.viewed ||= row.viewed > 0;
      if (row.acknowledged_at && (!p.acknowledged_at || row.acknowledged_at < p.acknowledged_at)) p.acknowledged_at = row.acknowledged_at;
      p.shared = Math.max(p.shared ?? 0, row.shared ?? 0) || p.shared;
      p.comment ??= row.comment;
    }
  }
  return [...byEmail.values()];
}

export async function campaignReport(store: Store, campaign: Campaign, options: ReportOptions): Promise<Report> {
  const now = options.now ?? Date.now();
  const all = await store.campaigns();
  // A follow-up is linked like a reminder, but its readers were counted when the briefing reached them.
  const reminders = all.filter((c) => c.parent_id === campaign.id && c.kind === 'reminder');
  const family = [campaign, ...reminders];
  const nameOf = (id: string) => options.agencyNames.get(id) ?? id;
  const rows = new Map<string, AgencyFigures>();
  const row = (id: string) => rows.get(id) ?? rows.set(id, blank(id, nameOf(id))).get(id)!;
  const total = blank('all', 'All agencies');
  const wanted = (agencies: string[]) => !options.agency || agencies.includes(options.agency);

  let everyone = (await people(store, family)).filter((p) => wanted(p.agencies));
  const countsPeople = options.tracking === 'individual';
  for (const p of everyone) {
    for (const target of [total, ...p.agencies.map(row)]) {
      target.recipients++;
      if (p.state === 'sent') target.delivered++;
      if (p.state === 'failed') target.failed++;
      if (p.state === 'bounced') target.bounced++;
      if (p.state === 'suppressed') target.suppressed++;
      // One message reached them however many lists they are on: every row shows them, the total once.
      if (p.agencies.length > 1) target.shared_with_other_agencies++;
      if (countsPeople) {
        if (p.opened) target.opened++;
        if (p.clicked) target.clicked++;
        if (p.viewed) target.viewed++;
        if (p.acknowledged_at) {
          target.acknowledged++;
          target.shared += p.shared ?? 0;
        }
      }
    }
  }

  const links = new Map((await store.links(campaign.id)).map((l): [number, LinkFigures] => [l.n, { n: l.n, url: l.url, text: l.text, lesson: l.lesson ?? null, clicks: 0, people: countsPeople ? 0 : null, machine: 0 }]));
  const machine = new Map<string, { kind: string; reason: string; events: number }>();
  for (const c of family) {
    for (const e of await store.eventCounts(c.id)) {
      const agencies = e.agencies.split(' ').filter(Boolean);
      if (!wanted(agencies)) continue;
      if (e.kind === 'click' && e.link !== null && c.id === campaign.id) {
        const l = links.get(e.link);
        if (l && e.class === 'machine') l.machine += e.n;
        else if (l) {
          l.clicks += e.n;
          if (l.people !== null) l.people += e.people;
        }
      }
      if (e.class === 'machine') {
        const key = `${e.kind}\n${e.reason}`;
        const m = machine.get(key) ?? machine.set(key, { kind: e.kind, reason: e.reason ?? 'machine', events: 0 }).get(key)!;
        m.events += e.n;
      } else if (!countsPeople) {
        // Aggregate tracking keeps no identity: count events per agency.
        const field = e.kind === 'open' ? 'opened' : e.kind === 'click' ? 'clicked' : e.kind === 'view' ? 'viewed' : undefined;
        if (field) for (const target of [total, ...agencies.map(row)]) target[field] += e.n;
      }
    }
    if (!countsPeople) {
      for (const a of await store.acknowledgements(c.id)) {
        const agencies = a.agencies.split(' ').filter(Boolean);
        if (!wanted(agencies)) continue;
        for (const target of [total, ...agencies.map(row)]) {
          target.acknowledged++;
          target.shared += a.shared ?? 0;
        }
      }
    }
  }
  const discussions = await discussionRecords(store, campaign, options, now, (agencies) => [total, ...agencies.map(row)]);
  for (const f of [total, ...rows.values()]) f.acknowledged_pct = f.delivered ? Math.round((1000 * f.acknowledged) / f.delivered) / 10 : 0;

  let chase: Report['chase'] = null;
  if (options.chaseDays !== undefined && countsPeople) {
    const before = now - options.chaseDays * 86_400_000;
    const unreachable = new Map<string, { agency: string; name: string; people: { name: string; email: string; reason: string }[] }>();
    for (const p of everyone.filter((p) => p.state === 'bounced')) {
      for (const agency of p.agencies.filter((a) => !options.agency || a === options.agency)) {
        const entry = unreachable.get(agency) ?? unreachable.set(agency, { agency, name: nameOf(agency), people: [] }).get(agency)!;
        entry.people.push({ name: p.name, email: p.email, reason: p.bounce ?? '' });
      }
    }
    everyone = everyone.filter((p) => p.state === 'sent' && !p.acknowledged_at && p.sent_at !== null && p.sent_at <= before);
    chase = { days: options.chaseDays, people: everyone.map(({ name, email, agencies, sent_at, opened, viewed }) => ({ name, email, agencies, sent_at, opened, viewed })),
      unreachable: [...unreachable.values()].sort(byName),
    };
  }

  return {
    campaign: {
      id: campaign.id,
      slug: campaign.slug,
      title: campaign.title,
      state: campaign.state,
      created: new Date(campaign.created_at).toISOString(),
      reminders: reminders.map((r) => r.id),
    },
    tracking: options.tracking,
    counts_people: countsPeople,
    total,
    agencies: [...rows.values()].filter((r) => !options.agency || r.agency === options.agency).sort(byName),
    links: [...links.values()],
    machine: [...machine.values()].sort((a, b) => b.events - a.events),
    page_views: await store.pageViews(campaign.slug),
    other_campaigns: all
      .filter((c) => c.slug === campaign.slug && c.kind === 'briefing' && c.id !== campaign.id)
      .sort((a, b) => b.created_at - a.created_at || b.id - a.id)
      .map((c) => ({ id: c.id, created: new Date(c.created_at).toISOString(), state: c.state })),
    discussions: discussions.filter((d) => !options.agency || d.agency === options.agency),
    chase,
  };
}

/** Agencies in the order a reader looks for them: "Area 2" before "Area 10". */
export const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'en', { numeric: true });

/** An agreed action as the board reads it: overdue once its day has passed and it is not done. */
export function actionRecord(a: Discussion['actions'][number], today: string): ActionRecord {
  return { text: a.text, owner: a.owner, due: a.due, done: a.done, overdue: a.due !== null && a.due < today && a.done !== true };
}

/**
 * The campaign's discussion records, in full under each agency of the reader's lists, and their
 * figures: each record counts once in the total (`figures` gives the total first, then each
 * agency's row), whatever lists its reader is on.
 */
async function discussionRecords(
  store: Store,
  campaign: Campaign,
  options: ReportOptions,
  now: number,
  figures: (agencies: string[]) => AgencyFigures[],
): Promise<Report['discussions']> {
  if (options.tracking === 'off') return [];
  const questions = await store.questions(campaign.id);
  const today = isoDay(now);
  const byAgency = new Map<string, Report['discussions'][number]>();
  for (const d of await store.discussions(campaign.id)) {
    const agencies = d.agencies.split(' ').filter(Boolean);
    if (options.agency && !agencies.includes(options.agency)) continue;
    const actions = d.actions.map((a) => actionRecord(a, today));
    const [total, ...rows] = figures(agencies);
    for (const f of [total!, ...rows.filter((r) => !options.agency || r.agency === options.agency)]) {
      f.discussions++;
      f.discussion_people += d.people ?? 0;
      f.actions_agreed += actions.length;
      f.actions_done += actions.filter((a) => a.done === true).length;
      f.actions_overdue += actions.filter((a) => a.overdue).length;
      if (d.follow_up_on) f.follow_ups++;
    }
    const record: DiscussionRecord = {
      discussed_on: d.discussed_on,
      people: d.people,
      reader: options.tracking === 'individual' && d.name !== null ? { name: d.name, role: options.roles?.get(d.email!.toLowerCase()) ?? null } : null,
      // Labelled with the questions as the campaign asked them, not as briefcast.yml asks them now.
      answers: d.answers.map((a) => ({ question: questions[a.n - 1] ?? `Question ${a.n}`, answer: a.answer })),
      actions,
      comment: d.comment,
      follow_up: d.follow_up_on ? { answered_on: d.follow_up_on, answer: d.follow_up ?? '' } : null,
      updated: new Date(d.updated_at).toISOString(),
    };
    for (const agency of agencies) {
      const entry = byAgency.get(agency) ?? byAgency.set(agency, { agency, name: options.agencyNames.get(agency) ?? agency, records: [] }).get(agency)!;
      entry.records.push(record);
    }
  }
  return [...byAgency.values()].sort(byName);
}
