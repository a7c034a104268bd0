import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { openProject, renderBySlug } from '../build.js';
import { loadLists } from '../lists/index.js';
import { hasErrors } from '../problem.js';
import type { Config } from '../config/index.js';
import type { Agency } from '../lists/index.js';
import { dateLabel, type Rendered } from '../render/index.js';
import { createComposer, dryRunTransport, outboxTransport, parseAfter, planCampaign, planReminder, runCampaign, smtpTransport, type Progress, type Transport } from '../send/index.js';
import type { Campaign, NewCampaign, Store } from '../store/index.js';
import { openStoreOrFail } from './store.js';
import { openSqliteStore } from '../store/index.js';
import { createTokens, loadSecret } from '../tokens/index.js';
import { confirm, fail, report, today } from './output.js';

export interface SendOptions {
  agency?: string[];
  yes?: boolean;
  dryRun?: boolean;
  resume?: boolean;
  again?: boolean;
  test?: string;
  sendBy?: string;
  remind?: boolean;
  after?: string;
  worker?: boolean;
}

/** What `send` is about to do, said to the user, and how to start it. */
interface Prepared {
  summary: string[];
  isNew: boolean;
  start(store: Store): Promise<Campaign>;
  reminderOf?: string;
}

async function prepareCampaign(store: Store, rendered: Rendered, agencies: Agency[], options: SendOptions): Promise<Prepared> {
  const { plan, problems } = await planCampaign(store, rendered, agencies, {
    agencies: options.agency,
    again: options.again,
    resume: options.resume,
    sendBy: options.sendBy,
    today: today(),
  });
  if (!plan) fail(problems);
  if (plan.kind === 'resume') {
    const c = plan.counts;
    return {
      summary: [`resuming campaign ${plan.campaign.id} of "${plan.campaign.title}": ${c.sent} sent, ${c.failed} failed, ${c.queued + c.sending} left`],
      isNew: false,
      start: async () => plan.campaign,
    };
  }
  const n = plan.agencies.length;
  const summary = [
    `"${rendered.briefing.title}"`,
    `  ${plan.recipients.length} recipients in ${n} agenc${n === 1 ? 'y' : 'ies'} (${plan.agencies.join(', ')}), ${plan.suppressed} suppressed`,
  ];
  if (plan.sendBy) summary.push(`  to be sent by ${plan.sendBy}`);
  return { summary, isNew: true, start: (runStore) => newCampaign(runStore, rendered, plan.agencies, plan.recipients, plan.sendBy) };
}

function newCampaign(store: Store, rendered: Rendered, agencies: string[], recipients: NewCampaign['recipients'], sendBy?: string, parent?: Campaign) {
  return store.createCampaign({
    slug: rendered.briefing.slug,
    title: rendered.briefing.title,
    content_hash: rendered.hash,
    kind: parent ? 'reminder' : 'briefing',
    parent_id: parent?.id,
    agencies,
    send_by: sendBy,
    recipients,
    links: rendered.links,
  });
}

async function prepareReminder(store: Store, rendered: Rendered, config: Config, options: SendOptions): Promise<Prepared> {
  const afterMs = parseAfter(options.after ?? '14d');
  if (afterMs === undefined) fail(`--after ${options.after}: expected days like 14d, or hours like 36h`);
  const { plan, problems } = await planReminder(store, rendered, { afterMs, now: Date.now(), tracking: config.tracking });
  if (!plan) fail(problems);
  if (plan.kind === 'resume') {
    const parent = (await store.campaign(plan.campaign.parent_id!))!;
    return {
      summary: [`resuming reminder campaign ${plan.campaign.id} of "${plan.campaign.title}": ${plan.counts.queued + plan.counts.sending} left`],
      isNew: false,
      start: async () => plan.campaign,
      reminderOf: dateLabel(new Date(parent.created_at).toISOString().slice(0, 10)),
    };
  }
  const sentOn = dateLabel(new Date(plan.parent.created_at).toISOString().slice(0, 10));
  return {
    summary: [
      `reminder of "${rendered.briefing.title}" (campaign ${plan.parent.id}, sent ${sentOn})`,
      `  ${plan.recipients.length} have not acknowledged after ${options.after ?? '14d'}; ${plan.acknowledged} acknowledged; ${plan.tooRecent} received it too recently`,
    ],
    isNew: true,
    start: (runStore) => newCampaign(runStore, rendered, plan.parent.agencies.split(' '), plan.recipients, undefined, plan.parent),
    reminderOf: sentOn,
  };
}

