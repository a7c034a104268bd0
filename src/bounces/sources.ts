import { readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** One message waiting to be read; `done` files it away once it has been dealt with. */
export interface Waiting {
  name: string;
  raw: Buffer;
  done(): Promise<void>;
}

/** Where bounces are read from: a few .eml files, a Maildir, or an IMAP mailbox. */
export interface BounceSource {
  description: string;
  messages(): AsyncIterable<Waiting>;
  close(): Promise<void>;
}

/** Files named on the command line: read, never moved. */
export function emlFiles(paths: string[]): BounceSource {
  return {
    description: `${paths.length} file(s)`,
    async *messages() {
      for (const path of paths) yield { name: path, raw: await readFile(path), done: async () => undefined };
    },
    async close() {},
  };
}

/**
 * A Maildir: messages in new/ are read; one dealt with moves to cur/ marked seen, as a mail
 * program would file it, so the next run skips it and nothing is deleted.
 */
export function maildir(dir: string): BounceSource {
  return {
    description: `Maildir ${dir}`,
    async *messages() {
      for (const file of (await readdir(join(dir, 'new'))).sort()) {
        if (file.startsWith('.')) continue;
        const path = join(dir, 'new', file);
        yield { name: path, raw: await readFile(path), done: () => rename(path, join(dir, 'cur', `${basename(file).split(':')[0]}:2,S`)) };
      }
    },
    async close() {},
  };
}

export async function isMaildir(path: string): Promise<boolean> {
  const dirs = await Promise.all(['new', 'cur'].map((d) => stat(join(path, d)).then((s) => s.isDirectory(), () => false)));
  return dirs.every(Boolean);
}

export interface ImapSettings {
  /** imaps://user:password@host/INBOX (or imap:// with STARTTLS). */
  url: string;
  /** An OAuth2 access token instead of the password in the URL. */
  accessToken?: string;
  /** Where messages dealt with are moved; made if missing. */
  folder: string;
}

/** An IMAP mailbox through imapflow: messages dealt with move to the folder; none is ever deleted. */
export async function imapMailbox(settings: ImapSettings): Promise<BounceSource> {
  const { ImapFlow } = await import('imapflow');
  const url = new URL(settings.url);
  const secure = url.protocol === 'imaps:';
  const user = decodeURIComponent(url.username);
  const client = new ImapFlow({
    host: url.hostname,
    port: Number(url.port) || (secure ? 993 : 143),
    secure,
    auth: settings.accessToken ? { user, accessToken: settings.accessToken } : { user, pass: decodeURIComponent(url.password) },
    logger: false,
  });
  await client.connect();
  const mailbox = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'INBOX';
  return {
    description: `IMAP ${url.host}/${mailbox}`,
    async *messages() {
      if (!(await client.list()).some((m) => m.path === settings.folder)) await client.mailboxCreate(settings.folder);
      const lock = await client.getMailboxLock(mailbox);
      try {
        for (const uid of (await client.search({ all: true }, { uid: true })) || []) {
          const message = await client.fetchOne(String(uid), { source: true }, { uid: true });
          if (!message || !message.source) continue;
          yield {
            name: `${mailbox} uid ${uid}`,
            raw: message.source,
            done: async () => {
              await client.messageMove(String(uid), settings.folder, { uid: true });
            },
          };
        }
      } finally {
        lock.release();
      }
    },
    async close() {
      await client.logout().catch(() => undefined);
    },
  };
}
