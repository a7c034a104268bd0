/** What the send loop, the tracker and the reports need from a database; SQLite and (later) PostgreSQL adapt to it. */

export type CampaignState = 'sending' | 'paused' | 'completed';
export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed';

export interface Campaign {
  id: number;
  slug: string;
  title: string;
  content_hash: string;
  kind: 'briefing' | 'reminder';
  parent_id: number | null;
  agencies: string;
  state: CampaignState;
  state_reason: string | null;
  send_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface Delivery {
  id: number;
  campaign_id: number;
  seq: number;
  email: string;
  name: string;
  agencies: string;
  state: DeliveryState;
  attempts: number;
  next_attempt_at: number;
  last_response: string | null;
  message_id: string | null;
  sent_at: number | null;
}

export interface CampaignLink {
  n: number;
  url: string;
  text: string;
  lesson?: number | null;
}

export interface NewCampaign {
  slug: string;
  title: string;
  content_hash: string;
  kind?: 'briefing' | 'reminder';
  parent_id?: number;
  agencies: string[] | 'all';
  send_by?: string;
  recipients: Iterable<{ email: string; name: string; agencies: string[] }>;
  /** The briefing's links as sent: clicks redirect only to these. */
  links?: readonly CampaignLink[];
}

export type Counts = Record<DeliveryState, number>;

export interface Suppression {
  email: string;
  reason: 'unsubscribed' | 'hard-bounce';
  detail: string | null;
  created_at: number;
}

export type EventKind = 'open' | 'click' | 'view' | 'ack' | 'unsubscribe';

export interface TrackEvent {
  campaign_id: number;
  /** Absent when tracking is aggregate. */
  delivery_id?: number;
  agencies: string;
  kind: EventKind;
  link?: number;
  class: 'human' | 'machine';
  reason?: string;
  user_agent?: string;
  ip_prefix?: string;
  at: number;
}

export interface Acknowledgement {
  ack_key: string;
  campaign_id: number;
  delivery_id?: number;
  agencies: string;
  shared?: number;
  comment?: string;
  at: number;
}

export interface PageView {
  slug: string;
  day: string;
  class: 'human' | 'machine';
}

/** What the tracker writes, batched into one transaction. */
export type TrackWrite = { type: 'event'; event: TrackEvent } | { type: 'ack'; ack: Acknowledgement } | { type: 'page'; view: PageView };

/** What a bounce says about the address: gone (5.1.x), temporarily unable (4.x.x, 5.2.2), or refused otherwise. */
export type BounceKind = 'mailbox' | 'temporary' | 'rejected';

export interface NewBounce {
  delivery_id: number;
  kind: BounceKind;
  /** The RFC 3463 status, e.g. "5.1.1". */
  status: string;
  /** The remote server's words (Diagnostic-Code), or the status when there are none. */
  reason: string;
  /** The bounce message's Message-ID: the same bounce read twice is recorded once. */
  source: string;
  at: number;
}

/** One recipient of a campaign (or of its reminders) with what they did; human events only. */
export interface Engagement {
  email: string;
  name: string;
  agencies: string;
  /** 'bounced' when a bounce came back for this delivery after the relay accepted it. */
  state: DeliveryState | 'bounced';
  /** The latest bounce's reason. */
  bounce: string | null;
  sent_at: number | null;
  opened: number;
  clicked: number;
  viewed: number;
  acknowledged_at: number | null;
  shared: number | null;
  comment: string | null;
}

export interface EventCount {
  agencies: string;
  kind: EventKind;
  class: 'human' | 'machine';
  reason: string | null;
  link: number | null;
  n: number;
}

export interface ClaimOptions {
  /** How long a claim holds before another sender may take the row (default 5 minutes). */
  leaseMs?: number;
  /** Messages per second across every sender: a sliding window over claims in the store. */
  ratePerSecond?: number;
}
