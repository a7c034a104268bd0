import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openPostgresStore, openSqliteStore, type Store } from '../src/store/index.js';
import { freshPgUrl, pgReachable } from './pg.js';

export interface Opened {
  store: Store;
  /** Another connection to the same database, as another process would have. */
  reopen(): Promise<Store>;
  /** What DATABASE_URL would say for it. */
  url: string;
  drop(): Promise<void>;
}

/** Both stores, for suites that must behave the same on each; PostgreSQL only where it answers. */
export const adapters: [string, () => Promise<Opened>][] = [
  [
    'SQLite',
    async () => {
      const path = join(mkdtempSync(join(tmpdir(), 'briefcast-store-')), 'test.db');
      return { store: await openSqliteStore(path), reopen: () => openSqliteStore(path), url: `sqlite:${path}`, drop: async () => undefined };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const { url, drop } = await freshPgUrl();
      return { store: await openPostgresStore(url), reopen: () => openPostgresStore(url), url, drop };
    },
  ],
];

export const available = async (name: string) => name === 'SQLite' || (await pgReachable());

/** A fresh database per call, closed and dropped after each test, with every extra connection. */
export function freshStores(open: () => Promise<Opened>) {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return async () => {
    const s = await open();
    cleanups.push(async () => {
      await s.store.close().catch(() => undefined);
      await s.drop();
    });
    const reopen = async () => {
      const other = await s.reopen();
      cleanups.push(() => other.close().catch(() => undefined));
      return other;
    };
    return { ...s, reopen };
  };
}
