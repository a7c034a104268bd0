import { randomBytes } from 'node:crypto';

/**
 * A rendered text with named holes, filled per reader by joining strings: the cheap,
 * last step of "compile once, personalise cheaply".
 */
export interface Slotted {
  parts: string[];
  names: string[];
}

/**
 * Markers carry a random word chosen when this module loads. A briefing, list or setting was
 * written before it, so no text in one can forge a marker, however it is encoded or escaped on
 * its way through Markdown, MJML and the plain-text version. A marker never leaves the thread
 * that made it: what is stored and sent is the Slotted form.
 */
const nonce = randomBytes(8).toString('hex');
const marker = new RegExp(`%%bc${nonce}:([a-z]+(?:-\\d+)?)%%`, 'g');

/** The placeholder a template or a link carries until a reader's value fills it. */
export function slot(name: string): string {
  return `%%bc${nonce}:${name}%%`;
}

export function toSlotted(text: string): Slotted {
  const parts: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of text.matchAll(marker)) {
    parts.push(text.slice(last, m.index));
    names.push(m[1]!);
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  return { parts, names };
}

export function fill(t: Slotted, values: Readonly<Record<string, string>>, escape: (s: string) => string = (s) => s): string {
  let out = t.parts[0]!;
  for (let i = 0; i < t.names.length; i++) {
    const value = values[t.names[i]!];
    if (value === undefined) throw new Error(`no value for slot ${t.names[i]}`);
    out += escape(value) + t.parts[i + 1]!;
  }
  return out;
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => entities[c]!);
}
