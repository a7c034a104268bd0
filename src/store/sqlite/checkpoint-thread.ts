import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The tracking connection's checkpointer (see `checkpointBeside`): a PASSIVE checkpoint never
 * waits for readers or writers, so it copies what it can while the tracker keeps writing. An
 * error ends the thread; the tracking connection's own checkpoints are then all there is.
 */
const { path, busyMs, idleMs } = workerData as { path: string; busyMs: number; idleMs: number };
const db = new Database(path, { fileMustExist: true });
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
let last = -1;
let timer: NodeJS.Timeout;
const pass = () => {
  const { log, checkpointed } = checkpoint.get() as { log: number; checkpointed: number };
  // While the tracker writes, often: what is left for a commit to copy stays small. Idle, seldom.
  const idle = log === checkpointed && log === last;
  last = log;
  timer = setTimeout(pass, idle ? idleMs : busyMs);
};
timer = setTimeout(pass, busyMs);
parentPort!.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort!.close();
});
