import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { openSqliteStore } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';

const here = import.meta.dirname;

export function start(args: string[]) {
  const child = fork(join(here, 'track-server.mjs'), args, { execArgv: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.PROF] : [], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = new Promise<number>((done) => createInterface({ input: child.stdout! }).once('line', (l) => done(JSON.parse(l).port)));
  return { child, port };
}

export async function load(port: number, paths: string[], amount: number) {
  let i = 0;
  let answered = 0;
  let last = 0;
  const started = performance.now();
  let finish!: (result: autocannon.Result) => void;
  const finished = new Promise<autocannon.Result>((done) => (finish = done));
  const run = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 32,
    pipelining: 1,
    amount,
    headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' },
    requests: [{ setupRequest: (req: object) => ({ ...req, path: paths[i++ % paths.length]! }) }],
  }, (error, result) => {
    if (error) throw error;
    finish(result);
  });
  // Timed to the last response: autocannon itself ends a run on its one-second tick.
  run.on('response', () => {
    answered++;
    last = performance.now();
  });
  const result = await finished;
  return { rps: (answered * 1000) / (last - started), ok: result['2xx'] + result['3xx'], errors: result.errors + result.non2xx - result['3xx'] };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Issue: pixel and click throughput with persistence on, against bare node:http; events stored
 * must equal 200/302s. The machine is shared: bare, pixel and click runs alternate, round after
 * round, and each ratio is the median of the rounds' own ratios, so a burst of someone else's work
 * lands on both sides of a ratio rather than on one.
 */
export async function benchTrack(amount = 40_000, rounds = 5, readers = 14_000) {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-track-bench-'));
  const db = join(dir, 'track.db');
  const store = await openSqliteStore(db);
  // Each reader's token opens and clicks about amount × rounds / readers times: under the server's bound of 20 per token and minute.
  const recipients = Array.from({ length: readers }, (_, i) => ({ email: `r${i}@example.org`, name: `R ${i}`, agencies: ['police'] }));
  const campaign = await store.createCampaign({ slug: 'children-p', title: 'bench', content_hash: 'x', agencies: ['police'], recipients, links: [{ n: 1, url: 'https://www.example.org/report.pdf', text: 'report' }, { n: 2, url: 'https://www.example.org/dash', text: 'dash' }] });
  for (let claimed = await store.claimDue(campaign.id, Date.now(), readers); claimed.length; claimed = await store.claimDue(campaign.id, Date.now(), readers)) {
    for (const d of claimed) await store.markSent(d.id, '250 ok', `<${d.id}@bench>`);
  }
  // Read a day later, so clicks are people's, not "seconds after delivery".
  const deliveries: number[] = [];
  for await (const d of store.deliveries(campaign.id)) deliveries.push(d.id);
  await store.close();
  const { default: Database } = await import('better-sqlite3');
  const raw = new Database(db);
  raw.prepare('UPDATE deliveries SET sent_at = sent_at - 86400000').run();
  raw.close();

  const tokens = createTokens('bench-secret');
  const signed = deliveries.map((id) => tokens.sign({ campaign: campaign.id, delivery: id }));
  const pixels = signed.map((t) => `/o/${t}.gif`);
  const clicks = signed.map((t, i) => `/c/${t}/${(i % 2) + 1}`);

  const bare = start(['bare']);
  const ours = start(['briefcast', db]);
  const [barePort, port] = [await bare.port, await ours.port];
  const runs: { bare: number; pixel: number; click: number }[] = [];
  let answered = 0;
  let errors = 0;
  for (let r = 0; r < rounds; r++) {
    const b = await load(barePort, pixels, amount);
    const pixel = await load(port, pixels, amount);
    const click = await load(port, clicks, amount);
    runs.push({ bare: b.rps, pixel: pixel.rps, click: click.rps });
    answered += pixel.ok + click.ok;
    errors += pixel.errors + click.errors;
  }
  bare.child.kill('SIGTERM');
  const exited = new Promise((done) => ours.child.once('exit', done));
  ours.child.kill('SIGTERM');
  await exited;

  const check = await openSqliteStore(db);
  const stored = await check.trackingRows();
  await check.close();
  rmSync(dir, { recursive: true, force: true });
  const figures = {
    rounds,
    bare_gif_rps: Math.round(median(runs.map((r) => r.bare))),
    pixel_rps: Math.round(median(runs.map((r) => r.pixel))),
    click_rps: Math.round(median(runs.map((r) => r.click))),
    ratio: +median(runs.map((r) => r.pixel / r.bare)).toFixed(2),
    click_ratio: +median(runs.map((r) => r.click / r.bare)).toFixed(2),
    round_ratios: runs.map((r) => `${(r.pixel / r.bare).toFixed(2)}/${(r.click / r.bare).toFixed(2)}`),
    goal_ratio: 0.8,
    answered_200_302: answered,
    events_stored: stored,
    lost: answered - stored,
    errors,
  };
  console.log(
    `track: pixel ${figures.pixel_rps} req/s, click ${figures.click_rps} req/s, bare node:http GIF ${figures.bare_gif_rps} req/s; ratio ${figures.ratio} (click ${figures.click_ratio}; goal >= 0.8; median of ${rounds} rounds: ${figures.round_ratios.join(' ')}); ` +
      `${answered} answered 200/302, ${stored} events stored, lost ${figures.lost}`,
  );
  return figures;
}
