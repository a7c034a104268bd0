import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { classify, createComposer, nextStep, plannedContent, prepareSend, runSend, senderId, senderOf, smtpTransport, type RunSend } from '../src/send/index.js';
import { openSqliteStore, type Store } from '../src/store/index.js';
import { createTokens } from '../src/tokens/index.js';
import { plannedCampaign, readers, sampleSource, sendConfig } from './send-helpers.js';
import { startSink, type Policy, type Sink } from './smtp.js';
import { adapters, available as reachable, freshStores } from './stores.js';

const sinks: Sink[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});
async function sink(policy: Policy = {}) {
  const s = await startSink(policy);
  sinks.push(s);
  return s;
}

const tokens = createTokens('test-secret');
const today = new Date().toISOString().slice(0, 10);

async function send(store: Store, campaignId: number, url: string, send: Parameters<typeof sendConfig>[0] = {}, extra: Partial<RunSend> = {}) {
  const config = await sendConfig(send);
  const campaign = (await store.campaign(campaignId))!;
  return runSend({ store, campaign, config, transport: smtpTransport(url, config.send), tokens, ...extra });
}

const accepted = (s: Sink) => {
  const counts = new Map<string, number>();
  for (const r of s.received) counts.set(r.to, (counts.get(r.to) ?? 0) + 1);
  return counts;
};

describe('what a relay error does depends on the SMTP stage it came at', () => {
  it('suppresses only a mailbox refused at RCPT TO (5.1.x, or 550/551/553 with no enhanced code)', () => {
    const kind = (command: string, responseCode: number, response: string, code = 'EENVELOPE') => classify({ command, responseCode, response, code }).kind;
    expect(kind('RCPT TO', 550, '550 5.1.1 No such user')).toBe('mailbox');
    expect(kind('RCPT TO', 553, '553 Mailbox name not allowed')).toBe('mailbox');
    expect(kind('RCPT TO', 550, '550 5.7.1 Relaying denied')).toBe('recipient');
    expect(kind('RCPT TO', 552, '552 5.2.2 Mailbox full')).toBe('recipient');
    expect(kind('MAIL FROM', 550, '550 5.7.1 Sender not allowed')).toBe('campaign');
    expect(kind('DATA', 550, '550 5.7.1 Content rejected', 'EMESSAGE')).toBe('campaign');
    expect(kind('AUTH PLAIN', 535, '535 5.7.8 Authentication failed', 'EAUTH')).toBe('campaign');
    expect(kind('RCPT TO', 451, '451 4.7.1 Greylisted')).toBe('temporary');
    expect(classify({ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }).kind).toBe('temporary');
  });
});

