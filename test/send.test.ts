import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLists, resolveRecipients } from '../src/lists/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { cli, configure, fastSending, policeCsv, repo, tempProject } from './helpers.js';
import { startSink, type Policy, type Sink } from './smtp.js';

const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

function sampleRecipients(dir: string) {
  const lists = loadLists(join(dir, 'lists', 'agencies.yml'));
  const briefing = readFileSync(join(dir, 'briefings', 'children-p.md'), 'utf8');
  const ids = [...briefing.split('agencies:')[1]!.split('tags:')[0]!.matchAll(/- ([a-z-]+)/g)].map((m) => m[1]!);
  return resolveRecipients(lists.agencies, ids);
}

describe('briefcast send through a real SMTP server', () => {
  it('delivers exactly one message per distinct recipient, with the right headers and parts', async () => {
    const dir = tempProject();
    configure(dir, fastSending);
    const sink = await startSink();
    sinks.push(sink);
    const run = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: sink.url });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/13 recipients in 7 agencies/);
    expect(run.stdout).toMatch(/campaign 1 completed: 13 sent, 0 failed/);

    const expected = sampleRecipients(dir);
    expect(expected).toHaveLength(13);
    expect(sink.received).toHaveLength(13);
    for (const r of expected) expect(sink.count(r.email), r.email).toBe(1);
    // Sam Patel is on children's social care and early help; Ben Carter on early help and MARAC.
    expect(sink.count('sam.patel@example.org')).toBe(1);
    expect(sink.count('ben.carter@example.org')).toBe(1);

    const tokens = new Set<string>();
    const messageIds = new Set<string>();
    for (const { to, mail } of sink.received) {
      expect(mail.subject).toBe('Learning from Serious Case Reviews – Children P');
      expect(mail.from?.value[0]).toEqual({ name: 'Cumbria LSCB', address: 'LSCB@cumbria.gov.uk' });
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address : '').toBe(to);
      expect(mail.html).toContain('Lessons from Children P');
      expect(mail.text).toContain('Lessons from Children P');
      const unsubscribe = (mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '').replace(/\r?\n\s+/g, ' ');
      expect(unsubscribe).toMatch(/<http:\/\/localhost:4000\/u\/[A-Za-z0-9_-]+>, <mailto:LSCB@cumbria\.gov\.uk\?subject=/);
      expect(mail.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(mail.headerLines.find((h) => h.key === 'list-id')?.line).toContain('<lscb.briefings.cumbria.gov.uk>');
      expect(mail.messageId).toMatch(/^<[0-9a-f]{16}\.1\.\d+@cumbria\.gov\.uk>$/);
      messageIds.add(mail.messageId!);
      const web = /href="(http:\/\/localhost:4000\/b\/children-p\?t=([A-Za-z0-9_-]+))"/.exec(String(mail.html));
      expect(web, 'per-recipient web link').not.toBeNull();
      expect(mail.text).toContain(web![1]);
      tokens.add(web![2]!);
    }
    expect(tokens.size).toBe(13);
    expect(messageIds.size).toBe(13);
  });

  it('survives 451, a 454 burst, a 550 and a dropped connection: one accepted message each, the 550 failed and suppressed', async () => {
    const dir = tempProject();
    configure(dir, fastSending);
    // One address the server does not know.
    const listsPath = join(dir, 'lists', 'agencies.yml');
    writeFileSync(listsPath, readFileSync(listsPath, 'utf8').replace('role: detective inspector }', 'role: detective inspector }\n      - { name: Gone Away, email: gone.away@example.org, role: manager }'));
    let rcpts = 0;
    const sink = await startSink({
      rcpt(address, attempt) {
        rcpts++;
        if (address === 'gone.away@example.org') return { code: 550, message: '5.1.1 No such user here' };
        if ((address === 'jo.bloggs@example.org' || address === 'lucy.grant@example.org') && attempt === 1) return { code: 451, message: '4.7.1 Greylisted, try again later' };
        if (rcpts >= 4 && rcpts <= 8) return { code: 454, message: '4.7.0 Too many messages, slow down' };
        return undefined;
      },
      data(address, attempt) {
        return address === 'tom.reid@example.org' && attempt === 1 ? 'drop' : undefined;
      },
    });
    sinks.push(sink);
    const run = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: sink.url });
    expect(run.stdout).toMatch(/campaign 1 completed: 13 sent, 1 failed/);
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('  1 address(es) do not exist and are now suppressed: npx briefcast suppressions');
    for (const r of sampleRecipients(dir)) {
      if (r.email === 'gone.away@example.org') expect(sink.count(r.email)).toBe(0);
      else expect(sink.count(r.email), r.email).toBe(1);
    }
    const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
    const counts = await store.counts(1);
    expect(counts).toEqual({ queued: 0, sending: 0, sent: 13, failed: 1, suppressed: 0 });
    const [failed] = await store.failures(1);
    expect(failed!.email).toBe('gone.away@example.org');
    expect(failed!.last_response).toMatch(/^550 5\.1\.1 No such user here/);
    expect(await store.isSuppressed('gone.away@example.org')).toBe(true);
    await store.close();

    const listing = await cli(dir, ['campaigns', '1']);
    expect(listing.stdout).toMatch(/gone\.away@example\.org .* 550 5\.1\.1 No such user here/);

    // The next campaign skips the suppressed address.
    const again = await cli(dir, ['send', 'children-p', '--yes', '--again'], { SMTP_URL: sink.url });
    expect(again.stdout).toMatch(/14 recipients in 7 agencies .*1 suppressed/);
    expect(again.stdout).toMatch(/campaign 2 completed: 13 sent, 0 failed, 1 suppressed/);
  });

  it('writes one .eml per recipient to the outbox with no SMTP_URL, which mailparser reads back', async () => {
    const dir = tempProject();
    const run = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: '' });
    expect(run.code).toBe(0);
    const files = readdirSync(join(dir, 'outbox', '1')).sort();
    expect(files).toHaveLength(13);
    const emails = new Set<string>();
    for (const f of files) {
      const mail = await simpleParser(readFileSync(join(dir, 'outbox', '1', f)));
      expect(mail.subject).toBe('Learning from Serious Case Reviews – Children P');
      expect(mail.html).toContain('Lessons from Children P');
      expect(mail.text).toContain('13. This case highlights the need');
      emails.add(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]!.address! : '');
    }
    expect(emails.size).toBe(13);
    expect(files.every((f) => /^\d+-[^/]+@example\.org\.eml$/.test(f))).toBe(true);
  });

  it('--dry-run lists what would go, skipping the suppressed, and records nothing; --test sends one marked proof and records nothing', async () => {
    const dir = tempProject();
    const sink = await startSink();
    sinks.push(sink);
    expect((await cli(dir, ['suppressions', 'add', 'Jo.Bloggs@example.org', '--reason', 'left the force'])).code).toBe(0);
    expect((await cli(dir, ['suppressions'])).stdout).toMatch(/jo\.bloggs@example\.org +manual +\d{4}-\d{2}-\d{2} \d{2}:\d{2} +left the force/);
    const dry = await cli(dir, ['send', 'children-p', '--dry-run'], { SMTP_URL: sink.url });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would skip  Jo Bloggs <jo.bloggs@example.org>  (police)  suppressed');
    expect(dry.stdout).toContain('would send  Chris Hall <chris.hall@example.org>  (police)');
    expect(dry.stdout).toMatch(/dry run: 12 messages would be sent, 1 skipped as suppressed; nothing was sent or recorded\n$/);
    expect(dry.stdout + dry.stderr).not.toMatch(/\/s\b|\bsent \d/);
    expect((await cli(dir, ['suppressions', 'remove', 'jo.bloggs@example.org'])).code).toBe(0);
    expect((await cli(dir, ['send', 'children-p', '--dry-run'], { SMTP_URL: sink.url })).stdout).toMatch(/dry run: 13 messages would be sent, 0 skipped/);
    expect(sink.received).toHaveLength(0);
    const proof = await cli(dir, ['send', 'children-p', '--test', 'editor@example.org'], { SMTP_URL: sink.url });
    expect(proof.code).toBe(0);
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.mail.subject).toBe('[Proof] Learning from Serious Case Reviews – Children P');
    const campaigns = await cli(dir, ['campaigns']);
    expect(campaigns.stdout).toContain('no campaigns yet');
    expect((await cli(dir, ['send', 'children-p', '--test', 'editor@example.org'], { SMTP_URL: sink.url })).code).toBe(0);
    expect(sink.received[1]!.mail.messageId).not.toBe(sink.received[0]!.mail.messageId);
  });

  it('--remind --dry-run plans the reminder against the real store and writes nothing', async () => {
    const dir = tempProject();
    expect((await cli(dir, ['send', 'children-p', '--yes'])).code).toBe(0);
    const dry = await cli(dir, ['send', 'children-p', '--remind', '--after', '0d', '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('13 have not acknowledged after 0d');
    expect(dry.stdout).toMatch(/dry run: 13 messages would be sent, 0 skipped as suppressed; nothing was sent or recorded/);
    expect((await cli(dir, ['campaigns'])).stdout).not.toMatch(/reminder/);
  });

  it('a resume and a worker send what the campaign stored: no briefings folder, no templates, and the renderer never loaded', async () => {
    const dir = tempProject();
    configure(dir, fastSending);
    const rejected = { code: 550, message: '5.7.1 Sender address rejected' };
    const refuse: Policy = { mailFrom: () => rejected };
    const sink = await startSink(refuse);
    sinks.push(sink);
    const paused = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: sink.url });
    expect(paused.code).toBe(1);
    expect(paused.stdout).toContain('paused: the server refused the campaign, not a recipient: 550 5.7.1 Sender address rejected');
    expect(paused.stdout.trim().split('\n').at(-1)).toBe('  to resume: npx briefcast send children-p --resume');
    expect((await cli(dir, ['suppressions'])).stdout).toContain('no suppressed addresses');

    rmSync(join(dir, 'briefings'), { recursive: true });
    rmSync(join(dir, 'templates'), { recursive: true });
    const noRender = { SMTP_URL: sink.url, NODE_OPTIONS: `--import=${join(repo, 'test', 'fixtures', 'no-render.mjs')}` };
    // The relay lets five through, then refuses the sender again: the worker sends five and pauses.
    let allowed = 5;
    refuse.mailFrom = () => (allowed-- > 0 ? undefined : rejected);
    const worker = await cli(dir, ['send', '1', '--worker'], noRender);
    expect(worker.stderr).not.toMatch(/the sender loaded|Error/);
    expect(worker.stdout).toMatch(/campaign 1 paused: 5 sent/);
    expect(worker.code).toBe(1);
    refuse.mailFrom = undefined;
    const resumed = await cli(dir, ['send', 'children-p', '--resume', '--yes'], noRender);
    expect(resumed.stderr).not.toMatch(/the sender loaded|Error/);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/campaign 1 completed: 13 sent, 0 failed/);
    expect(sink.received).toHaveLength(13);
    expect(new Set(sink.received.map((r) => r.to)).size).toBe(13);
    expect(String(sink.received[0]!.mail.html)).toContain('Lessons from Children P');
  });

  it('refuses to send a completed campaign again without --again, and asks before sending', async () => {
    const dir = tempProject();
    expect((await cli(dir, ['send', 'children-p'])).stderr).toContain('briefcast: not asking for confirmation: input is not a terminal; add --yes to send');
    expect(existsSync(join(dir, 'outbox'))).toBe(false);
    expect((await cli(dir, ['send', 'children-p', '--yes'])).code).toBe(0);
    const again = await cli(dir, ['send', 'children-p', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^briefcast: campaign 1 already sent this briefing on \d{4}-\d{2}-\d{2}; use --again to send it again\n$/);
    const late = await cli(dir, ['send', 'children-p', '--yes', '--again', '--send-by', '2020-01-01']);
    expect(late.code).toBe(1);
    expect(late.stderr).toContain('briefcast: the briefing had to be sent by 2020-01-01; it will not start late');
  });
});

