import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvCell, periodCsv, table } from '../src/report/format.js';
import { outboxTransport } from '../src/send/index.js';
import { openStore } from '../src/store/index.js';
import { loadSecret, SecretError } from '../src/tokens/index.js';
import { cli, policeCsv, tempProject } from './helpers.js';
import { sentProject } from './track-helpers.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('the secret', () => {
  it('refuses an empty or blank data/secret, a short BRIEFCAST_SECRET and a long one with few characters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefcast-secret-'));
    mkdirSync(join(dir, 'data'));
    for (const text of ['', '\n', '   \n', 'c2hvcnQ\n']) {
      writeFileSync(join(dir, 'data', 'secret'), text);
      expect(() => loadSecret(dir, {}), JSON.stringify(text)).toThrow(SecretError);
    }
    for (const env of ['short', 'a'.repeat(64), 'password'.repeat(8), 'Password123'.repeat(3), 'abcdefgh'.repeat(4), 'abcdefghijklmnopqrstuvwxyz123456', 'acegikmoqsuwy'.repeat(3)]) {
      expect(() => loadSecret(dir, { BRIEFCAST_SECRET: env }), env).toThrow(/too weak \((5 bytes|\d+% of it repeats itself or runs in sequence)\): it needs at least 32 random bytes/);
    }
    // Far from the bound of a quarter: the worst of 200,000 random secrets of each kind repeated 14% of its runs.
    for (let i = 0; i < 300; i++) {
      for (const good of [randomBytes(32).toString('base64'), randomBytes(32).toString('hex'), randomBytes(16).toString('hex'), randomBytes(24).toString('base64url')]) {
        expect(loadSecret(dir, { BRIEFCAST_SECRET: good }).toString()).toBe(good);
      }
    }
  });

  it('a first run writes 32 random bytes under another name and renames it: owner-only, nothing left beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'briefcast-secret-'));
    const secret = loadSecret(dir, {});
    expect(secret.length).toBe(32);
    expect(readdirSync(join(dir, 'data'))).toEqual(['secret']);
    expect(mode(join(dir, 'data', 'secret'))).toBe('600');
    expect(mode(join(dir, 'data'))).toBe('700');
    expect(loadSecret(dir, {}).equals(secret)).toBe(true);
  });

  it('doctor fails on an empty data/secret and says why', async () => {
    const dir = tempProject({ briefings: false });
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'secret'), '');
    const run = await cli(dir, ['doctor'], { BRIEFCAST_SECRET: '', SMTP_URL: '', DATABASE_URL: '' });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL {2}secret: data\/secret is too weak \(0 bytes/);
  });
});

describe('files others could read', () => {
  it('data/ and outbox/ are the owner’s only; the database, its -wal and -shm, and every .eml are 0600', async () => {
    const { dir } = await sentProject();
    expect(mode(join(dir, 'data'))).toBe('700');
    for (const f of ['briefcast.db', 'briefcast.db-wal', 'briefcast.db-shm', 'secret'].filter((f) => existsSync(join(dir, 'data', f)))) expect(mode(join(dir, 'data', f)), f).toBe('600');
    expect(existsSync(join(dir, 'data', 'briefcast.db'))).toBe(true);
    expect(mode(join(dir, 'outbox'))).toBe('700');
    expect(mode(join(dir, 'outbox', '1'))).toBe('700');
    const emls = readdirSync(join(dir, 'outbox', '1'));
    expect(emls.length).toBeGreaterThan(0);
    for (const f of emls) expect(mode(join(dir, 'outbox', '1', f)), f).toBe('600');
  });
});

