import { join } from 'node:path';
import { openSqliteStore, StoreError } from './sqlite/store.js';
import type { Store } from './store.js';

export type { Store } from './store.js';
export type * from './types.js';
export { StoreError };

/** The database named by DATABASE_URL, or SQLite at data/briefcast.db under the project. */
export function openStore(root: string, env: NodeJS.ProcessEnv = process.env): Store {
  const url = env.DATABASE_URL;
  if (!url) return openSqliteStore(join(root, 'data', 'briefcast.db'));
  if (url.startsWith('sqlite:')) return openSqliteStore(url.replace(/^sqlite:(\/\/)?/, ''));
  throw new StoreError('EDBURL', `DATABASE_URL: only sqlite: is supported in this version (got ${url.split(':')[0]}:)`);
}
