import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { expect, it } from 'vitest';
import { cli, tempProject } from './helpers.js';
import { BROWSER_UA, startTracking } from './track-helpers.js';

const ackToken = (eml: string) => /\/a\/([A-Za-z0-9_-]+)/.exec(eml.replace(/=\r?\n/g, ''))![1]!;

it('--remind sends a short reminder, as its own campaign, to those who have not acknowledged; its acknowledgements count for the briefing', async () => {
  const dir = tempProject();
  expect((await cli(dir, ['build'])).code).toBe(0);
  expect((await cli(dir, ['send', 'children-p', '--yes'])).code).toBe(0);
  const first = Object.fromEntries(readdirSync(join(dir, 'outbox', '1')).map((f) => [f.replace(/^\d+-|\.eml$/g, ''), readFileSync(join(dir, 'outbox', '1', f), 'utf8')]));

  const tooSoon = await cli(dir, ['send', 'children-p', '--remind', '--yes']);
  expect(tooSoon.code).toBe(1);
  expect(tooSoon.stderr).toContain('briefcast: no one to remind: 0 acknowledged, 13 received it or a reminder too recently');

  const t = await startTracking(dir);
  const post = (token: string) => fetch(`${t.origin}/a/${token}`, { method: 'POST', body: 'people=5', headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER_UA } });
  try {
    expect((await post(ackToken(first['jo.bloggs@example.org']!))).status).toBe(200);

    const run = await cli(dir, ['send', 'children-p', '--remind', '--after', '0d', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('12 have not acknowledged after 0d; 1 acknowledged');
    const files = readdirSync(join(dir, 'outbox', '2'));
    expect(files).toHaveLength(12);
    expect(files.some((f) => f.includes('jo.bloggs'))).toBe(false);
    const chrisFile = files.find((f) => f.includes('chris.hall'))!;
    const reminder = await simpleParser(readFileSync(join(dir, 'outbox', '2', chrisFile)));
    expect(reminder.subject).toBe('Reminder: Learning from Serious Case Reviews – Children P');
    expect(reminder.text?.replace(/\s+/g, ' ')).toContain('please read it, share it with your team, and confirm that you have');
    expect(String(reminder.html).length).toBeLessThan(String((await simpleParser(first['chris.hall@example.org']!)).html).length / 2);

    // Chris acknowledges through the reminder.
    expect((await post(ackToken(readFileSync(join(dir, 'outbox', '2', chrisFile), 'utf8')))).status).toBe(200);
    // Both teams' records belong to the briefing's first campaign, each under its reader's first delivery.
    expect((await t.store.discussions(1)).map((d) => [d.email, d.people])).toEqual([
      ['jo.bloggs@example.org', 5],
      ['chris.hall@example.org', 5],
    ]);
    expect(await t.store.discussions(2)).toEqual([]);
  } finally {
    await t.close();
  }
  const report = JSON.parse((await cli(dir, ['report', 'children-p', '--json'])).stdout);
  expect(report.campaign.reminders).toEqual([2]);
  expect(report.agencies.find((a: { agency: string }) => a.agency === 'police')).toMatchObject({ acknowledged: 2, acknowledged_pct: 100, shared: 10 });
  expect(report.total.recipients).toBe(13);

  const campaigns = await cli(dir, ['campaigns']);
  expect(campaigns.stdout).toMatch(/2 +children-p +reminder +completed/);
});
