import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openSqliteStore } from '../src/store/index.js';
import { bin, cli, configure, fastSending, officers, policeCsv, tempProject } from './helpers.js';
import { startSink } from './smtp.js';

it('Ctrl-C lets messages in flight finish, pauses the campaign and prints how to resume; --resume sends the rest, none twice', async () => {
  const dir = tempProject();
  configure(dir, fastSending);
  policeCsv(dir, officers(200));
  const sink = await startSink({ delay: 5 });
  try {
    const child = spawn(process.execPath, [bin, 'send', 'children-p', '--yes'], { cwd: dir, env: { ...process.env, SMTP_URL: sink.url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (c) => (out += c));
    child.stderr!.on('data', (c) => (out += c));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    await new Promise<void>((done) => (sink.onAccepted = (n) => n === 40 && (child.kill('SIGINT'), done())));
    expect(await exited).toBe(130);
    sink.onAccepted = undefined;
    expect(out).toContain('stopping: letting messages in flight finish');
    expect(out).toMatch(/campaign 1 paused: \d+ sent/);
    expect(out).toContain('paused: stopped by the user');
    expect(out).toContain('to resume: npx briefcast send children-p --resume');
    const store = await openSqliteStore(join(dir, 'data', 'briefcast.db'));
    const counts = await store.counts(1);
    expect(counts.sending).toBe(0);
    expect(counts.sent).toBe(sink.received.length);
    expect((await store.campaign(1))!.state).toBe('paused');
    await store.close();

    const resumed = await cli(dir, ['send', 'children-p', '--resume', '--yes'], { SMTP_URL: sink.url });
    expect(resumed.stdout, resumed.stdout + resumed.stderr).toMatch(/campaign 1 completed: 213 sent/);
    const seen = new Map<string, number>();
    for (const r of sink.received) seen.set(r.to, (seen.get(r.to) ?? 0) + 1);
    expect(seen.size).toBe(213);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  } finally {
    await sink.close();
  }
});

it('after too many errors in a row the campaign pauses itself and says why', async () => {
  const dir = tempProject();
  configure(dir, { send: { ...fastSending.send, pause_after_errors: 5, retry_base_seconds: 60 } });
  const sink = await startSink({ rcpt: () => ({ code: 421, message: '4.3.2 Service shutting down' }) });
  try {
    const run = await cli(dir, ['send', 'children-p', '--yes'], { SMTP_URL: sink.url });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/campaign 1 paused: 0 sent, 0 failed/);
    expect(run.stdout).toMatch(/paused: \d+ errors in a row; the last was: 421 4\.3\.2 Service shutting down/);
    expect(run.stdout).toContain('to resume: npx briefcast send children-p --resume');
    expect(sink.received).toHaveLength(0);
  } finally {
    await sink.close();
  }
});
