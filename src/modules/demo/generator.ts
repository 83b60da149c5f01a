// Generates the demo brand 「茶咖时光」 into a workspace: deterministic for a seed and end date, bulk-loaded in chunks.
import { createHash } from 'node:crypto';
import type { Store } from '../../store/port.ts';
import { IdentityService } from '../identity/service.ts';
import { OrdersService } from '../orders/service.ts';
import { WorkspaceService } from '../workspaces/service.ts';
import { createBulkWriter } from './bulk-writer.ts';
import { buildCalendar, cstDate } from './calendar.ts';
import { BRAND, CHANNELS, TAG_GROUPS } from './catalog.ts';
import { generateEvents, type EmitEvent } from './event-gen.ts';
import { planMembers } from './lifecycle.ts';
import { iso, writeCatalog, writeMember, writeMergedDuplicate, writeOrders, writeTags } from './member-rows.ts';
import { generateOrders, type OrderCounters } from './order-gen.ts';
import { demoId, makeProfile } from './people.ts';
import { Prng } from './prng.ts';
import { DEMO_TABLES, T } from './tables.ts';
import { rebuildEventMonths } from '../activity/event-months.ts';
import { hasPiiKeyring, usePiiKeyring } from '../../core/pii/index.ts';
import { loadConfig } from '../../core/config.ts';
import { loadKeyring } from '../pii/setup.ts';

export interface DemoOptions {
  workspaceId: string;
  /** Members to generate (default 100,000); orders and events scale with it. */
  members?: number;
  seed?: string;
  /** The window ends at local midnight starting this day (YYYY-MM-DD, default today in Asia/Shanghai). */
  endDate?: string;
  /** Expected orders per member (default 10.6, i.e. over a million for 100k members). */
  ordersPerMember?: number;
  /** Use the portable JSON path even on DuckDB. */
  portable?: boolean;
  onProgress?: (p: DemoProgress) => void;
}

export interface DemoProgress {
  stage: 'plan' | 'members' | 'traits' | 'done';
  done: number;
  total: number;
  /** Rows written so far. */
  rows: number;
}

export interface DemoResult {
  params: { members: number; seed: string; endDate: string; startDate: string };
  rows: Record<string, number>;
  totalRows: number;
  seconds: number;
  rowsPerSecond: number;
}

export const DEMO_WORKSPACE_NAME = `${BRAND.name}（Siyu 演示品牌 / demo brand）`;

/** The demo load recorded in import_runs (kind `demo`), which is also the marker that the workspace holds it. */
export interface DemoMarker {
  status: string;
  description: string;
  rows: number;
  finishedAt: string | null;
}

export async function demoMarker(store: Store, workspaceId: string): Promise<DemoMarker | null> {
  const rows = await store.query<{ status: string; file_name: string; rows_imported: number; finished_at: string | null }>(
    `SELECT status, file_name, rows_imported, finished_at FROM import_runs WHERE workspace_id = $1 AND kind = 'demo' ORDER BY started_at DESC LIMIT 1`,
    [workspaceId],
  );
  const r = rows[0];
  return r ? { status: r.status, description: r.file_name, rows: r.rows_imported, finishedAt: r.finished_at } : null;
}

/** Deletes every demo row of the workspace (a previous or half-finished load). */
export async function clearDemo(store: Store, workspaceId: string): Promise<void> {
  for (const table of DEMO_TABLES) await store.exec(`DELETE FROM ${table} WHERE workspace_id = $1`, [workspaceId]);
  await store.exec(`DELETE FROM import_runs WHERE workspace_id = $1 AND kind = 'demo'`, [workspaceId]);
}

/**
 * Generates the whole brand into `workspaceId` (clearing earlier demo rows first) and records the load.
 * @example await generateDemo(store, { workspaceId: 'ws_default', members: 2000, seed: '7', endDate: '2026-01-01' })
 */
