import { inlineStyles } from './inline.js';
import type { Config } from '../config/index.js';
import type { Problem } from '../problem.js';
import type { Campaign, Store } from '../store/index.js';
import type { Tokens } from '../tokens/index.js';
import { createComposer, senderOf } from './compose.js';
import type { Outcome } from './loop.js';
import { isLate, parseAfter, planCampaign, plannedContent, plannedContents, planFollowUp, planReminder, type FollowUpPlan, type ReminderPlan, type Source } from './plan.js';
import type { Transport } from './transport.js';
import { isoDay } from '../days.js';

/** What the user asked `send` to do. */
export interface SendIntent {
  /** The briefing's slug; with `worker`, a campaign id or a slug. */
  target: string;
  agencies?: string[];
  again?: boolean;
  resume?: boolean;
  sendBy?: string;
  remind?: boolean;
  /** What has changed since? To the readers who recorded a discussion. */
  followUp?: boolean;
  after?: string;
  retryFailed?: boolean;
  worker?: boolean;
  /** Today, as YYYY-MM-DD (the board office's local date). */
  today: string;
}

/** One line of a dry run: who would get a message, or would not and why. */
export interface Planned {
  email: string;
  name: string;
  agencies: string;
  suppressed: boolean;
}

/** What `send` is about to do, said to the user, and how to start it. */
export interface Prepared {
  summary: string[];
  /** A campaign that does not exist yet: the user is asked before it does. */
  isNew: boolean;
  /** The briefing's slug, for the "what to run next" line. */
  slug: string;
  kind: Campaign['kind'];
  /** Everyone the run would send to or skip, read from the real store; writes nothing. */
  planned(): AsyncIterable<Planned>;
  /** Writes the campaign (with what it sends) or re-queues what a retry takes, and returns it. */
  start(): Promise<Campaign>;
}

type Prepare = { prepared?: Prepared; problems: Problem[] };
const problem = (code: string, message: string): Prepare => ({ problems: [{ code, severity: 'error', message }] });

async function* pending(store: Store, campaignId: number, states: readonly string[], failedToo = false): AsyncIterable<Planned> {
  for await (const d of store.deliveries(campaignId)) {
    if (!states.includes(d.state) || (failedToo && d.permanent)) continue;
    yield { email: d.email, name: d.name, agencies: d.agencies, suppressed: await store.isSuppressed(d.email) };
  }
}

function existing(store: Store, campaign: Campaign, summary: string, states: readonly string[], start: () => Promise<Campaign> = async () => campaign): Prepared {
  return {
    summary: [summary],
    isNew: false,
    slug: campaign.slug,
    kind: campaign.kind,
    planned: () => pending(store, campaign.id, states, states.includes('failed')),
    start,
  };
}

const unsent = ['queued', 'sending'] as const;

/**
 * Every way into sending goes through here: a new campaign, a resume, a worker joining, a retry
 * of failures, a reminder. Only a new campaign or reminder needs `source` (the renderer); every
 * other path reads what the campaign sends from the store.
 */
