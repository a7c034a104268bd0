import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/index.js';
import { bin, cli, configure, officers, policeCsv, tempProject } from './helpers.js';
import { startSink, type Policy } from './smtp.js';

const RECIPIENTS = 240;
const CONNECTIONS = 3;
/** Addresses the relay says do not exist: the only ones that may end up suppressed. */
const GONE = new Set([7, 31, 64, 99, 150, 201].map((i) => `officer.${i}@example.org`));

/** Every fault the relay can throw at a campaign, one per phase, in an order the seed decides. */
const FAULTS = ['mail-from-550', 'rcpt-some-550', 'data-550', 'rcpt-451', 'rcpt-421', 'drop', 'login-535', 'slow'] as const;
type Fault = (typeof FAULTS)[number] | 'none';

/** A small seeded generator, so that a failing order can be run again (BRIEFCAST_CRASH_SEED). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it('relay faults in random order, a second sender, and a SIGKILL in every phase: after the faults clear, everyone but the gone addresses gets the briefing once, but for messages in flight at a kill', async () => {
  const seed = Number(process.env.BRIEFCAST_CRASH_SEED ?? Date.now() % 1_000_000);
  const rand = random(seed);
  const order: Fault[] = [...FAULTS].sort(() => rand() - 0.5);

  const dir = tempProject();
  // A lease of 10 s, renewed every 3 s: a live sender keeps its rows even on a busy machine; a killed
  // one's rows come back at once, as the next sender on this machine sees its process is gone.
  configure(dir, { send: { connections: CONNECTIONS, rate_per_second: 1000, max_attempts: 3, retry_base_seconds: 0.02, pause_after_errors: 6, lease_seconds: 10 } });
  policeCsv(dir, officers(RECIPIENTS));

  let fault: Fault = 'none';
  let dataSeen = 0;
  const policy: Policy = {
    login: () => (fault === 'login-535' ? { code: 535, message: '5.7.8 Authentication credentials invalid' } : undefined),
    mailFrom: () => (fault === 'mail-from-550' ? { code: 550, message: '5.7.1 Sender address rejected: not owned by user' } : undefined),
    rcpt(address) {
      if (GONE.has(address)) return { code: 550, message: '5.1.1 Recipient address rejected: User unknown' };
      if (fault === 'rcpt-451') return { code: 451, message: '4.7.1 Greylisted, try again later' };
      if (fault === 'rcpt-421') return { code: 421, message: '4.3.2 Service shutting down' };
      if (fault === 'rcpt-some-550' && address.endsWith('3@example.org')) return { code: 550, message: '5.7.1 Recipient not accepted by policy' };
      return undefined;
    },
    data() {
      dataSeen++;
      if (fault === 'data-550') return { code: 550, message: '5.7.1 Message content rejected' };
      if (fault === 'drop' && dataSeen % 3 === 0) return 'drop';
      return undefined;
    },
  };
  const sink = await startSink(policy);
  const env = { ...process.env, SMTP_URL: sink.url, NO_COLOR: '1' };
  const run = (args: string[]) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    return { child, exited, output: () => out };
  };

  const log: string[] = [];
  let kills = 0;
  try {
    // The board office starts the campaign; it is killed a few messages in.
    const first = run(['send', 'children-p', '--yes']);
    sink.onAccepted = (n) => n >= 5 && first.child.kill('SIGKILL');
    await first.exited;
    kills++;

    for (const phase of order) {
      fault = phase;
      policy.delay = phase === 'slow' ? 4000 : 0;
      const before = sink.received.length;
      const killAfter = phase === 'slow' ? 2 : 4 + Math.floor(rand() * 12);
      // One sender resumes, another joins as a worker; the first is killed mid-run, the second stopped with Ctrl-C.
      const a = run(['send', 'children-p', '--resume', '--yes']);
      const b = run(['send', '1', '--worker']);
      let killed = false;
      sink.onAccepted = (n) => {
        if (n - before < killAfter || killed) return;
        killed = true;
        a.child.kill('SIGKILL');
        b.child.kill('SIGINT');
      };
      const [codeA, codeB] = await Promise.all([a.exited, b.exited]);
      if (killed) kills++;
      log.push(`${phase}: +${sink.received.length - before} accepted, resume ${killed ? 'killed' : codeA}, worker ${codeB}`);
      // A sender that was not killed ends with 1 (paused, or failures left) or 0, never a crash.
      for (const [code, s] of [
        [codeA, a],
        [codeB, b],
      ] as const) {
        if (code !== null) expect([0, 1, 130], s.output()).toContain(code);
        expect(s.output()).not.toMatch(/\n\s+at |briefcast: (?!no unfinished campaign|campaign 1 is already completed)/);
      }
    }
    sink.onAccepted = undefined;

    // The faults clear: resume and retry until nothing is left, as the README says to.
    fault = 'none';
    policy.delay = 0;
    const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
    for (let round = 0; round < 4; round++) {
      const c = await store.counts(1);
      const retryable = (await store.failures(1)).filter((d) => !d.permanent).length;
      if (c.queued + c.sending === 0 && retryable === 0) break;
      if (c.queued + c.sending) log.push(`resume: ${(await cli(dir, ['send', 'children-p', '--resume', '--yes'], { SMTP_URL: sink.url })).code}`);
      if (retryable) log.push(`retry-failed: ${(await cli(dir, ['send', 'children-p', '--retry-failed', '--yes'], { SMTP_URL: sink.url })).code}`);
    }

    const counts = new Map<string, number>();
    for (const r of sink.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
    const everyone: string[] = [];
    for await (const d of store.deliveries(1)) everyone.push(d.email);
    expect(everyone.length).toBe(RECIPIENTS + 13);
    const missing = everyone.filter((e) => !GONE.has(e) && !counts.has(e));
    const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
    log.push(`${sink.received.length} accepted, ${missing.length} missing, ${duplicates} duplicates after ${kills} kills`);

    expect(missing).toEqual([]);
    expect([...GONE].filter((e) => counts.has(e))).toEqual([]);
    // Only what was in flight at a SIGKILL may have gone twice.
    expect(duplicates).toBeLessThanOrEqual(CONNECTIONS * kills);
    expect((await store.suppressions()).map((s) => s.email).sort()).toEqual([...GONE].sort());
    expect(await store.counts(1)).toMatchObject({ queued: 0, sending: 0, sent: everyone.length - GONE.size, failed: GONE.size });
    expect((await store.campaign(1))!.state).toBe('completed');
    await store.close();
  } finally {
    await sink.close();
    console.log(`relay faults (seed ${seed}) ${order.join(' → ')}:\n  ${log.join('\n  ')}`);
  }
}, 300_000);
