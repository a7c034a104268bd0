import { expect, it } from 'vitest';
import { cli, tempProject } from './helpers.js';
import { startSink } from './smtp.js';

it('doctor says what is wrong, one line each, and exits 1 on a failure; migrate brings the database up to date', async () => {
  const dir = tempProject();
  const fine = await cli(dir, ['doctor'], { SMTP_URL: '' });
  expect(fine.code).toBe(0);
  expect(fine.stdout).toMatch(/^ok {4}database: sqlite at data\/briefcast\.db, migrations applied$/m);
  expect(fine.stdout).toMatch(/^warn {2}SMTP: SMTP_URL is not set/m);
  expect(fine.stdout).toMatch(/^warn {2}base URL: http:\/\/localhost:4000 is this machine/m);

  const sink = await startSink();
  try {
    const withSmtp = await cli(dir, ['doctor'], { SMTP_URL: sink.url, BRIEFCAST_BASE_URL: 'https://briefings.example.org' });
    expect(withSmtp.stdout).toMatch(/^ok {4}SMTP: 127\.0\.0\.1:\d+ accepts connections$/m);
    expect(withSmtp.stdout).toMatch(/^ok {4}base URL: https:\/\/briefings\.example\.org$/m);
  } finally {
    await sink.close();
  }

  const broken = await cli(dir, ['doctor'], { SMTP_URL: 'smtp://127.0.0.1:1', DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' });
  expect(broken.code).toBe(1);
  expect(broken.stdout).toMatch(/^FAIL {2}database: cannot open the database postgres:\/\/nobody:…@127\.0\.0\.1:1\/none: /m);
  expect(broken.stdout).toMatch(/^FAIL {2}SMTP: 127\.0\.0\.1:1: /m);
  expect(broken.stdout).not.toContain('nobody:x');

  const migrate = await cli(dir, ['migrate']);
  expect(migrate.stdout).toBe('sqlite database is up to date\n');
});