export async function prepareSend(store: Store, config: Config, intent: SendIntent, source: () => Promise<Source>): Promise<Prepare> {
  const kind = intent.remind ? 'reminder' : intent.followUp ? 'follow-up' : 'briefing';

  if (intent.worker) {
    const campaign = /^\d+$/.test(intent.target)
      ? await store.campaign(Number(intent.target))
      : (await store.campaignsFor(intent.target)).filter((c) => c.state !== 'completed').at(-1);
    if (!campaign) return problem('ENOCAMPAIGN', `no unfinished campaign "${intent.target}" to work on (briefcast campaigns lists them)`);
    if (campaign.state === 'completed') return problem('ECOMPLETED', `campaign ${campaign.id} is already completed`);
    if (isLate(campaign.send_by, intent.today)) return problem('ELATE', `campaign ${campaign.id} had to be sent by ${campaign.send_by}; it will not resume late`);
    return { prepared: existing(store, campaign, `joining campaign ${campaign.id} of "${campaign.title}" as one more sender`, unsent), problems: [] };
  }

  if (intent.retryFailed) {
    const campaigns = (await store.campaignsFor(intent.target)).filter((c) => c.kind === kind);
    for (const campaign of campaigns.reverse()) {
      const retryable = (await store.failures(campaign.id)).filter((d) => !d.permanent).length;
      if (!retryable) continue;
      if (isLate(campaign.send_by, intent.today)) return problem('ELATE', `campaign ${campaign.id} had to be sent by ${campaign.send_by}; it will not be retried late`);
      const start = async () => {
        await store.requeueFailed(campaign.id);
        return campaign;
      };
      return { prepared: existing(store, campaign, `retrying ${retryable} failed message(s) of campaign ${campaign.id} of "${campaign.title}"`, ['failed'], start), problems: [] };
    }
    return problem('ENOFAILED', `no failed messages of "${intent.target}" to retry (addresses that do not exist are not retried: briefcast suppressions lists them)`);
  }

  if (intent.remind) return prepareReminder(store, config, intent, source);
  if (intent.followUp) return prepareFollowUp(store, config, intent, source);

  if (intent.resume && !intent.again) {
    // No rendering: a resume sends what the campaign stored when it was planned.
    const unfinished = (await store.campaignsFor(intent.target)).filter((c) => c.kind === 'briefing' && c.state !== 'completed').at(-1);
    if (!unfinished) return problem('ENORESUME', `no unfinished campaign for "${intent.target}" to resume`);
    if (isLate(unfinished.send_by, intent.today)) return problem('ELATE', `campaign ${unfinished.id} had to be sent by ${unfinished.send_by}; it will not resume late`);
    return { prepared: await resumeOf(store, unfinished), problems: [] };
  }

  const src = await source();
  const { rendered } = src;
  const { plan, problems } = await planCampaign(store, rendered, src.agencies, {
    agencies: intent.agencies,
    again: intent.again,
    sendBy: intent.sendBy,
    today: intent.today,
  });
  if (!plan) return { problems };
  if (plan.kind === 'resume') return { prepared: await resumeOf(store, plan.campaign), problems: [] };
  const n = plan.agencies.length;
  const summary = [
    `"${rendered.briefing.title}"`,
    `  ${plan.recipients.length} recipients in ${n} agenc${n === 1 ? 'y' : 'ies'} (${plan.agencies.join(', ')}), ${plan.suppressed} suppressed`,
  ];
  if (plan.sendBy) summary.push(`  to be sent by ${plan.sendBy}`);
  if (rendered.briefing.lessons.some((l) => l.agencies?.length)) {
    // Who gets which lessons, said before anything goes: a person on two lists gets both lists' lessons.
    for (const id of plan.agencies) {
      const people = plan.recipients.filter((r) => r.agencies.includes(id)).length;
      summary.push(`  ${id}: ${people} ${people === 1 ? 'person receives' : 'people receive'} ${rendered.lessonsFor([id]).length} of ${rendered.briefing.lessons.length} lessons`);
    }
  }
  // Rendered now, inlined only when the campaign starts: a dry run, or a no at the prompt, never pays for it.
  const content = plannedContents(src, { tracked: config.tracking !== 'off' }, plan.recipients.map((r) => r.agencies));
  return {
    prepared: {
      summary,
      isNew: true,
      slug: rendered.briefing.slug,
      kind: 'briefing',
      async *planned() {
        for (const r of plan.recipients) yield { email: r.email, name: r.name, agencies: r.agencies.join(' '), suppressed: await store.isSuppressed(r.email) };
      },
      start: async () =>
        store.createCampaign({
          slug: rendered.briefing.slug,
          title: rendered.briefing.title,
          content_hash: rendered.hash,
          agencies: plan.agencies,
          send_by: plan.sendBy,
          recipients: plan.recipients,
          links: rendered.links,
          content: await inlineStyles(content),
          questions: rendered.questions,
        }),
    },
    problems: [],
  };
}

async function resumeOf(store: Store, campaign: Campaign): Promise<Prepared> {
  const c = await store.counts(campaign.id);
  const what = campaign.kind === 'briefing' ? 'campaign' : `${campaign.kind} campaign`;
  return existing(store, campaign, `resuming ${what} ${campaign.id} of "${campaign.title}": ${c.sent} sent, ${c.failed} failed, ${c.queued + c.sending} left`, unsent);
}

type Recipients = { email: string; name: string; agencies: string[] }[];

/**
 * A reminder or a follow-up: a short email to some of the first campaign's readers, as a
 * campaign of its own linked to it, rendered now like every campaign (the sender only fills in
 * each reader). `planner` decides who, from `--after` (or its default); `words` is the summary,
 * given the plan and the date the briefing was sent.
 */
