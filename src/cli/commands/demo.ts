// `siyu demo`: generates the demo brand 「茶咖时光」 into ./data/demo.duckdb (once) and serves it like `siyu serve`.
import { existsSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../../core/config.ts';
import { SiyuError } from '../../core/errors.ts';
import { newSecret } from '../../core/ids.ts';
import { openStore } from '../../store/open-store.ts';
import type { Store } from '../../store/port.ts';
import { startServer } from '../../server/serve.ts';
import { readServerFile } from '../../server/server-file.ts';
import { DEFAULT_WORKSPACE } from '../../modules/workspaces/service.ts';
import { demoMarker, generateDemo, type DemoProgress } from '../../modules/demo/generator.ts';
import { demoSummary, type DemoSummary } from '../../modules/demo/summary.ts';
import { waitForSignal } from './serve.ts';
import { seedDemoAlerts } from '../../modules/alerts/demo.ts';
import { preparePii } from '../../modules/pii/setup.ts';
import { connectInbox, INBOX_CHANNEL, injectApi, seedShowcase, type ShowcaseResult } from '../../modules/demo/showcase.ts';
import { startDemoInbox, type DemoInbox } from '../../modules/demo/inbox.ts';
import type { RunningServer } from '../../server/serve.ts';

export const DEMO_DB_PATH = './data/demo.duckdb';
// Well-known keys so the printed curl commands work as shown. Only used on a loopback interface; anywhere else
// the demo makes random keys (or takes SIYU_ADMIN_KEY / SIYU_WRITE_KEY).
const DEMO_ADMIN_KEY = 'sk_admin_demo_chakashiguang';
const DEMO_WRITE_KEY = 'wk_demo_chakashiguang';
/** Password of the demo's console user `admin` on loopback (elsewhere one is generated, printed once). */
const DEMO_ADMIN_PASSWORD = 'chakashiguang';

const out = (s = '') => process.stdout.write(s + '\n');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function progressPrinter(): (p: DemoProgress) => void {
  if (process.stdout.isTTY) {
    const bar = new SingleBar({ format: '  members {bar} {percentage}% | {value}/{total} | {rows} rows | {duration}s' }, Presets.shades_classic);
    let started = false;
    return (p) => {
      if (p.stage === 'members' || p.stage === 'traits') {
        if (!started) bar.start(p.total, 0, { rows: '0' });
        started = true;
        bar.update(p.done, { rows: fmt(p.rows) });
        if (p.stage === 'traits') {
          bar.stop();
          out('  computing member traits …');
        }
      }
    };
  }
  let nextPct = 10;
  return (p) => {
    const pct = (100 * p.done) / Math.max(1, p.total);
    if (p.stage === 'members' && pct >= nextPct) {
      out(`  ${Math.floor(pct)}% of members (${fmt(p.done)}/${fmt(p.total)}), ${fmt(p.rows)} rows`);
      nextPct = Math.floor(pct / 10) * 10 + 10;
    } else if (p.stage === 'traits') out('  computing member traits …');
  };
}

/** Generates the demo unless the store already holds a complete one (or --reset asks to start over). */
async function ensureDemo(store: Store, opts: { members?: string; seed?: string; endDate?: string; reset?: boolean }) {
  const marker = await demoMarker(store, DEFAULT_WORKSPACE);
  if (marker?.status === 'completed' && !opts.reset) {
    out(`Demo data already present (${marker.description}, ${fmt(marker.rows)} rows); --reset regenerates it.`);
    return;
  }
  if (!marker && !opts.reset) {
    const [{ n }] = await store.query<{ n: number }>('SELECT count(*) AS n FROM members WHERE workspace_id = $1', [DEFAULT_WORKSPACE]);
    if (n > 0) {
      throw new SiyuError('conflict', 'demo.workspace_not_empty', `The default workspace of this database already holds ${n} members that are not demo data; use another --db, or --reset to replace them`, { field: 'db' });
    }
  }
  const members = opts.members === undefined ? 100_000 : Number(opts.members);
  if (!Number.isInteger(members) || members < 1 || members > 5_000_000) {
    throw new SiyuError('invalid_data', 'demo.invalid_members', '--members must be a whole number between 1 and 5,000,000', { field: 'members' });
  }
  if (opts.endDate !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.endDate)) {
    throw new SiyuError('invalid_data', 'demo.invalid_end_date', '--end-date must be YYYY-MM-DD', { field: 'end-date' });
  }
  out(`Generating the demo brand 「茶咖时光」: ${fmt(members)} members, about ${fmt(members * 10.6)} orders and ${fmt(members * 40)} events over 18 months …`);
  const res = await generateDemo(store, { workspaceId: DEFAULT_WORKSPACE, members, seed: opts.seed, endDate: opts.endDate, onProgress: progressPrinter() });
  out(`Generated ${fmt(res.totalRows)} rows in ${res.seconds.toFixed(1)} s (${fmt(res.rowsPerSecond)} rows/s), ${res.params.startDate} … ${res.params.endDate} (seed ${res.params.seed}):`);
  out('  ' + Object.entries(res.rows).sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${fmt(n)}`).join(', '));
}

/**
 * The operations setup of a fresh demo (scores, segments, coupons, programme, templates, draft journeys, a training),
 * through the server's own routes as the admin key; a restarted demo keeps what it has. Never fails the demo.
 */
async function setUpShowcase(server: RunningServer, adminKey: string, inbox: DemoInbox): Promise<ShowcaseResult | null> {
  const api = injectApi(server.app, adminKey);
  const marker = await demoMarker(server.services.store, DEFAULT_WORKSPACE);
  const asOf = /end=(\d{4}-\d{2}-\d{2})/.exec(marker?.description ?? '')?.[1];
  if (!asOf) return null;
  const t0 = performance.now();
  try {
    await connectInbox(api, inbox.url);
    const res = await seedShowcase(api, asOf, new Date(), { inbox: true });
    if (res.created) out(`  Operations setup made in ${((performance.now() - t0) / 1000).toFixed(1)} s: scores and CLV, ${res.segments.length} segments, ${res.coupons} coupon templates, a loyalty programme (${fmt(res.tiered)} members above 普通会员), ${res.templates} templates, ${res.journeys} draft journeys`);
    return res;
  } catch (e) {
    out(`  (demo operations setup incomplete: ${(e as Error).message})`);
    return null;
  }
}

function banner(url: string, adminKey: string, writeKey: string, s: DemoSummary, dbFlag: string, user: { username: string; password: string | null }, showcase: ShowcaseResult | null) {
  const ref = s.sample?.phone ? `phone:${s.sample.phone}` : s.sample ? s.sample.id : 'user_id:…';
  out('');
  out(`Siyu demo 「茶咖时光」 is running at ${url}  (${fmt(s.members)} members, ${fmt(s.orders)} orders, ${fmt(s.events)} events)`);
  out(`  Console:      ${url}/   (sign in as ${user.username} / ${user.password ?? '(the password printed on its first start)'}, or with the admin key below)`);
  out(`  API docs:     ${url}/docs   (OpenAPI: ${url}/openapi.json, metrics: ${url}/metrics)`);
  out(`  Admin key:    ${adminKey}   (Authorization: Bearer …)`);
  out(`  Write key:    ${writeKey}   (Segment-style: HTTP basic auth username)`);
  if (s.sample) out(`  Try member:   ${s.sample.name ?? ''} ${ref} — ${s.sample.orders} orders`);
  if (showcase?.created) {
    const size = (x: ShowcaseResult['segments'][number]) => (x.afterTraining && x.members === 0 ? '(after training)' : fmt(x.members));
    out(`  Segments:     ${showcase.segments.map((x) => `${x.name} ${size(x)}`).join(' · ')}`);
    out(`  Messages:     go to ${INBOX_CHANNEL} (a webhook inbox on this machine: nothing leaves it); a broadcast to 果茶党高消费 with a 10% holdout is scheduled (marketing quiet hours 21:00–09:00 hold it back at night), 3 draft journeys wait to be published`);
    out('  Training:     product recommendations on the worker (under a minute at demo size), nightly at 03:30 afterwards');
  }
  out('');
  out('Examples:');
  out(`  curl -s -H "Authorization: Bearer ${adminKey}" ${url}/api/members/${ref}`);
  out(`  curl -s -H "Authorization: Bearer ${adminKey}" "${url}/api/members/${ref}/timeline?limit=10"`);
  out(`  curl -s -H "Authorization: Bearer ${adminKey}" "${url}/api/members?q=${encodeURIComponent(s.sample?.name ?? '王')}&limit=5"`);
  out(`  curl -s -H "Authorization: Bearer ${adminKey}" ${url}/api/channels`);
  out(`  curl -s -H "Authorization: Bearer ${adminKey}" ${url}/api/tags`);
  out(`  curl -s -u ${writeKey}: -H 'content-type: application/json' ${url}/v1/track \\`);
  out(`       -d '{"userId":"${s.sample?.userId ?? 'tc10000000'}","event":"product_view","properties":{"product_id":"SKU2001","name":"杨枝甘露"}}'`);
  out(`  npx siyu member show ${ref}${dbFlag}   (the CLI goes through this server)`);
  out('');
  out('Press Ctrl+C to stop.');
}

export function registerDemo(program: Command) {
  program
    .command('demo')
    .description('generate the demo brand 「茶咖时光」 (100k members, 1M orders, 4M events; deterministic) and serve it')
    .option('--db <path>', `DuckDB file (default ${DEMO_DB_PATH})`)
    .option('--database-url <url>', 'PostgreSQL URL instead of a DuckDB file')
    .option('--port <port>', 'port to listen on (default 7300, or SIYU_PORT)')
    .option('--host <host>', 'interface to bind (default 127.0.0.1, or SIYU_HOST)')
    .option('--members <n>', 'members to generate (default 100000)')
    .option('--seed <seed>', 'random seed (default 42); the same seed and end date give the same data')
    .option('--end-date <date>', 'the data ends the day before this date, YYYY-MM-DD (default today, Asia/Shanghai)')
    .option('--reset', 'delete the demo data and generate it again')
    .option('--no-serve', 'generate only, do not start the server')
    .action(async (opts) => {
      const dbPath: string = opts.db ?? DEMO_DB_PATH;
      const databaseUrl: string | undefined = opts.databaseUrl;
      if (!databaseUrl) {
        const running = readServerFile(dbPath);
        if (running) {
          throw new SiyuError('conflict', 'demo.already_serving', `A Siyu server (pid ${running.pid}) already serves ${dbPath} at ${running.url}; stop it first, or just use it`, { field: 'db' });
        }
        // A reset of a file database starts from an empty file: faster than deleting millions of rows.
        if (opts.reset) for (const f of [dbPath, dbPath + '.wal']) if (existsSync(f)) rmSync(f);
      }
      const store = await openStore({ dbPath, databaseUrl });
      try {
        // the generator seals phones, emails and names: keys first (the key file is created beside the database)
        await preparePii(store, loadConfig({ dbPath, databaseUrl }), (msg, f) => out(`  ${msg}${f?.path ? `: ${f.path}` : ''}`));
        await ensureDemo(store, { members: opts.members, seed: opts.seed, endDate: opts.endDate, reset: opts.reset && !!databaseUrl });
      } finally {
        await store.close();
      }
      if (!opts.serve) return;

      const base = loadConfig({ dbPath, databaseUrl, port: opts.port, host: opts.host });
      const loopback = ['127.0.0.1', 'localhost', '::1'].includes(base.host);
      const adminKey = base.adminKey ?? (loopback ? DEMO_ADMIN_KEY : newSecret('sk_admin'));
      const writeKey = base.writeKey ?? (loopback ? DEMO_WRITE_KEY : newSecret('wk'));
      const adminPassword = base.adminPassword ?? (loopback ? DEMO_ADMIN_PASSWORD : undefined);
      const server = await startServer({ ...base, adminKey, writeKey, adminPassword });
      // Risk alert monitors and a generated complaint spike (once per database), so the 预警 page has an alert.
      await seedDemoAlerts(server.services, DEFAULT_WORKSPACE).catch((e) => out(`  (demo alert monitors not seeded: ${(e as Error).message})`));
      const inbox = await startDemoInbox();
      const showcase = await setUpShowcase(server, adminKey, inbox);
      const user = { username: server.initialAdmin.username, password: server.initialAdmin.password ?? (base.adminPassword ? '(SIYU_ADMIN_PASSWORD)' : loopback ? DEMO_ADMIN_PASSWORD : null) };
      banner(server.url, adminKey, writeKey, await demoSummary(server.services.store, DEFAULT_WORKSPACE), opts.db ? ` --db ${dbPath}` : ` --db ${DEMO_DB_PATH}`, user, showcase);
      await waitForSignal();
      await server.stop();
      await inbox.close();
    });
}
