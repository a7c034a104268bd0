import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { bin, cli, configure, fastSending, officers, policeCsv, tempProject } from './helpers.js';
import { startSink } from './smtp.js';

const RECIPIENTS = 300;
const ROUNDS = 10;

it(`a send killed with SIGKILL at ${ROUNDS} random points resumes with no one missing and duplicates only from messages in flight`, async () => {
  const dir = tempProject();
  configure(dir, fastSending);
  const connections = fastSending.send.connections;
  policeCsv(dir, officers(RECIPIENTS));

  const sink = await startSink({ delay: 2 });
  const report: { killAt: number; duplicates: number; missing: number }[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      sink.received.length = 0;
      const killAt = 5 + Math.floor(Math.random() * (RECIPIENTS - 20));
      const child = spawn(process.execPath, [bin, 'send', 'children-p', '--yes'], { cwd: dir, env: { ...process.env, SMTP_URL: sink.url }, stdio: 'ignore' });
      const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
      sink.onAccepted = (n) => {
        if (n >= killAt) child.kill('SIGKILL');
      };
      await exited;
      sink.onAccepted = undefined;
      const resumed = await cli(dir, ['send', 'children-p', '--resume', '--yes'], { SMTP_URL: sink.url });
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout).toMatch(/resuming campaign 1/);

      const counts = new Map<string, number>();
      for (const r of sink.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
      const expected = [...Array(RECIPIENTS).keys()].map((i) => `officer.${i}@example.org`).concat(['jo.bloggs@example.org', 'chris.hall@example.org']);
      const missing = expected.filter((e) => !counts.has(e)).length;
      const duplicates = [...counts.values()].reduce((sum, n) => sum + n - 1, 0);
      report.push({ killAt, duplicates, missing });
      expect(missing).toBe(0);
      expect(duplicates).toBeLessThanOrEqual(connections);
    }
  } finally {
    await sink.close();
    console.log(`crash and resume over ${ROUNDS} kill points (connections ${connections}):`, JSON.stringify(report));
  }
}, 240_000);
