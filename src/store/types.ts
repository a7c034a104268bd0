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

/** One recipient of a campaign (or of its reminders) with what they did; human events only. */
export interface Engagement {
  email: string;
  name: string;
  agencies: string;
  state: DeliveryState;
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
  /** Distinct deliveries behind the events: people, where tracking is individual. */
  people: number;
}

export interface ClaimOptions {
  /** How long a claim holds before another sender may take the row (default 5 minutes). */
  leaseMs?: number;
  /** Messages per second across every sender: a sliding window over claims in the store. */
  ratePerSecond?: number;
}
