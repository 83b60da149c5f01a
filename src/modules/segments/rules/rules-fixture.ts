// Test fixture: a small workspace written straight into the tables the rule compiler reads (members with
// attributes and birthdays, tags, events with properties, orders with items and refunds, identities, scores).
import { blindIndex, seal } from '../../../core/pii/index.ts';
import type { SqlExecutor } from '../../../store/port.ts';

/** "Now" of the fixture: 2026-03-10 12:00 in Asia/Shanghai. */
export const NOW = '2026-03-10T04:00:00.000Z';
export const TZ = 'Asia/Shanghai';
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** `days` days (and `hours` hours) before NOW, as ISO. */
export const ago = (days: number, hours = 0) => new Date(Date.parse(NOW) - days * DAY - hours * HOUR).toISOString();

export const INJECTION = `x'); DROP TABLE members; --`;

interface MemberSeed { id: string; city?: string | null; gender?: string; birthday?: string | null; attributes?: object | null; created_at: string; merged_into?: string; email?: string; source_channel?: string }

/** Live members: m1 m2 m3 m4 m6 m7 m8; m5 is merged into m1. */
export const MEMBERS: MemberSeed[] = [
  { id: 'm1', city: '上海', gender: 'female', birthday: '1990-03-12', attributes: { level: 'gold', score: 10, vip: true, 'a.b': 'dot', $x: 'dollar', 城市: '杭州' }, created_at: ago(5), email: 'a@x.cn', source_channel: 'miniapp' },
  { id: 'm2', city: '北京', gender: 'male', birthday: '1985-03-10', attributes: { level: 'silver', score: 9 }, created_at: '2025-01-01T00:00:00Z', source_channel: 'store' },
  { id: 'm3', city: '上海', birthday: '2000-02-29', attributes: { score: '100', level: null }, created_at: ago(37) },
  { id: 'm4', city: null, birthday: null, attributes: null, created_at: '2024-06-01T00:00:00Z' },
  { id: 'm5', city: '上海', birthday: '1990-03-12', attributes: { level: 'gold' }, created_at: ago(3), merged_into: 'm1' },
  { id: 'm6', city: '广州', birthday: '1992-03-09', attributes: { level: INJECTION, note: 'Coffee Lover' }, created_at: ago(400) },
  { id: 'm7', city: '上海市', birthday: '1995-03-17', attributes: { score: 10.5 }, created_at: ago(29, 23) },
  { id: 'm8', city: '', birthday: '1991-03-11', attributes: { score: 'abc' }, created_at: ago(31) },
];

