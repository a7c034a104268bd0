import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..');
const bin = join(repo, 'bin', 'briefcast.js');

function wall(args: string[], env: NodeJS.ProcessEnv = {}): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`bench cli: node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Peak resident memory of one run, reported by the child itself as it exits: Linux's VmHWM, the
 * peak of the program's own memory. getrusage's maxrss would count the bench's own memory too
 * (the child is forked from it before it runs node), which made every figure the bench's.
 */
function peakRssMb(args: string[]): number {
  const dir = mkdtempSync(join(tmpdir(), 'briefcast-bench-'));
  try {
    const hook = join(dir, 'rss.mjs');
    const out = join(dir, 'rss.txt');
    writeFileSync(hook, `import { writeFileSync } from 'node:fs';\nimport { peakKb } from ${JSON.stringify(join(import.meta.dirname, 'peak.mjs'))};\nprocess.on('exit', () => writeFileSync(${JSON.stringify(out)}, String(peakKb())));\n`);
    wall(['--import', hook, ...args]);
    return Math.round(Number(readFileSync(out, 'utf8')) / 1024);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Issue 14: the CLI's start-up against bare Node's, alternating runs (median of 7 each), in one
 * run: `--help` and `check` of the sample briefing.
 */
export async function benchCli(rounds = 7) {
  const bare: number[] = [];
  const help: number[] = [];
  const check: number[] = [];
  wall([bin, '--help']);
  for (let i = 0; i < rounds; i++) {
    bare.push(wall(['-e', '0']));
    help.push(wall([bin, '--help']));
    check.push(wall([bin, 'check']));
  }
  const nodeMs = median(bare);
  const figures = {
    node_ms: +nodeMs.toFixed(1),
    help_ms: +median(help).toFixed(1),
    check_ms: +median(check).toFixed(1),
    help_ratio: +(median(help) / nodeMs).toFixed(2),
    check_ratio: +(median(check) / nodeMs).toFixed(2),
    node_rss_mb: peakRssMb(['-e', '0']),
    help_rss_mb: peakRssMb([bin, '--help']),
    check_rss_mb: peakRssMb([bin, 'check']),
    goal_help_ratio: 3,
    goal_check_ratio: 6,
    goal_help_rss_mb: 70,
  };
  console.log(
    `cli: node -e 0 ${figures.node_ms} ms (${figures.node_rss_mb} MB); --help ${figures.help_ms} ms, ratio ${figures.help_ratio} (goal <= 3), ${figures.help_rss_mb} MB (goal <= 70); check ${figures.check_ms} ms, ratio ${figures.check_ratio} (goal <= 6), ${figures.check_rss_mb} MB`,
  );
  return figures;
}
