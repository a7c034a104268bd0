import { createInterface } from 'node:readline/promises';
import { formatProblem, hasErrors, ProblemsError, type Problem } from '../problem.js';

/** Prints problems one line each; returns whether any is an error. */
export function report(problems: readonly Problem[]): boolean {
  for (const p of problems) console.error(formatProblem(p));
  return hasErrors(problems);
}

/** Stops the command with problems already worded for the user. */
export function fail(problems: readonly Problem[] | string, code = 'EUSAGE'): never {
  throw new ProblemsError(typeof problems === 'string' ? [{ code, severity: 'error', message: problems }] : [...problems]);
}

export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** A fixed-width table for the terminal. */
export function table(rows: (string | number)[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