interface EventSeed { m: string | null; name: string; ts: string; props?: object }
export const EVENTS: EventSeed[] = [
  // Product Viewed: m1 3× in 30 days + 1 older, m2 1×, m8 4× but of 茶, anonymous 1×
  { m: 'm1', name: 'Product Viewed', ts: ago(1), props: { category: '咖啡', price: 30 } },
  { m: 'm1', name: 'Product Viewed', ts: ago(2), props: { category: '咖啡', price: 28 } },
  { m: 'm1', name: 'Product Viewed', ts: ago(20), props: { category: '茶', price: 18 } },
  { m: 'm1', name: 'Product Viewed', ts: ago(60), props: { category: '咖啡', price: 30 } },
  { m: 'm2', name: 'Product Viewed', ts: ago(3), props: { category: '咖啡', price: '35' } },
  { m: 'm8', name: 'Product Viewed', ts: ago(4), props: { category: '茶' } },
  { m: 'm8', name: 'Product Viewed', ts: ago(5), props: { category: '茶' } },
  { m: 'm8', name: 'Product Viewed', ts: ago(6), props: { category: '茶' } },
  { m: 'm8', name: 'Product Viewed', ts: ago(7), props: { category: '茶', [INJECTION]: INJECTION } },
  { m: null, name: 'Product Viewed', ts: ago(1), props: { category: '咖啡' } },
  { m: 'm5', name: 'Signed In', ts: ago(1) }, // merged member's stray row: never counted for a live member
  { m: 'm3', name: 'Signed In', ts: ago(10) },
  { m: 'm2', name: 'Signed In', ts: '2026-02-01T16:30:00Z' }, // local 2026-02-02 00:30
  { m: 'm6', name: 'Signed In', ts: '2026-02-01T15:30:00Z' }, // local 2026-02-01 23:30
  // sequences: m1 A→B in 2 h; m2 A→B in 30 h; m3 B then A; m6 A, A(+5 h), B(+26 h after first = 21 h after second)
  { m: 'm1', name: 'Product Added', ts: ago(10, 4), props: { sku: 'latte' } },
  { m: 'm1', name: 'Order Completed', ts: ago(10, 2) },
  { m: 'm2', name: 'Product Added', ts: ago(12, 30), props: { sku: 'tea' } },
  { m: 'm2', name: 'Order Completed', ts: ago(12) },
  { m: 'm3', name: 'Order Completed', ts: ago(8, 5) },
  { m: 'm3', name: 'Product Added', ts: ago(8, 4), props: { sku: 'latte' } },
  { m: 'm6', name: 'Product Added', ts: ago(15, 26), props: { sku: 'mocha' } },
  { m: 'm6', name: 'Product Added', ts: ago(15, 21), props: { sku: 'latte' } },
  { m: 'm6', name: 'Order Completed', ts: ago(15) },
  { m: 'm7', name: 'Product Added', ts: ago(50, 1), props: { sku: 'latte' } },
  { m: 'm7', name: 'Order Completed', ts: ago(50) },
];

interface OrderSeed { id: string; m: string | null; status: string; amount: number; refunded?: number; channel?: string; paid_at: string; items?: Array<{ cat: string; product: string; name?: string; amount: number }> }
export const ORDERS: OrderSeed[] = [
  { id: 'o1', m: 'm1', status: 'paid', amount: 500, channel: 'miniapp', paid_at: ago(10), items: [{ cat: '咖啡', product: 'latte', amount: 300 }, { cat: '茶', product: 'oolong', amount: 200 }] },
  { id: 'o2', m: 'm1', status: 'partially_refunded', amount: 100, refunded: 40, channel: 'store', paid_at: ago(40), items: [{ cat: '咖啡', product: 'mocha', name: '摩卡', amount: 100 }] },
  { id: 'o3', m: 'm1', status: 'cancelled', amount: 1000, channel: 'store', paid_at: ago(5) },
  { id: 'o4', m: 'm2', status: 'paid', amount: 50, channel: 'store', paid_at: ago(200), items: [{ cat: '咖啡', product: 'latte', amount: 50 }] },
  { id: 'o5', m: 'm2', status: 'refunded', amount: 300, refunded: 300, channel: 'store', paid_at: ago(20) },
  { id: 'o6', m: 'm3', status: 'paid', amount: 80, channel: 'store', paid_at: ago(30), items: [{ cat: '茶', product: 'oolong', amount: 80 }] },
  { id: 'o7', m: null, status: 'paid', amount: 999, channel: 'store', paid_at: ago(1) },
  { id: 'o8', m: 'm7', status: 'paid', amount: 20, channel: 'miniapp', paid_at: ago(2) },
  { id: 'o9', m: 'm7', status: 'paid', amount: 30, channel: 'miniapp', paid_at: ago(3) },
];

