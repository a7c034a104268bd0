/**
 * A rendered text with named holes, filled per reader by joining strings: the cheap,
 * last step of "compile once, personalise cheaply".
 */
export interface Slotted {
  parts: string[];
  names: string[];
}

const marker = /%%bc:([a-z]+(?:-\d+)?)%%/g;

/** The placeholder a template or a link carries until a reader's value fills it. */
export function slot(name: string): string {
  return `%%bc:${name}%%`;
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
