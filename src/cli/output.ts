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

export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}
