import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseServerUrl } from '../secret-url.js';
import { StoreError, type Store } from './store.js';
import type { SqliteOptions } from './sqlite/store.js';

export { StoreError, type Store } from './store.js';
export type * from './types.js';

// Each adapter loads its driver only when opened: no pg without DATABASE_URL.
export async function openSqliteStore(path: string, options: SqliteOptions = {}): Promise<Store> {
  return (await import('./sqlite/store.js')).openSqliteStore(path, options);
}

export async function openPostgresStore(url: string): Promise<Store> {
  return (await import('./postgres/store.js')).openPostgresStore(url);
}

export interface OpenOptions {
  /** Only a database that exists: for commands that read. */
  existing?: boolean;
}

/**
 * The database named by DATABASE_URL (postgres://… for several machines, sqlite:path), or
 * SQLite at data/briefcast.db under the project: nothing to configure on one machine.
 */
export async function openStore(root: string, env: NodeJS.ProcessEnv = process.env, options: OpenOptions = {}): Promise<Store> {
  const url = env.DATABASE_URL;
  if (!url) {
    const path = join(root, 'data', 'briefcast.db');
    // Looking at campaigns from the wrong folder must not leave a new, empty database behind.
    if (options.existing && !existsSync(path)) throw new StoreError('ENODB', `no database at ${path}: nothing has been sent from this folder (run briefcast in the project's folder)`);
    return openSqliteStore(path, { ownFolder: true });
  }
  if (url.startsWith('sqlite:')) return openSqliteStore(url.replace(/^sqlite:(\/\/)?/, ''));
  try {
    parseServerUrl('DATABASE_URL', url, ['postgres', 'postgresql']);
  } catch (error) {
    throw new StoreError('EDBURL', `${(error as Error).message} (or sqlite:path)`);
  }
  return openPostgresStore(url);
}
