import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import { escapeHtml } from '../slots.js';
import type { CampaignContent, CampaignLink } from '../store/index.js';
import { returnAddress, type Tokens } from '../tokens/index.js';
import { partEncoder, type EncodePart } from './encode-part.js';
import type { OutgoingMessage } from './transport.js';

export interface Addressee {
  /** The delivery row's id: with the campaign, what the token signs. */
  id: number;
  seq: number;
  email: string;
  name: string;
  /** The recipient's agency set: which stored content they get. */
  agencies: string;
}

/** Who the mail is from and the headers every message carries: from briefcast.yml, read once. */
export interface Sender {
  from: { name: string; address: string };
  replyTo?: string;
  /** The sender's domain: Message-IDs end in it. */
  domain: string;
  listId: string;
  listName: string;
  mailtoUnsubscribe: string;
  /** The tracking server's public address. */
  baseUrl: string;
  /** The domain of each message's return address (bounces+<token>@…). */
  bounceDomain: string;
  /** nodemailer's DKIM option, when the board signs its mail. */
  dkim?: { domainName: string; keySelector: string; privateKey: string };
}

export function senderOf(config: Config): Sender {
  const address = config.sender?.email ?? config.board.email;
  const domain = address.split('@')[1]!.toLowerCase();
  return {
    from: { name: config.sender?.name ?? config.board.name, address },
    replyTo: config.sender?.reply_to,
    domain,
    listId: `${config.board.short_name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.briefings.${domain}`,
    listName: `${config.board.short_name} briefings`,
    mailtoUnsubscribe: `mailto:${config.board.email}?subject=Unsubscribe%20from%20briefings`,
    baseUrl: config.base_url,
    bounceDomain: config.send.bounce_domain ?? domain,
    dkim: config.dkim?.private_key ? { domainName: config.dkim.domain, keySelector: config.dkim.selector, privateKey: config.dkim.private_key } : undefined,
  };
}

export interface ComposeOptions {
  sender: Sender;
  /** What the campaign sends, per agency set, as it was planned (and stored). */
  content: readonly CampaignContent[];
  links: readonly CampaignLink[];
  /** The campaign's id; undefined for a proof, which is recorded nowhere. */
  campaign?: number;
  slug: string;
  tokens: Tokens;
  /** The database's random id: Message-IDs never repeat across installs. */
  installId: string;
}

export type Composer = (to: Addressee) => OutgoingMessage;

/**
 * Each recipient costs a token and the encoding of its slots: the layout was rendered and slotted
 * when the campaign was planned, is read here from what was stored, and encoded once (encode-part.ts).
 */
export function createComposer({ sender, content, links, campaign, slug, tokens, installId }: ComposeOptions): Composer {
  const byAgencies = new Map<string, CampaignContent & { encode: { html: EncodePart; text: EncodePart } }>(
    content.map((c) => [c.agencies, { ...c, encode: { html: partEncoder(c.html, 'text/html'), text: partEncoder(c.text, 'text/plain') } }]),
  );
  const contentFor = (agencies: string) => {
    const found = byAgencies.get(agencies) ?? byAgencies.get('*');
    if (!found) throw new Error(`no content planned for the agencies "${agencies}"`);
    return found;
  };
  const plainLinks = Object.fromEntries(links.map((l) => [`link-${l.n}`, l.url]));
  const base = sender.baseUrl;

  return (to) => {
    const c = contentFor(to.agencies);
    const token = campaign === undefined ? undefined : tokens.sign({ campaign, delivery: to.id });
    const tracked = c.tracked && token !== undefined;
    const unsubscribe = token ? `${base}/u/${token}` : sender.mailtoUnsubscribe;
    const values: Record<string, string> = tracked
      ? {
          ...Object.fromEntries(links.map((l) => [`link-${l.n}`, `${base}/c/${token}/${l.n}`])),
          web: `${base}/b/${slug}?t=${token}`,
          ack: `${base}/a/${token}`,
          pixel: `${base}/o/${token}.gif`,
          unsubscribe,
          name: to.name,
        }
      : { ...plainLinks, web: c.web_url, unsubscribe, name: to.name };
    const htmlValues = Object.fromEntries(Object.entries(values).map(([name, value]) => [name, escapeHtml(value)]));
    // Unique per message ever sent (receivers de-duplicate by it), yet the same for a row sent
    // again after a crash, so that the copy is recognisable as the same message.
    const id = campaign === undefined ? `proof.${randomBytes(9).toString('hex')}` : `${campaign}.${to.id}`;
    return {
      seq: to.seq,
      from: sender.from,
      to: { name: to.name, address: to.email },
      replyTo: sender.replyTo,
      subject: c.subject,
      html: c.encode.html(htmlValues),
      text: c.encode.text(values),
      messageId: `<${installId}.${id}@${sender.domain}>`,
      list: { id: { url: sender.listId, comment: sender.listName } },
      // VERP: a bounce comes back to an address that names its delivery, whatever the report says.
      envelope: token ? { from: returnAddress(token, sender.bounceDomain), to: to.email } : undefined,
      // The default header list covers List-Unsubscribe-Post, which RFC 8058 requires to be signed.
      dkim: sender.dkim,
      // One header with both addresses (RFC 2369); the https one takes a one-click POST (RFC 8058).
      headers: token
        ? { 'List-Unsubscribe': `<${unsubscribe}>, <${sender.mailtoUnsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
        : { 'List-Unsubscribe': `<${sender.mailtoUnsubscribe}>` },
    };
  };
}
