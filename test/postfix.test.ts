import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dkimRecord } from '../src/send/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { cli, configure, fastSending, policeCsv, tempProject } from './helpers.js';
import { dkimVerdicts, postfixAvailable, startPostfix, type Postfix } from './postfix.js';

const secret = 'postfix-test-7f3a9c1e5b2d8a4f6e0c9b7d5a3f1e8c';
const readers = ['jo.bloggs@example.org', 'chris.hall@example.org'];

/** Waits (generously: the machine is shared) until `ready` holds. */
async function until(ready: () => boolean, what: string, postfix: Postfix) {
  for (let i = 0; i < 600 && !ready(); i++) await new Promise((r) => setTimeout(r, 100));
  if (!ready()) throw new Error(`${what} did not happen; Postfix log:\n${postfix.log()}`);
}

describe('through a real Postfix on loopback', () => {
  const available = postfixAvailable();
  let postfix: Postfix;
  let dir: string;
  let pem: string;
  beforeAll(async () => {
    if (!available) return;
    postfix = await startPostfix(readers);
    dir = tempProject();
    pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    writeFileSync(join(dir, 'dkim.pem'), pem);
    configure(dir, {
      ...fastSending,
      sender: { name: 'Board briefings', email: 'briefings@board.test' },
      dkim: { domain: 'board.test', selector: 'brief1', private_key_file: 'dkim.pem' },
      base_url: 'https://briefings.board.test',
    });
    policeCsv(dir, 'name,email\nGone Person,gone@gone.test\n');
    const run = await cli(dir, ['send', 'children-p', '--yes', '--agency', 'police'], { SMTP_URL: postfix.url, BRIEFCAST_SECRET: secret, BRIEFCAST_BASE_URL: '' });
    expect(run.stdout).toMatch(/campaign 1 completed: 3 sent, 0 failed/);
  }, 120_000);
  afterAll(() => postfix?.stop());

  it.skipIf(!available)('delivered messages land in Maildirs with their headers intact and a DKIM signature that verifies', async () => {
    await until(() => readers.every((r) => postfix.delivered(r).length === 1), 'delivery to both Maildirs', postfix);
    const record = dkimRecord(pem, 'board.test', 'brief1');
    for (const reader of readers) {
      const raw = postfix.delivered(reader)[0]!;
      const mail = await simpleParser(raw);
      expect(mail.to && 'value' in mail.to && mail.to.value[0]!.address).toBe(reader);
      const returnPath = /^bounces\+([A-Za-z0-9_-]+)@board\.test$/.exec(String(mail.headers.get('return-path') && (mail.headers.get('return-path') as { value: { address: string }[] }).value[0]!.address));
      expect(createTokens(secret).verify(returnPath![1]!)).toMatchObject({ campaign: 1 });
      const header = (key: string) => mail.headerLines.find((h) => h.key === key)?.line;
      expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(header('list-unsubscribe')).toMatch(/^List-Unsubscribe: <https:\/\/briefings\.board\.test\/u\/[A-Za-z0-9_-]+>,\s+<mailto:/);
      // <install>.<campaign>.<delivery>: unique per message ever sent.
      expect(header('message-id')).toMatch(/^Message-ID: <[0-9a-f]+\.1\.\d+@board\.test>$/);
      expect(await dkimVerdicts(raw, record)).toEqual(['pass']);
    }
    // The pool said goodbye on every connection it opened.
    const sessions = postfix.log().split('\n').filter((l) => / disconnect from .* ehlo=1 mail=/.test(l));
    expect(sessions.length).toBeGreaterThan(0);
    for (const s of sessions) expect(s).toMatch(/ quit=1 /);
  });

  it.skipIf(!available)('a recipient routed to the error: transport bounces for real; briefcast bounces reads it from the Maildir and records it', async () => {
    const bounces = postfix.maildir('bounces@board.test');
    await until(() => existsSync(join(bounces, 'new')) && postfix.delivered('bounces@board.test').length === 1, 'the bounce', postfix);
    const run = await cli(dir, ['bounces', bounces], { BRIEFCAST_SECRET: secret });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^bounced {4}gone@gone\.test \(campaign 1\): mailbox, 5\.1\.1 .*mailbox unavailable; address suppressed$/m);
    const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
    try {
      const states = Object.fromEntries((await store.engagement(1)).map((e) => [e.email, e.state]));
      expect(states).toEqual({ 'jo.bloggs@example.org': 'sent', 'chris.hall@example.org': 'sent', 'gone@gone.test': 'bounced' });
      expect(await store.isSuppressed('gone@gone.test')).toBe(true);
    } finally {
      await store.close();
    }
    // Read once: the Maildir's message moved to cur/, so a second run finds nothing new.
    const again = await cli(dir, ['bounces', bounces], { BRIEFCAST_SECRET: secret });
    expect(again.stdout).toMatch(/^0 message\(s\)/m);
  });

  it.skipIf(!available)('SpamAssassin in local mode scores a delivered message 0.0 or less', () => {
    const raw = postfix.delivered(readers[0]!)[0]!;
    // Its own preferences file, so the test writes nothing into the home folder.
    const report = execFileSync('spamassassin', ['-L', '-t', '-p', join(dir, 'spamassassin.prefs')], { input: raw, maxBuffer: 64 << 20 }).toString();
    const score = Number(/^X-Spam-Status: \w+, score=(-?[\d.]+)/m.exec(report)![1]);
    const details = report.slice(report.indexOf('Content analysis details'));
    expect(score, details).toBeLessThanOrEqual(0);
    // No rule costs anything: the hidden preheader once cost 0.7 (HTML_FONT_LOW_CONTRAST).
    const costs = [...details.matchAll(/^\s*(-?\d+\.\d+) ([A-Z0-9_]+)/gm)].filter((m) => Number(m[1]) > 0).map((m) => m[2]);
    expect(costs).toEqual([]);
  });
});
