import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointReport } from './tracking.js';

/**
 * The tracking connection's checkpointer (see `checkpointBeside`): a PASSIVE checkpoint never
 * waits for readers or writers, so it copies what it can while the tracker keeps writing. An
 * error ends the thread, and the tracking connection checkpoints in its commits again.
 */
const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new Database(path, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  const { log } = checkpoint.get() as { log: number };
  parentPort!.postMessage({ log } satisfies CheckpointReport);
}, everyMs);
parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
