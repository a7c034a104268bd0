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
   * Claims hold for `leaseMs`, renewed while this sender lives, and the rate is counted in the
   * store, so that other senders can join the campaign and share both.
   */
  claim: { leaseMs: number; ratePerSecond: number };
  /** This sender: the rows it claims carry it. */
  owner: string;
  /** How long a store write that failed (a lock held by another process) is retried before the run stops (default 60 s). */
  waitForStoreMs?: number;
}

export interface Outcome {
  /** 'stopped': the database failed; rows in flight stay claimed until their lease ends. */
  state: 'completed' | 'paused' | 'stopped';
  reason?: string;
  counts: Counts;
}

export function backoff(attempt: number, baseMs: number, random = Math.random): number {
  const exponential = baseMs * 2 ** Math.max(0, attempt - 1);
  // Whole milliseconds: the stores keep times as integers.
  return Math.round(Math.min(exponential * (0.5 + random()), 60 * 60 * 1000));
}

const message = (error: unknown) => String((error as Error)?.message ?? error);

/** A write retried while the database is locked, up to `waitForStoreMs`; then its error stands. */
async function patiently<T>(options: Pick<LoopOptions, 'waitForStoreMs'>, write: () => Promise<T>): Promise<T> {
  const until = performance.now() + (options.waitForStoreMs ?? 60_000);
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (performance.now() >= until) throw error;
      await sleep(Math.min(1000, 25 * 2 ** attempt));
    }
  }
}

/**
 * Sends every due delivery of a campaign. A row is claimed ('sending', with this sender as its
 * owner) before its message goes and marked 'sent' only once the server accepted it; a killed
 * run leaves at most the in-flight rows 'sending', and those go again once their lease ends.
 * Other live senders' rows are never taken: their leases are renewed while they run.
 */
export async function runCampaign(options: LoopOptions): Promise<Outcome> {
  const { store, campaign, owner } = options;
  const leaseMs = options.claim.leaseMs;
  try {
    await patiently(options, () => store.setCampaignState(campaign.id, 'sending'));
    await patiently(options, () => store.renewLeases(campaign.id, owner, Date.now() + leaseMs));
  } catch (error) {
    return { state: 'stopped', reason: `the database failed: ${message(error)}`, counts: { queued: 0, sending: 0, sent: 0, failed: 0, suppressed: 0 } };
  }
  // A slow server must not let a lease lapse while its message is still on the wire.
  const heartbeat = setInterval(() => void store.renewLeases(campaign.id, owner, Date.now() + leaseMs).catch(() => undefined), Math.max(20, leaseMs / 3));
  try {
    return await drain(options);
  } finally {
    clearInterval(heartbeat);
    await store.leaveCampaign(campaign.id, owner).catch(() => undefined);
  }
}

