import type { BounceKind, Delivery, Store } from '../store/index.js';
import { tokenOfReturnAddress, type Tokens } from '../tokens/index.js';
import type { Incoming, StatusReport } from './parse.js';

export interface BounceSettings {
  /** Temporary failures (4.x.x, 5.2.2) in a row before the address is suppressed. */
  temporaryLimit: number;
}

export type Outcome =
  | { outcome: 'recorded'; email: string; campaign: number; kind: BounceKind; status: string; reason: string; suppressed: boolean }
  | { outcome: 'duplicate'; email: string; campaign: number }
  /** A bounce no delivery of ours matches: left where it is for a person to read. */
  | { outcome: 'unmatched'; reason: string }
  /** Auto-replies and delay warnings: read and done with. */
  | { outcome: 'ignored'; reason: string }
  /** Anything else (a person's reply, say): left where it is for a person to read. */
  | { outcome: 'not-a-bounce'; reason: string };

/** RFC 3463: 5.1.x is the mailbox or its address; 5.2.2 a full mailbox, which may empty; 4.x.x may pass. */
export function bounceKind(status: string): BounceKind {
  if (status.startsWith('4.') || status === '5.2.2') return 'temporary';
  if (status.startsWith('5.1.')) return 'mailbox';
  return 'rejected';
}

/** The delivery a bounce belongs to: by the signed token in its return address, else by the Message-ID it quotes. */
async function deliveryOf(store: Store, tokens: Tokens, bounce: Extract<Incoming, { type: 'bounce' }>): Promise<Delivery | undefined> {
  for (const address of bounce.addressedTo) {
    const token = tokenOfReturnAddress(address);
    const ids = token === undefined ? undefined : tokens.verify(token);
    const delivery = ids && (await store.delivery(ids.delivery));
    if (delivery && delivery.campaign_id === ids.campaign) return delivery;
  }
  if (bounce.originalMessageId) return store.deliveryByMessageId(bounce.originalMessageId);
  return undefined;
}

/** The report about this delivery's recipient; a report about another address is not this delivery's. */
function reportFor(reports: StatusReport[], email: string): StatusReport | undefined {
  const failed = reports.filter((r) => r.action === 'failed');
  return failed.find((r) => r.recipient.toLowerCase() === email.toLowerCase()) ?? (failed.length === 1 && reports.length === 1 ? failed[0] : undefined);
}

/**
 * Records one incoming message against the delivery it is about. A mailbox failure suppresses
 * the address at once; temporary failures only after `temporaryLimit` of its latest deliveries
 * in a row bounced so; auto-replies, delay warnings and anything else change nothing.
 */
export async function recordIncoming(store: Store, tokens: Tokens, incoming: Incoming, settings: BounceSettings, now = Date.now()): Promise<Outcome> {
  if (incoming.type === 'auto-reply') return { outcome: 'ignored', reason: `auto-reply "${incoming.subject}"` };
  if (incoming.type === 'other') return { outcome: 'not-a-bounce', reason: `not a delivery report: "${incoming.subject}"` };
  if (!incoming.reports.some((r) => r.action === 'failed')) {
    const actions = [...new Set(incoming.reports.map((r) => r.action))].join(', ');
    return { outcome: 'ignored', reason: actions ? `delivery report says ${actions}, not failed` : 'delivery report names no recipient' };
  }
  const delivery = await deliveryOf(store, tokens, incoming);
  if (!delivery) return { outcome: 'unmatched', reason: `no delivery matches (return address ${incoming.addressedTo.join(', ') || 'missing'}, original ${incoming.originalMessageId ?? 'not quoted'})` };
  const report = reportFor(incoming.reports, delivery.email);
  if (!report) return { outcome: 'unmatched', reason: `the report names ${incoming.reports.map((r) => r.recipient).join(', ')}, not ${delivery.email}` };
  const kind = bounceKind(report.status);
  const reason = report.diagnostic ? `${report.status} ${report.diagnostic}` : report.status;
  const added = await store.recordBounce({ delivery_id: delivery.id, kind, status: report.status, reason, source: incoming.source, at: now });
  if (!added) return { outcome: 'duplicate', email: delivery.email, campaign: delivery.campaign_id };
  let suppressed = false;
  if (kind === 'mailbox') {
    await store.suppress(delivery.email, 'hard-bounce', reason);
    suppressed = true;
  } else if (kind === 'temporary') {
    const recent = await store.recentBounces(delivery.email, settings.temporaryLimit);
    if (recent.length === settings.temporaryLimit && recent.every((k) => k === 'temporary')) {
      await store.suppress(delivery.email, 'hard-bounce', `${settings.temporaryLimit} temporary failures in a row; the last: ${reason}`);
      suppressed = true;
    }
  }
  return { outcome: 'recorded', email: delivery.email, campaign: delivery.campaign_id, kind, status: report.status, reason, suppressed };
}
