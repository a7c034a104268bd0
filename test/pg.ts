import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL that .ci/run starts; elsewhere, whatever BRIEFCAST_TEST_PG names. */
export const PG_URL = process.env.BRIEFCAST_TEST_PG ?? 'postgres://briefcast:briefcast@127.0.0.1:5432/briefcast_test';

let reachable: boolean | undefined;

/** Whether PostgreSQL answers. In CI it must: there, "unreachable" fails instead of skipping. */
export async function pgReachable(): Promise<boolean> {
  if (reachable !== undefined) return reachable;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    reachable = true;
  } catch (error) {
    if (process.env.CI) throw new Error(`PostgreSQL is not reachable at ${PG_URL} in CI: ${(error as Error).message}`);
    console.warn(`PostgreSQL tests skipped: no server at ${PG_URL} (set BRIEFCAST_TEST_PG; .ci/run starts one)`);
    reachable = false;
  } finally {
    await client.end().catch(() => undefined);
  }
  return reachable;
}

/** A fresh schema for one test: a URL whose connections see only it. */
export async function freshPgUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