async function drain(options: LoopOptions): Promise<Outcome> {
  const { store, transport, campaign, compose, signal, owner } = options;
  const start = await store.counts(campaign.id);
  const total = start.queued + start.sending + start.sent + start.failed;
  const progress: Progress = { sent: start.sent, failed: start.failed, retried: 0, remaining: start.queued + start.sending, total, rate: 0 };
  const started = performance.now();
  const report = () => {
    progress.rate = (progress.sent - start.sent) / Math.max(0.001, (performance.now() - started) / 1000);
    options.onProgress?.({ ...progress });
  };

  let pausedFor: string | undefined;
  let stoppedFor: string | undefined;
  let errorsInARow = 0;
  const inFlight = new Set<Promise<void>>();
  let buffer: Delivery[] = [];
  const batch = Math.max(1, Math.min(Math.max(50, transport.concurrency * 4), Math.floor(options.claim.ratePerSecond)));

  /** Once the server has a message, recording it is retried; it never becomes a second send. */
  const record = async (d: Delivery, response: string, messageId: string) => {
    try {
      await patiently(options, () => store.markSent(d.id, response, messageId));
      return true;
    } catch (error) {
      stoppedFor ??= `the database did not record a message the server accepted (${message(error)}); it stays in flight`;
      return false;
    }
  };

  const onFailure = async (d: Delivery, error: unknown) => {
    const failure = error instanceof SendFailure ? error : new SendFailure(message(error), 'campaign');
    errorsInARow++;
    if (failure.kind === 'campaign') {
      // Every message would meet the same answer: stop, put the row back, blame no recipient.
      await patiently(options, () => store.release([d.id]));
      pausedFor ??= `the server refused the campaign, not a recipient: ${failure.response}`;
      return;
    }
    const attempts = d.attempts + 1;
    if (failure.kind === 'temporary' && attempts < options.maxAttempts) {
      const at = Date.now() + backoff(attempts, options.retryBaseMs);
      await patiently(options, () => store.markRetry(d.id, failure.response, at));
      progress.retried++;
    } else {
      await patiently(options, () => store.markFailed(d.id, failure.response, failure.kind === 'mailbox'));
      if (failure.kind === 'mailbox') await patiently(options, () => store.suppress(d.email, 'hard-bounce', failure.response));
      progress.failed++;
      progress.remaining--;
    }
    if (errorsInARow >= options.pauseAfterErrors) pausedFor ??= `${errorsInARow} errors in a row; the last was: ${failure.response}`;
  };

  const sendOne = async (d: Delivery) => {
    let accepted: Awaited<ReturnType<Transport['send']>>;
    let outgoing: ReturnType<Composer>;
    try {
      outgoing = compose(d);
      accepted = await transport.send(outgoing);
    } catch (error) {
      await onFailure(d, error).catch((e: unknown) => (stoppedFor ??= `the database failed: ${message(e)}`));
      report();
      return;
    }
    if (!(await record(d, accepted.response, outgoing.messageId!))) return;
    errorsInARow = 0;
    progress.sent++;
    progress.remaining--;
    options.onSent?.(d);
    report();
  };

  const running = () => !signal?.aborted && !pausedFor && !stoppedFor;
  try {
    while (running()) {
      if (buffer.length === 0) buffer = await patiently(options, () => store.claimDue(campaign.id, Date.now(), batch, { ...options.claim, owner }));
      if (buffer.length === 0) {
        if (inFlight.size > 0) {
          await Promise.race(inFlight);
          continue;
        }
        const next = await store.nextDueAt(campaign.id);
        if (next === undefined) break;
        // Waiting for retries or another sender's rows: wake when the first falls due, or at once on Ctrl-C.
        await sleep(Math.min(Math.max(10, next - Date.now()), 1000), undefined, { signal }).catch(() => undefined);
        continue;
      }
      while (inFlight.size >= transport.concurrency) await Promise.race(inFlight);
      if (!running()) break;
      const task: Promise<void> = sendOne(buffer.shift()!).finally(() => inFlight.delete(task));
      inFlight.add(task);
    }
  } catch (error) {
    // A lock or a lost connection while claiming: what is in flight finishes, the rest waits for a resume.
    stoppedFor ??= `the database failed: ${message(error)}`;
  }
  await Promise.all(inFlight);
  try {
    if (buffer.length) await store.release(buffer.map((d) => d.id));
    const counts = await store.counts(campaign.id);
    if (stoppedFor) return { state: 'stopped', reason: stoppedFor, counts };
    if (counts.queued + counts.sending === 0) {
      await store.setCampaignState(campaign.id, 'completed');
      report();
      return { state: 'completed', counts };
    }
    const reason = pausedFor ?? (signal?.aborted ? 'stopped by the user' : 'stopped');
    await store.setCampaignState(campaign.id, 'paused', reason);
    report();
    return { state: 'paused', reason, counts };
  } catch (error) {
    return { state: 'stopped', reason: `the database failed: ${message(error)}`, counts: start };
  }
}
