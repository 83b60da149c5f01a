// Console page times (issue 6: "at demo size every page is usable within 2 seconds of navigation"): a working copy of
// the cached demo brand (100k members, DuckDB) behind the app serving the built console, the scores computed and a
// segment, template, channel, broadcast (sent to a local sink), coupon, loyalty program and journey created through
// the API, then Debian's Chromium (playwright-core) loads every page of the console. A load is timed from the start
// of the navigation until the page is usable: its own data-testid elements rendered (tables with rows, charts with
// their canvas, a live count with a number), no spinner left in the content, and every API request the page made
// before that answered. The cache itself is never written: the bench copies it first.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page, Request } from 'playwright-core';
import { loadConfig } from '../src/core/config.ts';
import { buildApp } from '../src/server/app.ts';
import { openStore } from '../src/store/open-store.ts';
import { startHttpSink } from '../src/modules/messaging/testing/http-sink.ts';
import { CHUNK_KIND, START_KIND } from '../src/modules/broadcasts/runner.ts';
import { launchBrowser } from '../test/e2e/browser.ts';
// @ts-expect-error plain ESM script without types
import { ensureConsoleBuilt } from '../web/scripts/build.mjs';
import { BENCH_WORKSPACE, ensureDataset } from './big-brand/datasets.ts';
import { fmtMs, openCached } from './segmentation.ts';

export const CONSOLE_GOAL_MS = 2000;
const DAY_MS = 86_400_000;
/** A page that is not usable after this long counts as failed (its row says so). */
const PAGE_TIMEOUT_MS = 30_000;

export interface ConsoleOptions {
  demoMembers: number;
  /** Loads per page (p50 and max over them). */
  runs: number;
  /** Cache root (default data/bench). */
  root: string;
  /** Only pages whose name contains one of these (default all). */
  pages?: string[];
  log: (s: string) => void;
}

export interface ConsoleRow {
  page: string;
  path: string;
  times: number[];
  p50: number;
  max: number;
  /** The slowest API request of the slowest load (path and ms). */
  slowest: string;
  error?: string;
}