describe('files an older version left readable', () => {
  it('opening the database, the secret or the outbox narrows data/, outbox/ and everything in them', async () => {
    const { dir } = await sentProject();
    const emls = readdirSync(join(dir, 'outbox', '1'));
    const loose: [string, number][] = [
      ['data', 0o755],
      ['data/secret', 0o644],
      ['data/briefcast.db', 0o644],
      ['outbox', 0o755],
      ['outbox/1', 0o755],
      ...emls.map((f): [string, number] => [`outbox/1/${f}`, 0o644]),
    ];
    const widen = () => loose.forEach(([path, m]) => chmodSync(join(dir, path), m));
    const narrowed = () => loose.map(([path]) => `${path} ${mode(join(dir, path))}`).filter((line) => !/ (600|700)$/.test(line));
    widen();
    loadSecret(dir, {});
    expect(mode(join(dir, 'data'))).toBe('700');
    expect(mode(join(dir, 'data', 'secret'))).toBe('600');
    widen();
    await (await openStore(dir, {})).close();
    expect(mode(join(dir, 'data'))).toBe('700');
    expect(mode(join(dir, 'data', 'briefcast.db'))).toBe('600');
    widen();
    outboxTransport(join(dir, 'outbox', '2'));
    expect(narrowed().filter((line) => line.startsWith('outbox'))).toEqual([]);
  });
});

describe('a database in a folder that is not briefcast\'s', () => {
  it('DATABASE_URL=sqlite:<shared folder>/x.db narrows the database\'s files, never the folder', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'briefcast-shared-'));
    chmodSync(shared, 0o1777);
    const made = join(shared, 'made-for-it');
    for (const path of [join(shared, 'x.db'), join(made, 'y.db')]) await (await openStore(tempProject(), { DATABASE_URL: `sqlite:${path}` })).close();
    expect((statSync(shared).mode & 0o7777).toString(8)).toBe('1777');
    expect(mode(join(shared, 'x.db'))).toBe('600');
    // A folder briefcast makes for the database is its own.
    expect(mode(made)).toBe('700');
  });
});

describe('names from lists, written out', () => {
  it('CSV cells that a spreadsheet would run are neutralised; a terminal gets no escape sequences', async () => {
    const dir = tempProject();
    policeCsv(dir, 'name,email\n"=HYPERLINK(""https://evil.example"",""x"")",eq@example.org\n+44 1234,plus@example.org\n"@SUM(1)",at@example.org\n-2+3,minus@example.org\n');
    expect((await cli(dir, ['build'])).code).toBe(0);
    const sent = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: '' });
    expect(sent.code, sent.stderr).toBe(0);
    const csv = await cli(dir, ['report', 'children-p', '--csv', '--chase', '0']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(csv.stdout).toContain("'+44 1234,plus@example.org");
    expect(csv.stdout).toContain("'@SUM(1),at@example.org");
    expect(csv.stdout).toContain("'-2+3,minus@example.org");
    expect(csv.stdout.split('\n').some((line) => /^[=+\-@\t\r]/.test(line))).toBe(false);
  });

  it('the yearly CSV neutralises titles, agency names and themes as the other CSVs do', () => {
    const figures = { delivered: 1, acknowledged: 0, acknowledged_pct: 0, opened: 0, viewed: 0, discussions: 0, discussion_pct: 0, actions_agreed: 0, actions_done: 0, actions_overdue: 0 };
    const out = periodCsv({
      from: '2026-01-01',
      to: '2026-12-31',
      tracking: 'individual',
      briefings: [{ slug: 'x', title: '=HYPERLINK("https://evil.example","x")', campaign: 1, sent: '2026-03-01', tags: ['@SUM(1)', 'neglect'], recipients: 1, ...figures }],
      agencies: [{ agency: 'police', name: '+44 Police', briefings: 1, ...figures }],
      total: { briefings: 1, people_reached: 1, ...figures },
      themes: [],
    });
    expect(out).toContain(`"'=HYPERLINK(""https://evil.example"",""x"")"`);
    expect(out).toContain("'+44 Police,1,");
    expect(out).toContain(",'@SUM(1) neglect");
    expect(out.split('\n').some((line) => /(^|,)[=+\-@\t\r]/.test(line))).toBe(false);
  });

  it('tab and CR first are neutralised too; numbers stay numbers; a terminal table drops escape sequences', () => {
    expect(['\t=1', '\r=1', '=1', 'plain', ''].map(csvCell)).toEqual(["'\t=1", "'\r=1", "'=1", 'plain', '']);
    // Names are checked when lists load; what is already in a database from before is cleaned on the way out.
    expect(table([['name'], ['Ann \x1b]8;;https://evil.example\x07Smith\x1b[2J\r'], [-1]])).toBe('name\nAnn Smith\n       -1');
  });
});
