import { it } from 'vitest';
import { forEachStore } from '../../../test/support/stores.ts';
import { generateCodes, parseCodeFormat } from '../../core/loyalty/index.ts';
forEachStore('bench', (ctx) => {
  it('calibrate', async () => {
    const s = ctx.store;
    const f = parseCodeFormat({});
    const ws = 'ws_01M8S00BJVZBVQQ696N1S7P9W0';
    await s.exec(`CREATE TABLE c1 (workspace_id VARCHAR NOT NULL, code VARCHAR NOT NULL, t VARCHAR, PRIMARY KEY (workspace_id, code))`);
    await s.exec(`CREATE TABLE c2 (workspace_id VARCHAR NOT NULL, code VARCHAR NOT NULL, t VARCHAR)`);
    for (const table of ['c1', 'c2']) {
      const codes = generateCodes(f, 50000);
      const json = JSON.stringify(codes.map((code) => ({ code })));
      let t0 = performance.now();
      await s.exec(`INSERT INTO ${table} SELECT CAST($2 AS VARCHAR), r.code, 't' FROM ${s.jsonRows(1, [{ name: 'code', type: 'text' }], 'r')}`, [json, ws]);
      console.log(ctx.engine, table, 'insert 50k', Math.round(performance.now() - t0));
      t0 = performance.now();
      await s.transaction(async (tx) => tx.exec(`INSERT INTO ${table} SELECT CAST($2 AS VARCHAR), r.code, 't' FROM ${s.jsonRows(1, [{ name: 'code', type: 'text' }], 'r')}`, [JSON.stringify(generateCodes(f, 50000).map((code) => ({ code }))), ws]));
      console.log(ctx.engine, table, 'tx insert 50k', Math.round(performance.now() - t0));
      t0 = performance.now();
      await s.exec(`INSERT INTO ${table} SELECT CAST($2 AS VARCHAR), r.code, 't' FROM (SELECT unnest(string_to_array($1, ',')) AS code) r`, [generateCodes(f, 50000).join(','), ws]);
      console.log(ctx.engine, table, 'insert via string_to_array 50k', Math.round(performance.now() - t0));
    }
  }, 300_000);
});
