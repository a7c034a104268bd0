import type { EventKind } from '../store/index.js';

export interface Verdict {
  class: 'human' | 'machine';
  reason?: string;
}

export interface Seen {
  kind: EventKind;
  method: string;
  userAgent: string;
  ip: string;
  /** When the message was accepted by the mail server, if known. */
  sentAt?: number | null;
  now: number;
}

/** Mail security scanners and link checkers that open and follow everything. */
const scanners =
  /(safelinks|microsoft office|ms-office|mimecast|proofpoint|barracuda|symantec|messagelabs|trend ?micro|forcepoint|zscaler|sophos|fortinet|cisco|ironport|checkpoint|paloalto|urldefense|bitdefender|kaspersky|avast|mcafee|python-requests|python-urllib|curl\/|wget|go-http-client|java\/|okhttp|libwww|httpclient|headless|phantomjs|bot\b|bot\/|crawler|spider|preview|linkcheck|scanner|slurp)/i;

/** Seconds after delivery within which a click is a scanner's, not a reader's. */
export const CLICK_GRACE_SECONDS = 10;

/**
 * Apple Mail Privacy Protection fetches every image through Apple's proxies as soon as mail
 * arrives, with a bare "Mozilla/5.0" user agent, from 17.0.0.0/8 among others.
 */
export function isAppleProxy(userAgent: string, ip: string): boolean {
  return userAgent.trim() === 'Mozilla/5.0' || /^(::ffff:)?17\./.test(ip);
}

export function classify(seen: Seen): Verdict {
  if (seen.method === 'HEAD') return { class: 'machine', reason: 'HEAD request' };
  if (!seen.userAgent.trim()) return { class: 'machine', reason: 'no user agent' };
  const scanner = scanners.exec(seen.userAgent);
  if (scanner) return { class: 'machine', reason: `scanner user agent (${scanner[1]!.trim()})` };
  if (seen.kind === 'open' && isAppleProxy(seen.userAgent, seen.ip)) return { class: 'machine', reason: 'Apple Mail Privacy Protection proxy' };
  if ((seen.kind === 'click' || seen.kind === 'view') && seen.sentAt && seen.now - seen.sentAt < CLICK_GRACE_SECONDS * 1000) {
    return { class: 'machine', reason: `followed ${Math.max(0, Math.round((seen.now - seen.sentAt) / 1000))} s after delivery` };
  }
  return { class: 'human' };
}

/** Every link of a message clicked within this many milliseconds: a scanner. */
export const ALL_LINKS_WINDOW_MS = 2000;

/** IPv4 to its /24, IPv6 to its /48: enough to tell networks apart, not people. */
export function ipPrefix(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d+)\.(\d+)\.(\d+)\.\d+$/.exec(ip);
  if (v4) return `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  if (ip.includes(':')) {
    const groups = ip.split('::')[0]!.split(':').slice(0, 3);
    while (groups.length < 3) groups.push('0');
    return `${groups.join(':')}::/48`;
  }
  return '';
}
