import type { Agency, Recipient } from '../lists/index.js';
import { resolveRecipients } from '../lists/index.js';
import type { Problem } from '../problem.js';
import type { Rendered } from '../render/index.js';
import type { Campaign, CampaignContent, Counts, Store } from '../store/index.js';
import { isoDay } from '../days.js';

/** What only a process that renders has: the briefing as rendered, and the lists. */
export interface Source {
  rendered: Rendered;
  agencies: readonly Agency[];
  /** The briefing's public page (the renderer's pageUrl). */
  webUrl: string;
  /** A day (YYYY-MM-DD) in words, as the briefing shows dates (the renderer's dateLabel). */
  dateLabel(day: string): string | undefined;
}

/**
 * What a campaign sends, as it will be stored: the slotted email and text for every agency set,
 * with its subject. A proof is untracked; a reminder uses the reminder layout.
 */
export function plannedContent(source: Source, how: { tracked: boolean; reminderOf?: string; followUpOf?: string; subjectPrefix?: string }): CampaignContent {
  const { rendered } = source;
  const variant = { ack: how.tracked, pixel: how.tracked, recipient: true };
  const email = how.reminderOf ? rendered.reminder(variant, how.reminderOf) : how.followUpOf ? rendered.followUp(variant, how.followUpOf) : rendered.email(variant);
  const prefix = (how.subjectPrefix ?? '') + (how.reminderOf ? `${rendered.subjects.reminder} ` : how.followUpOf ? `${rendered.subjects.followUp} ` : '');
  return { agencies: '*', subject: prefix + rendered.briefing.title, html: email.html, text: email.text, web_url: source.webUrl, tracked: how.tracked };
}

/**
 * A briefing's content for each agency set among its recipients, when some lessons are for some
 * agencies only: each reader gets the lessons for everyone and those for their own lists,
 * numbered for them. Rendered once per distinct set, never per reader; '*' (every lesson,
 * labelled) stays as the content for any other set.
 */
export function plannedContents(source: Source, how: { tracked: boolean }, agencySets: Iterable<readonly string[]>): CampaignContent[] {
  const all = plannedContent(source, how);
  if (!source.rendered.briefing.lessons.some((l) => l.agencies?.length)) return [all];
  const variant = { ack: how.tracked, pixel: how.tracked, recipient: true };
  const sets = new Map<string, readonly string[]>();
  for (const set of agencySets) sets.set(set.join(' '), set);
  return [
    all,
    ...[...sets].map(([key, set]) => {
      const email = source.rendered.emailFor(set, variant);
      return { ...all, agencies: key, html: email.html, text: email.text };
    }),
  ];
}

export interface SendRequest {
  /** --agency: only these agencies' recipients. */
  agencies?: string[];
  /** --again: a new campaign even though this content was sent. */
  again?: boolean;
  /** --send-by, overriding the briefing's send_by. */
  sendBy?: string;
  /** Today, as YYYY-MM-DD (local date of the board office). */
  today: string;
}

export type Plan =
  | { kind: 'new'; recipients: Recipient[]; suppressed: number; agencies: string[]; sendBy?: string }
  | { kind: 'resume'; campaign: Campaign; counts: Counts };

/** Past its send-by day? A month (YYYY-MM) runs to its last day. */
export function isLate(sendBy: string | null | undefined, today: string): boolean {
  if (!sendBy) return false;
  return sendBy.length === 7 ? today.slice(0, 7) > sendBy : today > sendBy;
}

/**
 * Decides what `send` will do: start a campaign (and for whom), resume an unfinished one, or
 * refuse with a reason. Reads the store; writes nothing.
 */