async function prepareChild<New extends { kind: 'new'; parent: Campaign; recipients: Recipients }>(
  store: Store,
  kind: 'reminder' | 'follow-up',
  after: string,
  planner: (afterMs: number) => Promise<{ plan?: New | { kind: 'resume'; campaign: Campaign }; problems: Problem[] }>,
  source: () => Promise<Source>,
  words: (plan: New, title: string, sentOn: string) => string[],
): Promise<Prepare> {
  const afterMs = parseAfter(after);
  if (afterMs === undefined) return problem('EUSAGE', `--after ${after}: expected days like 14d, or hours like 36h`);
  const { plan, problems } = await planner(afterMs);
  if (!plan) return { problems };
  if (plan.kind === 'resume') return { prepared: await resumeOf(store, plan.campaign), problems: [] };
  const src = await source();
  const { rendered } = src;
  const { parent, recipients } = plan;
  const sentOn = src.dateLabel(isoDay(parent.created_at)) ?? isoDay(parent.created_at);
  const content = [plannedContent(src, { tracked: true, ...(kind === 'reminder' ? { reminderOf: sentOn } : { followUpOf: sentOn }) })];
  return {
    prepared: {
      summary: words(plan, rendered.briefing.title, sentOn),
      isNew: true,
      slug: parent.slug,
      kind,
      async *planned() {
        for (const r of recipients) yield { email: r.email, name: r.name, agencies: r.agencies.join(' '), suppressed: await store.isSuppressed(r.email) };
      },
      start: async () =>
        store.createCampaign({
          slug: parent.slug,
          title: parent.title,
          content_hash: rendered.hash,
          kind,
          parent_id: parent.id,
          agencies: parent.agencies.split(' '),
          recipients,
          links: rendered.links,
          content: await inlineStyles(content),
        }),
    },
    problems: [],
  };
}

function prepareReminder(store: Store, config: Config, intent: SendIntent, source: () => Promise<Source>): Promise<Prepare> {
  const after = intent.after ?? '14d';
  const planner = (afterMs: number) => planReminder(store, intent.target, { afterMs, now: Date.now(), tracking: config.tracking });
  return prepareChild<Extract<ReminderPlan, { kind: 'new' }>>(store, 'reminder', after, planner, source, (plan, title, sentOn) => [
    `reminder of "${title}" (campaign ${plan.parent.id}, sent ${sentOn})`,
    `  ${plan.recipients.length} have not acknowledged after ${after}; ${plan.acknowledged} acknowledged; ${plan.tooRecent} received it too recently`,
  ]);
}

function prepareFollowUp(store: Store, config: Config, intent: SendIntent, source: () => Promise<Source>): Promise<Prepare> {
  const after = intent.after ?? '90d';
  const planner = (afterMs: number) => planFollowUp(store, intent.target, { afterMs, now: Date.now(), tracking: config.tracking });
  return prepareChild<Extract<FollowUpPlan, { kind: 'new' }>>(store, 'follow-up', after, planner, source, (plan, title, sentOn) => [
    `follow-up of "${title}" (campaign ${plan.parent.id}, sent ${sentOn}): what has changed since?`,
    `  ${plan.recipients.length} recorded a discussion ${after} ago or more; ${plan.tooRecent} too recently; ${plan.asked} already asked`,
  ]);
}

/** One proof copy, marked as such, recorded nowhere: plain links, no tracking, a Message-ID of its own. */
export async function sendProof(source: Source, config: Config, transport: Transport, tokens: Tokens, address: string): Promise<string> {
  try {
    const content = await inlineStyles([plannedContent(source, { tracked: false, subjectPrefix: `${source.rendered.subjects.proof} ` })]);
    const compose = createComposer({ sender: senderOf(config), content, links: source.rendered.links, slug: source.rendered.briefing.slug, tokens, installId: 'proof' });
    const result = await transport.send(compose({ id: 0, seq: Date.now(), email: address, name: address, agencies: '' }));
    return `${result.response} (through ${transport.description})`;
  } finally {
    await transport.close();
  }
}

/** The exit code of a run and the one line that says what to run next. */
export async function nextStep(store: Store, prepared: Pick<Prepared, 'slug' | 'kind'>, campaign: Campaign, outcome: Outcome, stoppedByUser: boolean): Promise<{ code: number; lines: string[] }> {
  const c = outcome.counts;
  const flag = prepared.kind === 'reminder' ? ' --remind' : prepared.kind === 'follow-up' ? ' --follow-up' : '';
  const lines: string[] = [];
  if (outcome.state === 'stopped' || outcome.state === 'paused') {
    lines.push(`  ${outcome.state}: ${outcome.reason}`);
    lines.push(`  to resume: npx briefcast send ${prepared.slug} ${flag.trim() || '--resume'}`);
    return { code: stoppedByUser ? 130 : 1, lines };
  }
  if (!c.failed) return { code: 0, lines };
  const failures = await store.failures(campaign.id);
  const retryable = failures.filter((d) => !d.permanent).length;
  const gone = failures.length - retryable;
  lines.push(`  failures and their SMTP responses: npx briefcast campaigns ${campaign.id}`);
  if (gone) lines.push(`  ${gone} address(es) do not exist and are now suppressed: npx briefcast suppressions`);
  if (retryable) lines.push(`  to try the ${retryable} other failure(s) again: npx briefcast send ${prepared.slug}${flag} --retry-failed`);
  return { code: 1, lines };
}
