import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';

export interface Accepted {
  /** What the server said (e.g. "250 2.0.0 Ok: queued as …"). */
  response: string;
}

/** Why a message did not go, in the terms the send loop acts on. */
export class SendFailure extends Error {
  constructor(
    readonly response: string,
    /** 4xx and dropped connections: try again later. */
    readonly temporary: boolean,
    /** 550/551/553: no such mailbox; the address is suppressed. */
    readonly noSuchUser: boolean,
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

function classify(error: unknown): SendFailure {
  const e = error as { responseCode?: number; response?: string; code?: string; message?: string };
  const code = e.responseCode;
  const response = e.response ?? `${e.code ?? 'ERROR'} ${e.message ?? String(error)}`;
  if (code && code >= 500) return new SendFailure(response, false, code === 550 || code === 551 || code === 553);
  // 4xx, and connections dropped or refused before the server said anything: try again.
  return new SendFailure(response, true, false);
}

/** An SMTP pool from SMTP_URL; pooling and the rate limit are nodemailer's own options. */
export function smtpTransport(smtpUrl: string, settings: PoolSettings): Transport {
  const url = new URL(smtpUrl);
  const set = (key: string, value: string | number) => {
    if (!url.searchParams.has(key)) url.searchParams.set(key, String(value));
  };
  set('pool', 'true');
  set('maxConnections', settings.connections);
  set('maxMessages', 100);
  set('rateDelta', 1000);
  set('rateLimit', Math.max(1, Math.round(settings.rate_per_second)));
  if (settings.ehlo_name) set('name', settings.ehlo_name);
  const transporter = nodemailer.createTransport(url.toString());
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
  const streamer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    description: `outbox ${dir}/`,
    concurrency: 4,
    async send({ seq, ...message }) {
      const info = (await streamer.sendMail(message)) as unknown as { message: Buffer };
      await mkdir(dir, { recursive: true });
      const file = join(dir, `${seq}-${message.to.address.replace(/[^A-Za-z0-9@._+-]/g, '_')}.eml`);
      // Written whole or not at all, so a killed send never leaves half a message.
      await writeFile(`${file}.tmp`, info.message);
      await rename(`${file}.tmp`, file);
      return { response: `250 written ${file}` };
    },
    async close() {},
  };
}

/** --dry-run: everything but the hand-over. */
export function dryRunTransport(): Transport & { sent: number } {
  const t = {
    description: 'dry run (nothing is sent)',
    concurrency: 8,
    sent: 0,
    async send() {
      t.sent++;
      return { response: '250 dry run' };
    },
    async close() {},
  };
  return t;
}
