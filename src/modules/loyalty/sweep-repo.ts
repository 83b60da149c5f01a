// SQL of the catch-up sweeps' watermarks (`loyalty_sweeps`): how far a sweep got, so the next one starts there.
import type { SqlExecutor } from '../../store/port.ts';

export const sweepRepo = {
  /** The instant the last completed sweep of this name started, or null before the first. */
  async get(db: SqlExecutor, ws: string, name: string): Promise<string | null> {
    const [r] = await db.query(`SELECT swept_at FROM loyalty_sweeps WHERE workspace_id = $1 AND name = $2`, [ws, name]);
    return r ? (r.swept_at as string) : null;
  },

  /** Moves the watermark forward to `at` (never back: two sweeps finishing out of order keep the later start). */
  async advance(db: SqlExecutor, ws: string, name: string, at: string): Promise<void> {
    await db.exec(
      `INSERT INTO loyalty_sweeps (workspace_id, name, swept_at, updated_at) VALUES ($1, $2, CAST($3 AS TIMESTAMPTZ), now())
       ON CONFLICT (workspace_id, name) DO UPDATE SET swept_at = GREATEST(loyalty_sweeps.swept_at, excluded.swept_at), updated_at = excluded.updated_at`,
      [ws, name, at],
    );
  },
};
