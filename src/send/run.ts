import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Config } from '../config/index.js';
import { ProblemsError } from '../problem.js';
import { isRunning } from '../process-alive.js';
import type { Campaign, Store } from '../store/index.js';
import type { Tokens } from '../tokens/index.js';
import { createComposer, senderOf } from './compose.js';
import { runCampaign, type Outcome, type Progress } from './loop.js';
import type { Transport } from './transport.js';

// Apart from planning (lists, the schema, YAML): the sending thread loads this and nothing it does not send with.

/** This process as a sender: its host and pid say whether it is alive; the random part, that it is this run. */
export function senderId(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}

/** A sender on this machine whose process is gone: its rows need not wait for their lease. */
function deadHere(owner: string): boolean {
  const [host, pid] = owner.split('/');
  if (host !== hostname() || !pid || Number(pid) === process.pid) return false;
  return !isRunning(Number(pid));
}

export interface RunSend {
  store: Store;
  campaign: Campaign;
  config: Config;
  transport: Transport;
  tokens: Tokens;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
  /** How long a locked database is waited for before the run stops (default 60 s). */
  waitForStoreMs?: number;
  /** Told once, before sending, when another sender is already on the campaign. */
  onJoin?: (sender: string) => void;
  owner?: string;
}

/** Sends a campaign from what the store holds: its content, links and deliveries. Closes the transport. */
export async function runSend(run: RunSend): Promise<Outcome> {
  const { store, config, transport } = run;
  try {
    const owner = run.owner ?? senderId();
    const campaign = (await store.campaign(run.campaign.id))!;
    const inFlight = await store.inFlightOwners(campaign.id);
    // Not worth failing the run for: those rows also come back when their lease ends.
    await store.expireOwners(campaign.id, inFlight.filter(deadHere)).catch(() => 0);
    if (campaign.sender && campaign.sender !== owner && (campaign.sender_until ?? 0) > Date.now() && !deadHere(campaign.sender)) run.onJoin?.(campaign.sender);
    const content = await store.content(campaign.id);
    if (!content.length) {
      const message = `campaign ${campaign.id} has no stored content (an older briefcast planned it); start a new one with --again`;
      throw new ProblemsError([{ code: 'ENOCONTENT', severity: 'error', message }]);
    }
    const compose = createComposer({
      sender: senderOf(config),
      content,
      links: await store.links(campaign.id),
      campaign: campaign.id,
      slug: campaign.slug,
      tokens: run.tokens,
      installId: await store.installId(),
    });
    const s = config.send;
    return await runCampaign({
      store,
      transport,
      campaign,
      compose,
      maxAttempts: s.max_attempts,
      retryBaseMs: s.retry_base_seconds * 1000,
      pauseAfterErrors: s.pause_after_errors,
      claim: { leaseMs: s.lease_seconds * 1000, ratePerSecond: s.rate_per_second },
      owner,
      waitForStoreMs: run.waitForStoreMs,
      signal: run.signal,
      onProgress: run.onProgress,
    });
  } finally {
    await transport.close();
  }
}
