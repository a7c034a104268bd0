import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { imapMailbox, maildir, parseIncoming, readBounces, recordIncoming, statusBlocks } from '../src/bounces/index.js';
import { campaignReport } from '../src/report/index.js';
import { openPostgresStore, openSqliteStore, type Store } from '../src/store/index.js';
import { createTokens, returnAddress } from '../src/tokens/index.js';
import { ImapFlow } from 'imapflow';
import { pollBounces } from '../src/cli/bounces.js';
import { loadConfig } from '../src/config/index.js';
import { cli, tempProject } from './helpers.js';
import { dovecotAvailable, startDovecot } from './postfix.js';
import { freshPgUrl, pgReachable } from './pg.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'bounces');
const tokens = createTokens('bounce test secret');
const settings = { temporaryLimit: 3 };

/** A fixture with its placeholders filled: the return address, the recipient, the original Message-ID. */
function fixture(name: string, values: Record<string, string>): Buffer {
  return Buffer.from(readFileSync(join(fixtures, name), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k] ?? `{{${k}}}`));
}

/** A campaign of one, its message accepted by the relay: the delivery and the placeholders its bounce fills. */
async function sentOne(store: Store, email: string, secretTokens = tokens) {
  const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: ['police'], recipients: [{ email, name: 'Gone', agencies: ['police'] }] });
  const [d] = await store.claimDue(c.id, Date.now(), 1);
  await store.markSent(d!.id, '250 Ok', `<${c.id}.1@example.org>`);
  return { campaign: c, delivery: d!, values: { RETURN: returnAddress(secretTokens.sign({ campaign: c.id, delivery: d!.id }), 'example.org'), RECIPIENT: email, MESSAGE_ID: `<${c.id}.1@example.org>` } };
}

const adapters: [string, () => Promise<{ store: Store; drop(): Promise<void> }>][] = [
  ['SQLite', async () => ({ store: await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'briefcast-bounces-')), 'b.db')), drop: async () => undefined })],
  [
    'PostgreSQL',
    async () => {
      const { url, drop } = await freshPgUrl();
      return { store: await openPostgresStore(url), drop };
    },
  ],
];

