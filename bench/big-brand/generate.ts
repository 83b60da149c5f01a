// The benchmark's big brand (「茶咖时光」 ten times over): members, orders, lines, refunds, events, identities, tags
// and traits generated directly in DuckDB SQL from range() and hash-based pseudo-random columns. The demo generator
// writes about 85k rows/s from JavaScript (15 minutes at 1M members); set-based SQL writes millions of rows a second.
// Deterministic for (members, endDate): hash(i × 1000003 + salt) is the only source of randomness.
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildCalendar, ORDER_HOUR_WEIGHTS, BROWSE_HOUR_WEIGHTS } from '../../src/modules/demo/calendar.ts';
import { CHANNELS, CITIES, COUPONS, PRODUCTS, REFUND_REASONS, TAG_GROUPS } from '../../src/modules/demo/catalog.ts';
import { createBulkWriter } from '../../src/modules/demo/bulk-writer.ts';
import { writeCatalog } from '../../src/modules/demo/member-rows.ts';
import { recomputeTraitsAll } from '../../src/modules/orders/traits-sql.ts';
import { WorkspaceService } from '../../src/modules/workspaces/service.ts';
import { openStore } from '../../src/store/open-store.ts';
import { rebuildEventMonths } from '../../src/modules/activity/event-months.ts';

/** Bump when the generated data changes shape, so cached databases are rebuilt. */
export const BIG_BRAND_VERSION = 3;

export interface BigBrandOptions {
  dbPath: string;
  workspaceId: string;
  members: number;
  /** Data ends at local midnight starting this day (YYYY-MM-DD, Asia/Shanghai). */
  endDate: string;
  /** Orders per member on average (default 10). */
  ordersPerMember?: number;
  /** Events per member on average (default 50). */
  eventsPerMember?: number;
  log?: (s: string) => void;
}

export interface BigBrandResult {
  rows: Record<string, number>;
  seconds: number;
}

const YEARS = 3;
const DAY = 86_400;
const CST = 8 * 3_600;

/** A 1-based lookup list of `n` buckets: a uniform u picks `list[1 + floor(u * n)]`, an index drawn by `weights`. */
function buckets(weights: number[], n = 1000): string {
  const total = weights.reduce((s, w) => s + w, 0);
  const out: number[] = [];
  let acc = 0;
  let k = 0;
  for (let b = 0; b < n; b++) {
    const x = ((b + 0.5) / n) * total;
    while (k < weights.length - 1 && acc + weights[k] <= x) acc += weights[k++];
    out.push(k + 1);
  }
  return `[${out.join(',')}]`;
}
const pick = (list: string, u: string, n = 1000) => `${list}[1 + CAST(floor(${u} * ${n}) AS INTEGER)]`;

