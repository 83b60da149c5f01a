
import { DuckDbStore } from './src/store/duckdb/duckdb-store.ts';
import { migrate } from './src/store/migrations/index.ts';
import { synthesiseRows } from './src/modules/backup/testing.ts';
import { buildApp } from './src/server/app.ts';
import { loadConfig } from './src/core/config.ts';
const v = Number(process.argv[2] ?? 1);
const store = await DuckDbStore.open(':memory:', { connections: 2 });
await migrate(store, { to: v }); console.log('at', v);
await synthesiseRows(store, 'ws_upgrade', {}); console.log('synth');
console.log(await migrate(store));
const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent' }, {}) });
await app.ready(); console.log('app');
const key = await services.workspaces.createKey('ws_upgrade', 'admin');
for (const [m, u, p] of [['GET','/api/members/mem_0'],['POST','/api/segments/preview',{ rule: { attribute: 'city', op: '=', value: '上海' } }],['GET','/api/analytics/kpis?period=month&date=2024-03-15']] as any) {
  const r = await app.inject({ method: m, url: u, headers: { authorization: `Bearer ${key.secret}` }, ...(p ? { payload: p } : {}) });
  console.log(u, r.statusCode, r.body.slice(0, 300));
}
await app.close(); await store.close(); console.log('closed');
