/** What the send loop, the tracker and the reports need from a database; SQLite and (later) PostgreSQL adapt to it. */

export type CampaignState = 'sending' | 'paused' | 'completed';
/** A briefing's first campaign, a reminder of it, or the follow-up asking what changed since. */
export type CampaignKind = 'briefing' | 'reminder' | 'follow-up';
export type DeliveryState = 'queued' | 'sending' | 'sent' | 'failed' | 'suppressed';

export interface Campaign {
  id: number;
  slug: string;
  title: string;
  content_hash: string;
  kind: CampaignKind;
  parent_id: number | null;
  agencies: string;
  state: CampaignState;
  state_reason: string | null;
  send_by: string | null;
  created_at: number;
  updated_at: number;
  /** The sender running the campaign, and until when it holds it (renewed while it runs). */
  sender: string | null;
  sender_until: number | null;
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
  /** The sender that claimed the row, while it is 'sending'. */
  owner: string | null;
  /** 1 when the failure was the mailbox's (no such user): --retry-failed leaves it. */
  permanent: number;
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
  kind?: CampaignKind;
  parent_id?: number;
  agencies: string[] | 'all';
  send_by?: string;
  recipients: Iterable<{ email: string; name: string; agencies: string[] }>;
  /** The briefing's links as sent: clicks redirect only to these. */
  links?: readonly CampaignLink[];
  /** What the campaign sends, written with it. */
  content?: readonly CampaignContent[];
  /** The reflective questions the campaign asks, in order: the discussion form shows these. */
  questions?: readonly string[];
}

/** A text with named holes, filled per reader (the renderer's Slotted, as the store keeps it). */
export interface SlottedText {
  parts: string[];
  names: string[];
}

/** What a campaign sends to recipients of one agency set ('*': every set), as planned. */
export interface CampaignContent {
  agencies: string;
  subject: string;
  html: SlottedText;
  text: SlottedText;
  /** The public page, linked when tracking is off. */
  web_url: string;
  /** Links, the web page and unsubscribe go through the tracker, with an acknowledge button and a pixel. */
  tracked: boolean;
}

export type Counts = Record<DeliveryState, number>;

export interface Suppression {
  email: string;
  reason: 'unsubscribed' | 'hard-bounce' | 'manual';
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

/**
 * What the tracker writes, batched into one transaction. `reclassify` marks clicks already stored
 * (by the ids their writes were given) as a machine's: a scanner that followed every link.
 */
export type TrackWrite =
  | { type: 'event'; event: TrackEvent }
  | { type: 'ack'; ack: Acknowledgement }
  | { type: 'page'; view: PageView }
  | { type: 'reclassify'; events: number[]; reason: string };

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
  /** Distinct deliveries behind the events: people, where tracking is individual. */
  people: number;
}

export interface ClaimOptions {
  /** How long a claim holds before another sender may take the row (default 5 minutes). */
  leaseMs?: number;
  /** Messages per second across every sender: a sliding window over claims in the store. */
  ratePerSecond?: number;
  /** Who claims: the rows carry it while they are in flight. */
  owner?: string;
}

/** An action a team agreed, numbered as the form numbered it. */
export interface StoredAction {
  n: number;
  text: string;
  /** A role, not a name. */
  owner: string | null;
  /** YYYY-MM-DD. */
  due: string | null;
  /** What the follow-up said; null until then. */
  done: boolean | null;
}

/**
 * What one submission of the discussion form says. A field left undefined was not sent (or left
 * blank) and keeps what the reader's record already holds.
 */
export interface NewDiscussion {
  /** The briefing's first campaign. */
  campaign_id: number;
  /** The reader's delivery of that campaign; absent where tracking is aggregate. */
  delivery_id?: number;
  agencies: string;
  /** YYYY-MM-DD; a follow-up keeps the day the record gave. */
  discussed_on?: string;
  /** Left out, a field keeps what the record held; null or '' clears it (an action with no text goes). */
  people?: number | null;
  answers?: readonly { n: number; answer: string }[];
  actions?: readonly Omit<StoredAction, 'done'>[];
  comment?: string;
  /** The follow-up's answer ('' clears it) and the day it was given, with which actions are done (by n). */
  follow_up?: { answer?: string; on: string; done: readonly { n: number; done: boolean }[] };
  at: number;
}

/** One version of a team discussion record. */
export interface Discussion {
  id: number;
  campaign_id: number;
  delivery_id: number | null;
  agencies: string;
  discussed_on: string;
  people: number | null;
  answers: { n: number; answer: string }[];
  actions: StoredAction[];
  comment: string | null;
  follow_up: string | null;
  follow_up_on: string | null;
  /** When the reader first recorded it. */
  created_at: number;
  /** When this version was made. */
  updated_at: number;
  superseded_at: number | null;
  /** The reader, from the delivery: null where tracking is aggregate. */
  email: string | null;
  name: string | null;
}