// Event vocabulary of the demo (see src/modules/demo/event-gen.ts) with its rough shares; `kind` shapes properties.
const EVENTS: { type: 'track' | 'page'; name: string; kind: string; weight: number }[] = [
  { type: 'track', name: 'product_view', kind: 'product', weight: 34 },
  { type: 'track', name: 'add_to_cart', kind: 'cart', weight: 14 },
  { type: 'page', name: '点单页', kind: 'menu', weight: 13 },
  { type: 'track', name: 'sign_in', kind: 'points', weight: 9 },
  { type: 'track', name: 'app_open', kind: 'app', weight: 7 },
  { type: 'track', name: 'coupon_claimed', kind: 'coupon', weight: 6 },
  { type: 'page', name: '首页', kind: 'home', weight: 4 },
  { type: 'page', name: '会员日攻略：周三8.8折', kind: 'article', weight: 3 },
  { type: 'track', name: 'wecom_message', kind: 'direction', weight: 2.5 },
  { type: 'page', name: '公众号菜单点单', kind: 'oa_menu', weight: 2 },
  { type: 'track', name: 'share', kind: 'share', weight: 1.5 },
  { type: 'track', name: 'subscribe', kind: 'scene', weight: 0.5 },
  { type: 'track', name: 'wecom_contact_added', kind: 'staff', weight: 0.5 },
];
const SOURCES = ['miniprogram', 'store', 'wecom', 'app', 'official_account'];
const SOURCE_WEIGHTS = [46, 22, 12, 11, 9];
const PERSONA_TAGS = ['tag_price_sensitive', 'tag_quality_seeking', 'tag_novelty_seeking'];
const TASTE_TAGS = ['tag_milk_tea_lover', 'tag_fruit_tea_lover', 'tag_coffee_lover', 'tag_pure_tea_lover'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪';
const GIVEN = '婷雪静丽敏燕艳娟霞芳玲颖琳欣怡佳雅晨悦涵思梦萱瑶诗雨彤琪伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆';
const COUPON_LIST = Object.values(COUPONS).filter((c) => c.off !== undefined && c.off > 0);

async function rows(conn: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  return (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
}

/**
 * Generates the big brand into a fresh migrated DuckDB file at `opts.dbPath` (the file must not hold a brand yet).
 * @example await generateBigBrand({ dbPath: 'data/bench/big.duckdb', workspaceId: 'ws_default', members: 20_000, endDate: '2026-12-01' })
 */
export async function generateBigBrand(opts: BigBrandOptions): Promise<BigBrandResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => undefined);
  const N = opts.members;
  const ws = opts.workspaceId;
  const endS = Date.parse(`${opts.endDate}T00:00:00+08:00`) / 1000;
  if (!Number.isFinite(endS)) throw new Error(`not a date: ${opts.endDate}`);
  const spanS = YEARS * 365 * DAY;
  const targetOrders = N * (opts.ordersPerMember ?? 10);
  const targetEvents = N * (opts.eventsPerMember ?? 50);

  // Schema, workspace and the brand's catalogue (channels, menu, tag groups, tags) through the product's own code.
  const store = await openStore({ dbPath: opts.dbPath });
  try {
    await new WorkspaceService(store).create({ id: ws, name: '茶咖时光（bench big brand）' });
    const w = createBulkWriter(store, ws);
    writeCatalog(w, CHANNELS, buildCalendar(opts.endDate, YEARS * 12), TAG_GROUPS);
    await w.finish();
  } finally {
    await store.close();
  }

  const instance = await DuckDBInstance.create(opts.dbPath, { threads: '2', memory_limit: '8GB', preserve_insertion_order: 'false', checkpoint_threshold: '4GB' });
  const conn = await instance.connect();
  const step = async (label: string, sql: string) => {
    const t = performance.now();
    await conn.run(sql);
    log(`  ${label}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  try {
    await conn.run("SET TimeZone = 'UTC'");
    // hash() of one BIGINT mixes well; hash(a, b) combines two hashes so that the low bits of different salts stay
    // correlated (event names followed their timestamps), hence one key a × 1000003 + b.
    await conn.run('CREATE TEMP MACRO rnd(a, b) AS (CAST(hash(CAST(a AS BIGINT) * 1000003 + b) % 4294967296 AS DOUBLE) / 4294967296.0)');
    await conn.run('CREATE TEMP MACRO gauss(a, b) AS (sqrt(-2 * ln(rnd(a, b) + 1e-9)) * cos(2 * pi() * rnd(a, b + 7919)))');
    await conn.run(`CREATE TEMP MACRO ts(s) AS to_timestamp(s)`);
    // Lookup tables: cities, menu, event vocabulary, coupons (constants of the demo catalogue).
    await conn.run('CREATE TEMP TABLE bb_city (ci INTEGER, code VARCHAR, name VARCHAR, province VARCHAR, stores INTEGER)');
    for (const [i, c] of CITIES.entries()) await conn.run('INSERT INTO bb_city VALUES ($1, $2, $3, $4, $5)', [i + 1, c.code, c.name, c.province, c.stores]);
    await conn.run('CREATE TEMP TABLE bb_product (pi INTEGER, id VARCHAR, name VARCHAR, category VARCHAR, price DECIMAL(14,2))');
    for (const [i, p] of PRODUCTS.entries()) await conn.run('INSERT INTO bb_product VALUES ($1, $2, $3, $4, $5)', [i + 1, p.id, p.name, p.category, p.price / 100]);
    await conn.run('CREATE TEMP TABLE bb_event (ei INTEGER, type VARCHAR, name VARCHAR, kind VARCHAR)');
    for (const [i, e] of EVENTS.entries()) await conn.run('INSERT INTO bb_event VALUES ($1, $2, $3, $4)', [i + 1, e.type, e.name, e.kind]);
    await conn.run('CREATE TEMP TABLE bb_coupon (ki INTEGER, code VARCHAR, off DECIMAL(14,2))');
    for (const [i, c] of COUPON_LIST.entries()) await conn.run('INSERT INTO bb_coupon VALUES ($1, $2, $3)', [i + 1, c.code, c.off! / 100]);

    const cityList = buckets(CITIES.map((c) => c.weight));
    const sourceList = `[${SOURCES.map((s) => `'${s}'`).join(',')}]`;
    const sourcePick = buckets(SOURCE_WEIGHTS);
    const productList = buckets(PRODUCTS.map((p) => p.weight));
    const eventList = buckets(EVENTS.map((e) => e.weight));
    const orderHour = buckets(ORDER_HOUR_WEIGHTS, 240);
    const browseHour = buckets(BROWSE_HOUR_WEIGHTS, 240);
    const itemsList = buckets([58, 27, 10, 4, 1]);

    // 1. One plan row per member: sign-up over three years (growing), buyer or not, active life, purchase rate.
    await step('plan', `
      CREATE TEMP TABLE plan0 AS
      SELECT i,
        'mem_' || lpad(to_hex(hash(i, 1) % 1099511627776), 10, '0') || lpad(CAST(i AS VARCHAR), 16, '0') AS member_id,
        'tc' || CAST(10000000 + i AS VARCHAR) AS user_id,
        LEAST(${endS - 3600}, ${endS} - CAST(floor(${spanS} * (1 - pow(rnd(i, 2), 0.75))) AS BIGINT)) AS signup_s,
        rnd(i, 3) < 0.9 AS buyer,
        ${pick(cityList, 'rnd(i, 4)')} AS ci,
        ${sourceList}[${pick(sourcePick, 'rnd(i, 5)')}] AS source,
        CASE WHEN rnd(i, 6) < 0.22 THEN -12 * ln(rnd(i, 7) + 1e-9) ELSE -700 * ln(rnd(i, 7) + 1e-9) END AS life_days,
        exp(1.05 * gauss(i, 8)) AS rate,
        exp(0.8 * gauss(i, 9)) AS browse_rate,
        CAST(floor(rnd(i, 10) * 4) AS INTEGER) AS persona,
        CASE WHEN rnd(i, 11) < 0.14 THEN NULL ELSE LEAST(55, GREATEST(16, CAST(round(exp(ln(26) + 0.24 * gauss(i, 12))) AS INTEGER))) END AS age,
        CASE WHEN rnd(i, 13) < 0.03 THEN 'unknown' WHEN rnd(i, 14) < 0.63 THEN 'female' ELSE 'male' END AS gender
      FROM range(${N}) t(i)`);
    await conn.run(`
      CREATE TEMP TABLE plan1 AS
      SELECT *,
        LEAST(${endS - 60}, signup_s + CAST(life_days * ${DAY} AS BIGINT) + 3600) AS active_to_s,
        source = 'miniprogram' OR rnd(i, 20) < CASE WHEN source = 'store' THEN 0.55 ELSE 0.8 END AS uses_mp,
        source = 'app' OR rnd(i, 21) < 0.14 AS uses_app,
        source = 'official_account' OR rnd(i, 22) < 0.3 AS follows_oa,
        source = 'wecom' OR rnd(i, 23) < 0.22 AS wecom_friend
      FROM plan0`);
    await conn.run(`CREATE TEMP TABLE plan2 AS SELECT *, CASE WHEN buyer THEN rate * GREATEST(1, (active_to_s - signup_s) / ${DAY}) ELSE 0 END AS order_raw FROM plan1`);
    const [{ raw, buyers }] = await rows(conn, 'SELECT SUM(order_raw) AS raw, COUNT(*) FILTER (WHERE buyer) AS buyers FROM plan2');
    const k = Math.max(0, targetOrders - Number(buyers)) / Number(raw);
    await conn.run(`
      CREATE TEMP TABLE plan3 AS
      SELECT *, CASE WHEN buyer THEN LEAST(999, 1 + CAST(floor(${k} * order_raw + rnd(i, 30)) AS INTEGER)) ELSE 0 END AS n_orders,
        CASE WHEN uses_mp THEN 'miniprogram' WHEN uses_app THEN 'app' WHEN follows_oa THEN 'official_account' WHEN wecom_friend THEN 'wecom' ELSE source END AS digital
      FROM plan2`);
    await conn.run(`CREATE TEMP TABLE plan4 AS SELECT *, n_orders * 3 + browse_rate * GREATEST(1, (active_to_s - signup_s) / ${DAY}) * CASE WHEN uses_mp OR uses_app THEN 1 ELSE 0.3 END AS event_raw FROM plan3`);
    const [{ eraw }] = await rows(conn, 'SELECT SUM(event_raw) AS eraw FROM plan4');
    const ke = Math.max(0, targetEvents - N) / Number(eraw);
    await conn.run(`
      CREATE TEMP TABLE plan AS
      SELECT p.*, LEAST(4000, 1 + CAST(floor(${ke} * event_raw + rnd(i, 31)) AS INTEGER)) AS n_events,
        c.name AS city, c.province, c.code AS city_code, c.stores,
        'store_' || c.code || '_' || lpad(CAST(1 + CAST(floor(rnd(i, 32) * c.stores) AS INTEGER) AS VARCHAR), 3, '0') AS home_store,
        CASE WHEN rnd(i, 33) < 0.7 THEN CASE WHEN source = 'store' THEN 'store' ELSE digital END ELSE NULL END AS habit_channel
      FROM plan4 p JOIN bb_city c ON c.ci = p.ci`);
    for (const t of ['plan0', 'plan1', 'plan2', 'plan3', 'plan4']) await conn.run(`DROP TABLE ${t}`);

    // 2. Orders: the first often at sign-up, the rest spread over the active life at order hours of the day.
    await step('order plan', `
      CREATE TEMP TABLE ord AS
      SELECT *, 'TC' || strftime(ts(ts_s) AT TIME ZONE 'Asia/Shanghai', '%Y%m%d') || lpad(CAST(seq AS VARCHAR), 10, '0') AS id FROM (
      WITH o AS (
        SELECT i, member_id, signup_s, active_to_s, city_code, stores, home_store, habit_channel, uses_mp, uses_app, persona,
               UNNEST(range(n_orders)) AS k
        FROM plan WHERE n_orders > 0
      ), t AS (
        SELECT *, i * 1000 + k AS seq,
          CASE WHEN k = 0 AND rnd(i * 1000 + k, 40) < 0.65 THEN signup_s + 60 + CAST(floor(rnd(i * 1000 + k, 41) * 900) AS BIGINT)
               ELSE CAST(floor((signup_s + rnd(i * 1000 + k, 42) * (active_to_s - signup_s) + ${CST}) / ${DAY}) AS BIGINT) * ${DAY} - ${CST}
                    + CAST(floor(${pick(orderHour, `rnd(i * 1000 + k, 43)`, 240)} - 1) AS BIGINT) * 3600 + CAST(floor(rnd(i * 1000 + k, 44) * 3600) AS BIGINT)
          END AS raw_s
        FROM o
      )
      SELECT i, member_id, seq, k, LEAST(${endS - 1}, GREATEST(signup_s + 30, raw_s)) AS ts_s,
        ${pick(itemsList, 'rnd(seq, 45)')} AS n_items,
        COALESCE(CASE WHEN rnd(seq, 46) < 0.8 THEN habit_channel END,
                 ['miniprogram', 'app', 'store', 'wecom', 'official_account'][${pick(buckets([52, 14, 30, 3, 1]), 'rnd(seq, 47)')}]) AS channel,
        CASE WHEN rnd(seq, 48) < 0.75 THEN home_store
             ELSE 'store_' || city_code || '_' || lpad(CAST(1 + CAST(floor(rnd(seq, 49) * stores) AS INTEGER) AS VARCHAR), 3, '0') END AS store_id,
        CASE WHEN rnd(seq, 50) < CASE WHEN persona = 0 THEN 0.45 ELSE 0.18 END THEN 1 + CAST(floor(rnd(seq, 51) * ${COUPON_LIST.length}) AS INTEGER) END AS coupon_ki,
        CASE WHEN rnd(seq, 52) < 0.014 THEN 2 WHEN rnd(seq, 52) < 0.02 THEN 1 ELSE 0 END AS refund_kind
      FROM t)`);

    await step('order_items', `
      INSERT INTO order_items (workspace_id, order_id, line_no, member_id, product_id, name, category, quantity, unit_price, amount)
      SELECT '${ws}', l.id, l.line_no, l.member_id, p.id, p.name, p.category, l.q, p.price, l.q * p.price
      FROM (
        SELECT id, member_id, seq, line_no, ${pick(productList, 'rnd(seq * 8 + line_no, 60)')} AS pi,
               CASE WHEN rnd(seq * 8 + line_no, 61) < 0.1 THEN 2 ELSE 1 END AS q
        FROM (SELECT id, member_id, seq, UNNEST(range(n_items)) AS line_no FROM ord)
      ) l JOIN bb_product p ON p.pi = l.pi
      ORDER BY l.id, l.line_no`);

    await step('orders', `
      INSERT INTO orders (workspace_id, id, member_id, status, amount, discount, refunded_amount, currency, coupon_code, points_used,
                          channel, store_id, item_count, paid_at, attributes, created_at, updated_at)
      WITH s AS (SELECT order_id, SUM(amount) AS sub FROM order_items WHERE workspace_id = '${ws}' GROUP BY order_id),
      o AS (
        SELECT o.*, s.sub, CASE WHEN c.off IS NULL THEN 0 ELSE LEAST(c.off, s.sub - 1) END AS disc, c.code AS coupon
        FROM ord o JOIN s ON s.order_id = o.id LEFT JOIN bb_coupon c ON c.ki = o.coupon_ki
      )
      SELECT '${ws}', id, member_id,
        CASE refund_kind WHEN 2 THEN 'refunded' WHEN 1 THEN 'partially_refunded' ELSE 'paid' END,
        sub - disc, disc,
        CASE refund_kind WHEN 2 THEN sub - disc WHEN 1 THEN round((sub - disc) * 0.4, 2) ELSE 0 END,
        'CNY', coupon, 0, channel, store_id, n_items, ts(ts_s),
        CAST('{"fulfilment":"' || CASE WHEN channel = 'store' THEN 'dine_in' WHEN rnd(seq, 70) < 0.62 THEN 'pickup' ELSE 'delivery' END
             || '","points_earned":' || CAST(CAST(floor(sub - disc) AS INTEGER) AS VARCHAR) || '}' AS JSON),
        ts(ts_s), ts(ts_s + CASE WHEN refund_kind > 0 THEN 300 + CAST(floor(rnd(seq, 71) * 14400) AS BIGINT) ELSE 0 END)
      FROM o ORDER BY id`);

    await step('refunds', `
      INSERT INTO refunds (workspace_id, id, order_id, member_id, amount, reason, items, channel, refunded_at, created_at)
      SELECT o.workspace_id, 'RF' || substr(o.id, 3), o.id, o.member_id, o.refunded_amount,
        ${`[${REFUND_REASONS.map((r) => `'${r}'`).join(',')}]`}[1 + CAST(floor(rnd(CAST(hash(o.id) % 1000000007 AS BIGINT), 72) * ${REFUND_REASONS.length}) AS INTEGER)],
        NULL, o.channel, o.updated_at, o.updated_at
      FROM orders o WHERE o.workspace_id = '${ws}' AND o.refunded_amount > 0`);
    await conn.run('DROP TABLE ord');

    // 3. Events: an identify at sign-up, then the demo's vocabulary spread over the active life, evenings heavier.
    // Stored in time order with time-prefixed ids, as ingest appends them: DuckDB's zone maps then skip the row
    // groups outside a time window, as they would on a real store (orders likewise go in by their dated ids).
    await step('events', `
      INSERT INTO events (workspace_id, message_id, member_id, user_id, anonymous_id, type, name, channel, properties, context, ts, received_at)
      WITH e AS (
        SELECT i, member_id, user_id, signup_s, active_to_s, digital, uses_app, source, city, UNNEST(range(n_events)) AS k FROM plan
      ), r AS (
        SELECT *, i * 4096 + k AS seq, ${pick(eventList, 'rnd(i * 4096 + k, 80)')} AS ei, ${pick(productList, 'rnd(i * 4096 + k, 81)')} AS pi,
          CAST(floor((signup_s - 600 + rnd(i * 4096 + k, 82) * (active_to_s - signup_s + 600) + ${CST}) / ${DAY}) AS BIGINT) * ${DAY} - ${CST}
            + CAST(floor(${pick(browseHour, `rnd(i * 4096 + k, 83)`, 240)} - 1) AS BIGINT) * 3600 + CAST(floor(rnd(i * 4096 + k, 84) * 3600) AS BIGINT) AS raw_s
        FROM e
      ), x AS (
        SELECT r.*, ev.type, ev.name, ev.kind, p.id AS product_id, p.name AS product_name, p.category, p.price,
          CASE WHEN k = 0 THEN signup_s ELSE LEAST(${endS - 1}, GREATEST(signup_s - 600, raw_s)) END AS ts_s,
          CASE WHEN ev.kind = 'app' THEN 'app' WHEN ev.kind IN ('direction', 'staff') THEN 'wecom' WHEN ev.kind IN ('article', 'oa_menu', 'scene') THEN 'official_account'
               WHEN digital = 'app' OR (uses_app AND rnd(seq, 85) < 0.35) THEN 'app' ELSE digital END AS channel
        FROM r JOIN bb_event ev ON ev.ei = r.ei JOIN bb_product p ON p.pi = r.pi
      )
      SELECT '${ws}',
        'evt_' || CAST(ts_s AS VARCHAR) || lpad(to_hex(seq), 9, '0') || lpad(to_hex(hash(i, k) % 65536), 4, '0'),
        member_id, user_id,
        CASE WHEN channel = 'app' THEN 'dev_' || lpad(to_hex(hash(i, 86) % 4294967296), 8, '0') END,
        CASE WHEN k = 0 THEN 'identify' ELSE type END,
        CASE WHEN k = 0 THEN NULL ELSE name END,
        CASE WHEN k = 0 THEN source ELSE channel END,
        CAST(CASE WHEN k = 0 THEN '{"city":"' || city || '","source":"' || source || '"}'
          WHEN kind IN ('product', 'cart', 'share') THEN '{"product_id":"' || product_id || '","name":"' || product_name || '","category":"' || category
               || '","price":' || CAST(price AS VARCHAR)
               || CASE kind WHEN 'cart' THEN ',"quantity":' || CASE WHEN rnd(seq, 87) < 0.1 THEN '2' ELSE '1' END
                            WHEN 'share' THEN ',"target":"' || CASE WHEN rnd(seq, 87) < 0.7 THEN 'wechat_friend' ELSE 'moments' END || '"' ELSE '' END || '}'
          WHEN kind = 'points' THEN '{"points":5}'
          WHEN kind = 'app' THEN '{"app_version":"3.' || CAST(4 + CAST(floor(rnd(seq, 88) * 3) AS INTEGER) AS VARCHAR) || '.0"}'
          WHEN kind = 'coupon' THEN '{"coupon_code":"' || ['MDAY88','P618-40-8','P1111-50-12','DAILY-30-3','FEST-30-5'][1 + CAST(floor(rnd(seq, 89) * 5) AS INTEGER)] || '"}'
          WHEN kind = 'menu' THEN '{"path":"pages/menu/index","title":"点单页"}'
          WHEN kind = 'home' THEN '{"path":"pages/index/index","title":"首页"}'
          WHEN kind IN ('article', 'oa_menu') THEN '{"path":"article","title":"' || name || '"}'
          WHEN kind = 'direction' THEN '{"direction":"' || CASE WHEN rnd(seq, 90) < 0.6 THEN 'inbound' ELSE 'outbound' END || '"}'
          WHEN kind = 'scene' THEN '{"scene":"qrcode"}'
          ELSE '{"staff_store_id":"store_sh_001"}' END AS JSON),
        NULL, ts(ts_s), ts(ts_s + 0.15 + rnd(seq, 91) * 2.85)
      FROM x ORDER BY ts_s`);

    // 4. Members (tier from the last 12 months' net spend), identities, tags.
    await step('members', `
      INSERT INTO members (workspace_id, id, merged_into, source_channel, name, gender, birthday, city, region, phone, email, attributes, created_at, updated_at)
      WITH spend AS (
        SELECT member_id, SUM(amount - refunded_amount) AS year_spend, MAX(paid_at) AS last_order
        FROM orders WHERE workspace_id = '${ws}' AND paid_at >= ts(${endS - 365 * DAY}) GROUP BY member_id
      )
      SELECT '${ws}', p.member_id, NULL, p.source,
        substr('${SURNAMES}', 1 + CAST(floor(pow(rnd(i, 100), 1.6) * ${[...SURNAMES].length}) AS INTEGER), 1)
          || substr('${GIVEN}', 1 + CAST(floor(rnd(i, 101) * ${[...GIVEN].length}) AS INTEGER), 1)
          || CASE WHEN rnd(i, 102) < 0.72 THEN substr('${GIVEN}', 1 + CAST(floor(rnd(i, 103) * ${[...GIVEN].length}) AS INTEGER), 1) ELSE '' END,
        p.gender,
        CASE WHEN p.age IS NOT NULL THEN make_date(CAST(year(ts(p.signup_s)) AS BIGINT) - p.age, 1 + CAST(floor(rnd(i, 104) * 12) AS BIGINT), 1 + CAST(floor(rnd(i, 105) * 28) AS BIGINT)) END,
        p.city, p.province,
        CASE WHEN p.source = 'store' OR rnd(i, 106) < 0.92
             THEN ['138','139','136','135','186','187','158','159','177','189'][1 + CAST(floor(rnd(i, 107) * 10) AS INTEGER)]
                  || lpad(CAST((i * 48271 + 10007353) % 100000000 AS VARCHAR), 8, '0') END,
        CASE WHEN rnd(i, 108) < 0.08 THEN 'u' || CAST(i AS VARCHAR) || '@example.cn' END,
        CAST('{"member_card":"8860' || lpad(CAST(i + 1 AS VARCHAR), 8, '0') || '","tier":"'
             || CASE WHEN COALESCE(s.year_spend, 0) >= 3000 THEN '黑金' WHEN COALESCE(s.year_spend, 0) >= 1000 THEN '金卡' WHEN COALESCE(s.year_spend, 0) >= 300 THEN '银卡' ELSE '普通' END
             || '","points":' || CAST(CAST(floor(COALESCE(s.year_spend, 0) * 0.6) AS INTEGER) AS VARCHAR) || ',"home_store":"' || p.home_store || '"}' AS JSON),
        ts(p.signup_s), GREATEST(ts(p.signup_s), COALESCE(s.last_order, ts(p.signup_s)))
      FROM plan p LEFT JOIN spend s ON s.member_id = p.member_id`);

    await step('identities', `
      INSERT INTO identities (workspace_id, type, value, member_id, source_channel, app_id, first_seen_at, last_seen_at)
      WITH m AS (SELECT p.*, mb.phone, mb.email, mb.updated_at AS last_at FROM plan p JOIN members mb ON mb.workspace_id = '${ws}' AND mb.id = p.member_id)
      SELECT '${ws}', t, v, member_id, ch, app, ts(signup_s), last_at FROM (
        SELECT 'user_id' AS t, user_id AS v, member_id, source AS ch, NULL AS app, signup_s, last_at FROM m
        UNION ALL SELECT 'member_card', '8860' || lpad(CAST(i + 1 AS VARCHAR), 8, '0'), member_id, 'store', NULL, signup_s, last_at FROM m
        UNION ALL SELECT 'phone', phone, member_id, source, NULL, signup_s, last_at FROM m WHERE phone IS NOT NULL
        UNION ALL SELECT 'email', email, member_id, source, NULL, signup_s, last_at FROM m WHERE email IS NOT NULL
        UNION ALL SELECT 'unionid', 'oU' || lpad(to_hex(hash(i, 110) % 281474976710656), 12, '0') || lpad(CAST(i AS VARCHAR), 14, '0'), member_id,
                         CASE WHEN uses_mp THEN 'miniprogram' WHEN follows_oa THEN 'official_account' ELSE 'wecom' END, NULL, signup_s, last_at
                  FROM m WHERE uses_mp OR follows_oa OR wecom_friend
        UNION ALL SELECT 'openid', 'wx5c8e2f1a9b7d3c60:oM' || lpad(to_hex(hash(i, 111) % 281474976710656), 12, '0') || lpad(CAST(i AS VARCHAR), 14, '0'),
                         member_id, 'miniprogram', 'wx5c8e2f1a9b7d3c60', signup_s, last_at FROM m WHERE uses_mp
        UNION ALL SELECT 'openid', 'wx1d9a7c3e5b2f8046:oA' || lpad(to_hex(hash(i, 112) % 281474976710656), 12, '0') || lpad(CAST(i AS VARCHAR), 14, '0'),
                         member_id, 'official_account', 'wx1d9a7c3e5b2f8046', signup_s, last_at FROM m WHERE follows_oa
        UNION ALL SELECT 'wecom_external_userid', 'wmW' || lpad(to_hex(hash(i, 113) % 281474976710656), 12, '0') || lpad(CAST(i AS VARCHAR), 14, '0'),
                         member_id, 'wecom', NULL, signup_s, last_at FROM m WHERE wecom_friend
        UNION ALL SELECT 'device_id', 'dev_' || lpad(to_hex(hash(i, 86) % 4294967296), 8, '0') || '-' || CAST(i AS VARCHAR), member_id, 'app', NULL, signup_s, last_at
                  FROM m WHERE uses_app
      )`);

    await step('member_tags', `
      INSERT INTO member_tags (workspace_id, member_id, tag_id, source, added_at)
      SELECT '${ws}', member_id, tag, src, ts(LEAST(${endS - 1}, at_s)) FROM (
        SELECT member_id, ${`[${PERSONA_TAGS.map((t) => `'${t}'`).join(',')}]`}[persona + 1] AS tag, 'import' AS src, signup_s + 30 * ${DAY} AS at_s
          FROM plan WHERE persona < 3 AND n_orders >= 2 AND rnd(i, 120) < 0.85
        UNION ALL SELECT member_id, ${`[${TASTE_TAGS.map((t) => `'${t}'`).join(',')}]`}[1 + CAST(floor(rnd(i, 121) * 4) AS INTEGER)], 'rule', signup_s + 20 * ${DAY}
          FROM plan WHERE n_orders >= 3
        UNION ALL SELECT member_id, 'tag_student', 'import', signup_s FROM plan WHERE age <= 22 AND rnd(i, 122) < 0.6
        UNION ALL SELECT member_id, 'tag_office_worker', 'import', signup_s FROM plan WHERE age BETWEEN 23 AND 40 AND rnd(i, 122) < 0.5
        UNION ALL SELECT member_id, 'tag_parent', 'manual', signup_s + 10 * ${DAY} FROM plan WHERE age >= 41 AND rnd(i, 122) < 0.25
        UNION ALL SELECT member_id, 'tag_koc', 'manual', signup_s + 60 * ${DAY} FROM plan WHERE rnd(i, 123) < 0.015
        UNION ALL SELECT member_id, 'tag_complained', 'manual', signup_s + 90 * ${DAY} FROM plan WHERE n_orders > 20 AND rnd(i, 124) < 0.05
      )`);

    // The event-seen window of member_traits (ingest keeps it); the order traits come from the orders module below.
    await step('member_traits (seen)', `
      INSERT INTO member_traits (workspace_id, member_id, first_seen_at, last_seen_at, updated_at)
      SELECT '${ws}', member_id, MIN(ts), MAX(ts), ts(${endS}) FROM events WHERE workspace_id = '${ws}' GROUP BY member_id`);
    await conn.run('DROP TABLE plan');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }

  const store2 = await openStore({ dbPath: opts.dbPath });
  try {
    const t = performance.now();
    await recomputeTraitsAll(store2, ws);
    log(`  member_traits (orders, recomputeTraitsAll): ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const t2 = performance.now();
    await rebuildEventMonths(store2, ws);
    log(`  member_event_months (rebuildEventMonths): ${((performance.now() - t2) / 1000).toFixed(1)} s`);
    await store2.exec('CHECKPOINT');
    const counts: Record<string, number> = {};
    for (const table of ['members', 'identities', 'orders', 'order_items', 'refunds', 'events', 'member_tags', 'member_traits']) {
      counts[table] = Number((await store2.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE workspace_id = $1`, [ws]))[0].n);
    }
    return { rows: counts, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await store2.close();
  }
}
