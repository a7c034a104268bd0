import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../src/build.js';
import { axeViolations, horizontalOverflow, launchChromium } from './browser.js';
import { tempProject } from './helpers.js';
import { startTracking, type Tracking } from './track-helpers.js';

describe('in headless Chromium', () => {
  const dir = tempProject();
  let browser: Browser;
  let base: string;
  let tracking: Tracking;
  beforeAll(async () => {
    expect((await build({ root: dir })).ok).toBe(true);
    tracking = await startTracking(dir);
    base = tracking.origin;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await tracking?.close();
  });

  it('a logo SVG with a script, opened from the site, cannot run it or read the logged-in dashboard', async () => {
    writeFileSync(
      join(dir, 'dist/web/assets/evil.svg'),
      `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>document.documentElement.setAttribute('data-ran', 'yes'); fetch('/dashboard').then((r) => r.text()).then((t) => document.documentElement.setAttribute('data-read', t));</script></svg>`,
    );
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/dashboard?key=test-dashboard-key`);
      expect(new URL(page.url()).search).toBe('');
      const asked: string[] = [];
      page.on('request', (r) => asked.push(new URL(r.url()).pathname));
      const res = await page.goto(`${base}/assets/evil.svg`, { waitUntil: 'load' });
      expect(res!.headers()['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
      await page.waitForTimeout(300);
      expect(asked).toEqual(['/assets/evil.svg']);
      expect(await page.evaluate(() => [document.documentElement.getAttribute('data-ran'), document.documentElement.getAttribute('data-read')])).toEqual([null, null]);
    } finally {
      await page.close();
    }
  });

  for (const width of [360, 1280]) {
    it(`the web page has no horizontal overflow at ${width} px`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`${base}/children-p/`);
      expect(await page.locator('h1').textContent()).toBe('Learning from Serious Case Reviews – Children P');
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      expect(requests.filter((u) => !u.startsWith(base))).toEqual([]);
      await page.close();
    });
  }

  it('axe-core finds no violations on the web page and the archive', async () => {
    // axe is injected as an inline script, which the pages' Content-Security-Policy rightly refuses.
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, bypassCSP: true });
    await page.goto(`${base}/children-p/`);
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${base}/`);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
  });

  it('the archive filters by agency and theme and searches by word, with no server', async () => {
    const page = await browser.newPage();
    await page.goto(`file://${join(dir, 'dist', 'web', 'index.html')}`);
    const visible = () => page.locator('#list > li:not([hidden])').count();
    expect(await visible()).toBe(1);
    await page.fill('#q', 'grandmother');
    expect(await visible()).toBe(1);
    await page.fill('#q', 'zebra crossing');
    expect(await visible()).toBe(0);
    expect(await page.locator('#count').textContent()).toBe('0 of 1 briefings');
    await page.fill('#q', '');
    await page.selectOption('#agency', 'police');
    expect(await visible()).toBe(1);
    await page.selectOption('#tag', 'neglect');
    expect(await visible()).toBe(1);
    expect(await page.locator('#count').textContent()).toBe('1 briefing');
    await page.close();
  });

  for (const width of [375, 600]) {
    it(`the email HTML has no horizontal overflow at ${width} px`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await page.setContent(readFileSync(join(dir, 'dist/email/children-p.html'), 'utf8'));
      expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
      await page.close();
    });
  }
});
