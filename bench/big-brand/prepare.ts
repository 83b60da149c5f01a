// Builds the cached benchmark brands without measuring anything (the segmentation bench builds them too when they
// are missing). Useful to pay the one-off cost at low priority:
//   nice -n 19 ionice -c3 node --import tsx bench/big-brand/prepare.ts --sizes demo,big --demo-members 100000 --big-members 1000000
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDataset, type DatasetKind } from './datasets.ts';
import { startCluster } from './pg-cluster.ts';

const { values: a } = parseArgs({
  options: {
    sizes: { type: 'string', default: 'demo,big' },
    'demo-members': { type: 'string', default: '100000' },
    'big-members': { type: 'string', default: '1000000' },
    engines: { type: 'string', default: 'duckdb,postgres' },
    regenerate: { type: 'boolean', default: false },
  },
});
const root = fileURLToPath(new URL('../../data/bench', import.meta.url));
const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);
const t0 = performance.now();
const cluster = a.engines!.split(',').includes('postgres') ? await startCluster(`${root}/pg`) : null;
try {
  for (const kind of a.sizes!.split(',') as DatasetKind[]) {
    const members = Number(kind === 'demo' ? a['demo-members'] : a['big-members']);
    const d = await ensureDataset(kind, members, { root, regenerate: a.regenerate!, cluster, log });
    log(`${d.label}: ${d.built.length ? d.built.join(', ') : 'cached'} (${d.duckPath}${d.pgUrl ? `, ${d.manifest.postgres?.database}` : ''})`);
  }
} finally {
  await cluster?.stop();
}
log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
