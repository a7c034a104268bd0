import { createReadStream, realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.xml': 'application/atom+xml; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.gif': 'image/gif',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Everything but a page is opened as a sandboxed document that may run and fetch nothing: an SVG
 * logo can hold a script, and from the site's own origin it could read the dashboard.
 */
const FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/**
 * Finds the file a URL path names inside `root`, or undefined: never a file outside it. Links
 * are resolved first, so a symbolic link in the site that points at data/ serves nothing, and
 * only regular files are served (no devices, sockets or FIFOs).
 */
/** The site folder with its links resolved, as resolveStatic's answers are; itself if it does not exist yet. */
export function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return resolve(root);
  }
}

export function resolveStatic(root: string, pathname: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  try {
    const base = realpathSync(root);
    const inside = (path: string) => path === base || path.startsWith(base + sep);
    const full = realpathSync(normalize(join(base, decoded)));
    if (!inside(full)) return undefined;
    if (statSync(full).isDirectory()) {
      const index = realpathSync(join(full, 'index.html'));
      return inside(index) && statSync(index).isFile() ? index : undefined;
    }
    return statSync(full).isFile() ? full : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Serves a built file. Pages revalidate (a briefing can be corrected and rebuilt); the
 * search script rarely changes and may be cached for a day.
 */
/** Text compresses to a fraction; images are compressed already. */
const compressible = new Set(['.html', '.xml', '.js', '.css', '.json', '.svg', '.txt']);
const gzip = promisify(zlib.gzip);

/**
 * Compressed copies of the site's text files, by file and version: each is compressed once (off
 * the event loop), then served from memory. The site is small and rebuilt as a whole, so a bound
 * on the bytes kept is enough; the oldest copies go first.
 */
const compressed = new Map<string, Buffer>();
let compressedBytes = 0;
const MAX_COMPRESSED_BYTES = 32 * 1024 * 1024;

async function gzipped(file: string, etag: string): Promise<Buffer> {
  const key = `${file}\n${etag}`;
  const hit = compressed.get(key);
  if (hit) return hit;
  const body = await gzip(await readFile(file), { level: 9 });
  compressed.set(key, body);
  compressedBytes += body.length;
  for (const [oldest, value] of compressed) {
    if (compressedBytes <= MAX_COMPRESSED_BYTES) break;
    compressed.delete(oldest);
    compressedBytes -= value.length;
  }
  return body;
}

export async function sendStatic(req: IncomingMessage, res: ServerResponse, file: string, status = 200): Promise<void> {
  const type = types[extname(file)] ?? 'application/octet-stream';
  const stat = statSync(file);
  const compresses = compressible.has(extname(file)) && stat.size > 1024;
  const gz = compresses && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  // Each encoding is its own representation, with its own tag.
  const etag = `"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}${gz ? '-gz' : ''}"`;
  res.setHeader('Content-Type', type);
  res.setHeader('ETag', etag);
  if (compresses) res.setHeader('Vary', 'Accept-Encoding');
  res.setHeader('Cache-Control', file.includes(`${sep}assets${sep}`) ? 'public, max-age=86400' : 'public, max-age=0, must-revalidate');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  if (!file.endsWith('.html')) res.setHeader('Content-Security-Policy', FILE_POLICY);
  if (req.headers['if-none-match'] === etag) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = status;
  if (gz) {
    const body = await gzipped(file, etag);
    res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.setHeader('Content-Length', stat.size);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file).pipe(res);
}
