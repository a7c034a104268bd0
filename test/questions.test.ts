import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProject, renderBySlug } from '../src/build.js';
import { loadConfig } from '../src/config/index.js';
import { campaignReport } from '../src/report/index.js';
import { openSqliteStore } from '../src/store/index.js';
import { configure, tempProject } from './helpers.js';

describe('questions for teams', () => {
  it("the board's questions, then the briefing's own, in the email, its text part and the page", async () => {
    const dir = tempProject();
    configure(dir, { evidence: { questions: ['What will you stop doing?'] } });
    const file = join(dir, 'briefings', 'children-p.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^---\n/, "---\nquestions:\n  - How do you hear the father's voice?\n"));
    const { project, problems } = await openProject({ root: dir });
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    const rendered = renderBySlug(project!, 'children-p').rendered!;
    expect(rendered.questions).toEqual(['What will you stop doing?', "How do you hear the father's voice?"]);
    const email = rendered.email({ ack: true, pixel: false, recipient: true });
    for (const text of [email.html.parts.join(''), email.text.parts.join(''), rendered.web]) {
      expect(text).toContain('Questions for your team');
      expect(text).toMatch(/What will you stop doing\?[\s\S]*How do you hear the father(&#x27;|'|&#39;)s voice\?/);
    }
  });

  it('a board gives 1 to 10 questions; none is a clear error', () => {
    const dir = tempProject();
    configure(dir, { evidence: { questions: [] } });
    const { config, problems } = loadConfig(join(dir, 'briefcast.yml'));
    expect(config).toBeUndefined();
    expect(problems.map((p) => p.message).join('\n')).toMatch(/evidence\.questions|questions/);
  });

  it('answers keep the questions the campaign asked, whatever briefcast.yml asks now', async () => {
    const dir = tempProject();
    const store = await openSqliteStore(join(dir, 'q.db'));
    try {
      const c = await store.createCampaign({ slug: 's', title: 'T', content_hash: 'h', agencies: ['police'], recipients: [{ email: 'a@example.org', name: 'A', agencies: ['police'] }], questions: ['The question as sent?'] });
      await store.recordDiscussion({ campaign_id: c.id, agencies: 'police', answers: [{ n: 1, answer: 'Our answer' }], at: Date.now() });
      const report = await campaignReport(store, c, { tracking: 'aggregate', agencyNames: new Map() });
      expect(report.discussions[0]!.records[0]!.answers).toEqual([{ question: 'The question as sent?', answer: 'Our answer' }]);
    } finally {
      await store.close();
    }
  });
});