function progressReporter(total: number) {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: '{bar} {value}/{total}  sent {sent}  failed {failed}  retrying {retried}  left {remaining}  {rate}/s', hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { sent: 0, failed: 0, retried: 0, remaining: total, rate: '0' });
    return {
      update: (p: Progress) => bar.update(p.sent + p.failed, { ...p, rate: p.rate.toFixed(1) }),
      stop: () => bar.stop(),
    };
  }
  // Not a terminal (a log, CI): a plain line every few seconds.
  let last = 0;
  const line = (p: Progress) => console.error(`sent ${p.sent}, failed ${p.failed}, retrying ${p.retried}, left ${p.remaining} of ${p.total} (${p.rate.toFixed(1)}/s)`);
  let latest: Progress | undefined;
  return {
    update: (p: Progress) => {
      latest = p;
      if (Date.now() - last > 2000) {
        last = Date.now();
        line(p);
      }
    },
    stop: () => latest && line(latest),
  };
}

/** The send loop's retry policy, lease and rate, from briefcast.yml. */
function loopSettings(config: Config, ratePerSecond: number) {
  return {
    maxAttempts: config.send.max_attempts,
    retryBaseMs: config.send.retry_base_seconds * 1000,
    pauseAfterErrors: config.send.pause_after_errors,
    claim: { leaseMs: config.send.lease_seconds * 1000, ratePerSecond },
  };
}

function transportFor(root: string, campaignId: number | string, settings: Config['send']): Transport {
  const url = process.env.SMTP_URL;
  return url ? smtpTransport(url, settings) : outboxTransport(join(root, 'outbox', String(campaignId)));
}

/** One proof copy, marked as such, recorded nowhere: plain links, no tracking. */
export async function sendProof(root: string, config: Config, rendered: Rendered, address: string): Promise<string> {
  const transport = transportFor(root, 'proofs', config.send);
  try {
    const compose = createComposer({ config, rendered, tokens: createTokens('proof'), subjectPrefix: '[Proof] ' });
    const result = await transport.send(compose({ id: 0, seq: Date.now(), email: address, name: address }));
    return `${result.response} (through ${transport.description})`;
  } finally {
    await transport.close();
  }
}