for (const [name, open] of adapters) {
  describe(`sending on ${name}`, async () => {
    const available = await reachable(name);
    const fresh = freshStores(open);

    const refusals: [string, Policy, RegExp][] = [
      ['a 550 at MAIL FROM (sender not allowed)', { mailFrom: () => ({ code: 550, message: '5.7.1 Sender not allowed' }) }, /550 5\.7\.1 Sender not allowed/],
      ['a 550 after DATA (content filter)', { data: () => ({ code: 550, message: '5.7.1 Message content rejected' }) }, /550 5\.7\.1 Message content rejected/],
      ['a 535 at login', { login: () => ({ code: 535, message: '5.7.8 Authentication credentials invalid' }) }, /535 5\.7\.8 Authentication credentials invalid/],
    ];
    for (const [what, policy, reason] of refusals) {
      it.skipIf(!available)(`${what} pauses the campaign with the reason and suppresses no one; once fixed, a resume sends to all`, async () => {
        const { store } = await fresh();
        const c = await plannedCampaign(store, readers(8));
        const relay = await sink(policy);
        const outcome = await send(store, c.id, relay.url);
        expect(outcome.state).toBe('paused');
        expect(outcome.reason).toMatch(reason);
        expect(await store.suppressions()).toEqual([]);
        expect(await store.counts(c.id)).toMatchObject({ queued: 8, sending: 0, failed: 0, suppressed: 0 });
        expect((await nextStep(store, { slug: 'children-p', kind: 'briefing' }, c, outcome, false)).code).toBe(1);

        Object.assign(policy, { mailFrom: undefined, data: undefined, login: () => undefined });
        const { prepared } = await prepareSend(store, await sendConfig(), { target: 'children-p', resume: true, today }, sampleSource);
        const again = await send(store, (await prepared!.start()).id, relay.url);
        expect(again.state).toBe('completed');
        expect([...accepted(relay).values()]).toEqual(Array(8).fill(1));
      });
    }

    it.skipIf(!available)('a mailbox refused at RCPT TO fails and is suppressed; a policy refusal fails and may be retried; the rest go once', async () => {
      const { store } = await fresh();
      const c = await plannedCampaign(store, readers(6));
      const relay = await sink({
        rcpt: (to) =>
          to === 'reader.1@example.org' ? { code: 550, message: '5.1.1 No such user' } : to === 'reader.2@example.org' ? { code: 550, message: '5.7.1 Not accepted here' } : undefined,
      });
      const outcome = await send(store, c.id, relay.url);
      expect(outcome.state).toBe('completed');
      expect(outcome.counts).toMatchObject({ sent: 4, failed: 2 });
      expect((await store.suppressions()).map((s) => [s.email, s.reason])).toEqual([['reader.1@example.org', 'hard-bounce']]);
      const next = await nextStep(store, { slug: 'children-p', kind: 'briefing' }, c, outcome, false);
      expect(next.code).toBe(1);
      expect(next.lines).toContain('  1 address(es) do not exist and are now suppressed: npx briefcast suppressions');
      expect(next.lines).toContain('  to try the 1 other failure(s) again: npx briefcast send children-p --retry-failed');
    });

    it.skipIf(!available)('a 451 that outlasts the retries leaves failed rows that --retry-failed sends once the relay recovers; exit 1 until then', async () => {
      const { store } = await fresh();
      const c = await plannedCampaign(store, readers(5));
      const policy: Policy = { rcpt: (to) => (to === 'reader.3@example.org' || to === 'reader.4@example.org' ? { code: 451, message: '4.3.0 Try again later' } : undefined) };
      const relay = await sink(policy);
      const outcome = await send(store, c.id, relay.url);
      expect(outcome, outcome.reason).toMatchObject({ state: 'completed', counts: { sent: 3, failed: 2 } });
      const next = await nextStep(store, { slug: 'children-p', kind: 'briefing' }, c, outcome, false);
      expect(next).toMatchObject({ code: 1 });
      expect(next.lines.at(-1)).toBe('  to try the 2 other failure(s) again: npx briefcast send children-p --retry-failed');
      // A plain send says it was sent (and how to retry), not "nothing to do".
      const plain = await prepareSend(store, await sendConfig(), { target: 'children-p', today }, sampleSource);
      expect(plain.problems[0]!.message).toMatch(/already sent .*; 2 failed: --retry-failed tries them again$/);

      policy.rcpt = undefined;
      const { prepared } = await prepareSend(store, await sendConfig(), { target: 'children-p', retryFailed: true, today }, sampleSource);
      expect(prepared!.summary).toEqual([`retrying 2 failed message(s) of campaign ${c.id} of "${c.title}"`]);
      const retried = await send(store, (await prepared!.start()).id, relay.url);
      expect(retried).toMatchObject({ state: 'completed', counts: { sent: 5, failed: 0 } });
      expect([...accepted(relay).values()]).toEqual(Array(5).fill(1));
      expect((await prepareSend(store, await sendConfig(), { target: 'children-p', retryFailed: true, today }, sampleSource)).problems[0]!.code).toBe('ENOFAILED');
    });

    it.skipIf(!available)('a campaign that reached no one does not count as sent', async () => {
      const { store } = await fresh();
      const c = await plannedCampaign(store, readers(2));
      await send(store, c.id, (await sink({ rcpt: () => ({ code: 550, message: '5.1.1 No such user' }) })).url);
      expect((await store.campaign(c.id))!.state).toBe('completed');
      const { prepared, problems } = await prepareSend(store, await sendConfig(), { target: 'children-p', today }, sampleSource);
      expect(problems).toEqual([]);
      expect(prepared!.isNew).toBe(true);
    });

    it.skipIf(!available)('two senders on one campaign, and one whose messages outlast its lease, send each message once', async () => {
      const { store, reopen } = await fresh();
      const c = await plannedCampaign(store, readers(30));
      const relay = await sink({ delay: 40 });
      const joined: string[] = [];
      const [a, b] = await Promise.all([
        send(store, c.id, relay.url, { lease_seconds: 0.3 }),
        // The second starts when the first holds the campaign: it joins, it does not take its rows.
        new Promise<void>((started) => (relay.onAccepted = () => started())).then(async () =>
          send(await reopen(), c.id, relay.url, { lease_seconds: 0.3 }, { onJoin: (sender) => joined.push(sender) }),
        ),
      ]);
      expect(joined).toHaveLength(1);
      expect(a.state).toBe('completed');
      expect(b.state).toBe('completed');
      expect(relay.received).toHaveLength(30);
      expect([...accepted(relay).values()]).toEqual(Array(30).fill(1));

      // One sender, a lease a tenth of each message's time at the server: its renewals keep the rows.
      const slow = await plannedCampaign(store, readers(4, 'slow.example.org'), {});
      const slowRelay = await sink({ delay: 600 });
      expect((await send(store, slow.id, slowRelay.url, { lease_seconds: 0.06, connections: 2 })).state).toBe('completed');
      expect([...accepted(slowRelay).values()]).toEqual(Array(4).fill(1));
    });

    it.skipIf(!available)('an address suppressed after planning (an unsubscribe, by hand) is skipped at the claim and counted as suppressed', async () => {
      const { store } = await fresh();
      const c = await plannedCampaign(store, [...readers(3), { email: 'Zoë@example.org', name: 'Zoë', agencies: ['police'] }]);
      await store.suppress('ZOË@EXAMPLE.ORG', 'unsubscribed');
      await store.suppress('reader.0@example.org', 'manual', 'left the service');
      const relay = await sink();
      const outcome = await send(store, c.id, relay.url);
      expect(outcome.counts).toMatchObject({ sent: 2, suppressed: 2 });
      expect([...accepted(relay).keys()].sort()).toEqual(['reader.1@example.org', 'reader.2@example.org']);
    });

    it.skipIf(!available)('a worker joining a campaign past its send-by day refuses, as a plain send does', async () => {
      const { store } = await fresh();
      const c = await plannedCampaign(store, readers(2), { send_by: '2020-01-01' });
      const { problems } = await prepareSend(store, await sendConfig(), { target: String(c.id), worker: true, today }, () => Promise.reject(new Error('a worker does not render')));
      expect(problems[0]).toMatchObject({ code: 'ELATE' });
    });

    it.skipIf(!available)('a run that cannot start still closes its transport', async () => {
      const { store } = await fresh();
      const c = await store.createCampaign({ slug: 'children-p', title: 'T', content_hash: 'h', agencies: ['police'], recipients: readers(1) });
      let closed = false;
      const transport = { description: 'counting', concurrency: 1, send: async () => ({ response: '250' }), close: async () => void (closed = true) };
      await expect(runSend({ store, campaign: c, config: await sendConfig(), transport, tokens })).rejects.toThrow(/has no stored content/);
      expect(closed).toBe(true);
    });

    it.skipIf(!available)('Message-IDs never repeat: per install, per campaign and delivery; every proof has its own', async () => {
      const { store } = await fresh();
      const other = await fresh();
      const ids = new Set<string>();
      for (const s of [store, other.store]) {
        const c = await plannedCampaign(s, readers(2));
        const compose = createComposer({ sender: senderOf(await sendConfig()), content: await s.content(c.id), links: await s.links(c.id), campaign: c.id, slug: 'children-p', tokens, installId: await s.installId() });
        for await (const d of s.deliveries(c.id)) ids.add(compose(d).messageId!);
      }
      const proof = createComposer({ sender: senderOf(await sendConfig()), content: [plannedContent(await sampleSource(), { tracked: false })], links: await store.links(1), slug: 'children-p', tokens, installId: await store.installId() });
      const editor = { id: 0, seq: 1, email: 'editor@example.org', name: 'Editor', agencies: '' };
      ids.add(proof(editor).messageId!);
      ids.add(proof(editor).messageId!);
      expect(ids.size).toBe(6);
    });
  });
}

