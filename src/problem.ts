import { location } from 'vfile-location';

/** A problem with the user's input: a value, never thrown, shown as one line. */
export interface Problem {
  code: string;
  severity: 'error' | 'warning';
  /** The file at fault; absent for a problem with the command itself. */
  file?: string;
  line?: number;
  column?: number;
  message: string;
}

/** Thrown only at the edge (CLI) to stop a command with problems already collected. */
export class ProblemsError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ProblemsError';
  }
}

/** Text from lists, briefings and the database shown in a terminal: no escape sequences or other control characters. */
export function printable(text: string): string {
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');
}

/** One line per problem; what the user wrote is quoted in it, so it is cleaned for the terminal. */
export function formatProblem(p: Problem): string {
  if (p.file === undefined) return printable(`briefcast: ${p.severity === 'warning' ? 'warning: ' : ''}${p.message}`);
  const place = p.line === undefined ? p.file : p.column === undefined ? `${p.file}:${p.line}` : `${p.file}:${p.line}:${p.column}`;
  const prefix = p.severity === 'warning' ? 'warning: ' : '';
  return printable(`${place}  ${prefix}${p.message}`);
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Maps character offsets in a text to 1-based line and column. */
export function pointer(text: string): (offset: number) => { line: number; column: number } {
  const place = location(text);
  return (offset) => {
    const point = place.toPoint(Math.max(0, Math.min(offset, text.length)));
    return point ? { line: point.line, column: point.column } : { line: 1, column: 1 };
  };
}

const errnoWords: Record<string, string> = {
  ENOENT: 'there is no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EMFILE: 'too many files open at once',
  ENOSPC: 'the disk is full',
  EADDRINUSE: 'something else is using that port (is briefcast already running? --port chooses another)',
  EADDRNOTAVAIL: 'this machine has no such address',
};

/** Node's error codes (ENOENT, EADDRINUSE) in words a board office understands. */
export function plainErrno(code: string | undefined): string {
  return (code && errnoWords[code]) ?? code ?? 'unknown error';
}