export async function generateDemo(store: Store, opts: DemoOptions): Promise<DemoResult> {
  // Rows are sealed as they are made: callers that did not install keys (benchmarks, scripts) get the configured
  // ones (SIYU_DATA_KEYS, else the key file, created when missing) rather than a failure half-way.
  if (!hasPiiKeyring()) usePiiKeyring(loadKeyring(loadConfig(), true));
  const t0 = performance.now();
  const members = opts.members ?? 100_000;
  const seed = String(opts.seed ?? '42');
  const endDate = opts.endDate ?? cstDate(Date.now());
  const ws = opts.workspaceId;
  const progress = opts.onProgress ?? (() => undefined);
  const description = `siyu demo seed=${seed} members=${members} end=${endDate}`;

  await new WorkspaceService(store).create({ id: ws, name: DEMO_WORKSPACE_NAME });
  await clearDemo(store, ws);
  const runId = 'imp_demo_' + createHash('sha256').update(description).digest('hex').slice(0, 16);
  await store.exec(
    `INSERT INTO import_runs (workspace_id, id, kind, file_name, file_sha256, status, rows_total, started_at) VALUES ($1, $2, 'demo', $3, $4, 'running', 0, now())`,
    [ws, runId, description, createHash('sha256').update(description).digest('hex')],
  );

  progress({ stage: 'plan', done: 0, total: members, rows: 0 });
  const cal = buildCalendar(endDate);
  const plans = planMembers(seed, cal, { members, orders: Math.round(members * (opts.ordersPerMember ?? 10.6)) });
  const r = new Prng(`${seed}/history`);
  const w = createBulkWriter(store, ws, { portable: opts.portable });
  const counters: OrderCounters = { order: 0, refund: 0 };
  let eventSeq = 0;
  let mergeSeq = 0;
  try {
    writeCatalog(w, CHANNELS, cal, TAG_GROUPS);
    for (const plan of plans) {
      const profile = makeProfile(r, plan);
      const { orders, points } = generateOrders(r, cal, plan, profile, counters);
      let lastMs = orders.length ? orders[orders.length - 1].ms : plan.signupMs;
      let shares = 0;
      const floorMs = Math.max(cal.startMs, plan.signupMs - 15 * 60_000);
      const emit: EmitEvent = (ms, type, name, channel, properties) => {
        if (ms < floorMs || ms >= cal.endMs) return;
        if (ms > lastMs) lastMs = ms;
        if (name === 'share') shares++;
        const anonymous = channel === 'app' ? profile.device : null;
        w.push(T.events, [
          demoId('evt', ms, ++eventSeq, r), profile.id, profile.userId, anonymous, type, name, channel, properties, null, iso(ms), iso(ms + 150 + (ms % 2_850)),
        ]);
      };
      generateEvents(r, cal, plan, profile, orders, emit);
      for (const o of orders) if (o.refund && o.refund.ms > lastMs) lastMs = o.refund.ms;
      const { yearSpend, categoryCount } = writeOrders(w, profile.id, orders, cal.endMs);
      writeMember(w, profile, plan, points, yearSpend, lastMs, cal.endMs);
      writeTags(r, w, plan, profile, orders, categoryCount, shares, cal);
      if (r.chance(0.02)) writeMergedDuplicate(r, w, profile, plan, ++mergeSeq);
      if ((plan.index & 511) === 511) {
        await w.tick();
        if ((plan.index & 2047) === 2047) progress({ stage: 'members', done: plan.index + 1, total: members, rows: w.pushed });
      }
    }
    await w.finish();
  } catch (e) {
    await w.abort();
    throw e;
  }
  progress({ stage: 'traits', done: members, total: members, rows: sum(w.written) });
  await new OrdersService(store, new IdentityService(store)).recomputeAllTraits(ws);
  // Events were written around the ingest path: index their months for cohorts (src/modules/activity).
  await store.transaction((tx) => rebuildEventMonths(tx, ws));

  const rows = Object.fromEntries(w.written);
  const totalRows = sum(w.written);
  await store.exec(
    `UPDATE import_runs SET status = 'completed', rows_total = $3, rows_imported = $3, finished_at = now() WHERE workspace_id = $1 AND id = $2`,
    [ws, runId, totalRows],
  );
  const seconds = (performance.now() - t0) / 1000;
  progress({ stage: 'done', done: members, total: members, rows: totalRows });
  return { params: { members, seed, endDate, startDate: cal.startDate }, rows, totalRows, seconds, rowsPerSecond: totalRows / seconds };
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
