import { redactUrls } from '../secret-url.js';
import type { BounceKind, NewBounce, ClaimOptions, Acknowledgement, Campaign, Discussion, NewDiscussion, CampaignContent, CampaignLink, CampaignState, Counts, Delivery, Engagement, EventCount, NewCampaign, Suppression, TrackWrite } from './types.js';

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
  /** What the campaign sends, as planned; one entry per agency set ('*': every set). */
  content(campaignId: number): Promise<CampaignContent[]>;
  /** A random id made when the database was created: part of every Message-ID. */
  installId(): Promise<string>;
  /**
   * Claims up to `limit` due rows, in order, marking them 'sending' under a lease. Due: queued
   * and past its retry time, or 'sending' under a lease that expired (its sender died). With a
   * rate, claims only what the last second's claims (by every sender) leave of it. Rows whose
   * address was suppressed since the campaign was planned become 'suppressed' instead.
   */
  claimDue(campaignId: number, now: number, limit: number, options?: ClaimOptions): Promise<Delivery[]>;
  /** When the earliest queued row falls due or the earliest lease expires, if any. */
  nextDueAt(campaignId: number): Promise<number | undefined>;
  markSent(id: number, response: string, messageId: string): Promise<void>;
  markRetry(id: number, response: string, nextAttemptAt: number): Promise<void>;
  /** `permanent`: the mailbox does not exist, and --retry-failed leaves the row. */
  markFailed(id: number, response: string, permanent?: boolean): Promise<void>;
  /**
   * A running sender's heartbeat: its in-flight rows' leases and its hold on the campaign run
   * to `until`, so that no one takes them while it is alive, however slow the server.
   */
  renewLeases(campaignId: number, owner: string, until: number): Promise<void>;
  /** A sender letting go of the campaign (it stopped); its rows are already released or done. */
  leaveCampaign(campaignId: number, owner: string): Promise<void>;
  /** Rows held by these owners (known dead: their process is gone) go back to the queue at once. */
  expireOwners(campaignId: number, owners: readonly string[]): Promise<number>;
  /** Owners of rows in flight, to tell the living from the dead. */
  inFlightOwners(campaignId: number): Promise<string[]>;
  /** Failed rows that may be retried go back to the queue; returns how many. */
  requeueFailed(campaignId: number): Promise<number>;
  /** Claimed rows that were never handed to the transport go back to the queue. */
  release(ids: number[]): Promise<void>;
  failures(campaignId: number): Promise<Delivery[]>;
  delivery(id: number): Promise<Delivery | undefined>;
  /** Every delivery of a campaign, streamed. */
  deliveries(campaignId: number): AsyncIterable<Delivery>;
  /** The delivery a sent message's Message-ID belongs to: for bounces that lost their return address. */
  deliveryByMessageId(messageId: string): Promise<Delivery | undefined>;
  /** Records a bounce against its delivery; false when this bounce was already recorded. */
  recordBounce(bounce: NewBounce): Promise<boolean>;
  /** The address's `n` latest sent deliveries, newest first: each one's latest bounce kind, or null. */
  recentBounces(email: string, n: number): Promise<(BounceKind | null)[]>;
  suppress(email: string, reason: Suppression['reason'], detail?: string): Promise<void>;
  isSuppressed(email: string): Promise<boolean>;
  /** Removes a suppression; returns whether there was one. */
  unsuppress(email: string): Promise<boolean>;
  suppressions(): Promise<Suppression[]>;
  /** The links of a campaign's briefing as it was sent. */
  links(campaignId: number): Promise<CampaignLink[]>;
  /** Writes a batch of tracking events, acknowledgements and page views in one transaction; returns the ids given to its events, in order. */
  writeTracking(writes: readonly TrackWrite[]): Promise<number[]>;
  /** Per delivery of a campaign: what the person did (human events only). */
  engagement(campaignId: number): Promise<Engagement[]>;
  /** Events grouped by agencies, kind, class, reason and link: the aggregate view. */
  eventCounts(campaignId: number): Promise<EventCount[]>;
  acknowledgements(campaignId: number): Promise<(Acknowledgement & { created_at: number })[]>;
  /** The reflective questions a campaign asked, in order, as it was planned. */
  questions(campaignId: number): Promise<string[]>;
  /** A campaign's delivery to this address (a reminder's reader, in the first campaign). */
  deliveryByEmail(campaignId: number, email: string): Promise<Delivery | undefined>;
  /**
   * Stores a submission of the discussion form in one transaction: a reader's current record is
   * superseded by the merged one (history kept); with no reader (aggregate), a record of its own.
   */
  recordDiscussion(discussion: NewDiscussion): Promise<Discussion>;
  /** A reader's current discussion record. */
  discussionOf(campaignId: number, deliveryId: number): Promise<Discussion | undefined>;
  /** A campaign's current discussion records, oldest first; with `history`, every version. */
  discussions(campaignId: number, options?: { history?: boolean }): Promise<Discussion[]>;
  /** Anonymous views of a public page ('' is the archive). */
  pageViews(slug: string): Promise<{ human: number; machine: number }>;
  /** Deletes events and page views older than `before` (ms); returns how many rows went. */
  purge(before: number): Promise<number>;
  /** Rows the tracker has written (events, acknowledgements, page views): for tests and benchmarks. */
  trackingRows(): Promise<number>;
  close(): Promise<void>;
}

/** The database cannot be opened or migrated: shown to the user as one line, with no password in it. */
export class StoreError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(redactUrls(message));
    this.name = 'StoreError';
  }
}
