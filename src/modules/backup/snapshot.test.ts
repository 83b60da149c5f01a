// The port's snapshot on both engines: one consistent view while other connections write, rows streamed in chunks.
import { expect, it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';

forEachStore('store snapshot', (ctx) => {
  it('streams in chunks and does not see writes committed after it began', async () => {
    const ws = 'ws_snap_' + ctx.engine;
    const rows = Array.from({ length: 2500 }, (_, i) => ({ id: `t${String(i).padStart(5, '0')}` }));
    await ctx.store.exec(
      `INSERT INTO tags (workspace_id, id, name, created_at) SELECT $1, r.id, r.id, now() FROM ${ctx.store.jsonRows(2, [{ name: 'id', type: 'text' }], 'r')}`,
      [ws, JSON.stringify(rows)],
    );
    const seen = await ctx.store.snapshot(async (snap) => {
      const before = (await snap.query<{ n: number }>('SELECT count(*) AS n FROM tags WHERE workspace_id = $1', [ws]))[0].n;
      // Committed by another connection while the snapshot is open.
      await ctx.store.exec(`INSERT INTO tags (workspace_id, id, name, created_at) VALUES ($1, 'late', 'late', now())`, [ws]);
      const chunks: number[] = [];
      const ids: string[] = [];
      for await (const chunk of snap.stream(`SELECT id FROM tags WHERE workspace_id = '${ws}' ORDER BY id`, 1000)) {
        chunks.push(chunk.length);
        ids.push(...chunk.map((r) => r.id as string));
      }
      return { before, chunks, ids };
    });
    expect(seen.before).toBe(2500);
    expect(seen.ids).toEqual(rows.map((r) => r.id));
    expect(seen.chunks.every((n) => n <= 3000)).toBe(true);
    expect(seen.chunks.length).toBeGreaterThan(1);
    expect((await ctx.store.query('SELECT count(*) AS n FROM tags WHERE workspace_id = $1', [ws]))[0].n).toBe(2501);
  });
});
