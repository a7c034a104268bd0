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

export interface NewCampaign {
  slug: string;
  title: string;
  content_hash: string;
  kind?: 'briefing' | 'reminder';
  parent_id?: number;
  agencies: string[] | 'all';
  send_by?: string;
  recipients: Iterable<{ email: string; name: string; agencies: string[] }>;
}

export type Counts = Record<DeliveryState, number>;

export interface Suppression {
  email: string;
  reason: 'unsubscribed' | 'hard-bounce';
  detail: string | null;
  created_at: number;
}