interface PageSpec {
  name: string;
  path: string;
  /** Selectors that must all match a rendered element. */
  ready: string[];
  /** Selector → regular expression its text must match (e.g. a count). */
  text?: Record<string, string>;
  /** Runs once before the page's loads (the loyalty program is created just before its pages). */
  before?: () => Promise<void>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const tid = (id: string) => `[data-testid="${id}"]`;
const rows = (id: string) => `${tid(id)} .ant-table-row`;
const canvas = (id: string) => `${tid(id)} canvas`;
/** A tab's own element, or its empty state once its data answered (the demo brand has no groups, SOPs, staff, codes). */
const orEmpty = (sel: string) => `${sel}, .ant-tabs-tabpane-active .ant-empty`;

/** Every page of the console (web/src/App.tsx routes, each tab that loads its own data). */
function pages(ids: Ids, createProgram: () => Promise<void>): PageSpec[] {
  const funnel = encodeURIComponent(JSON.stringify([{ event: 'product_view' }, { event: 'add_to_cart' }]));
  return [
    { name: 'dashboard', path: '/', ready: [tid('kpi-orders'), rows('gmv-table'), canvas('trends-chart')] },
    { name: 'members list', path: '/members', ready: [rows('members-table')] },
    { name: 'members search (phone)', path: `/members?q=${encodeURIComponent(ids.phone)}`, ready: [rows('members-table')] },
    { name: 'members of a segment', path: `/members?segment=${ids.segment}`, ready: [rows('members-table')] },
    { name: 'member 360 (busiest member)', path: `/members/${ids.member}`, ready: [tid('member-name'), `${tid('member-timeline')} .ant-timeline-item`] },
    { name: 'segments (list, RFM chart and R×F grid, value tiers, lifecycle funnel and sankey)', path: '/segments', ready: [rows('segments-table'), canvas('rfm-chart'), canvas('rfm-grid'), canvas('value-tier-chart'), canvas('lifecycle-funnel'), canvas('lifecycle-sankey')] },
    { name: 'segment builder, 3 conditions + live count', path: `/segments/${ids.segment}`, ready: [tid('live-count')], text: { [tid('live-count')]: '\\d' } },
    { name: 'analytics: cohorts', path: '/analytics', ready: [canvas('cohort-heatmap'), rows('cohort-table')] },
    { name: 'analytics: funnel (2 steps, month)', path: `/analytics?tab=funnel&steps=${funnel}`, ready: [canvas('funnel-chart'), rows('funnel-table')] },
    { name: 'analytics: CLV and P(alive)', path: '/analytics?tab=clv', ready: [canvas('clv-chart'), canvas('clv-palive-chart')] },
    { name: 'analytics: channels', path: '/analytics?tab=channels', ready: [canvas('channel-chart'), rows('channel-table')] },
    { name: 'loyalty: program and tiers', path: '/loyalty/program', ready: [rows('tiers-table')], before: createProgram },
    { name: 'loyalty: earn rules', path: '/loyalty/program?tab=earn', ready: ['.ant-tabs-tabpane-active .ant-card, .ant-tabs-tabpane-active .ant-empty, .ant-tabs-tabpane-active .ant-descriptions'] },
    { name: 'loyalty: rewards', path: '/loyalty/program?tab=rewards', ready: [orEmpty(tid('rewards-table'))] },
    { name: 'loyalty: member day', path: '/loyalty/program?tab=member-day', ready: [tid('member-day-form')] },
    { name: 'loyalty: birthday', path: '/loyalty/program?tab=birthday', ready: [tid('birthday-form')] },
    { name: 'loyalty: referral and group-buy reports', path: '/loyalty/program?tab=reports', ready: [tid('referral-report')] },
    { name: 'coupons list', path: '/loyalty/coupons', ready: [rows('coupons-table')] },
    { name: 'coupon (batches, issue, funnel)', path: `/loyalty/coupons/${ids.coupon}`, ready: [tid('coupon-title'), canvas('coupon-funnel')] },
    { name: 'templates list', path: '/engagement/templates', ready: [rows('templates-table')] },
    { name: 'template editor + live preview for a member', path: `/engagement/templates/${ids.template}?member=${ids.member}`, ready: [tid('preview-webhook-body')], text: { [tid('preview-webhook-body')]: '你好' } },
    { name: 'broadcasts list with progress', path: '/engagement/broadcasts', ready: [rows('broadcasts-table')] },
    { name: 'broadcast report (sent, holdout lift)', path: `/engagement/broadcasts/${ids.broadcast}`, ready: [tid('broadcast-status'), tid('report-sent')], text: { [tid('report-sent')]: '\\d' } },
    { name: 'journeys list', path: '/engagement/journeys', ready: [rows('journeys-table')] },
    { name: 'journey editor (live, per-step counts)', path: `/engagement/journeys/${ids.journey}`, ready: [tid('journey-canvas'), tid('node-counts')] },
    { name: 'community: groups', path: '/community', ready: [orEmpty(`${rows('groups-table')}, ${tid('community-empty')}`)] },
    { name: 'community: SOP schedules', path: '/community?tab=sops', ready: [orEmpty(tid('sops-table'))] },
    { name: 'community: report', path: '/community?tab=report', ready: [orEmpty(tid('community-report'))] },
    { name: 'community: staff', path: '/community?tab=staff', ready: [orEmpty(tid('staff-table'))] },
    { name: 'community: channel QR codes', path: '/community?tab=qrcodes', ready: [orEmpty(tid('qrcodes-table'))] },
    { name: 'settings: channels', path: '/settings/channels', ready: [rows('channels-table')] },
    { name: 'settings: API keys', path: '/settings/keys', ready: [rows('keys-table')] },
    { name: 'settings: consent and guard rails', path: '/settings/consent', ready: [tid('guard-form')] },
    { name: 'settings: workspace', path: '/settings/workspace', ready: [tid('workspace-info')] },
    // With the program in place every member has a tier: the member 360 again.
    { name: 'member 360 with a loyalty tier', path: `/members/${ids.member}`, ready: [tid('member-name'), `${tid('member-timeline')} .ant-timeline-item`] },
  ];
}

interface Ids {
  member: string;
  phone: string;
  segment: string;
  template: string;
  broadcast: string;
  coupon: string;
  journey: string;
}

/** In the page: every selector rendered, every text matched, no spinner left in the content area. */
function usable(spec: { ready: string[]; text: [string, string][] }): boolean {
  // Runs in the browser (the bench compiles without the DOM library).
  interface El { textContent: string | null; getClientRects(): { length: number }; querySelector(s: string): El | null }
  const document = (globalThis as unknown as { document: El }).document;
  const content = document.querySelector('.ant-layout-content');
  if (!content) return false;
  for (const s of spec.ready) {
    const el = document.querySelector(s);
    if (!el || el.getClientRects().length === 0) return false;
  }
  for (const [s, re] of spec.text) {
    if (!new RegExp(re).test(document.querySelector(s)?.textContent ?? '')) return false;
  }
  return !content.querySelector('.ant-spin-spinning');
}

/** In the page, after a timeout: what `usable` still waits for. */
function whatIsMissing(spec: { ready: string[]; text: [string, string][] }): string {
  interface El { textContent: string | null; getClientRects(): { length: number }; querySelector(s: string): El | null }
  const document = (globalThis as unknown as { document: El }).document;
  const out: string[] = [];
  for (const s of spec.ready) if (!document.querySelector(s) || document.querySelector(s)!.getClientRects().length === 0) out.push(`missing ${s}`);
  for (const [s, re] of spec.text) if (!new RegExp(re).test(document.querySelector(s)?.textContent ?? '')) out.push(`${s} text not /${re}/`);
  const content = document.querySelector('.ant-layout-content');
  if (!content) out.push('no content area (the app crashed?)');
  else if (content.querySelector('.ant-spin-spinning')) out.push('a spinner is left');
  const err = document.querySelector('[data-testid="api-error"]');
  if (err) out.push(`error shown: ${(err.textContent ?? '').slice(0, 120)}`);
  return out.join('; ') || 'nothing (it became usable just then)';
}

interface Flight {
  url: string;
  start: number;
  end?: number;
}

/** One load of a page: ms from navigation start until usable, and the slowest API request. */
async function load(page: Page, base: string, spec: PageSpec): Promise<{ ms: number; slowest: string }> {
  const flights = new Map<Request, Flight>();
  const onRequest = (r: Request) => {
    const u = new URL(r.url());
    if (u.pathname.startsWith('/api/') || u.pathname.startsWith('/v1/')) flights.set(r, { url: r.method() + ' ' + u.pathname, start: performance.now() });
  };
  const onDone = (r: Request) => {
    const f = flights.get(r);
    if (f) f.end = performance.now();
  };
  page.on('request', onRequest);
  page.on('requestfinished', onDone);
  page.on('requestfailed', onDone);
  try {
    const t0 = performance.now();
    await page.goto(base + spec.path, { waitUntil: 'commit', timeout: PAGE_TIMEOUT_MS });
    const arg = { ready: spec.ready, text: Object.entries(spec.text ?? {}) };
    await page.waitForFunction(usable, arg, { polling: 'raf', timeout: PAGE_TIMEOUT_MS }).catch(async (e: Error) => {
      // Say what was missing: the selectors not rendered, a spinner left, or an error shown instead.
      const missing = await page.evaluate(whatIsMissing, arg).catch(() => 'page gone');
      throw new Error(`not usable after ${PAGE_TIMEOUT_MS / 1000} s: ${missing} (${e.message.split('\n')[0]})`);
    });
    let ready = performance.now();
    // The requests the page had made by then must have answered too (a polled progress may start later).
    const pending = [...flights.values()].filter((f) => f.start <= ready);
    const deadline = t0 + PAGE_TIMEOUT_MS;
    while (pending.some((f) => f.end === undefined) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    if (pending.some((f) => f.end === undefined)) throw new Error(`API request still open after ${PAGE_TIMEOUT_MS / 1000} s: ${pending.find((f) => f.end === undefined)!.url}`);
    ready = Math.max(ready, ...pending.map((f) => f.end!));
    const slow = pending.sort((a, b) => b.end! - b.start - (a.end! - a.start))[0];
    return { ms: ready - t0, slowest: slow ? `${slow.url} ${fmtMs(slow.end! - slow.start)}` : '' };
  } finally {
    page.off('request', onRequest);
    page.off('requestfinished', onDone);
    page.off('requestfailed', onDone);
  }
}

export async function runConsoleBench(opts: ConsoleOptions): Promise<{ rows: ConsoleRow[]; notes: string[] }> {
  const notes: string[] = [];
  const loadNow = () => loadavg().map((x) => x.toFixed(1)).join(' ');
  const loadAtStart = loadNow();
  try {
    const built = await ensureConsoleBuilt({ quiet: true });
    if (built.built) opts.log(`console: web/dist was stale, rebuilt in ${(built.ms / 1000).toFixed(1)} s`);
  } catch (e) {
    // Sources mid-edit: measure the last good build rather than nothing, and say so.
    if (!existsSync(fileURLToPath(new URL('../web/dist/index.html', import.meta.url)))) throw e;
    const why = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 160);
    opts.log(`console: the rebuild failed (${why}); measuring the previous web/dist`);
    notes.push(`web/dist is older than the sources (the rebuild failed: ${why})`);
  }
  const dataset = await ensureDataset('demo', opts.demoMembers, { root: opts.root, regenerate: false, cluster: null, log: opts.log });
  // The bench writes (scores, segments, a broadcast …): it works on a copy, and migrates the copy, never the cache.
  mkdirSync(join(opts.root, 'tmp'), { recursive: true });
  const dir = mkdtempSync(join(opts.root, 'tmp', 'console-'));
  const t = performance.now();
  const dbPath = join(dir, 'siyu.duckdb');
  copyFileSync(dataset.duckPath, dbPath);
  if (existsSync(dataset.duckPath + '.wal')) copyFileSync(dataset.duckPath + '.wal', dbPath + '.wal');
  opts.log(`console: working copy of ${dataset.label} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const sink = await startHttpSink({ record: false });
  let store = await openCached({ ...dataset, duckPath: dbPath, manifest: structuredClone(dataset.manifest) }, 'duckdb', opts.log);
  await store.close();
  store = await openStore({ dbPath });
  const { app, services } = await buildApp({ store, config: loadConfig({ logLevel: 'silent', port: 0 }), logger: false });
  const result: ConsoleRow[] = [];
  try {
    const base = (await app.listen({ port: 0, host: '127.0.0.1' })).replace('[::1]', '127.0.0.1');
    const ws = BENCH_WORKSPACE;
    const admin = (await services.workspaces.createKey(ws, 'admin', { name: 'bench console' })).secret;
    const api = async <T = Record<string, unknown>>(method: string, url: string, payload?: unknown): Promise<T> => {
      const r = await app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${admin}` }, ...(payload !== undefined ? { payload: payload as object } : {}) });
      if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
      return (r.body ? r.json() : null) as T;
    };
    const s0 = performance.now();
    opts.log('console: scores, segments, channel, template, broadcast, coupon, program, journey …');
    const endIso = new Date(Date.parse(`${dataset.manifest.endDate}T00:00:00+08:00`)).toISOString();
    const back = (days: number) => new Date(Date.parse(endIso) - days * DAY_MS).toISOString();
    for (const p of ['/api/rfm/compute', '/api/lifecycle/compute', '/api/value-tiers/compute', '/api/clv/fit']) await api('POST', p, {});
    const busiest = await store.query<{ member_id: string }>(
      `SELECT member_id FROM events WHERE workspace_id = $1 AND member_id IS NOT NULL GROUP BY member_id ORDER BY count(*) DESC LIMIT 1`, [ws]);
    const member = busiest[0].member_id;
    const phone = (await store.query<{ value: string }>(`SELECT value FROM identities WHERE workspace_id = $1 AND member_id = $2 AND type = 'phone' LIMIT 1`, [ws, member]))[0]?.value ?? member;
    const three = {
      and: [
        { attribute: 'gender', op: '=', value: 'female' },
        { event: { name: 'product_view', count: { op: '>=', value: 2 }, between: [back(30), endIso] } },
        { orders: { measure: 'sum', op: '>=', value: 100, between: [back(90), endIso] } },
      ],
    };
    const segment = await api<{ id: string; member_count: number }>('POST', '/api/segments', { name: '近期活跃女性买家', kind: 'dynamic', rule: three });
    // The broadcast's audience: a few thousand members, so the send takes seconds.
    const audience = await api<{ id: string }>('POST', '/api/segments', { name: '果茶党高消费', kind: 'dynamic', rule: { and: [...three.and, { has_tag: 'tag_fruit_tea_lover' }] } });
    await api('POST', '/api/messaging/channels', { name: 'bench-hook', type: 'webhook', config: { url: sink.url + '/hook', mode: 'batch' }, options: { retries: 1, backoff_ms: 1, max_backoff_ms: 5, timeout_ms: 10_000 } });
    await api('PUT', '/api/consent/guard', { quiet_hours: null, caps: [] });
    const template = await api<{ id: string }>('POST', '/api/templates', { name: 'bench-greeting', content: { webhook: { body: { text: '你好 {{ member.name }}，本月消费 {{ member.traits.total_spend | money }}' } } } });
    const broadcast = await api<{ id: string }>('POST', '/api/broadcasts', { name: '果茶上新群发', segment: audience.id, template: 'bench-greeting', channel: 'bench-hook', holdout_share: 0.1 });
    await api('POST', `/api/broadcasts/${broadcast.id}/schedule`, {});
    for (let i = 0; i < 120; i++) {
      await services.jobs.drain({ kinds: [START_KIND, CHUNK_KIND] });
      if ((await api<{ status: string }>('GET', `/api/broadcasts/${broadcast.id}`)).status === 'completed') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const progress = await api<Record<string, unknown>>('GET', `/api/broadcasts/${broadcast.id}/progress`);
    const coupon = await api<{ id: string }>('POST', '/api/coupons/templates', { name: '满100减20', config: { benefit: { type: 'threshold', spend: 100, save: 20 }, validity: { type: 'after_claim', days: 30 } } });
    const issued = await api<Record<string, unknown>>('POST', '/api/coupons/issue', { template: coupon.id, segment: audience.id, claimed: true, source: 'console' });
    const journey = await api<{ id: string }>('POST', '/api/journeys', {
      name: '打开小程序问候',
      definition: { trigger: { type: 'event', event: 'bench_console_probe' }, entry: { reentry: 'once' }, start: 'hello', steps: { hello: { type: 'send', channel: 'bench-hook', template: 'bench-greeting', purpose: 'service' } } },
    });
    await api('POST', `/api/journeys/${journey.id}/publish`, {});
    notes.push(`seeded in ${((performance.now() - s0) / 1000).toFixed(0)} s: RFM, lifecycle, value tiers and a CLV fit computed; segment "${'近期活跃女性买家'}" ` +
      `(${segment.member_count ?? '?'} members); broadcast to ${JSON.stringify(progress.audience ?? progress.total ?? '?')} members with a 10% holdout; coupon issued (${JSON.stringify(issued.issued ?? issued)}); ` +
      `busiest member ${member}`);
    const createProgram = async () => {
      await api('PUT', '/api/loyalty/program', {
        program: {
          basis: { metric: 'points_earned', window: { type: 'rolling', days: 365 } }, downgrade: { mode: 'never' },
          tiers: [
            { code: 'regular', name: { zh: '普通', en: 'Regular' }, threshold: 0 },
            { code: 'silver', name: { zh: '银卡', en: 'Silver' }, threshold: 1000 },
            { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 5000 },
          ],
        },
      });
    };
    const ids: Ids = { member, phone, segment: segment.id, template: template.id, broadcast: broadcast.id, coupon: coupon.id, journey: journey.id };

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(base + '/');
      await page.getByTestId('signin-key').fill(admin);
      await page.getByTestId('signin-submit').click();
      await page.getByTestId('kpi-members').waitFor({ timeout: PAGE_TIMEOUT_MS });
      for (const spec of pages(ids, createProgram).filter((p) => !opts.pages?.length || opts.pages.some((x) => p.name.includes(x)))) {
        const times: number[] = [];
        let worst = { ms: -1, slowest: '' };
        let error: string | undefined;
        await spec.before?.();
        for (let i = 0; i < opts.runs; i++) {
          try {
            const r = await load(page, base, spec);
            times.push(r.ms);
            if (r.ms > worst.ms) worst = r;
          } catch (e) {
            error = String((e as Error)?.message ?? e).split('\n')[0].slice(0, 200);
            break;
          }
        }
        const row: ConsoleRow = { page: spec.name, path: spec.path, times, p50: times.length ? median(times) : NaN, max: times.length ? Math.max(...times) : NaN, slowest: worst.slowest, error };
        opts.log(`  ${spec.name}: ${error ? `error: ${error}` : `p50 ${fmtMs(row.p50)}, max ${fmtMs(row.max)} (${times.map((x) => fmtMs(x)).join(', ')}); slowest API ${worst.slowest}`}`);
        result.push(row);
      }
      notes.push(`load average (1, 5, 15 min) ${loadAtStart} when the bench started, ${loadNow()} after the last page; the app, DuckDB and Chromium share the machine's ${cpus().length} cores`);
      if (browser.errors.length) notes.push(`browser console errors: ${[...new Set(browser.errors.map((e) => e.split('\n')[0].slice(0, 200)))].slice(0, 5).join(' | ')}`);
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
    await store.close();
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { rows: result, notes };
}

/** The table: page | p50 | max | goal ≤ 2 s | met? | slowest API request. */
export function formatConsoleTable(rows: ConsoleRow[]): string {
  const head = ['page', 'p50', 'max', 'goal', 'met?', 'slowest API request (slowest load)'];
  const body = rows.map((r) => [
    r.page, r.error ? '—' : fmtMs(r.p50), r.error ? '—' : fmtMs(r.max), `≤ ${fmtMs(CONSOLE_GOAL_MS)}`,
    r.error ? `error: ${r.error}` : r.p50 <= CONSOLE_GOAL_MS ? (r.max <= CONSOLE_GOAL_MS ? 'yes' : 'yes (p50)') : '**no**', r.slowest,
  ]);
  const line = (c: string[]) => '| ' + c.join(' | ') + ' |';
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}
