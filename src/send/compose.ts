import { createHash } from 'node:crypto';
import type { Config } from '../config/index.js';
import { escapeHtml, fill, pageUrl, type Rendered } from '../render/index.js';
import { returnAddress, type Tokens } from '../tokens/index.js';
import type { OutgoingMessage } from './transport.js';

export interface Addressee {
  /** The delivery row's id: with the campaign, what the token signs. */
  id: number;
  seq: number;
  email: string;
  name: string;
}

export interface ComposeOptions {
  config: Config;
  rendered: Rendered;
  /** The campaign's id; undefined for a proof, which is recorded nowhere. */
  campaign?: number;
  tokens: Tokens;
  subjectPrefix?: string;
  /** A reminder of a campaign sent on this day (words), instead of the briefing itself. */
  reminderOf?: string;
}

export type Composer = (to: Addressee) => OutgoingMessage;

function senderDomain(config: Config): string {
  return (config.sender?.email ?? config.board.email).split('@')[1]!.toLowerCase();
}

/**
 * Prepares everything a campaign's messages share once (the filled layout with its slots,
 * the headers), so that each recipient costs a token and a string join.
 */
export function createComposer({ config, rendered, campaign, tokens, subjectPrefix = '', reminderOf }: ComposeOptions): Composer {
  const base = config.base_url;
  const slug = rendered.briefing.slug;
  const tracked = campaign !== undefined && config.tracking !== 'off';
  const variant = { ack: tracked, pixel: tracked, recipient: true };
  const email = reminderOf ? rendered.reminder(variant, reminderOf) : rendered.email(variant);
  if (reminderOf) subjectPrefix ||= 'Reminder: ';
  const domain = senderDomain(config);
  const bounceDomain = config.send.bounce_domain ?? domain;
  const from = { name: config.sender?.name ?? config.board.name, address: config.sender?.email ?? config.board.email };
  const listId = `${config.board.short_name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.briefings.${domain}`;
  const mailtoUnsubscribe = `mailto:${config.board.email}?subject=Unsubscribe%20from%20briefings`;
  const plainLinks = Object.fromEntries(rendered.links.map((l) => [`link-${l.n}`, l.url]));

  return (to) => {
    const token = campaign === undefined ? undefined : tokens.sign({ campaign, delivery: to.id });
    const unsubscribe = token ? `${base}/u/${token}` : mailtoUnsubscribe;
    const values: Record<string, string> = tracked
      ? {
          ...Object.fromEntries(rendered.links.map((l) => [`link-${l.n}`, `${base}/c/${token}/${l.n}`])),
          web: `${base}/b/${slug}?t=${token}`,
          ack: `${base}/a/${token}`,
          pixel: `${base}/o/${token}.gif`,
          unsubscribe,
          name: to.name,
        }
      : { ...plainLinks, web: pageUrl(config, slug), unsubscribe, name: to.name };
    const id = createHash('sha256').update(`${campaign ?? 'proof'}\n${to.email.toLowerCase()}`).digest('hex').slice(0, 24);
    return {
      seq: to.seq,
      from,
      to: { name: to.name, address: to.email },
      replyTo: config.sender?.reply_to,
      subject: subjectPrefix + rendered.briefing.title,
      html: fill(email.html, values, escapeHtml),
      text: fill(email.text, values),
      // The same recipient of the same campaign always gets the same Message-ID, so a message
      // re-sent after a crash is recognisable as the same one.
      messageId: `<${campaign ?? 'proof'}.${id}@${domain}>`,
      // VERP: a bounce comes back to an address that names its delivery, whatever the report says.
      envelope: token ? { from: returnAddress(token, bounceDomain), to: to.email } : undefined,
      // The default header list covers List-Unsubscribe-Post, which RFC 8058 requires to be signed.
      dkim: config.dkim?.private_key ? { domainName: config.dkim.domain, keySelector: config.dkim.selector, privateKey: config.dkim.private_key } : undefined,
      list: { id: { url: listId, comment: `${config.board.short_name} briefings` } },
      // One header with both addresses (RFC 2369); the https one takes a one-click POST (RFC 8058).
      headers: token
        ? { 'List-Unsubscribe': `<${unsubscribe}>, <${mailtoUnsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        : { 'List-Unsubscribe': `<${mailtoUnsubscribe}>` },
    };
  };
}
