import { parentPort, workerData } from 'node:worker_threads';
import { ProblemsError } from '../problem.js';
import { openStore } from '../store/index.js';
import { createTokens } from '../tokens/index.js';
import { runSend } from './run.js';
import { transportOf, type ThreadedSend, type ThreadMessage } from './thread.js';

/** The sending thread: see runSendOnThread. */
const run = workerData as Omit<ThreadedSend, 'signal' | 'onProgress' | 'onJoin'>;
const post = (m: ThreadMessage) => parentPort!.postMessage(m);
const abort = new AbortController();
parentPort!.on('message', (m) => m === 'stop' && abort.abort());

const store = await openStore(run.root);
try {
  let last = 0;
  const outcome = await runSend({
    store,
    campaign: run.campaign,
    config: run.config,
    transport: transportOf(run.transport),
    tokens: createTokens(Buffer.from(run.secret)),
    owner: run.owner,
    signal: abort.signal,
    waitForStoreMs: run.waitForStoreMs,
    // A few times a second is all a progress bar shows.
    onProgress: (progress) => {
      const now = performance.now();
      if (now - last < 100 && progress.remaining > 0) return;
      last = now;
      post({ type: 'progress', progress });
    },
    onJoin: (sender) => post({ type: 'join', sender }),
  });
  post({ type: 'done', outcome });
} catch (error) {
  post({ type: 'failed', message: (error as Error).message, problems: error instanceof ProblemsError ? error.problems : undefined });
} finally {
  await store.close();
  parentPort!.close();
}
