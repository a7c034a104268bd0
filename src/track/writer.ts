import type { Store, TrackWrite } from '../store/index.js';

/** Turns a batch may wait for more writes: a bound on the wait however steady the traffic. */
const MAX_DEFERRED_TURNS = 8;

/**
 * Group commit: writes are buffered and stored in one transaction once a turn of the event loop
 * brings no more (or at once when the batch is full), and each request is answered only after its
 * write is stored, so a 200 never stands for an event that was lost.
 */
export class EventWriter {
  private buffer: TrackWrite[] = [];
  /** Per write() call: how many events it brought, and what it waits on (the ids they were given). */
  private waiting: { events: number; resolve: (ids: number[]) => void; reject: (e: unknown) => void }[] = [];
  /** The end of the turn the batch waits for, if it waits. */
  private pending?: NodeJS.Immediate;
  /** Whether writes came since the end of the last turn, and how many turns the batch has waited. */
  private arrived = false;
  private deferred = 0;
  private flushing = new Set<Promise<void>>();
  private active = 0;
  private turns: (() => void)[] = [];
  /** Since when, and why, the store has been refusing writes; undefined while they succeed. */
  failing?: { since: number; message: string };

  constructor(
    private readonly store: Store,
    /**
     * SQLite has one writer, so batches go one at a time; PostgreSQL takes several transactions
     * at once, and a second batch need not wait for the first's commit.
     */
    private readonly options: { maxBatch: number; parallel: number } = { maxBatch: 1024, parallel: store.kind === 'postgres' ? 4 : 1 },
  ) {}

  /** Resolves, once stored, with the ids its events were given. */
  write(...writes: TrackWrite[]): Promise<number[]> {
    this.buffer.push(...writes);
    let events = 0;
    for (const w of writes) if (w.type === 'event') events++;
    const done = new Promise<number[]>((resolve, reject) => this.waiting.push({ events, resolve, reject }));
    this.arrived = true;
    if (this.buffer.length >= this.options.maxBatch) void this.flush();
    else this.pending ??= setImmediate(this.turnEnded);
    return done;
  }

  /**
   * At the end of a turn of the event loop: a turn that brought writes may be followed by one that
   * brings more, and they wait for it; the batch is stored after a turn that brought none. A commit
   * costs SQLite about 50 µs besides its rows; under the bench's 32 connections a transaction held
   * 10–14 events when each turn's were stored, and 14–21 so. When idle, the next turn is at once.
   */
  private turnEnded = () => {
    if (this.arrived && this.deferred < MAX_DEFERRED_TURNS) {
      this.arrived = false;
      this.deferred++;
      this.pending = setImmediate(this.turnEnded);
      return;
    }
    void this.flush();
  };

  /** Stores everything buffered; resolves when it is stored. */
  flush(): Promise<void> {
    clearImmediate(this.pending);
    this.pending = undefined;
    this.arrived = false;
    this.deferred = 0;
    const batch = this.buffer;
    const waiting = this.waiting;
    this.buffer = [];
    this.waiting = [];
    const write = async () => {
      if (batch.length === 0) return;
      // A finishing write hands its slot straight to the next in line.
      if (this.active >= this.options.parallel) await new Promise<void>((turn) => this.turns.push(turn));
      else this.active++;
      try {
        const ids = await this.store.writeTracking(batch);
        this.failing = undefined;
        let at = 0;
        for (const w of waiting) w.resolve(ids.slice(at, (at += w.events)));
      } catch (error) {
        this.failing ??= { since: Date.now(), message: (error as Error).message };
        for (const w of waiting) w.reject(error);
      } finally {
        const next = this.turns.shift();
        if (next) next();
        else this.active--;
      }
    };
    const done: Promise<void> = write().finally(() => this.flushing.delete(done));
    this.flushing.add(done);
    // Resolves when every batch started so far is stored.
    return Promise.all([...this.flushing]).then(() => undefined);
  }
}
