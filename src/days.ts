/** A moment as its calendar day in UTC, YYYY-MM-DD: how days are stored, compared and shown. */
export function isoDay(at: number | Date): string {
  return new Date(at).toISOString().slice(0, 10);
}
