import { execFile, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll } from 'vitest';

export const repo = resolve(import.meta.dirname, '..');
export const bin = join(repo, 'bin', 'briefcast.js');

/** A copy of the sample project in a temp folder, removed after the test file. */
export function tempProject(options: { briefings?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-'));
  for (const part of ['briefcast.yml', 'lists', 'templates']) cpSync(join(repo, part), join(dir, part), { recursive: true });
  if (options.briefings !== false) cpSync(join(repo, 'briefings'), join(dir, 'briefings'), { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real command line in `cwd`. */
export function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd, env: { ...process.env, ...env, NO_COLOR: '1' }, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

export { spawn };

import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/** Changes briefcast.yml in a temp project (a shallow merge per top-level key). */
export function configure(dir: string, patch: Record<string, unknown>): void {
  const path = join(dir, 'briefcast.yml');
  const config = parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    config[key] = value && typeof value === 'object' && !Array.isArray(value) ? { ...(config[key] as object), ...value } : value;
  }
  writeFileSync(path, stringify(config));
}

/** Fast retries and no rate limit worth waiting for, for tests against a local server. */
export const fastSending = { send: { connections: 3, rate_per_second: 1000, max_attempts: 5, retry_base_seconds: 0.05, pause_after_errors: 50 } };

/** Gives the police list a CSV file (lists/police.csv) with exactly this text. */
export function policeCsv(dir: string, csv: string): void {
  const listsPath = join(dir, 'lists', 'agencies.yml');
  writeFileSync(listsPath, readFileSync(listsPath, 'utf8').replace('  - id: police\n', '  - id: police\n    csv: police.csv\n'));
  writeFileSync(join(dir, 'lists', 'police.csv'), csv);
}

/** A CSV of n officers, officer.<i>@example.org. */
export function officers(n: number): string {
  return `name,email\n${Array.from({ length: n }, (_, i) => `Officer ${i},officer.${i}@example.org`).join('\n')}\n`;
}
