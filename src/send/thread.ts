import { Worker } from 'node:worker_threads';
import { ProblemsError, type Problem } from '../problem.js';
import type { Store } from '../store/index.js';
import type { Outcome, Progress } from './loop.js';
import type { RunSend } from './run.js';
import { nodemailer, outboxTransport, smtpTransport, type PoolSettings, type Transport } from './transport.js';

/** A transport as data, so that a sending thread can make its own. */
export type TransportSpec =
  | { kind: 'smtp'; url: string; settings: PoolSettings }
  | { kind: 'outbox'; dir: string }
  /** Builds each message and drops it: for measuring the sender alone. */
  | { kind: 'discard' };

export function transportOf(spec: TransportSpec): Transport {
  if (spec.kind === 'smtp') return smtpTransport(spec.url, spec.settings);
  if (spec.kind === 'outbox') return outboxTransport(spec.dir);
  const streamer = nodemailer().createTransport({ streamTransport: true });
  // Read to the end and dropped, as a socket would take it: buffering whole messages is work an SMTP send never does.
  const drain = (stream: NodeJS.ReadableStream) => new Promise<void>((done, failed) => stream.on('end', done).on('error', failed).resume());
  return {
    description: 'discard',
    concurrency: 5,
    send: async ({ seq: _seq, ...message }) => (await drain((await streamer.sendMail(message)).message as NodeJS.ReadableStream), { response: '250 discarded' }),
    close: async () => undefined,
  };
}

/** What `runSend` takes, as data a thread can receive: it opens its own store and transport. */
export type ThreadedSend = Omit<RunSend, 'store' | 'transport' | 'tokens' | 'owner'> & {
  /** The project folder: the thread opens the store the way the command did (DATABASE_URL, or data/briefcast.db). */
  root: string;
  transport: TransportSpec;
  secret: Buffer;
  owner: string;
  /** The thread's heap limits (default SEND_THREAD_LIMITS). */
  limits?: typeof SEND_THREAD_LIMITS;
};

export type ThreadMessage =
  | { type: 'progress'; progress: Progress }
  | { type: 'join'; sender: string }
  | { type: 'done'; outcome: Outcome }
  | { type: 'failed'; message: string; problems?: Problem[] };

/**
 * The send loop's heap, capped. Each message makes short-lived strings and buffers (nodemailer's
 * MIME work), ~15 MB of which is ever live; with the main thread's default limits V8 lets
 * garbage pile up to ~70 MB before collecting. A thread's limits can be set when it starts (a
 * running process's cannot), so the loop runs on one, and a campaign of 100,000 costs what one
 * of 5,000 does. Measured (bench/send-thread.mjs, 5,000 messages), when each message encoded its
 * whole 40 KB parts: a 4 MB young generation was collected some 1,800 times a send, 13–15% of
 * its time; 16 MB a quarter as often; an old generation of 36 MB rather than 32 was compacted 13
 * times a send instead of 73. Since the parts are encoded once (encode-part.ts) a message makes
 * far less garbage, and a smaller young generation keeps the peak lower for a little of the
 * loop's speed, which has room to spare (npm run bench, 100,000 recipients: 117–120 MB at 16 MB
 * in three runs, 116 at 12 in three and at 8 in one; send ratio 1.39–1.56 at 16, 1.16–1.37 at
 * 12, 1.14 at 8).
 * Generous against what the loop keeps: see the fallback below.
 */
export const SEND_THREAD_LIMITS = { maxYoungGenerationSizeMb: 12, maxOldGenerationSizeMb: 36 };

const workerFile = new URL(import.meta.url.endsWith('.ts') ? '../../lib/send/send-thread.js' : './send-thread.js', import.meta.url);

/**
 * Runs `runSend` on a thread of its own. If the thread dies (out of memory, say), its rows go
 * back to the queue and `fallback` sends the rest on this thread: at most the messages that
 * were in flight go twice, as after a killed process.
 */
export function runSendOnThread(run: ThreadedSend, fallback: (store: Store) => Promise<Outcome>, store: Store): Promise<Outcome> {
  const { signal, onProgress, onJoin, limits, ...data } = run;
  return new Promise<Outcome>((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: data, resourceLimits: limits ?? SEND_THREAD_LIMITS });
    let settled = false;
    const stop = () => worker.postMessage('stop');
    signal?.addEventListener('abort', stop, { once: true });
    const finish = (then: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', stop);
      then();
    };
    worker.on('message', (m: ThreadMessage) => {
      if (m.type === 'progress') onProgress?.(m.progress);
      else if (m.type === 'join') onJoin?.(m.sender);
      else if (m.type === 'done') finish(() => resolve(m.outcome));
      else finish(() => reject(m.problems ? new ProblemsError(m.problems) : new Error(m.message)));
    });
    const died = () =>
      finish(() => {
        store
          .expireOwners(run.campaign.id, [run.owner])
          .then(() => fallback(store))
          .then(resolve, reject);
      });
    worker.on('error', died);
    worker.on('exit', died);
  });
}
