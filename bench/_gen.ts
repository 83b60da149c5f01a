import { rmSync } from 'node:fs';
import { generateBigBrand } from './big-brand/generate.ts';
const n = Number(process.argv[2] ?? 20000);
const path = `/tmp/bbx/big-${n}.duckdb`;
rmSync(path, { force: true }); rmSync(path + '.wal', { force: true });
const r = await generateBigBrand({ dbPath: path, workspaceId: 'ws_default', members: n, endDate: '2026-12-01', log: console.log });
console.log(r);
