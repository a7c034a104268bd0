import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { keepTreeOwnerOnly } from '../private-files.js';
import { parseServerUrl, redactUrls } from '../secret-url.js';
import type Mail from 'nodemailer/lib/mailer/index.js';

/**
 * nodemailer, loaded by the first transport made: a send runs on its own thread (see thread.ts),
 * and the main thread that waits for it need not carry a copy.
 */
export const nodemailer = (): typeof import('nodemailer') => createRequire(import.meta.url)('nodemailer');

export interface Accepted {
  /** What the server said (e.g. "250 2.0.0 Ok: queued as …"). */
  response: string;
}

/**
 * Whose fault a failure is, which decides what the loop does with it:
 * - 'mailbox': the server refused this recipient's mailbox at RCPT TO (no such user): the row
 *   fails for good and the address is suppressed;
 * - 'recipient': refused at RCPT TO for another reason (policy, mailbox full): the row fails,
 *   and --retry-failed may try it again;
 * - 'temporary': 4xx, a timeout or a dropped connection: the row is retried later;
 * - 'campaign': the sender, the content, the login or the session was refused: the campaign
 *   pauses and no one is suppressed, because every message would meet the same answer.
 */
export type FailureKind = 'mailbox' | 'recipient' | 'temporary' | 'campaign';

/** Why a message did not go, in the terms the send loop acts on. */
export class SendFailure extends Error {
  constructor(
    readonly response: string,
    readonly kind: FailureKind,
  ) {
    super(response);
    this.name = 'SendFailure';
  }
}

/** One message to one recipient; `seq` numbers it within its campaign. */
export type OutgoingMessage = Mail.Options & { seq: number; to: { name: string; address: string } };

/** The send loop's only view of mail delivery: nodemailer's "a transport is send(mail)". */
export interface Transport {
  /** For the summary line: "SMTP smtp.example.org:587, 3 connections, 10/s" or "outbox/". */
  description: string;
  /** How many messages may be in flight at once. */
  concurrency: number;
  send(message: OutgoingMessage): Promise<Accepted>;
  close(): Promise<void>;
}

export interface PoolSettings {
  connections: number;
  rate_per_second: number;
  /** The name to greet the relay with (EHLO); nodemailer's default is the machine's, often [127.0.0.1]. */
  ehlo_name?: string;
}

/** The parts of nodemailer's pool its close() skips: it drops idle connections without QUIT. */
interface PoolInternals {
  _connections?: {
    available: boolean;
    once(event: 'available', then: () => void): void;
    connection?: { quit(): void; once(event: 'end' | 'error', done: () => void): void };
  }[];
}

/** nodemailer's error (its `command` names the SMTP stage) as what the loop should do. */
export function classify(error: unknown): SendFailure {
  const e = error as { responseCode?: number; response?: string; code?: string; command?: string; message?: string };
  const code = e.responseCode;
  const response = redactUrls(e.response ?? `${e.code ?? 'ERROR'} ${e.message ?? String(error)}`);
  if (!code || code < 500) {
    // A login refused with a 4xx is still a login problem; anything else 4xx or unanswered may pass later.
    return new SendFailure(response, e.code === 'EAUTH' && code === undefined ? 'campaign' : 'temporary');
  }
  if (e.command !== 'RCPT TO') return new SendFailure(response, 'campaign');
  const enhanced = /^\d{3}[ -]([245])\.(\d{1,3})\.\d{1,3}\b/.exec(response);
  const mailbox = enhanced ? enhanced[1] === '5' && enhanced[2] === '1' : code === 550 || code === 551 || code === 553;
  return new SendFailure(response, mailbox ? 'mailbox' : 'recipient');
}

/**
 * SMTP_URL, checked before use. A user name on plain smtp:// means AUTH: it then needs STARTTLS,
 * or a server that offers none would be sent the password in clear text. `?requireTLS=false`
 * (or `ignoreTLS`) in the URL is the explicit way out, for a relay on the same machine.
 */
export function parseSmtpUrl(smtpUrl: string): URL {
  const url = parseServerUrl('SMTP_URL', smtpUrl, ['smtp', 'smtps']);
  if (url.protocol === 'smtp:' && url.username && !url.searchParams.has('requireTLS') && !url.searchParams.has('ignoreTLS')) url.searchParams.set('requireTLS', 'true');
  return url;
}

/** An SMTP pool from SMTP_URL; pooling and the rate limit are nodemailer's own options. */
export function smtpTransport(smtpUrl: string, settings: PoolSettings): Transport {
  const url = parseSmtpUrl(smtpUrl);
  const set = (key: string, value: string | number) => {
    if (!url.searchParams.has(key)) url.searchParams.set(key, String(value));
  };
  set('pool', 'true');
  set('maxConnections', settings.connections);
  set('maxMessages', 100);
  set('rateDelta', 1000);
  set('rateLimit', Math.max(1, Math.round(settings.rate_per_second)));
  if (settings.ehlo_name) set('name', settings.ehlo_name);
  const transporter = nodemailer().createTransport(url.toString());
  return {
    description: `SMTP ${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}, ${settings.connections} connection(s), ${settings.rate_per_second}/s`,
    concurrency: settings.connections,
    async send({ seq: _seq, ...message }) {
      try {
        const info = await transporter.sendMail(message);
        return { response: info.response };
      } catch (error) {
        throw classify(error);
      }
    },
    async close() {
      // Say QUIT on each connection once its last message is done (as nodemailer's own idle
      // timeout does), and wait briefly for the relay to hang up: its log then shows a clean end
      // instead of a lost connection. The pool closes whatever is left.
      const pool = transporter.transporter as unknown as PoolInternals;
      await Promise.all(
        (pool._connections ?? []).map(
          (resource) =>
            new Promise<void>((done) => {
              setTimeout(done, 2000).unref();
              const quit = () => {
                const connection = resource.connection;
                if (!connection) return done();
                resource.available = false;
                connection.once('end', done);
                connection.once('error', done);
                connection.quit();
              };
              if (resource.available) quit();
              else resource.once('available', quit);
            }),
        ),
      );
      transporter.close();
    },
  };
}

/**
 * With no SMTP server configured, each message becomes outbox/<campaign>/<n>-<email>.eml:
 * the whole flow works on a fresh machine, and the files open in any mail program.
 */
export function outboxTransport(dir: string): Transport {
  keepTreeOwnerOnly(dirname(dir));
  const streamer = nodemailer().createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `outbox ${dir}/`,
    concurrency: 4,
    async send({ seq, ...message }) {
      const info = (await streamer.sendMail(message)) as unknown as { message: Buffer };
      // Each message holds the recipient's personal tracking links: for the owner's eyes only.
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${seq}-${message.to.address.replace(/[^A-Za-z0-9@._+-]/g, '_')}.eml`);
      // Written whole or not at all, so a killed send never leaves half a message.
      await writeFile(`${file}.tmp`, info.message, { mode: 0o600 });
      await rename(`${file}.tmp`, file);
      return { response: `250 written ${file}` };
    },
    async close() {},
  };
}
