// SQL of the loyalty configuration: one `loyalty_programs` row per workspace, each part a JSON column.
import type { SqlExecutor } from '../../store/port.ts';
import type { StoredConfig } from './config.ts';

type Part = 'program' | 'earn' | 'lots' | 'refunds' | 'transfers' | 'member_day' | 'birthday';
const PARTS: Part[] = ['program', 'earn', 'lots', 'refunds', 'transfers', 'member_day', 'birthday'];
const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v ?? null);

export const configRepo = {
  async get(db: SqlExecutor, ws: string): Promise<StoredConfig | null> {
    const [r] = await db.query(`SELECT ${PARTS.join(', ')}, earn_since FROM loyalty_programs WHERE workspace_id = $1`, [ws]);
    if (!r) return null;
    return {
      program: parse(r.program), earn: parse(r.earn), lots: parse(r.lots), refunds: parse(r.refunds), transfers: parse(r.transfers),
      member_day: parse(r.member_day), birthday: parse(r.birthday), earn_since: r.earn_since ?? null,
    };
  },

  /** Sets the given parts (JSON values; null clears a part), keeping the others. */
  async set(db: SqlExecutor, ws: string, parts: Partial<Record<Part, unknown>> & { earn_since?: string | null }): Promise<void> {
    await db.exec(`INSERT INTO loyalty_programs (workspace_id, updated_at) VALUES ($1, now()) ON CONFLICT (workspace_id) DO NOTHING`, [ws]);
    for (const p of PARTS) {
      if (!(p in parts)) continue;
      const v = parts[p];
      await db.exec(`UPDATE loyalty_programs SET ${p} = CAST($2 AS JSON), updated_at = now() WHERE workspace_id = $1`, [ws, v === null || v === undefined ? null : JSON.stringify(v)]);
    }
    if ('earn_since' in parts) {
      await db.exec(`UPDATE loyalty_programs SET earn_since = CAST($2 AS TIMESTAMPTZ), updated_at = now() WHERE workspace_id = $1`, [ws, parts.earn_since ?? null]);
    }
  },

  /** Workspaces with a program (the scheduled jobs visit these). */
  async workspaces(db: SqlExecutor): Promise<string[]> {
    return (await db.query(`SELECT workspace_id FROM loyalty_programs WHERE program IS NOT NULL ORDER BY workspace_id`)).map((r) => r.workspace_id);
  },
};