for (const [name, open] of adapters) {
  describe(`bounces on ${name}`, async () => {
    const available = name === 'SQLite' || (await pgReachable());
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const c of cleanups.splice(0)) await c();
    });

    /** A campaign whose messages all went: each delivery with its return address and Message-ID. */
    async function sent(emails: string[], agencies = ['police']) {
      const { store, drop } = await open();
      cleanups.push(async () => {
        await store.close().catch(() => undefined);
        await drop();
      });
      const campaign = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies, recipients: emails.map((email, i) => ({ email, name: `Person ${i}`, agencies })) });
      const rows = await store.claimDue(campaign.id, Date.now(), emails.length);
      const deliveries = [];
      for (const d of rows) {
        const messageId = `<${campaign.id}.${d.seq}@example.org>`;
        await store.markSent(d.id, '250 2.0.0 Ok', messageId);
        deliveries.push({ ...d, messageId, values: { RETURN: returnAddress(tokens.sign({ campaign: campaign.id, delivery: d.id }), 'example.org'), RECIPIENT: d.email, MESSAGE_ID: messageId } });
      }
      return { store, campaign, deliveries };
    }

    const record = async (store: Store, raw: Buffer, limits = settings) => recordIncoming(store, tokens, await parseIncoming(raw), limits);

    it.skipIf(!available)('a Postfix bounce to the return address marks its delivery bounced and suppresses the address (5.1.1)', async () => {
      const { store, campaign, deliveries } = await sent(['gone@agency.example', 'here@agency.example']);
      const outcome = await record(store, fixture('postfix.eml', deliveries[0]!.values));
      expect(outcome).toMatchObject({ outcome: 'recorded', email: 'gone@agency.example', campaign: campaign.id, kind: 'mailbox', status: '5.1.1', suppressed: true });
      expect(await store.isSuppressed('gone@agency.example')).toBe(true);
      expect(await store.isSuppressed('here@agency.example')).toBe(false);
      const engagement = await store.engagement(campaign.id);
      expect(engagement.map((e) => [e.email, e.state])).toEqual([
        ['gone@agency.example', 'bounced'],
        ['here@agency.example', 'sent'],
      ]);
      expect(engagement[0]!.bounce).toBe('5.1.1 550 5.1.1 <gone@agency.example>: Recipient address rejected: User unknown in virtual mailbox table');
    });

    it.skipIf(!available)('an Exchange-style report (5.1.10, original headers only) and a Gmail-style one are read the same way', async () => {
      const { store, deliveries } = await sent(['a@agency.example', 'b@agency.example']);
      expect(await record(store, fixture('exchange.eml', deliveries[0]!.values))).toMatchObject({ outcome: 'recorded', email: 'a@agency.example', kind: 'mailbox', status: '5.1.10', suppressed: true });
      const gmail = await record(store, fixture('gmail.eml', deliveries[1]!.values));
      expect(gmail).toMatchObject({ outcome: 'recorded', email: 'b@agency.example', kind: 'mailbox', status: '5.1.1', suppressed: true });
      expect(gmail.outcome === 'recorded' && gmail.reason).toContain('550-5.1.1 The email account that you tried to reach does not exist.');
    });

    it.skipIf(!available)('without a return address of ours, the Message-ID the report quotes finds the delivery', async () => {
      const { store, deliveries } = await sent(['a@agency.example', 'b@agency.example']);
      const values = { ...deliveries[1]!.values, RETURN: 'board@example.org' };
      expect(await record(store, fixture('exchange.eml', values))).toMatchObject({ outcome: 'recorded', email: 'b@agency.example' });
      // A forged or altered token is not trusted: the quoted Message-ID still decides.
      const forged = { ...deliveries[0]!.values, RETURN: returnAddress(createTokens('another secret').sign({ campaign: 1, delivery: 2 }), 'example.org') };
      expect(await record(store, fixture('postfix.eml', forged))).toMatchObject({ outcome: 'recorded', email: 'a@agency.example' });
      const lost = { ...deliveries[0]!.values, RETURN: 'board@example.org', MESSAGE_ID: '<someone-else@example.net>' };
      expect(await record(store, fixture('gmail.eml', lost))).toMatchObject({ outcome: 'unmatched' });
    });

    it.skipIf(!available)('a full mailbox (4.2.2) is counted; only the third in a row suppresses the address', async () => {
      const email = 'full@agency.example';
      const { store } = await sent(['someone@agency.example']);
      const campaigns = [];
      for (let i = 0; i < 3; i++) campaigns.push((await sentOne(store, email)).values);
      const results = [];
      for (const [i, values] of campaigns.entries()) results.push(await record(store, fixture('mailbox-full.eml', { ...values, SOURCE: `full-${i}` })));
      expect(results.map((r) => r.outcome === 'recorded' && [r.kind, r.status, r.suppressed])).toEqual([
        ['temporary', '4.2.2', false],
        ['temporary', '4.2.2', false],
        ['temporary', '4.2.2', true],
      ]);
      expect((await store.suppressions()).find((s) => s.email === email)?.detail).toMatch(/^3 temporary failures in a row; the last: 4\.2\.2 452 4\.2\.2 Mailbox full$/);
    });

    it.skipIf(!available)('a delivered message between two full-mailbox bounces breaks the run', async () => {
      const { store } = await sent(['x@agency.example']);
      const email = 'full@agency.example';
      const mail = [];
      for (let i = 0; i < 3; i++) mail.push((await sentOne(store, email)).values);
      // Two in a row would suppress; two with a delivered one between do not.
      await record(store, fixture('mailbox-full.eml', { ...mail[0]!, SOURCE: 'f0' }), { temporaryLimit: 2 });
      expect(await record(store, fixture('mailbox-full.eml', { ...mail[2]!, SOURCE: 'f2' }), { temporaryLimit: 2 })).toMatchObject({ outcome: 'recorded', suppressed: false });
      expect(await store.isSuppressed(email)).toBe(false);
      expect(await record(store, fixture('mailbox-full.eml', { ...mail[1]!, SOURCE: 'f1' }), { temporaryLimit: 2 })).toMatchObject({ outcome: 'recorded', suppressed: true });
    });

    it.skipIf(!available)('an out-of-office reply and a delay warning change nothing; the same bounce read twice is recorded once', async () => {
      const { store, campaign, deliveries } = await sent(['a@agency.example']);
      expect(await record(store, fixture('out-of-office.eml', deliveries[0]!.values))).toMatchObject({ outcome: 'ignored', reason: 'auto-reply "Automatic reply: Learning from Serious Case Reviews"' });
      expect(await record(store, fixture('delayed.eml', deliveries[0]!.values))).toMatchObject({ outcome: 'ignored', reason: 'delivery report says delayed, not failed' });
      expect((await store.engagement(campaign.id))[0]!.state).toBe('sent');
      expect(await record(store, fixture('postfix.eml', deliveries[0]!.values))).toMatchObject({ outcome: 'recorded' });
      expect(await record(store, fixture('postfix.eml', deliveries[0]!.values))).toMatchObject({ outcome: 'duplicate', email: 'a@agency.example' });
    });

    it.skipIf(!available)('the report counts bounces per agency; the chase list leaves bounced readers out and lists them as unreachable', async () => {
      const { store, campaign, deliveries } = await sent(['gone@agency.example', 'here@agency.example']);
      await record(store, fixture('postfix.eml', deliveries[0]!.values));
      const report = await campaignReport(store, campaign, { tracking: 'individual', agencyNames: new Map([['police', 'Police']]), chaseDays: 0, now: Date.now() + 1000 });
      expect(report.agencies[0]).toMatchObject({ agency: 'police', recipients: 2, delivered: 1, bounced: 1 });
      expect(report.chase!.people.map((p) => p.email)).toEqual(['here@agency.example']);
      expect(report.chase!.unreachable).toEqual([{ agency: 'police', name: 'Police', people: [{ name: 'Person 0', email: 'gone@agency.example', reason: expect.stringMatching(/^5\.1\.1 550 5\.1\.1 /) }] }]);
    });

    it.skipIf(!available)('a Maildir: what was dealt with moves to cur/ marked seen; what a person should read stays in new/', async () => {
      const { store, campaign, deliveries } = await sent(['gone@agency.example']);
      const dir = mkdtempSync(join(tmpdir(), 'briefcast-maildir-'));
      for (const d of ['new', 'cur', 'tmp']) mkdirSync(join(dir, d));
      writeFileSync(join(dir, 'new', '1.bounce'), fixture('postfix.eml', deliveries[0]!.values));
      writeFileSync(join(dir, 'new', '2.oof'), fixture('out-of-office.eml', deliveries[0]!.values));
      writeFileSync(join(dir, 'new', '3.reply'), 'From: someone@agency.example\nSubject: please call me\nMessage-ID: <r@agency.example>\n\nCan we talk?\n');
      writeFileSync(join(dir, 'new', '4.huge'), Buffer.concat([fixture('postfix.eml', deliveries[0]!.values), Buffer.alloc(11 * 1024 * 1024, 'x')]));
      const results = await readBounces(maildir(dir), store, tokens, settings);
      expect(results.map((r) => r.outcome)).toEqual(['recorded', 'ignored', 'not-a-bounce', 'not-a-bounce']);
      expect(readdirSync(join(dir, 'new')).sort()).toEqual(['3.reply', '4.huge']);
      expect(readdirSync(join(dir, 'cur')).sort()).toEqual(['1.bounce:2,S', '2.oof:2,S']);
      expect((await store.engagement(campaign.id))[0]!.state).toBe('bounced');
    });
  });
}

