import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cli, configure, fastSending, tempProject } from './helpers.js';
import { startSink } from './smtp.js';

const corpus = join(import.meta.dirname, 'fixtures', 'corpus');
const everyone = 'Ask both parents, not only the mother';
const health = "Share every concern about a non-mobile baby";
const police = 'Check the history of every adult in the household';

it('police and health readers each receive exactly their lessons, numbered for them; a reader on both lists gets both', async () => {
  const dir = tempProject({ briefings: false });
  cpSync(join(corpus, '01-pasted-title.md'), join(dir, 'briefings', 'baby-r.md'));
  // The corpus lists, with Ruth Evans on the police list as well as health's.
  const lists = readFileSync(join(corpus, 'agencies.yml'), 'utf8').replace(
    "recipients: [{ name: Jo Bloggs, email: jo.bloggs@example.org }]",
    'recipients: [{ name: Jo Bloggs, email: jo.bloggs@example.org }, { name: Ruth Evans, email: ruth.evans@example.org }]',
  );
  writeFileSync(join(dir, 'lists', 'agencies.yml'), lists);
  configure(dir, fastSending);
  const sink = await startSink();
  afterAll(() => sink.close());

  const dry = await cli(dir, ['send', 'baby-r', '--dry-run']);
  expect(dry.code, dry.stderr).toBe(0);
  expect(dry.stdout).toContain('police: 2 people receive 2 of 3 lessons');
  expect(dry.stdout).toContain('health: 1 person receives 2 of 3 lessons');
  expect(dry.stdout).toContain('childrens-social-care: 1 person receives 1 of 3 lessons');

  const run = await cli(dir, ['send', 'baby-r', '--yes'], { SMTP_URL: sink.url });
  expect(run.code, run.stderr).toBe(0);
  const text = (address: string) => {
    const found = sink.received.filter((r) => r.to === address);
    expect(found, address).toHaveLength(1);
    return { text: found[0]!.mail.text!.replace(/\s+/g, ' '), html: String(found[0]!.mail.html).replace(/\s+/g, ' ') };
  };

  const jo = text('jo.bloggs@example.org');
  expect(jo.text).toContain(everyone);
  expect(jo.text).toContain(police);
  expect(jo.text).not.toContain(health);
  expect(jo.html).toMatch(/<li value="2"[^>]*>\s*Check the history/);

  const sam = text('sam.patel@example.org');
  expect(sam.text).toContain(everyone);
  expect(sam.text).not.toContain(police);
  expect(sam.text).not.toContain(health);

  const ruth = text('ruth.evans@example.org');
  for (const lesson of [everyone, health, police]) expect(ruth.text).toContain(lesson);
});
