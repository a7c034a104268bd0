import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecret, SecretError } from '../src/tokens/index.js';
import { cli, tempProject } from './helpers.js';
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
    for (const env of ['short', 'a'.repeat(64), 'password'.repeat(8)]) expect(() => loadSecret(dir, { BRIEFCAST_SECRET: env }), env).toThrow(/too weak/);
    const good = randomBytes(32).toString('base64');
    expect(loadSecret(dir, { BRIEFCAST_SECRET: good }).toString()).toBe(good);
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
