import { join } from 'node:path';
import cliProgress from 'cli-progress';
import { loadConfig, type Config } from '../config/index.js';
import { loadLists } from '../lists/index.js';
import { hasErrors } from '../problem.js';
import type { Rendered } from '../render/index.js';
import { nextStep, parseSmtpUrl, prepareSend, runSend, runSendOnThread, senderId, sendProof as proof, transportOf, type Progress, type Source, type TransportSpec } from '../send/index.js';
import { createTokens, loadSecret } from '../tokens/index.js';
import { confirm, fail, report, today } from './output.js';
import { openStoreOrFail } from './store.js';

// No static import of the renderer or the build: resuming, retrying and workers send what the
// store holds, so they never load MJML or unified (only a new campaign or a proof renders).

export interface SendOptions {
  agency?: string[];
  yes?: boolean;
  dryRun?: boolean;
  resume?: boolean;
  again?: boolean;
  test?: string;
  sendBy?: string;
  remind?: boolean;
  followUp?: boolean;
  after?: string;
  worker?: boolean;
  retryFailed?: boolean;
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

function transportFor(root: string, campaignId: number | string, settings: Config['send']): TransportSpec {
  const url = process.env.SMTP_URL;
  return url ? { kind: 'smtp', url, settings } : { kind: 'outbox', dir: join(root, 'outbox', String(campaignId)) };
}

function secretOf(root: string): Buffer {
  try {
    return loadSecret(root);
  } catch (error) {
    fail(`cannot read or create the secret in data/secret: ${(error as Error).message} (or set BRIEFCAST_SECRET)`, 'ESECRET');
  }
}

/** The briefing as rendered, loaded only when a new campaign or a proof needs it. */
async function renderSource(root: string, slug: string): Promise<Source> {
  const { openProject, renderBySlug } = await import('../build.js');
  const { dateLabel, pageUrl } = await import('../render/index.js');
  const { project, problems } = await openProject({ root });
  if (!project) fail(problems);
  const lists = loadLists(join(project.root, 'lists', 'agencies.yml'));
  if (hasErrors(lists.problems)) {
    report(lists.problems);
    fail('the agency lists have problems (above); fix them before sending', 'ELISTS');
  }
  const found = renderBySlug(project, slug);
  if (!found.rendered) fail(found.problems);
  return sourceOf(project.config, found.rendered, lists.agencies, pageUrl, dateLabel);
}

function sourceOf(config: Config, rendered: Rendered, agencies: Source['agencies'], pageUrl: (c: Config, slug: string) => string, dateLabel: Source['dateLabel']): Source {
  return { rendered, agencies, webUrl: pageUrl(config, rendered.briefing.slug), dateLabel };
}

/** One proof copy, recorded nowhere (also the preview's "send me a proof"). */
export async function sendProof(root: string, config: Config, rendered: Rendered, address: string): Promise<string> {
  const { dateLabel, pageUrl } = await import('../render/index.js');
  return proof(sourceOf(config, rendered, [], pageUrl, dateLabel), config, transportOf(transportFor(root, 'proofs', config.send)), createTokens('proof'), address);
}

export async function sendCommand(target: string, options: SendOptions): Promise<void> {
  const root = process.cwd();
  const loaded = loadConfig(join(root, 'briefcast.yml'));
  if (!loaded.config) fail(loaded.problems);
  const config = loaded.config;

  if (options.test) {
    const { rendered } = await renderSource(root, target);
    const response = await sendProof(root, config, rendered, options.test);
    console.log(`proof of "${rendered.briefing.title}" sent to ${options.test}: ${response}`);
    return;
  }

  const store = await openStoreOrFail(root);
  try {
    const intent = { ...options, target, agencies: options.agency, today: today() };
    const { prepared, problems } = await prepareSend(store, config, intent, () => renderSource(root, target));
    if (!prepared) fail(problems);
    for (const line of prepared.summary) console.log(line);

    if (options.dryRun) {
      // The real plan against the real store, which it only reads: nothing is written or sent.
      let going = 0;
      let skipped = 0;
      for await (const p of prepared.planned()) {
        if (p.suppressed) skipped++;
        else going++;
        console.log(`${p.suppressed ? 'would skip' : 'would send'}  ${p.name} <${p.email}>  (${p.agencies})${p.suppressed ? '  suppressed' : ''}`);
      }
      console.log(`dry run: ${going} messages would be sent, ${skipped} skipped as suppressed; nothing was sent or recorded`);
      return;
    }

    if (prepared.isNew) {
      const via = process.env.SMTP_URL ? `SMTP ${parseSmtpUrl(process.env.SMTP_URL).host}, ${config.send.connections} connection(s)` : `the outbox (${join(root, 'outbox')}/<campaign>/)`;
      console.log(`  through ${via}, at most ${config.send.rate_per_second}/s`);
      if (process.env.SMTP_URL && new URL(config.base_url).protocol === 'http:')
        console.error(`briefcast: warning: base_url ${config.base_url} is http://: mailbox providers offer one-click unsubscribe only for https (RFC 8058)`);
      if (!options.yes) {
        if (!process.stdin.isTTY) fail('not asking for confirmation: input is not a terminal; add --yes to send', 'ENOTTY');
        if (!(await confirm('Send now?'))) {
          console.log('nothing sent');
          return;
        }
      }
    }
    const campaign = await prepared.start();
    if (prepared.isNew) console.log(`campaign ${campaign.id}`);

    const abort = new AbortController();
    const onSignal = () => {
      if (abort.signal.aborted) process.exit(130);
      console.error('\nstopping: letting messages in flight finish (Ctrl-C again to quit at once)');
      abort.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const counts = await store.counts(campaign.id);
    const progress = progressReporter(counts.queued + counts.sending + counts.sent + counts.failed);
    const run = {
      root,
      campaign,
      config,
      transport: transportFor(root, campaign.id, config.send),
      secret: secretOf(root),
      owner: senderId(),
      signal: abort.signal,
      onProgress: progress.update,
      onJoin: (sender: string) => console.log(`  campaign ${campaign.id} is being sent by ${sender}: joining it as one more sender`),
    };
    let outcome;
    try {
      outcome = await runSendOnThread(run, async (here) => {
        console.error('briefcast: the sending thread stopped; sending the rest from this one');
        return runSend({ ...run, store: here, transport: transportOf(run.transport), tokens: createTokens(run.secret) });
      }, store);
    } finally {
      progress.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const c = outcome.counts;
    console.log(`campaign ${campaign.id} ${outcome.state}: ${c.sent} sent, ${c.failed} failed, ${c.suppressed} suppressed, ${c.queued + c.sending} left`);
    const next = await nextStep(store, prepared, campaign, outcome, abort.signal.aborted);
    for (const line of next.lines) console.log(line);
    process.exitCode = next.code;
  } finally {
    await store.close();
  }
}
