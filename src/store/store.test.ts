// Store contract: both adapters return the same shapes for the same SQL.
import { describe, expect, it } from 'vitest';
import { forEachStore } from '../../test/support/stores.ts';

forEachStore('store contract', (ctx) => {
  it('normalises numbers, timestamps, dates and JSON', async () => {
    const [r] = await ctx.store.query(
      `SELECT CAST(41 AS BIGINT) + 1 AS n, CAST(12.5 AS DECIMAL(14,2)) AS d, CAST('2024-03-01T08:00:00Z' AS TIMESTAMPTZ) AS ts,
              CAST('2024-03-01' AS DATE) AS day, CAST('{"a":[1,2]}' AS JSON) AS j, CAST($1 AS VARCHAR) AS s`,
      ['hi'],
    );
    expect(r).toEqual({ n: 42, d: 12.5, ts: '2024-03-01T08:00:00.000Z', day: '2024-03-01', j: { a: [1, 2] }, s: 'hi' });
  });

  it('expands a JSON parameter into typed rows', async () => {
    const rows = [
      { id: 'a', n: 1, t: '2024-01-01T00:00:00Z', p: { x: 1 } },
      { id: 'b', n: null, t: null, p: null },
    ];
    const got = await ctx.store.query(
      `SELECT id, n, t, p FROM ${ctx.store.jsonRows(1, [
        { name: 'id', type: 'text' },
        { name: 'n', type: 'bigint' },
        { name: 't', type: 'timestamptz' },
        { name: 'p', type: 'json' },
      ], 'r')} ORDER BY id`,
      [JSON.stringify(rows)],
    );
    expect(got).toEqual([
      { id: 'a', n: 1, t: '2024-01-01T00:00:00.000Z', p: { x: 1 } },
      { id: 'b', n: null, t: null, p: null },
    ]);
  });

  it('rolls back a failed transaction', async () => {
    await ctx.store.exec('CREATE TABLE tx_probe (id VARCHAR PRIMARY KEY)');
    await expect(
      ctx.store.transaction(async (tx) => {
        await tx.exec("INSERT INTO tx_probe VALUES ('x')");
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await ctx.store.query('SELECT * FROM tx_probe')).toEqual([]);
  });

  it('has applied the migrations', async () => {
    const rows = await ctx.store.query('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toContain(1);
  });
});

describe('harness', () => {
  it('runs on both engines', () => expect(true).toBe(true));
});
