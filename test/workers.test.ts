import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../src/store/index.js';
import { bin, cli, configure, officers, policeCsv, tempProject } from './helpers.js';
import { freshPgUrl, pgReachable } from './pg.js';
import { startSink } from './smtp.js';
import { BROWSER_UA } from './track-helpers.js';

/** A port free on loopback now (the system's choice), for a server started in another process. */
function freePort(): Promise<number> {
  const probe = createServer();
  return new Promise((done) =>
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => done(port));
    }),
  );
}

const RECIPIENTS = 3000;

describe('beyond one machine, on PostgreSQL', async () => {
  const available = await pgReachable();
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });

  async function project(connections: number) {
    const dir = tempProject();
    const db = await freshPgUrl();
    drops.push(db.drop);
    configure(dir, { send: { connections, rate_per_second: 100_000, max_attempts: 5, retry_base_seconds: 0.05, pause_after_errors: 50, lease_seconds: 3 } });
    return { dir, url: db.url };
  }

  it.skipIf(!available)(`three workers drain a ${RECIPIENTS}-recipient campaign: everyone once; a worker killed midway leaves its rows to the others`, async () => {
    const connections = 2;
    const { dir, url } = await project(connections);
    policeCsv(dir, officers(RECIPIENTS));
    const env = { DATABASE_URL: url };
    const sink = await startSink({ delay: 1 });
    const spawnSend = (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env: { ...process.env, ...env, SMTP_URL: sink.url }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (c) => (out += c));
      child.stderr!.on('data', (c) => (out += c));
      return { child, exited: new Promise<number | null>((done) => child.on('exit', (code) => done(code))), output: () => out };
    };
    // The board office starts the send; two more machines join it as workers.
    const workers = [spawnSend(['send', 'children-p', '--yes', '--agency', 'police'])];
    await new Promise<void>((started) => (sink.onAccepted = (n) => n >= 20 && started()));
    workers.push(spawnSend(['send', '1', '--resume', '--worker']), spawnSend(['send', '1', '--resume', '--worker']));
    let killedAt = 0;
    sink.onAccepted = (n) => {
      if (n >= 1200 && !killedAt) {
        killedAt = n;
        workers[1]!.child.kill('SIGKILL');
      }
    };
    const codes = await Promise.all(workers.map((w) => w.exited));
    sink.onAccepted = undefined;
    expect(killedAt).toBeGreaterThan(0);
    expect(codes[0], workers[0]!.output()).toBe(0);
    expect(codes[2], workers[2]!.output()).toBe(0);

    const counts = new Map<string, number>();
    for (const r of sink.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
    const expected = [...Array(RECIPIENTS).keys()].map((i) => `officer.${i}@example.org`).concat(['jo.bloggs@example.org', 'chris.hall@example.org']);
    const missing = expected.filter((e) => !counts.has(e));
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    console.log(`three workers, one killed after ${killedAt} accepted: ${sink.received.length} messages, ${missing.length} missing, ${duplicates} duplicates (in flight per worker: ${connections})`);
    expect(missing).toEqual([]);
    expect(duplicates).toBeLessThanOrEqual(connections);
    const store = await openPostgresStore(url);
    expect(await store.counts(1)).toMatchObject({ queued: 0, sending: 0, sent: RECIPIENTS + 2 });
    expect((await store.campaign(1))!.state).toBe('completed');
    await store.close();
    await sink.close();
  }, 180_000);

  it.skipIf(!available)('two tracking servers on different ports record events for one campaign; the report counts both', async () => {
    const { dir, url } = await project(2);
    const env = { DATABASE_URL: url, SMTP_URL: '' };
    expect((await cli(dir, ['build'], env)).code).toBe(0);
    expect((await cli(dir, ['send', 'children-p', '--yes'], env)).code).toBe(0);
    const store = await openPostgresStore(url);
    // Read an hour later: clicks are people's.
    const tokens: string[] = [];
    for (const f of readdirSync(join(dir, 'outbox', '1'))) {
      tokens.push(/\/u\/([A-Za-z0-9_-]+)>/.exec(readFileSync(join(dir, 'outbox', '1', f), 'utf8'))![1]!);
    }
    // Ports the system hands out, not fixed ones: another test suite may be running beside this one.
    const servers = (await Promise.all([freePort(), freePort()])).map((port) => {
      const child = spawn(process.execPath, [bin, 'serve', '--port', String(port)], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      const ready = new Promise<void>((done) => child.stdout!.on('data', (c: Buffer) => c.toString().includes('serving') && done()));
      return { child, port, ready };
    });
    try {
      await Promise.all(servers.map((s) => s.ready));
      for (const [i, token] of tokens.entries()) {
        const port = servers[i % 2]!.port;
        expect((await fetch(`http://127.0.0.1:${port}/o/${token}.gif`, { headers: { 'user-agent': BROWSER_UA } })).status).toBe(200);
      }
      for (const s of servers) expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
    } finally {
      await Promise.all(servers.map((s) => new Promise((done) => (s.child.once('exit', done), s.child.kill('SIGTERM')))));
    }
    const report = JSON.parse((await cli(dir, ['report', 'children-p', '--json'], env)).stdout);
    expect(report.total.opened).toBe(tokens.length);
    expect(await store.trackingRows()).toBe(tokens.length);
    await store.close();
  }, 120_000);
});
