import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadLists } from '../lists/index.js';
import type { Store } from '../store/index.js';
import { openStoreOrFail } from './store.js';
import { table } from '../report/format.js';
import { fail, report } from './output.js';

/** Reading needs a database that exists; adding a suppression in a project may be its first write. */
async function withStore<T>(run: (store: Store) => Promise<T>, existing = true): Promise<T> {
  const store = await openStoreOrFail(process.cwd(), { existing: existing || !existsSync(join(process.cwd(), 'briefcast.yml')) });
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

export async function campaignsCommand(id?: string): Promise<void> {
  await withStore(async (store) => {
    if (id === undefined) {
      const rows: (string | number)[][] = [['id', 'briefing', 'kind', 'state', 'created', 'sent', 'failed', 'queued', 'suppressed']];
      for (const c of await store.campaigns()) {
        const n = await store.counts(c.id);
        rows.push([c.id, c.slug, c.kind, c.state + (c.state_reason ? ` (${c.state_reason})` : ''), day(c.created_at), n.sent, n.failed, n.queued + n.sending, n.suppressed]);
      }
      console.log(rows.length === 1 ? 'no campaigns yet' : table(rows));
      return;
    }
    const campaign = await store.campaign(Number(id));
    if (!campaign) fail(`no campaign ${id} (briefcast campaigns lists them)`, 'ENOCAMPAIGN');
    const n = await store.counts(campaign.id);
    console.log(`campaign ${campaign.id}: "${campaign.title}" (${campaign.slug}), ${campaign.state}${campaign.state_reason ? `: ${campaign.state_reason}` : ''}`);
    console.log(`  ${n.sent} sent, ${n.failed} failed, ${n.queued + n.sending} left, ${n.suppressed} suppressed`);
    const failures = await store.failures(campaign.id);
    if (failures.length) console.log(table([['email', 'agencies', 'attempts', 'SMTP response'], ...failures.map((d) => [d.email, d.agencies, d.attempts, d.last_response ?? ''])]));
  });
}

export async function listsCommand(): Promise<void> {
  const lists = loadLists(join(process.cwd(), 'lists', 'agencies.yml'));
  const people = new Set(lists.agencies.flatMap((a) => a.recipients.map((r) => r.email.toLowerCase())));
  const rows: (string | number)[][] = [['agency', 'name', 'recipients'], ...lists.agencies.map((a) => [a.id, a.name, a.recipients.length])];
  console.log(table(rows));
  console.log(`${lists.agencies.length} agencies, ${people.size} distinct people`);
  if (report(lists.problems)) process.exitCode = 1;
}

/** `suppressions`, `suppressions add <email> --reason …`, `suppressions remove <email>`. */
export async function suppressionsCommand(action: string | undefined, email: string | undefined, options: { reason?: string }): Promise<void> {
  if (action !== undefined && action !== 'add' && action !== 'remove') fail(`suppressions ${action}: expected add or remove`, 'EUSAGE');
  if (action && !email) fail(`suppressions ${action}: which address?`, 'EUSAGE');
  if (email && !/^[^\s@]+@[^\s@]+$/.test(email)) fail(`"${email}" is not an email address`, 'EEMAIL');
  await withStore(async (store) => {
    if (action === 'add') {
      await store.suppress(email!, 'manual', options.reason);
      console.log(`${email} suppressed: no briefing or reminder will be sent to it`);
    } else if (action === 'remove') {
      if (!(await store.unsuppress(email!))) fail(`${email} is not suppressed`, 'ENOTSUPPRESSED');
      console.log(`${email} is no longer suppressed: the next campaign, resume or retry includes it`);
    } else {
      const rows = await store.suppressions();
      console.log(rows.length ? table([['email', 'reason', 'since', 'detail'], ...rows.map((s) => [s.email, s.reason, day(s.created_at), s.detail ?? ''])]) : 'no suppressed addresses');
    }
  }, action !== 'add');
}
