import { execFile, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = import.meta.dirname;

async function measure(args: string[]): Promise<{ rate: number; peak_rss_mb: number; live_heap_mb?: number }> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'send-campaign.ts'), ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

/** Issue: 5,000 recipients to a sink in another process, against raw nodemailer; and peak RSS for 100,000. */
export async function benchSend(n = 5000, big = 100_000) {
  const sink = fork(join(here, 'sink.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((done) => createInterface({ input: sink.stdout! }).once('line', (l) => done(JSON.parse(l))));
  const url = `smtp://127.0.0.1:${port}?ignoreTLS=true`;
  try {
    // Raw first and last, so neither side always meets a warm or a cold sink.
    const raw1 = await measure(['raw', String(n), url]);
    const ours = await measure(['briefcast', String(n), url]);
    const raw2 = await measure(['raw', String(n), url]);
    const raw = (raw1.rate + raw2.rate) / 2;
    const small = await measure(['null', String(big / 5)]);
    const large = await measure(['null', String(big)]);
    const figures = {
      recipients: n,
      briefcast_per_second: Math.round(ours.rate),
      raw_nodemailer_per_second: Math.round(raw),
      ratio: +(ours.rate / raw).toFixed(2),
      goal_ratio: 0.95,
      big_campaign: big,
      peak_rss_mb: Math.round(large.peak_rss_mb),
      peak_rss_mb_at_fifth: Math.round(small.peak_rss_mb),
      live_heap_mb: Math.round(large.live_heap_mb ?? 0),
      live_heap_mb_at_fifth: Math.round(small.live_heap_mb ?? 0),
      goal_peak_rss_mb: 120,
    };
    console.log(
      `send: ${n} recipients: briefcast ${figures.briefcast_per_second}/s, raw nodemailer ${figures.raw_nodemailer_per_second}/s, ratio ${figures.ratio} (goal >= 0.95); ` +
        `peak RSS ${figures.peak_rss_mb} MB for ${big} recipients, ${figures.peak_rss_mb_at_fifth} MB for ${big / 5} (goal <= 120, flat); ` +
        `live heap after a full GC ${figures.live_heap_mb} MB and ${figures.live_heap_mb_at_fifth} MB`,
    );
    return figures;
  } finally {
    sink.kill();
  }
}
