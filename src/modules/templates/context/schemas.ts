// The declared variables of the built-in context providers and extras: what `member`, `loyalty`, `coupons`,
// `workspace`, `recommendations`, `coupon` and `now` hold. docs/templates.md documents the same tree.
import { v, type VariableSchema } from '../variables.ts';

export const MEMBER_CORE: VariableSchema = {
  id: v.string('Member id', 'mem_01JD5Q8Z3XK4T2M9PQRS7VWXYZ'),
  user_id: v.string('The brand user id (smallest, when merges left several); null without one', 'u-10001'),
  name: v.string('Name', '王小明'),
  gender: v.string('Gender as stored (male / female / …)', 'male'),
  birthday: v.date('Birthday (YYYY-MM-DD)', '1990-06-18'),
  age: v.number('Completed years today, from the birthday', 35),
  city: v.string('City', '上海'),
  region: v.string('Province or region', '上海'),
  phone: v.string('Phone number as stored (unmasked: use | mask_phone)', '13812345678'),
  email: v.string('Email', 'xiaoming@example.com'),
  source_channel: v.string('Where the member came from', 'mini_program'),
  created_at: v.datetime('When the member was created', '2024-03-01T08:00:00.000Z'),
  attributes: v.map('Free attributes (any key, e.g. member.attributes.level); missing keys render empty', { level: 'gold' }),
  tags: v.list('Tag names', v.string('A tag name', 'VIP'), ['VIP', '高复购']),
  traits: v.object('Order traits', {
    order_count: v.number('Paid orders', 6),
    total_spend: v.number('Total spend, yuan', 1288.5),
    avg_spend: v.number('Average order value, yuan; null without orders', 214.75),
    refund_total: v.number('Refunded, yuan', 0),
    first_order_at: v.datetime('First paid order', '2024-03-02T10:00:00.000Z'),
    last_order_at: v.datetime('Last paid order', '2025-05-20T12:30:00.000Z'),
    days_since_last_order: v.number('Whole days since the last order; null without orders', 29),
    favourite_category: v.string('Most bought category', '护肤'),
    favourite_product: v.string('Most bought product', '玻尿酸面膜'),
    preferred_channel: v.string('Channel of most orders', 'mini_program'),
    last_seen_at: v.datetime('Last activity seen', '2025-06-15T09:00:00.000Z'),
  }),
};

export const MEMBER_RFM: VariableSchema = {
  segment: v.string('RFM segment id', 'champions'),
  name: v.string('Segment name (zh)', '重要价值客户'),
  name_en: v.string('Segment name (en)', 'Champions'),
  r_score: v.number('Recency score 1–5', 5),
  f_score: v.number('Frequency score 1–5', 4),
  m_score: v.number('Monetary score 1–5', 5),
  recency_days: v.number('Days since the last order at the score date', 12),
  frequency: v.number('Orders in the scoring window', 6),
  monetary: v.number('Spend in the scoring window, yuan', 1288.5),
  as_of: v.date('Score date', '2025-06-17'),
};

export const MEMBER_LIFECYCLE: VariableSchema = {
  stage: v.string('Lifecycle stage id', 'active'),
  name: v.string('Stage name (zh)', '活跃'),
  name_en: v.string('Stage name (en)', 'Active'),
  as_of: v.date('Score date', '2025-06-17'),
};

export const MEMBER_VALUE_TIER: VariableSchema = {
  tier: v.string('Value tier id', 'high'),
  name: v.string('Tier name (zh)', '高价值'),
  name_en: v.string('Tier name (en)', 'High value'),
  spend: v.number('Spend in the tier window, yuan', 1288.5),
  as_of: v.date('Score date', '2025-06-17'),
};

export const MEMBER_CLV: VariableSchema = {
  clv: v.number('Predicted customer lifetime value over the fit horizon, yuan', 860.2),
  p_alive: v.number('Probability the member is still active (0–1)', 0.83),
  expected_purchases: v.number('Expected purchases over the horizon', 2.4),
  expected_avg_value: v.number('Expected average order value, yuan', 215.3),
};

export const LOYALTY: VariableSchema = {
  tier: v.object('Loyalty tier; null without a program', {
    code: v.string('Tier code', 'gold'),
    name: v.string('Tier name (zh)', '金卡'),
    name_en: v.string('Tier name (en)', 'Gold'),
  }),
  points_balance: v.number('Points balance', 3200),
  points_expiring: v.number('Points expiring in the next 30 days', 500),
  points_expiring_until: v.datetime('End of that 30-day window', '2025-07-18T00:00:00.000Z'),
};

export const COUPONS: VariableSchema = {
  unused_count: v.number('Coupons the member can still use', 2),
};

export const WORKSPACE: VariableSchema = {
  name: v.string('Workspace (brand) name', '思域美妆'),
  timezone: v.string('IANA time zone; date filters use it', 'Asia/Shanghai'),
};

const PRODUCT = v.object('A product', {
  id: v.string('Product id', 'sku-1001'),
  name: v.string('Product name', '玻尿酸面膜'),
  category: v.string('Category', '护肤'),
  price: v.number('List price, yuan; null when unknown', 89),
  attributes: v.map('Free product attributes (url, image…)', { url: 'https://shop.example.com/p/sku-1001' }),
});

export const RECOMMENDATIONS: VariableSchema = {
  products: v.list('Recommended products, best first', PRODUCT),
  provider: v.string('Which provider made the list', 'top_sellers_90d'),
};

/** `coupon`: a coupon issued in the same step, passed in by the caller (the coupons module's MemberCouponView). */
export const COUPON_EXTRA: VariableSchema = {
  id: v.string('Member coupon id', 'mcp_01JD5Q8Z3X'),
  code: v.string('Coupon code', 'VIP8K2M9PQ'),
  template: v.object('Coupon template', { id: v.string('Template id', 'cpt_01JD5Q'), name: v.string('Template name', '满100减20') }),
  status: v.string('issued / claimed / used / voided / expired', 'issued'),
  claim_code: v.string('Claim code; null when not needed', null),
  valid_from: v.datetime('Start of the validity window', '2025-06-18T00:00:00.000Z'),
  valid_to: v.datetime('End of the validity window', '2025-07-18T00:00:00.000Z'),
  discount: v.number('Discount given when used, yuan; null before use', null),
  issued_at: v.datetime('When it was issued', '2025-06-18T02:30:00.000Z'),
};

/** Variables every render has without a provider. */
export const BUILTINS: VariableSchema = {
  now: v.datetime('When the render ran (ISO instant); format with date_zh', '2025-06-18T02:30:00.000Z'),
};