export async function planCampaign(store: Store, rendered: Rendered, lists: readonly Agency[], request: SendRequest): Promise<{ plan?: Plan; problems: Problem[] }> {
  const b = rendered.briefing;
  const problem = (code: string, message: string) => ({ problems: [{ code, severity: 'error' as const, message }] });
  const known = new Set(lists.map((a) => a.id));
  for (const id of request.agencies ?? []) {
    if (!known.has(id)) return problem('EAGENCY', `--agency ${id}: unknown agency (known: ${[...known].join(', ')})`);
  }

  const previous = (await store.campaignsFor(b.slug)).filter((c) => c.kind === 'briefing');
  const unfinished = previous.findLast((c) => c.state !== 'completed');
  // A campaign that reached no one was not sent, whatever its state says.
  let lastDone: Campaign | undefined;
  let lastDoneCounts: Counts | undefined;
  for (const c of previous.filter((p) => p.state === 'completed').reverse()) {
    const counts = await store.counts(c.id);
    if (counts.sent > 0) {
      [lastDone, lastDoneCounts] = [c, counts];
      break;
    }
  }

  if (unfinished && !request.again) {
    if (isLate(unfinished.send_by, request.today)) {
      return problem('ELATE', `campaign ${unfinished.id} had to be sent by ${unfinished.send_by}; it will not resume late`);
    }
    if (unfinished.content_hash !== rendered.hash) {
      return problem(
        'ECHANGED',
        `the briefing changed since campaign ${unfinished.id} started; restore it to finish that campaign, or use --again to start a new one for everyone`,
      );
    }
    return { plan: { kind: 'resume', campaign: unfinished, counts: await store.counts(unfinished.id) }, problems: [] };
  }
  if (lastDone && !request.again) {
    const when = isoDay(lastDone.updated_at);
    const what = lastDone.content_hash === rendered.hash ? 'this briefing' : 'an earlier version of this briefing';
    const retry = lastDoneCounts!.failed ? `; ${lastDoneCounts!.failed} failed: --retry-failed tries them again` : '';
    return problem('EALREADYSENT', `campaign ${lastDone.id} already sent ${what} on ${when}; use --again to send it again${retry}`);
  }

  const sendBy = request.sendBy ?? b.send_by;
  if (isLate(sendBy, request.today)) return problem('ELATE', `the briefing had to be sent by ${sendBy}; it will not start late`);

  const agencies = request.agencies?.length ? request.agencies : b.agencies === 'all' ? [...known] : b.agencies;
  const recipients = resolveRecipients(lists, agencies);
  if (recipients.length === 0) return problem('ENORECIPIENTS', `no recipients: the lists of ${agencies.join(', ')} are empty`);
  const suppressedEmails = new Set((await store.suppressions()).map((s) => s.email.toLowerCase()));
  const suppressed = recipients.filter((r) => suppressedEmails.has(r.email.toLowerCase())).length;
  return { plan: { kind: 'new', recipients, suppressed, agencies, sendBy }, problems: [] };
}

export type ReminderPlan =
  | { kind: 'new'; parent: Campaign; recipients: { email: string; name: string; agencies: string[] }[]; acknowledged: number; tooRecent: number }
  | { kind: 'resume'; campaign: Campaign; counts: Counts };

/**
 * A reminder goes, as its own campaign linked to the first, to those who received the briefing
 * at least `afterMs` ago and have not acknowledged it (through the first email or any reminder).
 */
