import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keepOwnerOnly } from '../private-files.js';

/**
 * Signed tokens for tracking URLs. The sender mints them and the tracker checks them, so they
 * live before both stages rather than inside the tracker (where DESIGN.md first put them).
 */

/** 96 bits of HMAC-SHA256: forging one by guessing takes 2^96 tries. */
const TAG_BYTES = 12;

export interface TokenIds {
  campaign: number;
  delivery: number;
}

export interface Tokens {
  sign(ids: TokenIds): string;
  /** The ids in a token, or undefined for anything altered, truncated or signed with another secret. */
  verify(token: string): TokenIds | undefined;
}

function writeVarint(n: number, out: number[]) {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function readVarint(buf: Buffer, start: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = start; i < buf.length && i < start + 8; i++) {
    const byte = buf[i]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, i + 1];
    scale *= 128;
  }
  return undefined;
}

export function createTokens(secret: Buffer | string): Tokens {
  const key = typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
  const tag = (payload: Buffer) => createHmac('sha256', key).update(payload).digest().subarray(0, TAG_BYTES);
  return {
    sign({ campaign, delivery }) {
      const bytes: number[] = [];
      writeVarint(campaign, bytes);
      writeVarint(delivery, bytes);
      const payload = Buffer.from(bytes);
      return Buffer.concat([payload, tag(payload)]).toString('base64url');
    },
    verify(token) {
      if (typeof token !== 'string' || token.length > 64 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
      const raw = Buffer.from(token, 'base64url');
      // Re-encoding must give the same text, or two spellings would name one token.
      if (raw.length <= TAG_BYTES || raw.toString('base64url') !== token) return undefined;
      const payload = raw.subarray(0, raw.length - TAG_BYTES);
      if (!timingSafeEqual(raw.subarray(raw.length - TAG_BYTES), tag(payload))) return undefined;
      const first = readVarint(payload, 0);
      if (!first) return undefined;
      const second = readVarint(payload, first[1]);
      if (!second || second[1] !== payload.length) return undefined;
      return { campaign: first[0], delivery: second[0] };
    },
  };
}

/** The local part before the token in each message's return address (VERP). */
export const VERP_PREFIX = 'bounces+';

/** The envelope sender of one delivery: `bounces+<token>@<domain>`, so its bounce names it. */
export function returnAddress(token: string, domain: string): string {
  return `${VERP_PREFIX}${token}@${domain}`;
}

/** The token in a return address, if it is one of ours; checking it is the caller's. */
export function tokenOfReturnAddress(address: string): string | undefined {
  const local = address.slice(0, address.lastIndexOf('@'));
  return local.toLowerCase().startsWith(VERP_PREFIX) ? local.slice(VERP_PREFIX.length) : undefined;
}

/** The least a secret may hold: what `openssl rand -base64 32` gives. */
export const MIN_SECRET_BYTES = 32;

/** Different runs of three in `bytes`, as a share of its runs: repeats and patterns lower it. */
function variety(bytes: ArrayLike<number>): number {
  const runs = new Set<number>();
  for (let i = 0; i + 2 < bytes.length; i++) runs.add(bytes[i]! * 65536 + bytes[i + 1]! * 256 + bytes[i + 2]!);
  return bytes.length > 2 ? runs.size / (bytes.length - 2) : 0;
}

/**
 * Why a secret cannot sign tokens, or undefined. An empty or short key lets anyone mint tokens and
 * open the dashboard. Length alone is not strength: a word repeated ("Password123" three times)
 * repeats its runs of three characters, and a sequence ("abcdefgh…") repeats the steps between
 * them. Random base64 or hex, even 32 characters of hex, repeats few runs of either kind (14%
 * at worst in 200,000 tries of each); a quarter is the bound.
 */
export function secretProblem(secret: Buffer, name: string): string | undefined {
  const steps = Array.from(secret.subarray(1), (b, i) => (b - secret[i]! + 256) % 256);
  const repeated = Math.round(100 * (1 - Math.min(variety(secret), variety(steps))));
  if (secret.length >= MIN_SECRET_BYTES && repeated <= 25) return undefined;
  const why = secret.length < MIN_SECRET_BYTES ? `${secret.length} bytes` : `${repeated}% of it repeats itself or runs in sequence`;
  return `${name} is too weak (${why}): it needs at least ${MIN_SECRET_BYTES} random bytes, e.g. the output of openssl rand -base64 32`;
}

/** The secret is missing, weak or unreadable: shown to the user as one line. */
export class SecretError extends Error {
  readonly code = 'ESECRET';
}

/** BRIEFCAST_SECRET, or data/secret, as the text says it; undefined when neither exists yet. */
export function readSecret(root: string, env: NodeJS.ProcessEnv = process.env): { secret: Buffer; name: string } | undefined {
  if (env.BRIEFCAST_SECRET) return { secret: Buffer.from(env.BRIEFCAST_SECRET.trim(), 'utf8'), name: 'BRIEFCAST_SECRET' };
  try {
    return { secret: Buffer.from(readFileSync(join(root, 'data', 'secret'), 'utf8').trim(), 'base64url'), name: 'data/secret' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * BRIEFCAST_SECRET, or a secret made on first run in data/secret, readable by its owner only
 * (data/ left readable by an older version is narrowed).
 * The file is written whole under another name and then renamed, so a full disk or a killed
 * process leaves no secret rather than an empty one; a weak secret stops the command.
 */
export function loadSecret(root: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const found = readSecret(root, env) ?? makeSecret(root);
  keepOwnerOnly(join(root, 'data'), join(root, 'data', 'secret'));
  const problem = secretProblem(found.secret, found.name);
  if (problem) throw new SecretError(problem);
  return found.secret;
}

function makeSecret(root: string): { secret: Buffer; name: string } {
  const path = join(root, 'data', 'secret');
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const secret = randomBytes(MIN_SECRET_BYTES);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    // A hard link fails if another process made the secret first: then theirs is used.
    linkSync(temporary, path);
    return { secret, name: 'data/secret' };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return readSecret(root, {})!;
  } finally {
    rmSync(temporary, { force: true });
  }
}
