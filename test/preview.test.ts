import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreviewServer, type PreviewServer } from '../src/preview/index.js';
import { LiveSite } from '../src/watch.js';
import { horizontalOverflow, launchChromium, listen } from './browser.js';
import { tempProject } from './helpers.js';

/** Collects server-sent events from the preview. */
function subscribe(origin: string) {
  const events: { slugs: string[] }[] = [];
  const waiters: (() => void)[] = [];
  const req = request(`${origin}/events`, (res) => {
    let buffer = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        const data = /^data: (.*)$/m.exec(block);
        if (/^event: change$/m.test(block) && data) {
          events.push(JSON.parse(data[1]!));
          waiters.splice(0).forEach((w) => w());
        }
      }
    });
  });
  req.end();
  return {
    events,
    next: (count: number) =>
      new Promise<void>((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no change event: ${events.length} of ${count}`)), 10_000);
        const check = () => (events.length >= count ? (clearTimeout(timer), done()) : waiters.push(check));
        check();
      }),
    close: () => req.destroy(),
  };
}

describe('briefcast preview', () => {
  const dir = tempProject();
  const file = join(dir, 'briefings', 'children-p.md');
  let site: LiveSite;
  let preview: PreviewServer;
  let origin: string;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    site = (await LiveSite.open(dir)) as LiveSite;
    expect(site).toBeInstanceOf(LiveSite);
    preview = createPreviewServer({ site });
    stop = await site.watch((change) => preview.notify(change));
    origin = await listen(preview.server);
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    await stop();
    preview.server.closeAllConnections();
    preview.server.close();
  });

  it('lists the briefings with their status and shows one briefing in four panes', async () => {
    const index = await (await fetch(`${origin}/`)).text();
    expect(index).toContain('<a href="/children-p">Learning from Serious Case Reviews – Children P</a>');
    expect(index).toMatch(/class="warnings">0 error\(s\), 1 warning\(s\)/);
    const page = await (await fetch(`${origin}/children-p`)).text();
    for (const pane of ['Email, desktop (600 px)', 'Email, phone (375 px)', 'Plain-text part', 'Web page']) expect(page).toContain(pane);
    expect(page).toContain('Proof copies need sending to be set up.');
  });

  it('re-renders on save, reports errors in the words of check, and comes back when fixed', async () => {
    const sse = subscribe(origin);
    await new Promise((r) => setTimeout(r, 200));
    const original = readFileSync(file, 'utf8');
    try {
      writeFileSync(file, original.replace('Children P’s story', 'Children P’s story, as told'));
      await sse.next(1);
      expect(sse.events[0]!.slugs).toEqual(['children-p']);
      expect(await (await fetch(`${origin}/children-p/web.html`)).text()).toContain('Children P’s story, as told');

      writeFileSync(file, original.replace('review: Children P', 'review: [Children P'));
      await sse.next(2);
      const broken = await (await fetch(`${origin}/children-p`)).text();
      expect(broken).toMatch(/<li class="error">briefings\/children-p\.md:\d+:\d+  invalid YAML: /);
      expect(broken).toContain('cannot be shown until the errors above are fixed');

      writeFileSync(file, original);
      await sse.next(3);
      const fixed = await (await fetch(`${origin}/children-p`)).text();
      expect(fixed).not.toContain('invalid YAML');
      expect(fixed).toContain('Email, phone (375 px)');
    } finally {
      sse.close();
      writeFileSync(file, original);
    }
  });

  it('in Chromium, the email frame at 375 px has no horizontal overflow', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1800, height: 1000 } });
      await page.goto(`${origin}/children-p`);
      const frame = page.frameLocator('#phone');
      await frame.locator('body').waitFor();
      const handle = await page.locator('#phone').elementHandle();
      const inner = await handle!.contentFrame();
      expect(await inner!.evaluate(() => document.documentElement.clientWidth)).toBe(375);
      expect(await horizontalOverflow(inner as never)).toBeLessThanOrEqual(0);
      expect(await inner!.locator('text=Lessons from Children P').count()).toBe(1);
    } finally {
      await browser.close();
    }
  });
});
