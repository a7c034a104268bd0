import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { launchChromium } from './browser.js';
import { cli, configure, fastSending, tempProject } from './helpers.js';
import { startSink } from './smtp.js';
import { BROWSER_UA, startTracking } from './track-helpers.js';

it('a manager opens the email, clicks a lesson link, reads the web page and acknowledges: the report shows exactly that', async () => {
  const dir = tempProject();
  configure(dir, fastSending);
  expect((await cli(dir, ['build'])).code).toBe(0);
  mkdirSync(join(dir, 'data'), { recursive: true });
  // The server runs first so that the emails carry its origin.
  const tracking = await startTracking(dir);
  const sink = await startSink();
  const browser = await launchChromium();
  try {
    const sent = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: sink.url, BRIEFCAST_BASE_URL: tracking.origin });
    expect(sent.code, sent.stderr).toBe(0);
    // An hour passes before Jo reads it (clicks seconds after delivery are a scanner's).
    const db = new Database(join(dir, 'data', 'briefcast.db'));
    db.prepare('UPDATE deliveries SET sent_at = sent_at - 3600000').run();
    db.close();

    const jo = sink.received.find((r) => r.to === 'jo.bloggs@example.org')!;
    const context = await browser.newContext({ userAgent: BROWSER_UA });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${tracking.origin}/`);
    await page.setContent(String(jo.mail.html), { waitUntil: 'load' });
    expect(requests.some((u) => /\/o\/[A-Za-z0-9_-]+\.gif$/.test(u)), 'the pixel loads').toBe(true);

    const lessonLink = page.locator('a', { hasText: 'SafeLives-DASH Risk Indicator Checklist' });
    const href = await lessonLink.getAttribute('href');
    expect(href).toMatch(new RegExp(`^${tracking.origin}/c/[A-Za-z0-9_-]+/\\d+$`));
    const response = await fetch(href!, { redirect: 'manual', headers: { 'user-agent': BROWSER_UA } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://www.example.org/safelives/dash-risk-checklist');

    const webHref = await page.locator('a', { hasText: 'View this email in a web page' }).getAttribute('href');
    await page.goto(webHref!);
    expect(await page.locator('h1').textContent()).toBe('Learning from Serious Case Reviews – Children P');

    await page.setContent(String(jo.mail.html));
    await page.goto((await page.locator('a', { hasText: 'I have read this briefing' }).getAttribute('href'))!);
    expect(await page.locator('h1').textContent()).toBe('Confirm that you have read this briefing');
    await page.fill('#people', '9');
    await page.fill('#comment', 'Discussed at the team meeting');
    await page.click('text=Save the discussion record');
    expect(await page.locator('h1').textContent()).toBe('Thank you');
    await context.close();
  } finally {
    await browser.close();
    await sink.close();
    await tracking.close();
  }

  const run = await cli(dir, ['report', 'children-p', '--json']);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout);
  const police = report.agencies.find((a: { agency: string }) => a.agency === 'police');
  expect(police).toMatchObject({ recipients: 2, delivered: 2, opened: 1, clicked: 1, viewed: 1, acknowledged: 1, acknowledged_pct: 50, shared: 9 });
  for (const other of report.agencies.filter((a: { agency: string }) => a.agency !== 'police')) {
    expect(other, other.agency).toMatchObject({ opened: 0, clicked: 0, viewed: 0, acknowledged: 0 });
  }
  expect(report.total).toMatchObject({ recipients: 13, delivered: 13, opened: 1, clicked: 1, viewed: 1, acknowledged: 1, shared: 9 });
  const dash = report.links.find((l: { url: string }) => l.url === 'https://www.example.org/safelives/dash-risk-checklist');
  expect(dash).toMatchObject({ lesson: 11, clicks: 1, people: 1, machine: 0 });
  expect(report.machine).toEqual([]);
  expect(report.chase.people.map((p: { email: string }) => p.email)).not.toContain('jo.bloggs@example.org');
});
