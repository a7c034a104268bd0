import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintBriefing, parseBriefing } from '../src/briefing/index.js';
import { formatProblem } from '../src/problem.js';
import { cli, tempProject } from './helpers.js';

const agencies = [
  { id: 'police', name: 'Cumbria Constabulary', aliases: ['Police'] },
  { id: 'childrens-social-care', name: "Children's Services", aliases: ["Children's Social Care"] },
  { id: 'health', name: 'NHS Cumbria', aliases: ['Health'] },
];
const load = (text: string) => parseBriefing('briefings/x.md', text, { agencies });
const lint = (text: string) => lintBriefing(load(text).briefing!, { label: '5 min briefing', wordsPerMinute: 200 }).map((p) => `${p.code} ${p.message}`);

describe('input as people write it', () => {
  it('agencies by id, name or alias, without case, punctuation or "the"', () => {
    const loaded = load('---\ntitle: A\nagencies: [POLICE, "childrens social care", The NHS Cumbria, "Health (midwifery, health visiting, GP, hospital)"]\n---\n');
    expect(loaded.problems).toEqual([]);
    expect(loaded.briefing!.agencies).toEqual(['police', 'childrens-social-care', 'health']);
  });

  it('an unknown key gets no far-fetched suggestion', () => {
    expect(load('---\ntitle: A\nboard: x\n---\n').problems.map(formatProblem)).toEqual(['briefings/x.md:3:1  warning: board: unknown key, ignored']);
  });

  it('a title with an unquoted colon gets the hint to quote it', () => {
    const [problem] = load('---\ntitle: Learning: Child A\n---\n').problems;
    expect(problem!.message).toContain('a value with a colon needs quotes: title: "Learning: Child A"');
  });

  it('a bad date does not hide an unknown agency in a lesson, nor the reverse', () => {
    const loaded = load('---\ntitle: A\ndate: 2016-13\nlessons:\n  - text: One.\n    agencies: [Polce]\n---\n');
    expect(loaded.problems.map(formatProblem)).toEqual([
      'briefings/x.md:3:7  date: expected a date as YYYY-MM-DD or YYYY-MM',
      'briefings/x.md:6:16  lesson 1, agency 1: unknown agency "Polce" (did you mean "police"?)',
    ]);
  });

  it('an unknown agency does not hide the other problems', () => {
    const loaded = load('---\ntitle: A\nagencies: [polce]\n---\n\nRead [here](https://example.org).\n');
    expect(loaded.problems.map((p) => p.code)).toEqual(['EAGENCY']);
    expect(lintBriefing(loaded.briefing!, { label: '5 min briefing', wordsPerMinute: 200 }).map((p) => p.code)).toContain('WLINKTEXT');
  });

  it('a [link text] with no address and a long banner label are warnings', () => {
    expect(lint('---\ntitle: A\nsummary: s\n---\n\nSee [the policy] and [a link](https://example.org/a).\n')).toEqual(['WLINKADDRESS [the policy] has no address: write [the policy](https://…) or leave out the brackets']);
    expect(lint('---\ntitle: A\nsummary: s\nformat: A very long seven minute learning briefing\n---\n')[0]).toMatch(/^WFORMAT banner label "A very long seven minute learning briefing" is \d+ characters/);
  });

  it('a # heading that is not the title stays (and lint says so); one that is, is absorbed', () => {
    expect(load('---\ntitle: Children P\n---\n\n# Background\n\nText.\n').briefing!.body).toContain('# Background');
    const absorbed = load('---\ntitle: "Learning from Serious Case Reviews: Children P"\n---\n\n# Learning from serious case reviews – Children P\n\nText.\n');
    expect(absorbed.briefing!.body).not.toContain('#');
    expect(absorbed.problems.map(formatProblem)).toEqual(['briefings/x.md:5:1  warning: the heading "Learning from serious case reviews – Children P" repeats the title: left out, so the title shows once']);
  });
});

describe('briefcast check counts files and speaks plainly', () => {
  const dir = tempProject({ briefings: false });
  it('one briefing with an unknown agency is "1 briefing checked", with its warnings too; a missing file is named in words', async () => {
    mkdirSync(join(dir, 'briefings'));
    writeFileSync(join(dir, 'briefings', 'a.md'), '---\ntitle: A\nagencies: [Police, Polce]\n---\n\nRead [here](https://example.org).\n');
    const run = await cli(dir, ['check']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^1 briefing checked: 1 error, \d+ warnings?$/m);
    expect(run.stderr).toContain('briefings/a.md:3:20  agency 2: unknown agency "Polce" (did you mean "police"?)');
    expect(run.stderr).toContain('link text "here" says nothing out of context');
    const missing = await cli(dir, ['check', 'briefings/nope.md']);
    expect(missing.stderr).toContain('briefings/nope.md  cannot read the file: there is no such file or folder');
    expect(missing.stderr).not.toMatch(/ENOENT/);
  });

  it('a port in use is said in words', async () => {
    const busy = createServer();
    await new Promise<void>((ok) => busy.listen(0, '127.0.0.1', ok));
    try {
      const run = await cli(dir, ['serve', '--port', String((busy.address() as AddressInfo).port)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/\nbriefcast: cannot listen on 127\.0\.0\.1:\d+: something else is using that port \(is briefcast already running\? --port chooses another\)\n$/);
    } finally {
      busy.close();
    }
  });
});

describe('agency aliases', () => {
  it('an alias that also names another agency is an error at its place in the lists', async () => {
    const { loadLists } = await import('../src/lists/index.js');
    const dir = tempProject({ briefings: false });
    const path = join(dir, 'lists', 'agencies.yml');
    writeFileSync(path, 'agencies:\n  - id: police\n    name: Constabulary\n  - id: health\n    name: NHS\n    aliases: [Health, the constabulary]\n');
    expect(loadLists(path).problems.map((p) => `${p.line} ${p.code} ${p.message}`)).toEqual(['6 EALIAS "the constabulary" also names the agency police: a briefing could not tell them apart']);
  });
});
