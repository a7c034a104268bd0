import { pointer, type Problem } from '../problem.js';
import { RESERVED_MESSAGE, RESERVED_SLOT } from '../yaml-source.js';

/**
 * Bounds on a briefing's text, checked before any parser sees it: a deep enough nesting overflows
 * the Markdown parser's stack, and nested brackets make it slow (80 KB took 44 s). Each bound
 * is far above what a real briefing needs; README states them.
 */
export const LIMITS = {
  /** Bytes of one briefing file. */
  fileBytes: 256 * 1024,
  /** Block quotes and lists inside each other. */
  nesting: 20,
  /** Unclosed [ at once. */
  brackets: 20,
  /** Spaces before a line's text: lists nest by indentation too. */
  indent: 100,
};

/** Digits then `.` or `)`: an ordered list's marker, `1. ` or `1) `. Its length, or 0. */
function orderedMarker(line: string, i: number): number {
  let j = i;
  while (j < line.length && j - i < 9 && line[j]! >= '0' && line[j]! <= '9') j++;
  return j > i && (line[j] === '.' || line[j] === ')') ? j + 1 - i : 0;
}

/** Quote markers and list markers (bullets and numbers) that open a line, and its indentation, in one pass. */
function lineNesting(line: string): { markers: number; indent: number } {
  let i = 0;
  let markers = 0;
  let indent = 0;
  while (i < line.length) {
    const c = line[i]!;
    const spaced = (n: number) => line[i + n] === ' ' || line[i + n] === '\t';
    const ordered = orderedMarker(line, i);
    if (c === ' ' || c === '\t') {
      if (markers === 0) indent += c === '\t' ? 4 : 1;
      i++;
    } else if (c === '>' || ((c === '-' || c === '*' || c === '+') && spaced(1))) {
      markers++;
      i++;
    } else if (ordered && spaced(ordered)) {
      markers++;
      i += ordered;
    } else break;
  }
  return { markers, indent };
}


/** Problems that stop a briefing before parsing, each at its line and column in the file. */
export function limitProblems(file: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const at = pointer(text);
  const error = (code: string, offset: number, message: string) => problems.push({ code, severity: 'error', file, ...at(offset), message });
  const bytes = Buffer.byteLength(text);
  if (bytes > LIMITS.fileBytes) {
    error('ETOOBIG', 0, `the file is ${Math.ceil(bytes / 1024)} KB: a briefing may be at most ${LIMITS.fileBytes / 1024} KB`);
    return problems;
  }
  const reserved = text.indexOf(RESERVED_SLOT);
  if (reserved >= 0) error('ERESERVED', reserved, RESERVED_MESSAGE);
  let start = 0;
  for (const line of text.split('\n')) {
    const depth = lineNesting(line);
    if (depth.markers > LIMITS.nesting || depth.indent > LIMITS.indent) {
      error('ENESTING', start, depth.markers > LIMITS.nesting ? `more than ${LIMITS.nesting} quotes or lists inside each other` : `indented more than ${LIMITS.indent} spaces`);
      break;
    }
    start += line.length + 1;
  }
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    // A backslash escapes the next character, which may be another backslash: in `\\[` the bracket is real.
    if (c === 0x5c && text.charCodeAt(i + 1) !== 0x0a) i++;
    else if (c === 0x5b) {
      if (++depth > LIMITS.brackets) {
        error('ENESTING', i, `more than ${LIMITS.brackets} [ brackets open at once`);
        break;
      }
    } else if (c === 0x5d && depth > 0) depth--;
    else if (c === 0x0a && text.charCodeAt(i + 1) === 0x0a) depth = 0;
  }
  return problems;
}
