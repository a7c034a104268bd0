import { execFile, fork, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { freshPgUrl, pgReachable } from '../test/pg.js';
import { load, start } from './track.js';

const here = import.meta.dirname;
const run = promisify(execFile);

async function campaign(url: string, n: number, sent = false) {
  const store = await openPostgresStore(url);
  const recipients = Array.from({ length: n }, (_, i) => ({ email: `r${i}@example.org`, name: `R ${i}`, agencies: ['police'] }));
  const c = await store.createCampaign({ slug: 'children-p', title: 'bench', content_hash: 'x', agencies: ['police'], recipients, links: [{ n: 1, url: 'https://www.example.org/r', text: 'r' }],
    content: [{ agencies: '*', subject: 'bench', html: { parts: ['<p>Hello ', ', <a href="', '">read</a></p>'], names: ['name', 'link-1'] }, text: { parts: ['Hello ', ': ', ''], names: ['name', 'link-1'] }, web_url: 'https://www.example.org/', tracked: true }],
  });
  const ids: number[] = [];
  if (sent) {
    for (let batch = await store.claimDue(c.id, Date.now(), 1000); batch.length; batch = await store.claimDue(c.id, Date.now(), 1000)) {
      for (const d of batch) {
        await store.markSent(d.id, '250', `<${d.id}@b>`);
        ids.push(d.id);
      }
    }
  }
  await store.close();
  return { id: c.id, ids };
}

/** Issue: 1, 2 and 4 workers on PostgreSQL to one sink; tracking with one and two servers. */
export async function benchScale(n = 2000) {
  if (!(await pgReachable())) {
    console.log('scale: skipped (no PostgreSQL; set BRIEFCAST_TEST_PG)');
    return { skipped: 'no PostgreSQL reachable' };
  }
  const sink = fork(join(here, 'sink.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((done) => createInterface({ input: sink.stdout! }).once('line', (l) => done(JSON.parse(l))));
  const smtp = `smtp://127.0.0.1:${port}?ignoreTLS=true`;
  const rates: Record<string, number> = {};
  try {
    for (const workers of [1, 2, 4]) {
      const db = await freshPgUrl();
      const c = await campaign(db.url, n);
      await Promise.all(
        Array.from({ length: workers }, () => new Promise((done) => spawn(process.execPath, ['--import', 'tsx', join(here, 'scale-worker.ts'), db.url, String(c.id), smtp], { stdio: 'inherit' }).on('exit', done))),
      );
      // From the first claim to the last acceptance, as the database saw them: process start-up is not sending.
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      const span = (await client.query<{ first: string; last: string }>('SELECT min(claimed_at) AS first, max(sent_at) AS last FROM deliveries')).rows[0]!;
      await client.end();
      rates[workers] = n / ((Number(span.last) - Number(span.first)) / 1000);
      await db.drop();
    }
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(here, 'send-campaign.ts'), 'raw', String(n), smtp], { maxBuffer: 1 << 24 });
    const raw = JSON.parse(stdout.trim().split('\n').pop()!).rate as number;

    const db = await freshPgUrl();
    const c = await campaign(db.url, 500, true);
    const tokens = createTokens('bench-secret');
    const paths = c.ids.map((id) => `/o/${tokens.sign({ campaign: c.id, delivery: id })}.gif`);
    const one = start(['briefcast', db.url]);
    const single = await load(await one.port, paths, 20_000);
    one.child.kill('SIGTERM');
    const pair = [start(['briefcast', db.url]), start(['briefcast', db.url])];
    const ports = await Promise.all(pair.map((p) => p.port));
    const both = await Promise.all(ports.map((p) => load(p, paths, 20_000)));
    await Promise.all(pair.map((p) => new Promise((done) => (p.child.once('exit', done), p.child.kill('SIGTERM')))));
    await new Promise((r) => setTimeout(r, 500));
    await db.drop();

    const figures = {
      recipients: n,
      workers_1_per_second: Math.round(rates[1]!),
      workers_2_per_second: Math.round(rates[2]!),
      workers_4_per_second: Math.round(rates[4]!),
      ratio_4_to_1: +(rates[4]! / rates[1]!).toFixed(2),
      raw_nodemailer_per_second: Math.round(raw),
      ratio_4_workers_to_raw: +(rates[4]! / raw).toFixed(2),
      track_one_server_rps: Math.round(single.rps),
      track_two_servers_rps: Math.round(both[0]!.rps + both[1]!.rps),
    };
    console.log(
      `scale: PostgreSQL, ${n} recipients to one sink: 1 worker ${figures.workers_1_per_second}/s, 2 workers ${figures.workers_2_per_second}/s, 4 workers ${figures.workers_4_per_second}/s; ` +
        `4/1 ratio ${figures.ratio_4_to_1}; raw nodemailer ${figures.raw_nodemailer_per_second}/s, 4 workers / raw ${figures.ratio_4_workers_to_raw}; ` +
        `tracking pixel on PostgreSQL: one server ${figures.track_one_server_rps} req/s, two servers ${figures.track_two_servers_rps} req/s`,
    );
    return figures;
  } finally {
    sink.kill();
  }
}
