import type { Campaign, CampaignState, Counts, Delivery, NewCampaign, Suppression } from './types.js';

/**
 * The database behind a small interface, so the send loop and the tracker never see SQL and
 * another adapter (PostgreSQL) can stand beside SQLite. Every method is async for that reason.
 */
export interface Store {
  kind: string;
  /** Writes the campaign and every delivery row in one transaction, before any mail leaves. */
  createCampaign(campaign: NewCampaign): Promise<Campaign>;
  campaign(id: number): Promise<Campaign | undefined>;
  campaignsFor(slug: string): Promise<Campaign[]>;
  campaigns(): Promise<Campaign[]>;
  counts(campaignId: number): Promise<Counts>;
  setCampaignState(id: number, state: CampaignState, reason?: string): Promise<void>;
  /** Rows a killed send left 'sending' go back to the queue: the server may or may not have them. */
  requeueInFlight(campaignId: number): Promise<number>;
  /** Claims up to `limit` due rows, in order, marking them 'sending'. */
  claimDue(campaignId: number, now: number, limit: number): Promise<Delivery[]>;
  /** When the earliest queued row falls due, if any is queued. */
  nextDueAt(campaignId: number): Promise<number | undefined>;
  markSent(id: number, response: string, messageId: string): Promise<void>;
  markRetry(id: number, response: string, nextAttemptAt: number): Promise<void>;
  markFailed(id: number, response: string): Promise<void>;
  /** Claimed rows that were never handed to the transport go back to the queue. */
  release(ids: number[]): Promise<void>;
  failures(campaignId: number): Promise<Delivery[]>;
  delivery(id: number): Promise<Delivery | undefined>;
  /** Every delivery of a campaign, streamed. */
  deliveries(campaignId: number): AsyncIterable<Delivery>;
  suppress(email: string, reason: Suppression['reason'], detail?: string): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  suppressions(): Promise<Suppression[]>;
  close(): Promise<void>;
}
