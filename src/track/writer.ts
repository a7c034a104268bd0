import type { Store, TrackWrite } from '../store/index.js';

/**
 * Group commit: writes are buffered and stored in one transaction at the end of the event-loop
 * turn (or at once when the batch is full), and each request is answered only after its write is stored,
 * so a 200 never stands for an event that was lost.
 */
export class EventWriter {
  private buffer: TrackWrite[] = [];
  private waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly options: { maxBatch: number } = { maxBatch: 1024 },
  ) {}

  write(...writes: TrackWrite[]): Promise<void> {
    this.buffer.push(...writes);
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.buffer.length >= this.options.maxBatch) void this.flush();
    else if (!this.scheduled) {
      // After the requests already read in this turn of the event loop: under load, one
      // transaction carries hundreds of events; when idle, a request waits for nothing.
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    return done;
  }

  /** Stores everything buffered; resolves when it is stored. */
  flush(): Promise<void> {
    this.scheduled = false;
    const batch = this.buffer;
    const waiting = this.waiting;
    this.buffer = [];
    this.waiting = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      try {
        await this.store.writeTracking(batch);
        for (const w of waiting) w.resolve();
      } catch (error) {
        for (const w of waiting) w.reject(error);
      }
    });
    return this.flushing;
  }
}