describe('bad input to send: one clear line, exit 1, nothing half-written', () => {
  const cases: [string, (dir: string) => string[], RegExp][] = [
    ['an unknown slug', () => ['send', 'children-q', '--yes'], /^briefings\/  no briefing "children-q" \(known: children-p\); drafts are not sent$/],
    ['an unknown agency', () => ['send', 'children-p', '--yes', '--agency', 'polce'], /^briefcast: --agency polce: unknown agency \(known: childrens-social-care, police, /],
    [
      'a malformed CSV',
      (dir) => {
        policeCsv(dir, 'name,email,role,team\nA One,a.one@example.org,officer,east\n"Unclosed,b@example.org,officer,west\n');
        return ['send', 'children-p', '--yes'];
      },
      /^lists\/police\.csv:\d+  not valid CSV: /,
    ],
    [
      'a bad address in a CSV',
      (dir) => {
        policeCsv(dir, 'name,email,role,team\nA One,a.one@example.org,officer,east\nJo,jo@@x.org,officer,west\n');
        return ['send', 'children-p', '--yes'];
      },
      /^lists\/police\.csv:3  "jo@@x\.org" is not an email address$/,
    ],
    [
      'no recipients',
      (dir) => {
        const listsPath = join(dir, 'lists', 'agencies.yml');
        writeFileSync(listsPath, readFileSync(listsPath, 'utf8') + '  - id: youth-justice\n    name: Youth Justice Service\n');
        return ['send', 'children-p', '--yes', '--agency', 'youth-justice'];
      },
      /^briefcast: no recipients: the lists of youth-justice are empty$/,
    ],
    [
      'a store that cannot be written',
      (dir) => {
        writeFileSync(join(dir, 'data'), 'not a folder');
        return ['send', 'children-p', '--yes'];
      },
      /^briefcast: cannot open the database .*briefcast\.db: /,
    ],
  ];
  for (const [name, setup, line] of cases) {
    it(name, async () => {
      const dir = tempProject();
      const run = await cli(dir, setup(dir), { SMTP_URL: '' });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines[0]).toMatch(line);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(join(dir, 'outbox'))).toBe(false);
      if (existsSync(join(dir, 'data', 'briefcast.db'))) {
        const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
        expect(await store.campaigns()).toEqual([]);
        await store.close();
      }
    });
  }
});
