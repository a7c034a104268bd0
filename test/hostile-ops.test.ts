import { spawn as spawnChild } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBriefing } from '../src/briefing/index.js';
import { loadLists } from '../src/lists/index.js';
import { formatProblem } from '../src/problem.js';
import { periodText } from '../src/report/format.js';
import { bin, cli, configure, tempProject } from './helpers.js';
import { sentProject, startTracking } from './track-helpers.js';

describe('smaller holes', () => {
  it('a control character in a title or summary is an error, not a feed no reader can open', () => {
    const problems = parseBriefing('briefings/x.md', '---\ntitle: "Bell \\a here"\nsummary: "form\\ffeed"\n---\n').problems;
    expect(problems.map((p) => `${p.line} ${p.message}`)).toEqual(['2 title: no control characters', '3 summary: no control characters']);
  });

  it('a tag with a control character is refused; report themes and problems reach the terminal without escape sequences', () => {
    const problems = parseBriefing('briefings/x.md', '---\ntitle: A\ntags: [neglect, "bell\\a", "clear\\e[2J"]\n---\n').problems;
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual(['3:17 tag 2: no control characters or line breaks', '3:27 tag 3: no control characters or line breaks']);
    const figures = { delivered: 1, acknowledged: 0, acknowledged_pct: 0, opened: 0, viewed: 0, discussions: 0, discussion_pct: 0, actions_agreed: 0, actions_done: 0, actions_overdue: 0 };
    const text = periodText({
      from: '2026-01-01',
      to: '2026-12-31',
      tracking: 'individual',
      briefings: [{ slug: 'x', title: 'A', campaign: 1, sent: '2026-03-01', tags: [], recipients: 1, ...figures }],
      agencies: [],
      total: { briefings: 1, people_reached: 1, ...figures },
      themes: [{ tag: 'neglect\x1b]8;;https://evil.example\x07\x1b[2J', briefings: 1 }],
    });
    expect(text).toContain('Themes covered: neglect (1)');
    expect(formatProblem({ code: 'EAGENCY', severity: 'error', file: 'briefings/x.md', line: 3, column: 5, message: 'unknown agency "po\x1b[31mlice\r"' })).toBe('briefings/x.md:3:5  unknown agency "police"');
  });

  it('check and lists print what the user wrote without its control characters', async () => {
    const dir = tempProject();
    const briefing = join(dir, 'briefings', 'children-p.md');
    writeFileSync(briefing, readFileSync(briefing, 'utf8').replace('  - early-help\n', '  - "early\\e[2Jhelp"\n'));
    const lists = join(dir, 'lists', 'agencies.yml');
    writeFileSync(lists, readFileSync(lists, 'utf8').replace('email: jo.bloggs@example.org', 'email: "jo\\e]8;;https://evil.example\\a@x"'));
    const check = await cli(dir, ['check']);
    expect(check.stderr).toMatch(/unknown agency "earlyhelp"/);
    const listed = await cli(dir, ['lists']);
    expect(listed.stderr).toMatch(/jo@x/);
    for (const out of [check.stdout, check.stderr, listed.stdout, listed.stderr]) expect(out).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/);
  });

  it('a 5,000-character name or one with a line break is refused in the lists', () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefcast-lists-'));
    writeFileSync(join(dir, 'agencies.yml'), `agencies:\n  - id: police\n    name: Police\n    recipients:\n      - name: "${'A'.repeat(5000)}"\n        email: a@example.org\n      - name: "Jo\\r\\nBcc: x@evil.example"\n        email: jo@example.org\n      - name: Fine Name\n        email: ok@example.org\n`);
    const lists = loadLists(join(dir, 'agencies.yml'));
    expect(lists.problems.map((p) => `${p.line} ${p.message}`)).toEqual(['5 agency 1, recipient 1, name: at most 200 characters', '7 agency 1, recipient 2, name: no control characters or line breaks']);
    expect(lists.agencies[0]!.recipients.map((r) => r.email)).toEqual(['ok@example.org']);
  });

  it('stopping the server does not wait for a client that never finishes its request', async () => {
    const { dir } = await sentProject();
    const t = await startTracking(dir);
    const socket = connect(Number(new URL(t.origin).port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    socket.write('GET /children-p/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    socket.on('error', () => undefined);
    const keepAlive = await fetch(`${t.origin}/healthz`, { headers: { connection: 'keep-alive' } });
    await keepAlive.text();
    const started = Date.now();
    await t.close();
    // Before, close() waited for the half-sent request until Node's 60 s header timeout.
    expect(Date.now() - started).toBeLessThan(10_000);
    socket.destroy();
  }, 30_000);

  it('a build killed midway leaves dist.tmp-*/dist.old-*: the next build removes them', async () => {
    const dir = tempProject();
    const dead = spawnChild(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.once('exit', r));
    for (const name of [`dist.tmp-${dead.pid}`, `dist.old-${dead.pid}`]) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'index.html'), 'left behind');
    }
    expect((await cli(dir, ['build'])).code).toBe(0);
    expect(existsSync(join(dir, `dist.tmp-${dead.pid}`))).toBe(false);
    expect(existsSync(join(dir, `dist.old-${dead.pid}`))).toBe(false);
    expect(existsSync(join(dir, 'dist', 'web', 'index.html'))).toBe(true);
  });

  it('read-only commands outside a project make no data/briefcast.db', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefcast-empty-'));
    const campaigns = await cli(dir, ['campaigns'], { DATABASE_URL: '' });
    expect(campaigns.code).toBe(1);
    expect(campaigns.stderr).toMatch(/no database at .*briefcast\.db/);
    await cli(dir, ['doctor'], { DATABASE_URL: '' });
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('serve and the dashboard login', () => {
  /** Starts `serve`, returns what it printed before listening, and stops it with SIGTERM. */
  async function serveOutput(dir: string, env: Record<string, string>) {
    const child = spawnChild(process.execPath, [bin, 'serve', '--port', '0'], { cwd: dir, env: { ...process.env, ...env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((done) => {
      child.once('exit', (c) => done(c));
      child.stdout.on('data', () => {
        if (/dashboard:/.test(out)) child.kill('SIGTERM');
      });
    });
    return { code, out };
  }

  it('refuses a BRIEFCAST_DASHBOARD_PASSWORD shorter than the configured minimum', async () => {
    const dir = tempProject({ briefings: false });
    const run = await serveOutput(dir, { BRIEFCAST_DASHBOARD_PASSWORD: 'short', DATABASE_URL: '' });
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/BRIEFCAST_DASHBOARD_PASSWORD is shorter than 8 characters/);
  });

  it('prints no dashboard link when the dashboard is off', async () => {
    const dir = tempProject({ briefings: false });
    configure(dir, { dashboard: false });
    const run = await serveOutput(dir, { DATABASE_URL: '', BRIEFCAST_DASHBOARD_PASSWORD: '' });
    expect(run.out).toMatch(/dashboard: off/);
    expect(run.out).not.toMatch(/\/dashboard/);
    expect(run.code).toBe(0);
  });
});