describe('recording a message the server accepted (SQLite)', () => {
  const fresh = freshStores(adapters[0]![1]);

  it('a lock while recording is waited out and never becomes a second send; a lock that outlasts the wait stops the run with the resume hint', async () => {
    const { url } = await fresh();
    const path = url.slice('sqlite:'.length);
    const store = await openSqliteStore(path, { busyTimeoutMs: 50 });
    const blocker = new Database(path, { timeout: 0 });
    const c = await plannedCampaign(store, readers(6));
    const relay = await sink();
    // The first acceptance: another process takes the write lock for longer than the busy timeout.
    relay.onAccepted = (n) => {
      if (n !== 1) return;
      blocker.exec('BEGIN IMMEDIATE');
      setTimeout(() => blocker.exec('COMMIT'), 400);
    };
    const outcome = await send(store, c.id, relay.url);
    expect(outcome.state).toBe('completed');
    expect([...accepted(relay).values()]).toEqual(Array(6).fill(1));

    // Locked for longer than the run waits.
    const d = await plannedCampaign(store, readers(3, 'later.example.org'));
    blocker.exec('BEGIN IMMEDIATE');
    const stopped = await send(store, d.id, relay.url, {}, { owner: senderId(), waitForStoreMs: 300 });
    blocker.exec('COMMIT');
    expect(stopped.state).toBe('stopped');
    expect(stopped.reason).toMatch(/the database failed: database is locked/);
    const next = await nextStep(store, { slug: 'children-p', kind: 'briefing' }, d, stopped, false);
    expect(next).toEqual({ code: 1, lines: [`  stopped: ${stopped.reason}`, '  to resume: npx briefcast send children-p --resume'] });
    expect((await send(store, d.id, relay.url)).state).toBe('completed');
    expect(relay.received).toHaveLength(9);
    blocker.close();
    await store.close();
  });
});