export async function sendCommand(target: string, options: SendOptions): Promise<void> {
  if (options.worker) return workerCommand(target);
  const slug = target;
  const { project, problems } = await openProject();
  if (!project) fail(problems);
  const lists = loadLists(join(project.root, 'lists', 'agencies.yml'));
  if (hasErrors(lists.problems)) {
    report(lists.problems);
    fail('the agency lists have problems (above); fix them before sending', 'ELISTS');
  }
  const found = renderBySlug(project, slug);
  if (!found.rendered) fail(found.problems);
  const rendered = found.rendered;
  const { config } = project;

  const tokens = () => {
    try {
      return createTokens(loadSecret(project.root));
    } catch (error) {
      fail(`cannot read or create the secret in data/secret: ${(error as Error).message} (or set BRIEFCAST_SECRET)`, 'ESECRET');
    }
  };

  if (options.test) {
    const response = await sendProof(project.root, config, rendered, options.test);
    console.log(`proof of "${rendered.briefing.title}" sent to ${options.test}: ${response}`);
    return;
  }

  const store = await openStoreOrFail(project.root);
  try {
    const prepared = options.remind ? await prepareReminder(store, rendered, config, options) : await prepareCampaign(store, rendered, lists.agencies, options);
    const signer = tokens();
    const via = options.dryRun
      ? 'a dry run (nothing is sent)'
      : process.env.SMTP_URL
        ? `SMTP ${new URL(process.env.SMTP_URL).host}, ${config.send.connections} connection(s)`
        : `the outbox (${join(project.root, 'outbox')}/<campaign>/)`;
    for (const line of prepared.summary) console.log(line);
    if (options.dryRun && !prepared.isNew) {
      console.log('dry run: nothing was sent or recorded');
      return;
    }
    if (prepared.isNew) console.log(`  through ${via}, at most ${config.send.rate_per_second}/s`);
    if (!options.dryRun && process.env.SMTP_URL && new URL(config.base_url).protocol === 'http:')
      console.error(`briefcast: warning: base_url ${config.base_url} is http://: mailbox providers offer one-click unsubscribe only for https (RFC 8058)`);
    if (!options.yes && !options.dryRun) {
      if (!process.stdin.isTTY) fail('not asking for confirmation: input is not a terminal; add --yes to send', 'ENOTTY');
      if (!(await confirm('Send now?'))) {
        console.log('nothing sent');
        return;
      }
    }

    // A dry run plans into a throw-away database, so it writes nothing that a real send would find.
    const runStore = options.dryRun ? await openSqliteStore(':memory:') : store;
    const campaign = await prepared.start(runStore);
    const transport = options.dryRun ? dryRunTransport() : transportFor(project.root, campaign.id, config.send);
    if (!options.dryRun) console.log(`campaign ${campaign.id}`);

    const abort = new AbortController();
    const onSignal = () => {
      if (abort.signal.aborted) process.exit(130);
      console.error('\nstopping: letting messages in flight finish (Ctrl-C again to quit at once)');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const counts = await runStore.counts(campaign.id);
    const progress = progressReporter(counts.queued + counts.sending + counts.sent + counts.failed);
    const outcome = await runCampaign({
      store: runStore,
      transport: transport,
      campaign,
      compose: createComposer({ config, rendered, campaign: campaign.id, tokens: signer, reminderOf: prepared.reminderOf }),
      // A dry run hands nothing to a relay, so no relay's rate applies.
      ...loopSettings(config, options.dryRun ? Number.MAX_SAFE_INTEGER : config.send.rate_per_second),
      signal: abort.signal,
      onProgress: progress.update,
    });
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await transport.close();

    const c = outcome.counts;
    if (options.dryRun) {
      let shown = 0;
      for await (const d of runStore.deliveries(campaign.id)) {
        if (shown++ < 50) console.log(`  ${d.state === 'suppressed' ? 'suppressed' : 'would send'}  ${d.name} <${d.email}>  (${d.agencies.split(' ').join(', ')})`);
      }
      if (shown > 50) console.log(`  … and ${shown - 50} more`);
      console.log(`dry run: ${c.sent} messages would be sent, ${c.suppressed} suppressed; nothing was sent or recorded`);
      await runStore.close();
      return;
    }
    console.log(`campaign ${campaign.id} ${outcome.state}: ${c.sent} sent, ${c.failed} failed, ${c.suppressed} suppressed, ${c.queued + c.sending} left`);
    if (c.failed) console.log(`  failures and their SMTP responses: npx briefcast campaigns ${campaign.id}`);
    if (outcome.state === 'paused') {
      console.log(`  paused: ${outcome.reason}`);
      console.log(`  to resume: npx briefcast send ${rendered.briefing.slug} ${options.remind ? '--remind' : '--resume'}`);
      process.exitCode = abort.signal.aborted ? 130 : 1;
    }
  } finally {
    await store.close();
  }
}

/**
 * `send <campaign> --resume --worker`: one of several senders draining a campaign, on this
 * machine or others sharing DATABASE_URL. Claims under a lease, shares the rate through the
 * store, and never asks: the campaign was confirmed when it was created.
 */
async function workerCommand(target: string): Promise<void> {
  const { project, problems } = await openProject();
  if (!project) fail(problems);
  const { config } = project;
  const store = await openStoreOrFail(project.root);
  try {
    const campaign = /^\d+$/.test(target)
      ? await store.campaign(Number(target))
      : (await store.campaignsFor(target)).filter((c) => c.state !== 'completed').at(-1);
    if (!campaign) fail(`no unfinished campaign "${target}" to work on (briefcast campaigns lists them)`, 'ENOCAMPAIGN');
    if (campaign.state === 'completed') fail(`campaign ${campaign.id} is already completed`, 'ECOMPLETED');
    const found = renderBySlug(project, campaign.slug);
    if (!found.rendered) fail(found.problems);
    if (found.rendered.hash !== campaign.content_hash) fail(`the briefing changed since campaign ${campaign.id} started; restore it to finish that campaign`, 'ECHANGED');
    let sentOn: string | undefined;
    if (campaign.kind === 'reminder') sentOn = dateLabel(new Date((await store.campaign(campaign.parent_id!))!.created_at).toISOString().slice(0, 10));
    const transport = transportFor(project.root, campaign.id, config.send);
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    process.once('SIGTERM', () => abort.abort());
    const outcome = await runCampaign({
      store,
      transport,
      campaign,
      compose: createComposer({ config, rendered: found.rendered, campaign: campaign.id, tokens: createTokens(loadSecret(project.root)), reminderOf: sentOn }),
      ...loopSettings(config, config.send.rate_per_second),
      signal: abort.signal,
      worker: true,
    });
    await transport.close();
    const c = outcome.counts;
    console.log(`worker ${process.pid} on campaign ${campaign.id}: ${outcome.state}; ${c.sent} sent, ${c.failed} failed, ${c.queued + c.sending} left`);
  } finally {
    await store.close();
  }
}
