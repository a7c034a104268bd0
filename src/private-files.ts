import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes a folder and everything in it readable by its owner only: data/ and outbox/ hold the
 * secret, names, addresses and personal links. New files are made that way; this narrows what
 * an older version left readable (0755, 0644) the next time the folder is opened. Symbolic
 * links are left alone, so nothing outside the folder changes.
 */
export function keepOwnerOnly(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (stat.isSymbolicLink()) return;
  const wanted = stat.isDirectory() ? 0o700 : 0o600;
  if (stat.mode & 0o077) chmodSync(path, (stat.mode & 0o700) | wanted);
  if (stat.isDirectory()) for (const name of readdirSync(path)) keepOwnerOnly(join(path, name));
}