it('reads the fields of a delivery status report, folded lines joined', () => {
  expect(statusBlocks('Reporting-MTA: dns; a\r\n\r\nFinal-Recipient: rfc822; x@y\r\nDiagnostic-Code: smtp; 550\r\n  no such user\r\n').map((b) => Object.fromEntries(b))).toEqual([
    { 'reporting-mta': 'dns; a' },
    { 'final-recipient': 'rfc822; x@y', 'diagnostic-code': 'smtp; 550 no such user' },
  ]);
});

it('briefcast bounces records .eml files against the project database; with nothing to read it says what to give', async () => {
  const dir = tempProject({ briefings: false });
  const secret = 'a secret of the project, long enough';
  const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
  const { values } = await sentOne(store, 'gone@agency.example', createTokens(secret));
  await store.close();
  const file = join(dir, 'bounce.eml');
  writeFileSync(file, fixture('postfix.eml', values));

  const run = await cli(dir, ['bounces', file], { BRIEFCAST_SECRET: secret });
  expect(run.stderr).toBe('');
  expect(run.stdout).toMatch(/^bounced {4}gone@agency\.example \(campaign 1\): mailbox, 5\.1\.1 550 5\.1\.1 .*; address suppressed$/m);
  expect(run.stdout).toMatch(/^1 message\(s\): 1 bounce\(s\) recorded \(1 address\(es\) suppressed\)/m);
  const nothing = await cli(dir, ['bounces'], { BRIEFCAST_SECRET: secret, BOUNCE_IMAP_URL: '' });
  expect(nothing.code).toBe(1);
  expect(nothing.stderr).toBe('briefcast: give .eml files or a Maildir, or set BOUNCE_IMAP_URL (imaps://user:password@host/INBOX)\n');
});

