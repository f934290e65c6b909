import type pg from 'pg';

/** deadlock_detected and serialization_failure: PostgreSQL rolled the transaction back; running it again is safe. */
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 5;
/**
 * Budget transactions hold row locks that every query of a team waits on, so none may hang on to them:
 * a lock wait gives up after lock_timeout (SQLSTATE 55P03), and if a gateway stalls mid-transaction
 * (a pause, a partition) PostgreSQL ends its session after idle_in_transaction_session_timeout, which
 * frees the locks for the other instances. Constants, sent with BEGIN in one round trip.
 */
const BEGIN = "BEGIN; SET LOCAL lock_timeout = '10s'; SET LOCAL idle_in_transaction_session_timeout = '10s'";

/**
 * Runs `fn` in one transaction on one pooled connection, retrying it when PostgreSQL aborts it for a
 * deadlock. Every operation here locks rows in one global order, so deadlocks should not happen; the
 * retry is a seatbelt, not the design.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(BEGIN);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch((err: Error) => {
        broken = err;
      });
      const code = (e as { code?: string }).code;
      if (attempt < ATTEMPTS && code !== undefined && RETRYABLE.has(code)) continue;
      throw e;
    } finally {
      // A connection whose ROLLBACK failed is in an unknown state: drop it rather than pool it.
      client.release(broken);
    }
  }
}

/** numeric comes back from pg as a string; null stays null. */
export function num(v: string | number | null | undefined): number {
  return v === null || v === undefined ? 0 : Number(v);
}

export function numOrNull(v: string | number | null | undefined): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** Amounts go to PostgreSQL as text so numeric keeps them exact. */
export function money(v: number): string {
  return String(v);
}
