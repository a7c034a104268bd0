import { distance } from 'fastest-levenshtein';
import { normaliseAgency as normalise } from '../words.js';

/**
 * Most pasted briefings start with their title as a `# heading`. When it says what the title says
 * (or nearly, or is the review's name), it is left out of the body, so the page has one h1 and the opening comes first.
 * Its lines become blank, so line numbers in the body still match the file.
 */
export function absorbTitle(body: string, title: string, review?: string): { body: string; absorbed?: { line: number; text: string } } {
  const lines = body.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (i === lines.length) return { body };
  let text: string | undefined;
  let count = 1;
  const atx = /^ {0,3}#(?!#)\s+(.*?)(?:\s+#+)?\s*$/.exec(lines[i]!);
  if (atx) text = atx[1]!;
  else if (i + 1 < lines.length && /^ {0,3}=+\s*$/.test(lines[i + 1]!) && lines[i]!.trim()) {
    text = lines[i]!.trim();
    count = 2;
  }
  if (text === undefined || !(close(text, title) || (review !== undefined && normalise(text) === normalise(review)))) return { body };
  for (let k = i; k < i + count; k++) lines[k] = '';
  return { body: lines.join('\n'), absorbed: { line: i + 1, text: text.replace(/[*_`]/g, '') } };
}

function close(heading: string, title: string): boolean {
  const h = normalise(heading.replace(/[*_`]/g, ''));
  const t = normalise(title);
  if (!h || !t) return false;
  // "Children P" under the title "Learning from Serious Case Reviews – Children P", or the reverse.
  if (h === t || h.includes(t) || (t.includes(h) && h.length * 3 >= t.length)) return true;
  return distance(h, t) <= Math.floor(Math.max(h.length, t.length) / 5);
}
