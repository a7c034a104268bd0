import { readdirSync, readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempProject } from './helpers.js';
import { startTracking, type Tracking } from './track-helpers.js';

/** A GET as it comes off the wire: fetch would undo the compression under test. */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((done, failed) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', failed)
      .end();
  });
}

describe('the message and the site, as clients and browsers like them', () => {
  const dir = tempProject();
  let t: Tracking;
  beforeAll(async () => {
    expect((await cli(dir, ['build'])).code).toBe(0);
    t = await startTracking(dir);
  }, 120_000);
  afterAll(() => t?.close());

  it("the sent email carries the layout's own styles on the briefing's elements, so clients that drop <style> keep them", async () => {
    const run = await cli(dir, ['send', 'children-p', '--yes']);
    expect(run.code, run.stderr).toBe(0);
    const folder = join(dir, 'outbox', '1');
    const html = String((await simpleParser(readFileSync(join(folder, readdirSync(folder)[0]!)))).html);
    // The body's paragraphs and section headings come from Markdown after MJML compiled the layout.
    expect(html).toMatch(/<p style="[^"]*margin: 0 0 12px/);
    expect(html).toMatch(/<h2 style="[^"]*font-size: 20px/);
    expect(html).toMatch(/<a href="http:\/\/localhost:4000\/c\/[A-Za-z0-9_-]+\/\d+" style="[^"]*color: #/);
    // The <style> block stays, for dark mode and small screens.
    expect(html).toContain('prefers-color-scheme: dark');
  });

  it('the site has a favicon in the board colour, and a minified search script', () => {
    const svg = readFileSync(join(dir, 'dist', 'web', 'favicon.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toMatch(/fill="#[0-9a-fA-F]{6}"/);
    expect(readFileSync(join(dir, 'dist', 'web', 'children-p', 'index.html'), 'utf8')).toContain('<link rel="icon" type="image/svg+xml" href="../favicon.svg">');
    const script = readFileSync(join(dir, 'dist', 'web', 'assets', 'minisearch.js'), 'utf8');
    expect(script.length).toBeLessThan(30_000);
    expect(script.split('\n').length).toBeLessThan(10);
  });

  it('text is served compressed to a browser that accepts gzip, each encoding with its own tag', async () => {
    const page = readFileSync(join(dir, 'dist', 'web', 'children-p', 'index.html'));
    const gz = await get(`${t.origin}/children-p/`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toBe('Accept-Encoding');
    expect(gz.body.length).toBeLessThan(page.length / 2);
    expect(gunzipSync(gz.body).equals(page)).toBe(true);
    const plain = await get(`${t.origin}/children-p/`, {});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(page)).toBe(true);
    expect(plain.headers.etag).not.toBe(gz.headers.etag);
    const again = await get(`${t.origin}/children-p/`, { 'accept-encoding': 'gzip', 'if-none-match': String(gz.headers.etag) });
    expect(again.status).toBe(304);
  });
});
