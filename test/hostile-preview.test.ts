import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPreviewServer, type PreviewServer } from '../src/preview/index.js';
import { LiveSite } from '../src/watch.js';
import { listen } from './browser.js';
import { bin, tempProject } from './helpers.js';
import { rawRequest } from './track-helpers.js';

describe('the preview under attack from other pages', () => {
  const dir = tempProject();
  let preview: PreviewServer;
  let origin: string;
  let host: string;
  const proofs: string[] = [];
  beforeAll(async () => {
    const site = (await LiveSite.open(dir)) as LiveSite;
    preview = createPreviewServer({
      site,
      sendProof: async (_rendered, to) => {
        proofs.push(to);
        return '250 ok';
      },
    });
    origin = await listen(preview.server);
    host = new URL(origin).host;
  });
  afterAll(() => {
    preview.server.closeAllConnections();
    preview.server.close();
  });

  const tokenOf = async () => /name="token" value="([^"]+)"/.exec(await (await fetch(`${origin}/children-p`)).text())![1]!;
  const form = { 'content-type': 'application/x-www-form-urlencoded' };

  it('answers only localhost host names: a rebound DNS name reads nothing', async () => {
    for (const h of ['evil.example', 'evil.example:4100', 'localhost.evil.example']) {
      const res = await rawRequest(origin, 'GET', '/children-p/web.html', { host: h });
      expect(res.status, h).toBe(421);
      expect(res.body).not.toContain('Children P');
    }
    for (const h of [host, `localhost:${new URL(origin).port}`, '[::1]:4100']) expect((await rawRequest(origin, 'GET', '/', { host: h })).status, h).toBe(200);
  });

  it('a cross-site POST, or one without the page’s token, sends no proof; the preview’s own form does', async () => {
    const token = await tokenOf();
    const body = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
    const attempts: [Record<string, string>, Record<string, string>][] = [
      [{ ...form, host, origin: 'https://evil.example' }, { to: 'out@evil.example', token }],
      [{ ...form, host, 'sec-fetch-site': 'cross-site', origin }, { to: 'out@evil.example', token }],
      [{ ...form, host }, { to: 'out@evil.example', token }],
      [{ ...form, host, origin }, { to: 'out@evil.example' }],
      [{ ...form, host, origin }, { to: 'out@evil.example', token: 'x'.repeat(token.length) }],
      [{ 'content-type': 'text/plain', host, origin }, { to: 'out@evil.example', token }],
    ];
    for (const [headers, fields] of attempts) {
      const res = await rawRequest(origin, 'POST', '/children-p/proof', headers, body(fields));
      expect(res.status, JSON.stringify(headers)).toBeGreaterThanOrEqual(400);
    }
    const big = await rawRequest(origin, 'POST', '/children-p/proof', { ...form, host, origin }, body({ to: 'a@example.org', token, pad: 'x'.repeat(100_000) }));
    expect(big.status).toBe(413);
    expect(proofs).toEqual([]);
    const ok = await rawRequest(origin, 'POST', '/children-p/proof', { ...form, host, origin, 'sec-fetch-site': 'same-origin' }, body({ to: 'editor@example.org', token }));
    expect(ok.status).toBe(200);
    expect(proofs).toEqual(['editor@example.org']);
  });
});

it('preview --port 0 prints the port it took, and answers there', async () => {
  const dir = tempProject();
  const child = spawn(process.execPath, [bin, 'preview', '--port', '0'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const line = await new Promise<string>((done, failed) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const found = /preview on (http:\/\/\S+)/.exec(out);
        if (found) done(found[1]!);
      });
      child.once('exit', (code) => failed(new Error(`preview exited ${code}: ${out}`)));
    });
    const port = Number(new URL(line).port);
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { host: `localhost:${port}` } });
    expect(res.status).toBe(200);
  } finally {
    child.kill('SIGTERM');
  }
}, 30_000);
