import { randomBytes } from 'node:crypto';
import type { Config } from '../config/index.js';
import { escapeHtml, fill } from '../slots.js';
import type { CampaignContent, CampaignLink, SlottedText } from '../store/index.js';
import { returnAddress, type Tokens } from '../tokens/index.js';
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

type TextEncoding = 'quoted-printable' | 'base64';

/** What nodemailer weighs to choose an encoding: ASCII letters, and 8-bit or control characters (tab, CR and LF apart). */
interface Tally {
  letters: number;
  other: number;
}

function tally(text: string, into: Tally = { letters: 0, other: 0 }): Tally {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80 || (code <= 0x1f && code !== 0x09 && code !== 0x0a && code !== 0x0d)) into.other++;
    else if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) into.letters++;
  }
  return into;
}

/** nodemailer's rule: quoted-printable when the letters outnumber the rest. */
const encodingOf = (t: Tally): TextEncoding => (t.other < t.letters ? 'quoted-printable' : 'base64');

/** A header value nodemailer may write as an encoded word (8-bit, a control, a quote or "=?"): then in the encoding chosen for it alone. */
const mayBeEncoded = (value: string) => /[^\x20-\x7e]|"|=\?/.test(value);

/** The encoding of a slotted part once filled with `values` (escaped as the part needs them): a tally adds up over the pieces joined. */
function filledEncoding(part: SlottedText, template: Tally, values: Readonly<Record<string, string>>): TextEncoding {
  const sum = { ...template };
  for (const name of part.names) tally(values[name] ?? '', sum);
  return encodingOf(sum);
}

/** A content with its tallies: its parts' pieces, and the choices for the headers every message of it carries. */
type Counted = CampaignContent & { tallies: { html: Tally; text: Tally; headers: TextEncoding[] } };

/**
 * Left to itself, nodemailer counts the letters of every part of every message to choose between
 * quoted-printable and base64: over a quarter of its work on our 40 KB briefing (measured: 1,100 µs
 * a message, 800 with the choice given). The parts are the campaign's, counted once; each message
 * adds only what its slots hold. When the parts and every header that may be encoded come to the
 * same choice, it is given to nodemailer (whose headers then follow it); otherwise nodemailer
 * chooses for each, as before. Either way the same bytes go out.
 */
function textEncodingFor(counted: Counted, to: Addressee, values: { html: Readonly<Record<string, string>>; text: Readonly<Record<string, string>> }): TextEncoding | undefined {
  const choices = [filledEncoding(counted.html, counted.tallies.html, values.html), filledEncoding(counted.text, counted.tallies.text, values.text), ...counted.tallies.headers];
  if (mayBeEncoded(to.name)) choices.push(encodingOf(tally(to.name)));
  return choices.every((c) => c === choices[0]) ? choices[0] : undefined;
}

/**
 * Each recipient costs a token and a string join: the layout was rendered and slotted when the
 * campaign was planned, and is read here from what was stored.
 */
export function createComposer({ sender, content, links, campaign, slug, tokens, installId }: ComposeOptions): Composer {
  // The subject and the sender's names and list name are the same in every message of a content.
  const fixed = (c: CampaignContent) => [c.subject, sender.from.name, sender.listName, sender.replyTo ?? ''].filter(mayBeEncoded).map((v) => encodingOf(tally(v)));
  const byAgencies = new Map<string, Counted>(
    content.map((c) => [c.agencies, { ...c, tallies: { html: tally(c.html.parts.join('')), text: tally(c.text.parts.join('')), headers: fixed(c) } }]),
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
    // Escaped once, for both the email and the count of what it holds.
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
      html: fill(c.html, htmlValues),
      text: fill(c.text, values),
      textEncoding: textEncodingFor(c, to, { html: htmlValues, text: values }),
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