it('--help loads neither the IMAP client nor the mail parser', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-hooks-'));
  const log = join(dir, 'loaded.txt');
  writeFileSync(log, '');
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(${JSON.stringify(log)}, r.url + '\\n'); return r; }\n`,
  );
  writeFileSync(join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  const run = await cli(dir, ['--help'], { NODE_OPTIONS: `--import ${pathToFileURL(join(dir, 'register.mjs')).href}` });
  expect(run.stdout).toContain('bounces [paths...]');
  const loaded = readFileSync(log, 'utf8');
  expect(loaded).toContain('commander');
  expect(loaded).not.toMatch(/imapflow|mailparser/);
});

describe('bounces from an IMAP mailbox (a Dovecot of our own on loopback)', () => {
  const available = dovecotAvailable();
  it.skipIf(!available)('reads every message, moves what it dealt with to the folder, and leaves the rest unread in the inbox', async () => {
    const dovecot = await startDovecot('imap-test-password');
    const store = await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'briefcast-imap-')), 'b.db'));
    try {
      const { values } = await sentOne(store, 'gone@agency.example');
      const client = new ImapFlow({ host: '127.0.0.1', port: Number(new URL(dovecot.url).port), secure: false, auth: { user: 'bounces', pass: 'imap-test-password' }, logger: false });
      await client.connect();
      await client.append('INBOX', fixture('postfix.eml', values));
      await client.append('INBOX', fixture('out-of-office.eml', values));
      await client.append('INBOX', 'From: someone@agency.example\r\nSubject: please call me\r\nMessage-ID: <r@agency.example>\r\n\r\nCan we talk?\r\n');

      const source = await imapMailbox({ url: dovecot.url, folder: 'Processed' });
      const results = await readBounces(source, store, tokens, settings).finally(() => source.close());
      expect(results.map((r) => [r.name, r.outcome])).toEqual([
        ['INBOX uid 1', 'recorded'],
        ['INBOX uid 2', 'ignored'],
        ['INBOX uid 3', 'not-a-bounce'],
      ]);
      expect(await store.isSuppressed('gone@agency.example')).toBe(true);
      const left = await client.status('INBOX', { messages: true, unseen: true });
      expect(left).toMatchObject({ messages: 1, unseen: 1 });
      expect(await client.status('Processed', { messages: true })).toMatchObject({ messages: 2 });
      await client.logout();
    } finally {
      await store.close();
      dovecot.stop();
    }
  });

  it.skipIf(!available)("serve's poll (bounces.poll) reads the mailbox as soon as it starts and records what it finds", async () => {
    const dovecot = await startDovecot('imap-test-password');
    const store = await openSqliteStore(join(mkdtempSync(join(tmpdir(), 'briefcast-poll-')), 'b.db'));
    const { config } = loadConfig(join(import.meta.dirname, '..', 'briefcast.yml'));
    let stop = () => undefined as void;
    try {
      const { campaign: c, values } = await sentOne(store, 'gone@agency.example');
      const client = new ImapFlow({ host: '127.0.0.1', port: Number(new URL(dovecot.url).port), secure: false, auth: { user: 'bounces', pass: 'imap-test-password' }, logger: false });
      await client.connect();
      await client.append('INBOX', fixture('postfix.eml', values));
      await client.logout();
      stop = pollBounces(store, tokens, config!, 5, { BOUNCE_IMAP_URL: dovecot.url });
      for (let i = 0; i < 300 && !(await store.isSuppressed('gone@agency.example')); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await store.isSuppressed('gone@agency.example')).toBe(true);
      expect((await store.engagement(c.id))[0]!.state).toBe('bounced');
    } finally {
      stop();
      await store.close();
      dovecot.stop();
    }
  });
});

it('hostile input: random bytes, a megabyte-long address header and a report with no fields are read without a throw or a stall', async () => {
  const fc = await import('fast-check');
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), async (bytes) => {
      const incoming = await parseIncoming(Buffer.from(bytes));
      expect(['bounce', 'auto-reply', 'other']).toContain(incoming.type);
    }),
    { numRuns: 200 },
  );
  const started = process.hrtime.bigint();
  const long = await parseIncoming(`To: ${'a'.repeat(1_000_000)}\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n--B--\r\n`);
  // Bounded generously: quadratic scanning of that header would take minutes, not seconds.
  expect(Number(process.hrtime.bigint() - started) / 1e9).toBeLessThan(30);
  expect(long).toMatchObject({ type: 'bounce', reports: [], addressedTo: [] });
});
