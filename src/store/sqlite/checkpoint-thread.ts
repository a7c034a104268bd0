import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The tracking connection's checkpointer (see `checkpointBeside`): a PASSIVE checkpoint never
 * waits for readers or writers, so it copies what it can while the tracker keeps writing. An
 * error ends the thread; the tracking connection's own checkpoints are then all there is.
 */
const { path, everyMs } = workerData as { path: string; everyMs: number };
const db = new Database(path, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => checkpoint.get(), everyMs);
parentPort!.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
