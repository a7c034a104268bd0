import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { TrackWrite } from '../types.js';

/** Rows an insert carries at most: a batch's events go in statements of this many, one for the rest. */
const ROWS_PER_INSERT = 32;
const EVENT_COLUMNS = 10;

/** One transaction storing a batch of tracking writes on this connection; returns its events' ids. */
export function trackingWrites(db: Database.Database): (writes: readonly TrackWrite[]) => number[] {
  // Many rows to a statement: each run costs a crossing into SQLite and a pass of its program,
  // a quarter of an event's insert when one row went at a time (measured: 6.7 → 4.8 µs an event).
  const inserts = new Map<number, Database.Statement>();
  const insertEvents = (rows: number) => {
    let statement = inserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => `(${Array(EVENT_COLUMNS).fill('?').join(', ')})`).join(', ');
      statement = db.prepare(`INSERT INTO events (campaign_id, delivery_id, agencies, kind, link, class, reason, user_agent, ip_prefix, at) VALUES ${values}`);
      inserts.set(rows, statement);
    }
    return statement;
  };
  // A second "I have read it" updates the first (the form is idempotent); a field left blank keeps what was given.
  const upsertAck = db.prepare(
    `INSERT INTO acknowledgements (ack_key, campaign_id, delivery_id, agencies, shared, comment, created_at, updated_at)
     VALUES (@ack_key, @campaign_id, @delivery_id, @agencies, @shared, @comment, @at, @at)
     ON CONFLICT (ack_key) DO UPDATE SET shared = coalesce(excluded.shared, acknowledgements.shared), comment = coalesce(excluded.comment, acknowledgements.comment), updated_at = excluded.updated_at`,
  );
  const pageView = db.prepare('INSERT INTO page_views (slug, day, class, views) VALUES (?, ?, ?, 1) ON CONFLICT (slug, day, class) DO UPDATE SET views = views + 1');
  const reclassify = db.prepare("UPDATE events SET class = 'machine', reason = ? WHERE id IN (SELECT value FROM json_each(?)) AND kind = 'click' AND class = 'human'");
  return db.transaction((writes: readonly TrackWrite[]) => {
    // Events in the order they came, as the rows' ids say.
    const ids: number[] = [];
    let values: unknown[] = [];
    const flush = () => {
      if (!values.length) return;
      const rows = values.length / EVENT_COLUMNS;
      // One statement's rows take the ids after the largest, in turn (SQLite's rowid rule).
      const last = Number(insertEvents(rows).run(values).lastInsertRowid);
      for (let id = last - rows + 1; id <= last; id++) ids.push(id);
      values = [];
    };
    for (const w of writes) {
      if (w.type === 'event') {
        const e = w.event;
        values.push(e.campaign_id, e.delivery_id ?? null, e.agencies, e.kind, e.link ?? null, e.class, e.reason ?? null, e.user_agent ?? null, e.ip_prefix ?? null, e.at);
        if (values.length === ROWS_PER_INSERT * EVENT_COLUMNS) flush();
      } else if (w.type === 'ack') {
        const a = w.ack;
        upsertAck.run({ ack_key: a.ack_key, campaign_id: a.campaign_id, delivery_id: a.delivery_id ?? null, agencies: a.agencies, shared: a.shared ?? null, comment: a.comment ?? null, at: a.at });
      } else if (w.type === 'page') {
        pageView.run(w.view.slug, w.view.day, w.view.class);
      } else {
        // After the events before it, which may be among those it names.
        flush();
        reclassify.run(w.reason, JSON.stringify(w.events));
      }
    }
    flush();
    return ids;
  });
}

/** A tracking batch or a reader's form waits at most this long for a lock at a time, then retries. */
export const BUSY_MS = 20;
const RETRIES = 45;

/**
 * Runs a statement that waits at most BUSY_MS for a lock, again and again between other requests
 * while SQLite says the database is busy: about 10 s in all, never seconds in one go.
 */
export async function retryWhileBusy<T>(run: () => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return run();
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= RETRIES) throw error;
    }
    await new Promise((r) => setTimeout(r, Math.min(250, 10 * 2 ** attempt)));
  }
}

/** About 40 MB of WAL: past it, the tracking connection checkpoints in its own commits. */
const WAL_LIMIT_FRAMES = 10_000;
/** How often the thread checkpoints while the WAL grows, and while it does not. */
const CHECKPOINT_MS = { busyMs: 100, idleMs: 1000 };
const checkpointThread = new URL(import.meta.url.endsWith('.ts') ? '../../../lib/store/sqlite/checkpoint-thread.js' : './checkpoint-thread.js', import.meta.url);

/**
 * SQLite checkpoints the WAL in the commit that takes it past 1,000 pages, on the committing
 * connection: on the tracker that held every request up for several ms each time. Under the
 * bench's load, 0.9 s of 4.3 s spent in SQLite was in commits over 5 ms; with the thread, 0.25 s
 * of 3.8 s. A thread of its own checkpoints instead, beside the commits. Such a checkpoint seldom
 * catches the last frame while commits keep coming, and SQLite starts the WAL afresh only after
 * one that did: past WAL_LIMIT_FRAMES the connection checkpoints in its commits again, which
 * finishes what the thread began, and if the thread dies, at SQLite's 1,000 pages. Returns what
 * stops the thread.
 */
function checkpointBeside(path: string, db: Database.Database): () => void {
  db.pragma(`wal_autocheckpoint = ${WAL_LIMIT_FRAMES}`);
  const thread = new Worker(checkpointThread, { workerData: { path, ...CHECKPOINT_MS } });
  thread.unref();
  // Nothing is lost without the thread, only the requests' time: SQLite's own checkpoints, as before it.
  thread.on('error', () => db.open && db.pragma('wal_autocheckpoint = 1000'));
  return () => thread.postMessage('stop');
}

/**
 * Tracking writes through a connection of their own, whose lock wait is always short: better-sqlite3
 * waits for a lock synchronously, and the tracker serves every page from this thread, so a batch
 * waits briefly and retries between other requests, never for seconds in one go. A database in
 * memory has no second connection: its writes share `db`.
 */
export function trackingConnection(path: string, db: Database.Database) {
  let own: Database.Database | undefined;
  let stopCheckpoints: (() => void) | undefined;
  let write: ((writes: readonly TrackWrite[]) => number[]) | undefined;
  // Opened at the first write: most commands that open the store never track anything.
  const open = () => {
    own = path === ':memory:' ? db : new Database(path);
    if (own !== db) {
      own.pragma(`busy_timeout = ${BUSY_MS}`);
      own.pragma('synchronous = NORMAL');
      own.pragma('foreign_keys = ON');
      stopCheckpoints = checkpointBeside(path, own);
    }
    return trackingWrites(own);
  };
  return {
    async write(writes: readonly TrackWrite[]): Promise<number[]> {
      write ??= open();
      const batch = write;
      return retryWhileBusy(() => batch(writes));
    },
    close(): void {
      stopCheckpoints?.();
      if (own && own !== db) own.close();
    },
  };
}
