import { setTimeout as sleep } from 'node:timers/promises';
import type { Campaign, Counts, Delivery, Store } from '../store/index.js';
import type { Composer } from './compose.js';
import { SendFailure, type Transport } from './transport.js';

export interface RetryPolicy {
  maxAttempts: number;
  /** The first retry waits about this long; each next one twice as long, with jitter. */
  retryBaseMs: number;
  /** After this many failures in a row the campaign pauses itself. */
  pauseAfterErrors: number;
}

export interface Progress {
  sent: number;
  failed: number;
  retried: number;
  remaining: number;
  total: number;
  /** Messages accepted per second in this run. */
  rate: number;
}

export interface LoopOptions extends RetryPolicy {
  store: Store;
  transport: Transport;
  campaign: Campaign;
  compose: Composer;
  /** Aborted on Ctrl-C: in-flight messages finish, nothing new starts. */
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** Called with each message the server accepted (tests count them). */
  onSent?: (delivery: Delivery) => void;
  /**
   * Claims hold for `leaseMs`, and the rate is counted in the store, so that other senders can
   * join the campaign (`send --worker`) and share both.
   */
  claim: { leaseMs: number; ratePerSecond: number };
  /** Joined a campaign others may be sending: their 'sending' rows stay theirs until their lease ends. */
  worker?: boolean;
}

export interface Outcome {
  state: 'completed' | 'paused';
  reason?: string;
  counts: Counts;
}

export function backoff(attempt: number, baseMs: number, random = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(exponential * (0.5 + random()), 60 * 60 * 1000);
}

/**
 * Sends every due delivery of a campaign. A row is claimed ('sending') before its message
 * goes and marked 'sent' only once the server accepted it; a killed run leaves at most the
 * in-flight rows 'sending', and those are sent again on resume.
 */
export async function runCampaign(options: LoopOptions): Promise<Outcome> {
  const { store, transport, campaign, compose, signal } = options;
  // Alone, rows a killed run left 'sending' go back at once; among workers, when their lease ends.
  if (!options.worker) await store.requeueInFlight(campaign.id);
  await store.setCampaignState(campaign.id, 'sending');
  const start = await store.counts(campaign.id);
  const total = start.queued + start.sent + start.failed;
  const progress: Progress = { sent: start.sent, failed: start.failed, retried: 0, remaining: start.queued, total, rate: 0 };
  const started = performance.now();
  const report = () => {
    progress.rate = (progress.sent - start.sent) / Math.max(0.001, (performance.now() - started) / 1000);
    options.onProgress?.({ ...progress });
  };

  let pausedFor: string | undefined;
  let errorsInARow = 0;
  const inFlight = new Set<Promise<void>>();
  let buffer: Delivery[] = [];
  const batch = Math.max(1, Math.min(Math.max(50, transport.concurrency * 4), Math.floor(options.claim.ratePerSecond)));

  const sendOne = async (d: Delivery) => {
    const message = compose(d);
    try {
      const accepted = await transport.send(message);
      await store.markSent(d.id, accepted.response, message.messageId!);
      errorsInARow = 0;
      progress.sent++;
      progress.remaining--;
      options.onSent?.(d);
    } catch (error) {
      const failure = error instanceof SendFailure ? error : new SendFailure(String((error as Error).message ?? error), true, false);
      errorsInARow++;
      const attempts = d.attempts + 1;
      if (failure.temporary && attempts < options.maxAttempts) {
        await store.markRetry(d.id, failure.response, Date.now() + backoff(attempts, options.retryBaseMs));
        progress.retried++;
      } else {
        await store.markFailed(d.id, failure.response);
        if (failure.noSuchUser) await store.suppress(d.email, 'hard-bounce', failure.response);
        progress.failed++;
        progress.remaining--;
      }
      if (errorsInARow >= options.pauseAfterErrors && !pausedFor) {
        pausedFor = `${errorsInARow} errors in a row; the last was: ${failure.response}`;
      }
    }
    report();
  };

  while (!signal?.aborted && !pausedFor) {
    if (buffer.length === 0) buffer = await store.claimDue(campaign.id, Date.now(), batch, options.claim);
    if (buffer.length === 0) {
      if (inFlight.size > 0) {
        await Promise.race(inFlight);
        continue;
      }
      const next = await store.nextDueAt(campaign.id);
      if (next === undefined) break;
      // Waiting for retries: wake when the first falls due, or at once on Ctrl-C.
      await sleep(Math.min(Math.max(10, next - Date.now()), 1000), undefined, { signal }).catch(() => undefined);
      continue;
    }
    while (inFlight.size >= transport.concurrency) await Promise.race(inFlight);
    if (signal?.aborted || pausedFor) break;
    const task: Promise<void> = sendOne(buffer.shift()!).finally(() => inFlight.delete(task));
    inFlight.add(task);
  }
  await Promise.all(inFlight);
  if (buffer.length) await store.release(buffer.map((d) => d.id));

  const counts = await store.counts(campaign.id);
  const unfinished = counts.queued + counts.sending;
  if (unfinished === 0) {
    await store.setCampaignState(campaign.id, 'completed');
    report();
    return { state: 'completed', counts };
  }
  const reason = pausedFor ?? (signal?.aborted ? 'stopped by the user' : 'stopped');
  await store.setCampaignState(campaign.id, 'paused', reason);
  report();
  return { state: 'paused', reason, counts };
}
