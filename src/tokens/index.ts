import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/** BRIEFCAST_SECRET, or a secret made on first run in data/secret, readable by its owner only. */
export function loadSecret(root: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  if (env.BRIEFCAST_SECRET) return Buffer.from(env.BRIEFCAST_SECRET, 'utf8');
  const path = join(root, 'data', 'secret');
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
  } catch {
    mkdirSync(dirname(path), { recursive: true });
    const secret = randomBytes(32);
    try {
      writeFileSync(path, secret.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
    } catch {
      // Another process made it first: use theirs.
      return Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url');
    }
    chmodSync(path, 0o600);
    return secret;
  }
}