export async function planReminder(
  store: Store,
  slug: string,
  request: { afterMs: number; now: number; tracking: 'individual' | 'aggregate' | 'off' },
): Promise<{ plan?: ReminderPlan; problems: Problem[] }> {
  const problem = (code: string, message: string) => ({ problems: [{ code, severity: 'error' as const, message }] });
  if (request.tracking !== 'individual') return problem('ETRACKING', `reminders need to know who acknowledged: set tracking: individual (it is ${request.tracking})`);
  const all = await store.campaignsFor(slug);
  const parent = all.filter((c) => c.kind === 'briefing').at(-1);
  if (!parent) return problem('ENOTSENT', `"${slug}" has not been sent, so there is no one to remind`);
  const reminders = all.filter((c) => c.parent_id === parent.id && c.kind === 'reminder');
  const unfinished = reminders.find((c) => c.state !== 'completed');
  if (unfinished) return { plan: { kind: 'resume', campaign: unfinished, counts: await store.counts(unfinished.id) }, problems: [] };

  const acknowledged = new Set<string>();
  // The last time each person heard from us: the briefing, or an earlier reminder.
  const lastSent = new Map<string, number>();
  for (const c of [parent, ...reminders]) {
    for (const row of await store.engagement(c.id)) {
      const key = row.email.toLowerCase();
      if (row.acknowledged_at) acknowledged.add(key);
      if (row.sent_at) lastSent.set(key, Math.max(lastSent.get(key) ?? 0, row.sent_at));
    }
  }
  const recipients: { email: string; name: string; agencies: string[] }[] = [];
  let tooRecent = 0;
  for (const row of await store.engagement(parent.id)) {
    const key = row.email.toLowerCase();
    if (row.state !== 'sent' || acknowledged.has(key)) continue;
    const last = lastSent.get(key);
    if (last === undefined || last > request.now - request.afterMs) {
      tooRecent++;
      continue;
    }
    recipients.push({ email: row.email, name: row.name, agencies: row.agencies.split(' ').filter(Boolean) });
  }
  if (recipients.length === 0) {
    return problem('ENOONE', `no one to remind: ${acknowledged.size} acknowledged, ${tooRecent} received it or a reminder too recently`);
  }
  return { plan: { kind: 'new', parent, recipients, acknowledged: acknowledged.size, tooRecent }, problems: [] };
}

export type FollowUpPlan =
  | { kind: 'new'; parent: Campaign; recipients: { email: string; name: string; agencies: string[] }[]; recorded: number; tooRecent: number; asked: number }
  | { kind: 'resume'; campaign: Campaign; counts: Counts };

/**
 * A follow-up goes, as its own campaign linked to the first, to the readers who recorded a team
 * discussion at least `afterMs` ago: what has changed since? Nobody is asked twice about one campaign.
 */
export async function planFollowUp(
  store: Store,
  slug: string,
  request: { afterMs: number; now: number; tracking: 'individual' | 'aggregate' | 'off' },
): Promise<{ plan?: FollowUpPlan; problems: Problem[] }> {
  const problem = (code: string, message: string) => ({ problems: [{ code, severity: 'error' as const, message }] });
  if (request.tracking !== 'individual') return problem('ETRACKING', `a follow-up goes to the readers who recorded a discussion, so it needs tracking: individual (it is ${request.tracking})`);
  const all = await store.campaignsFor(slug);
  const parent = all.filter((c) => c.kind === 'briefing').at(-1);
  if (!parent) return problem('ENOTSENT', `"${slug}" has not been sent, so no team has discussed it`);
  const followUps = all.filter((c) => c.parent_id === parent.id && c.kind === 'follow-up');
  const unfinished = followUps.find((c) => c.state !== 'completed');
  if (unfinished) return { plan: { kind: 'resume', campaign: unfinished, counts: await store.counts(unfinished.id) }, problems: [] };
  const asked = new Set<string>();
  for (const f of followUps) for await (const d of store.deliveries(f.id)) asked.add(d.email.toLowerCase());
  const records = (await store.discussions(parent.id)).filter((d) => d.email !== null);
  const recipients: { email: string; name: string; agencies: string[] }[] = [];
  let tooRecent = 0;
  for (const d of records) {
    if (asked.has(d.email!.toLowerCase())) continue;
    if (d.created_at > request.now - request.afterMs) {
      tooRecent++;
      continue;
    }
    recipients.push({ email: d.email!, name: d.name!, agencies: d.agencies.split(' ').filter(Boolean) });
  }
  if (recipients.length === 0) {
    return problem('ENOONE', `no one to follow up: ${records.length} recorded a discussion, ${tooRecent} of them too recently, ${asked.size} already asked`);
  }
  return { plan: { kind: 'new', parent, recipients, recorded: records.length, tooRecent, asked: asked.size }, problems: [] };
}

/** "14d", "36h" or a number of days, as milliseconds. */
export function parseAfter(text: string): number | undefined {
  const m = /^(\d{1,4})\s*(d|h)?$/i.exec(text.trim());
  if (!m) return undefined;
  return Number(m[1]) * (m[2]?.toLowerCase() === 'h' ? 3_600_000 : 86_400_000);
}
