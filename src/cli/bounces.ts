import { stat } from 'node:fs/promises';
import { emlFiles, imapMailbox, isMaildir, maildir, readBounces, type BounceSource, type ReadResult } from '../bounces/index.js';
import type { Config } from '../config/index.js';
import { openProjectBase } from '../project.js';
import type { Store } from '../store/index.js';
import { createTokens, loadSecret, type Tokens } from '../tokens/index.js';
import { fail } from './output.js';
import { openStoreOrFail } from './store.js';

/** Each path: a Maildir, or .eml files (a folder of them counts as its files); none: BOUNCE_IMAP_URL. */
async function openSources(paths: string[], config: Config, env: NodeJS.ProcessEnv): Promise<BounceSource[]> {
  if (!paths.length) {
    if (!env.BOUNCE_IMAP_URL) fail('give .eml files or a Maildir, or set BOUNCE_IMAP_URL (imaps://user:password@host/INBOX)');
    try {
      return [await imapMailbox({ url: env.BOUNCE_IMAP_URL, accessToken: env.BOUNCE_IMAP_TOKEN, folder: config.bounces.folder })];
    } catch (error) {
      fail(`BOUNCE_IMAP_URL: cannot read the mailbox: ${(error as Error).message}`, 'EIMAP');
    }
  }
  const sources: BounceSource[] = [];
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => fail(`${path}: no such file or folder`, 'ENOENT'));
    if (info.isDirectory()) {
      if (!(await isMaildir(path))) fail(`${path}: a folder given must be a Maildir (with new/ and cur/)`, 'ENOTMAILDIR');
      sources.push(maildir(path));
    } else files.push(path);
  }
  if (files.length) sources.push(emlFiles(files));
  return sources;
}

/** A bounce's words come from strangers: no control characters reach the terminal. */
function line(r: ReadResult): string {
  return describe(r).replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
}

function describe(r: ReadResult): string {
  switch (r.outcome) {
    case 'recorded':
      return `bounced    ${r.email} (campaign ${r.campaign}): ${r.kind}, ${r.reason}${r.suppressed ? '; address suppressed' : ''}`;
    case 'duplicate':
      return `already    ${r.email} (campaign ${r.campaign}): this bounce was recorded before`;
    case 'ignored':
      return `ignored    ${r.name}: ${r.reason}`;
    case 'unmatched':
      return `unmatched  ${r.name}: ${r.reason}; left for a person to read`;
    case 'not-a-bounce':
      return `left       ${r.name}: ${r.reason}; left for a person to read`;
  }
}

/** Reads every source once, printing a line per message; what serve's poll also runs. */
export async function readAll(sources: BounceSource[], store: Store, tokens: Tokens, config: Config, print: (line: string) => void): Promise<ReadResult[]> {
  const results: ReadResult[] = [];
  for (const source of sources) {
    try {
      results.push(...(await readBounces(source, store, tokens, { temporaryLimit: config.bounces.temporary_limit }, (r) => print(line(r)))));
    } finally {
      await source.close();
    }
  }
  return results;
}

/** `briefcast bounces [paths…]`: records bounces against their deliveries. */
export async function bouncesCommand(paths: string[]): Promise<void> {
  const { project, problems } = openProjectBase();
  if (!project) fail(problems);
  const sources = await openSources(paths, project.config, process.env);
  const store = await openStoreOrFail(project.root);
  try {
    const results = await readAll(sources, store, createTokens(loadSecret(project.root)), project.config, (l) => console.log(l));
    const count = (o: ReadResult['outcome']) => results.filter((r) => r.outcome === o).length;
    const suppressed = results.filter((r) => r.outcome === 'recorded' && r.suppressed).length;
    console.log(`${results.length} message(s): ${count('recorded')} bounce(s) recorded (${suppressed} address(es) suppressed), ${count('duplicate')} already recorded, ${count('ignored')} ignored, ${count('unmatched') + count('not-a-bounce')} left for a person`);
  } finally {
    await store.close();
  }
}

/** For serve: reads BOUNCE_IMAP_URL every `minutes`; a failed read is reported and the next one tried. */
export function pollBounces(store: Store, tokens: Tokens, config: Config, minutes: number, env: NodeJS.ProcessEnv = process.env): () => void {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await readAll(await openSources([], config, env), store, tokens, config, (l) => console.log(`bounces: ${l}`));
    } catch (error) {
      console.error(`bounces: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), minutes * 60_000);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
