import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Makes each folder 0700 and each file 0600 if others could read it: data/ and outbox/ hold the
 * secret, names, addresses and personal links. New files are made that way; this narrows what
 * an older version left readable (0755, 0644) the next time briefcast opens them. A path that
 * does not exist yet is skipped, and symbolic links are left alone, so nothing outside changes.
 */
export function keepOwnerOnly(...paths: string[]): void {
  for (const path of paths) narrow(path);
}

/** The same for a folder and everything in it: the outbox, whose old messages are each readable. */
export function keepTreeOwnerOnly(dir: string): void {
  if (narrow(dir)) for (const name of readdirSync(dir)) keepTreeOwnerOnly(join(dir, name));
}

/** True when `path` is a folder. */
function narrow(path: string): boolean {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  if (stat.isSymbolicLink()) return false;
  if (stat.mode & 0o077) chmodSync(path, (stat.mode & 0o700) | (stat.isDirectory() ? 0o700 : 0o600));
  return stat.isDirectory();
}