/** Writes the fixture into workspace `ws` (plus a decoy workspace `${ws}-other` with look-alike rows). */
export async function seedRulesFixture(db: SqlExecutor, ws: string): Promise<void> {
  const ts = (s: string) => s;
  for (const w of [ws, `${ws}-other`]) {
    for (const m of MEMBERS) {
      await db.exec(
        // name and email sealed with their lookup hashes beside them, as the identity module stores them
        `INSERT INTO members (workspace_id, id, merged_into, source_channel, name, gender, birthday, city, email, attributes, created_at, updated_at, name_hash, email_hash)
         VALUES ($1, $2, $3, $4, $5, $6, CAST($7 AS DATE), $8, $9, CAST($10 AS JSON), CAST($11 AS TIMESTAMPTZ), CAST($11 AS TIMESTAMPTZ), $12, $13)`,
        [w, m.id, m.merged_into ?? null, m.source_channel ?? null, seal(`name-${m.id}`), m.gender ?? null, m.birthday ?? null, m.city ?? null,
          m.email ? seal(m.email) : null, m.attributes === undefined || m.attributes === null ? null : JSON.stringify(m.attributes), ts(m.created_at),
          blindIndex('name', `name-${m.id}`), m.email ? blindIndex('email', m.email) : null],
      );
    }
  }
  // The decoy workspace gets rows for a member that only exists there, so a missing workspace filter shows up.
  const o = `${ws}-other`;
  await db.exec(`INSERT INTO members (workspace_id, id, city, created_at, updated_at) VALUES ($1, 'x1', '上海', now(), now())`, [o]);

  let n = 0;
  for (const e of EVENTS) {
    await db.exec(
      `INSERT INTO events (workspace_id, message_id, member_id, type, name, properties, ts, received_at)
       VALUES ($1, $2, $3, 'track', $4, CAST($5 AS JSON), CAST($6 AS TIMESTAMPTZ), CAST($6 AS TIMESTAMPTZ))`,
      [ws, `msg-${n++}`, e.m, e.name, e.props ? JSON.stringify(e.props) : null, e.ts],
    );
  }
  for (const name of ['Product Viewed', 'Signed In']) {
    for (let i = 0; i < 5; i++) {
      await db.exec(
        `INSERT INTO events (workspace_id, message_id, member_id, type, name, properties, ts, received_at)
         VALUES ($1, $2, 'x1', 'track', $3, NULL, CAST($4 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ))`,
        [o, `msg-o-${n++}`, name, ago(1)],
      );
    }
  }
  for (const od of ORDERS) {
    await db.exec(
      `INSERT INTO orders (workspace_id, id, member_id, status, amount, refunded_amount, channel, item_count, paid_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CAST($9 AS TIMESTAMPTZ), CAST($9 AS TIMESTAMPTZ), CAST($9 AS TIMESTAMPTZ))`,
      [ws, od.id, od.m, od.status, od.amount, od.refunded ?? 0, od.channel ?? null, od.items?.length ?? 0, od.paid_at],
    );
    for (const [i, it] of (od.items ?? []).entries()) {
      await db.exec(
        `INSERT INTO order_items (workspace_id, order_id, line_no, member_id, product_id, name, category, quantity, unit_price, amount)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)`,
        [ws, od.id, i + 1, od.m, it.product, it.name ?? it.product, it.cat, it.amount],
      );
    }
  }
  await db.exec(
    `INSERT INTO orders (workspace_id, id, member_id, status, amount, paid_at, created_at, updated_at) VALUES ($1, 'ox', 'x1', 'paid', 5000, now(), now(), now())`,
    [o],
  );
  await db.exec(
    `INSERT INTO refunds (workspace_id, id, order_id, member_id, amount, refunded_at, created_at) VALUES ($1, 'r1', 'o2', 'm1', 40, now(), now()), ($1, 'r2', 'o5', 'm2', 300, now(), now())`,
    [ws],
  );

  await db.exec(
    `INSERT INTO tags (workspace_id, id, name, created_at) VALUES ($1, 'tag_vip', 'VIP', now()), ($1, 'tag_risk', '流失风险', now()), ($2, 'tag_vip', 'VIP', now())`,
    [ws, o],
  );
  await db.exec(
    `INSERT INTO member_tags (workspace_id, member_id, tag_id, added_at) VALUES ($1, 'm1', 'tag_vip', now()), ($1, 'm3', 'tag_vip', now()),
       ($1, 'm2', 'tag_risk', now()), ($2, 'x1', 'tag_vip', now())`,
    [ws, o],
  );
  await db.exec(
    `INSERT INTO identities (workspace_id, type, value, member_id, first_seen_at, last_seen_at) VALUES
       ($1, 'wecom_external_userid', 'wm1', 'm1', now(), now()), ($1, 'phone', '13800000002', 'm2', now(), now()),
       ($1, 'phone', '13800000003', 'm3', now(), now()), ($1, 'user_id', 'u1', 'm1', now(), now())`,
    [ws],
  );
  await db.exec(
    `INSERT INTO segment_members (workspace_id, segment_id, member_id, entered_at) VALUES ($1, 'seg_big', 'm1', now()), ($1, 'seg_big', 'm7', now()),
       ($2, 'seg_big', 'x1', now())`,
    [ws, o],
  );
  await db.exec(
    `INSERT INTO member_rfm (workspace_id, member_id, as_of, recency_days, frequency, monetary, r_score, f_score, m_score, segment, run_id) VALUES
       ($1, 'm1', DATE '2026-03-10', 10, 2, 560, 5, 5, 5, 'important_value', 'run1'),
       ($1, 'm2', DATE '2026-03-10', 200, 1, 50, 1, 1, 1, 'general_winback', 'run1'),
       ($1, 'm3', DATE '2026-03-10', 30, 1, 80, 4, 1, 2, 'general_develop', 'run1')`,
    [ws],
  );
  await db.exec(
    `INSERT INTO member_lifecycle (workspace_id, member_id, as_of, stage, run_id) VALUES
       ($1, 'm1', DATE '2026-03-10', 'active', 'run1'), ($1, 'm3', DATE '2026-03-10', 'new', 'run1'), ($1, 'm2', DATE '2026-03-10', 'at_risk', 'run1')`,
    [ws],
  );
  await db.exec(
    `INSERT INTO member_value_tier (workspace_id, member_id, as_of, tier, run_id) VALUES
       ($1, 'm1', DATE '2026-03-10', 'high_value', 'run1'), ($1, 'm2', DATE '2026-03-10', 'silent', 'run1')`,
    [ws],
  );
  await db.exec(
    `INSERT INTO member_clv (workspace_id, member_id, fit_id, frequency, recency, t, monetary_value, p_alive, expected_purchases, expected_avg_value, clv) VALUES
       ($1, 'm1', 'fit1', 1, 30, 60, 280, 0.9, 2.5, 300, 800), ($1, 'm2', 'fit1', 0, 0, 60, 0, 0.2, 0.1, NULL, 50)`,
    [ws],
  );
  await db.exec(
    `INSERT INTO member_traits (workspace_id, member_id, first_order_at, last_order_at, order_count, total_spend, avg_spend, refund_total,
       favourite_category, preferred_channel, first_seen_at, last_seen_at, updated_at) VALUES
       ($1, 'm1', CAST($2 AS TIMESTAMPTZ), CAST($3 AS TIMESTAMPTZ), 2, 560, 280, 40, '咖啡', 'miniapp', CAST($2 AS TIMESTAMPTZ), CAST($4 AS TIMESTAMPTZ), now()),
       ($1, 'm2', CAST($5 AS TIMESTAMPTZ), CAST($5 AS TIMESTAMPTZ), 1, 50, 50, 300, '咖啡', 'store', CAST($5 AS TIMESTAMPTZ), CAST($6 AS TIMESTAMPTZ), now()),
       ($1, 'm3', CAST($7 AS TIMESTAMPTZ), CAST($7 AS TIMESTAMPTZ), 1, 80, 80, 0, '茶', 'store', NULL, CAST($8 AS TIMESTAMPTZ), now()),
       ($1, 'm6', NULL, NULL, 0, 0, NULL, 0, NULL, NULL, NULL, CAST($9 AS TIMESTAMPTZ), now())`,
    [ws, ago(40), ago(10), ago(1), ago(200), ago(3), ago(30), ago(8), ago(15)],
  );
}
