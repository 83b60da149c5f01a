// The demo brand's operations setup: what a brand's team would have configured after a few weeks with Siyu —
// scores and a CLV fit, segments, coupons, a loyalty programme, message templates, draft journeys from the standard
// plays, a broadcast (to the demo's local inbox) and a recommendation training — so every console page opens on real
// figures instead of an empty list.
// Everything goes through the public HTTP API (the same calls an integration makes) and happens once per workspace.
import type { FastifyInstance } from 'fastify';

/** One API call as the demo's admin; throws on a non-2xx answer. */
export type DemoApi = <T = Record<string, unknown>>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => Promise<T>;

/** A {@link DemoApi} through the app's own routes (`inject`: no socket) with `key` as the bearer. */
export function injectApi(app: Pick<FastifyInstance, 'inject'>, key: string): DemoApi {
  return async (method, url, body) => {
    const r = await app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(body !== undefined ? { payload: body as object } : {}) });
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
    return (r.body ? r.json() : null) as never;
  };
}

export interface ShowcaseResult {
  /** false when the workspace already had segments (a restarted demo): nothing was created. */
  created: boolean;
  /** `afterTraining`: the segment reads the recommendations, so it fills when the queued training commits. */
  segments: Array<{ name: string; members: number; afterTraining: boolean }>;
  coupons: number;
  /** Members the launch review placed above the lowest tier. */
  tiered: number;
  templates: number;
  journeys: number;
  /** The queued recommendation training (it runs on the worker; its nightly schedule is created with it). */
  trainingJob: string | null;
  /** The broadcast sent to the inbox (with `inbox`). */
  broadcast: string | null;
}

const SMS_CHANNEL = '短信（待配置）';
/** The webhook channel to the demo's local inbox (src/modules/demo/inbox.ts): sends run end to end, nothing leaves. */
export const INBOX_CHANNEL = '本机演示收件箱';

/** Segments an operator of a tea-and-coffee brand builds first (rules in docs/segment-rules.md). */
export const SHOWCASE_SEGMENTS = [
  { name: '重要价值客户', description: 'RFM 三项都高：重点维护，不发折扣券', rule: { rfm_segment: 'important_value' } },
  { name: '流失预警', description: '生命周期处于流失风险或沉睡：召回旅程的受众', rule: { lifecycle_stage: ['at_risk', 'silent'] } },
  {
    name: '高价值但可能流失',
    description: 'CLV 模型认为仍活跃的概率低于 30%，历史消费却不低',
    rule: { and: [{ clv: { field: 'p_alive', op: '<', value: 0.3 } }, { trait: 'total_spend', op: '>=', value: 500 }] },
  },
  {
    name: '近 30 天活跃女性买家',
    description: '近 30 天看过两次以上商品、近 90 天消费满 100 元的女性会员',
    rule: {
      and: [
        { attribute: 'gender', op: '=', value: 'female' },
        { event: { name: 'product_view', count: { op: '>=', value: 2 }, within_days: 30 } },
        { orders: { measure: 'sum', op: '>=', value: 100, within_days: 90 } },
      ],
    },
  },
  {
    name: '果茶党高消费',
    description: '果茶党标签且近 90 天消费满 200 元：果茶上新的首批受众',
    rule: { and: [{ has_tag: 'tag_fruit_tea_lover' }, { orders: { measure: 'sum', op: '>=', value: 200, within_days: 90 } }] },
  },
  { name: '7 天内生日', description: '生日旅程与生日券的受众', rule: { attribute: 'birthday', op: 'anniversary_within_days', value: 7 } },
  {
    name: '可能想喝咖啡',
    afterTraining: true,
    description: '推荐模型前 5 名里有咖啡、但近 90 天没买过咖啡的会员（训练完成后自动更新）',
    rule: {
      and: [
        { recommended: { category: '咖啡', rank_at_most: 5 } },
        { orders: { measure: 'count', op: '=', value: 0, within_days: 90, categories: ['咖啡'] } },
      ],
    },
  },
] as const;

const COUPONS = [
  { key: 'welcome', name: '新人首单立减 10 元', config: { benefit: { type: 'fixed', amount: 10 }, validity: { type: 'after_claim', days: 14 } } },
  { key: 'recall', name: '满 100 减 20 召回券', config: { benefit: { type: 'threshold', spend: 100, save: 20 }, validity: { type: 'after_claim', days: 30 } } },
  { key: 'birthday', name: '生日 85 折券', config: { benefit: { type: 'percent', percentOff: 15, maxDiscount: 50 }, validity: { type: 'after_claim', days: 7 } } },
] as const;

const TEMPLATES = [
  { key: 'welcome', name: '新人欢迎短信', text: '{{ member.name | default: "亲" }}，欢迎加入茶咖时光会员！首单立减 10 元券已放入账户，14 天内有效。' },
  { key: 'recall', name: '沉睡召回短信', text: '{{ member.name | default: "亲" }}，好久不见！满 100 减 20 券已到账，常喝的{{ member.traits.favourite_category | default: "饮品" }}等你回来。{% if recommendations.products.size > 0 %}猜你喜欢：{% for p in recommendations.products limit: 2 %}{{ p.name }}{% unless forloop.last %}、{% endunless %}{% endfor %}{% endif %}' },
  { key: 'birthday', name: '生日祝福短信', text: '{{ member.name | default: "亲" }}，生日快乐！送你一张 85 折生日券，7 天内有效。' },
] as const;

/** Tiers by spend over the last 365 days (a base of 100k: ~23k silver, ~5.8k gold, ~600 black), richer benefits up. */
function program(birthdayCoupon: string | undefined) {
  const gift = birthdayCoupon ? { birthdayGift: { couponTemplateId: birthdayCoupon } } : {};
  return {
    program: {
      basis: { metric: 'spend', window: { type: 'rolling', days: 365 } },
      downgrade: { mode: 'periodic_review', period: 'year', graceDays: 30 },
      tiers: [
        { code: 'regular', name: { zh: '普通会员', en: 'Regular' }, threshold: 0 },
        { code: 'silver', name: { zh: '银卡', en: 'Silver' }, threshold: 300, benefits: { pointsMultiplier: 1.2, ...gift } },
        { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 1000, benefits: { pointsMultiplier: 1.5, discountPercent: 5, ...gift } },
        { code: 'black', name: { zh: '黑金', en: 'Black' }, threshold: 3000, benefits: { pointsMultiplier: 2, discountPercent: 10, freeShipping: true, ...gift } },
      ],
    },
    earn: {
      order: { rate: { points: 1, per: 1 }, rounding: 'floor', tierMultiplier: true },
      events: [{ event: 'sign_in', points: 5, caps: { day: 1 }, track: 'Signed In' }],
    },
  };
}

/**
 * Points the inbox channel at this run's inbox (its port changes with every start); creates it the first time.
 * Batches of 500, no retries worth waiting for: the inbox is local.
 */
export async function connectInbox(api: DemoApi, url: string): Promise<void> {
  await api('PUT', `/api/messaging/channels/${encodeURIComponent(INBOX_CHANNEL)}`, {
    type: 'webhook', enabled: true, config: { url, mode: 'batch' }, options: { batch_size: 500, retries: 2, backoff_ms: 100, max_backoff_ms: 1_000, timeout_ms: 10_000 },
  });
}

/**
 * Creates the setup once: returns `created: false` and touches nothing when the workspace has segments already.
 * `asOf` is the first day after the generated data (the demo's end date): scores are computed as of it. With
 * `inbox` (a connected inbox channel), the journeys' drafts send through it and a broadcast runs to it.
 */
export async function seedShowcase(api: DemoApi, asOf: string, now = new Date(), opts: { inbox?: boolean } = {}): Promise<ShowcaseResult> {
  const existing = await api<{ data: unknown[] }>('GET', '/api/segments');
  if (existing.data.length > 0) return { created: false, segments: [], coupons: 0, tiered: 0, templates: 0, journeys: 0, trainingJob: null, broadcast: null };

  // Scores first: the segments below read RFM, lifecycle and CLV.
  await api('POST', '/api/rfm/compute', { as_of: asOf });
  await api('POST', '/api/lifecycle/compute', { as_of: asOf });
  await api('POST', '/api/value-tiers/compute', { as_of: asOf });
  await api('POST', '/api/clv/fit', {});

  const segments: ShowcaseResult['segments'] = [];
  const segmentIds = new Map<string, string>();
  for (const s of SHOWCASE_SEGMENTS) {
    const { afterTraining, ...body } = { afterTraining: false, ...s };
    const made = await api<{ id: string; member_count: number | null }>('POST', '/api/segments', { ...body, kind: 'dynamic' });
    segmentIds.set(s.name, made.id);
    segments.push({ name: s.name, members: made.member_count ?? 0, afterTraining });
  }

  const coupons = new Map<string, string>();
  for (const c of COUPONS) coupons.set(c.key, (await api<{ id: string }>('POST', '/api/coupons/templates', { name: c.name, config: c.config })).id);

  // Points from orders placed from now on (the generated history earns nothing: no back-dated ledger); tiers go by
  // spend, so the launch review places the existing base by its last 365 days at once.
  await api('PUT', '/api/loyalty/program', { ...program(coupons.get('birthday')), earn_since: now.toISOString() });
  const review = await api<{ upgraded: number }>('POST', '/api/loyalty/tiers/review', { all: true });

  // A channel the brand still has to connect to its SMS provider: disabled, so drafts can name it and nothing sends.
  const channel = await api<{ id: string }>('POST', '/api/messaging/channels', {
    name: SMS_CHANNEL, type: 'sms', enabled: false, config: { url: 'https://sms-provider.example/send', signature_name: '茶咖时光' },
  });
  const templates = new Map<string, string>();
  // Each template carries an SMS text and the same text for the webhook inbox.
  for (const t of TEMPLATES) {
    const content = { sms: { text: t.text }, webhook: { body: { text: t.text } } };
    templates.set(t.key, (await api<{ id: string }>('POST', '/api/templates', { name: t.name, content })).id);
  }
  const sendVia = opts.inbox ? INBOX_CHANNEL : channel.id;

  // Standard plays as drafts: the operator reviews, connects the channel and publishes.
  const journeys = [
    { name: '新人欢迎 + 首单券', template: 'welcome_coupon', params: { channel: sendVia, template: templates.get('welcome'), coupon: coupons.get('welcome') } },
    {
      name: '流失召回',
      template: 'silent_recall',
      params: { channel: sendVia, segment: segmentIds.get('流失预警'), template: templates.get('recall'), coupon: coupons.get('recall') },
    },
    { name: '生日关怀', template: 'birthday', params: { channel: sendVia, template: templates.get('birthday'), coupon: coupons.get('birthday'), days_before: 0 } },
  ];
  for (const j of journeys) await api('POST', '/api/journeys', j);

  // A broadcast to the fruit-tea lovers with a 10% control group, so the report shows progress, sends and holdout.
  let broadcast: string | null = null;
  if (opts.inbox) {
    const content = { webhook: { body: { text: '{{ member.name | default: "亲" }}，夏日果茶季上新：杨枝甘露、满杯红柚，凭会员码第二杯半价！' } } };
    await api('POST', '/api/templates', { name: '果茶上新通知', content });
    const b = await api<{ id: string }>('POST', '/api/broadcasts', {
      name: '果茶上新 · 会员专享', segment: segmentIds.get('果茶党高消费'), template: '果茶上新通知', channel: INBOX_CHANNEL, holdout_share: 0.1,
    });
    await api('POST', `/api/broadcasts/${b.id}/schedule`, {});
    broadcast = b.id;
  }

  // Training takes a minute at demo size: the worker runs it; the nightly schedule keeps it fresh afterwards.
  const job = await api<{ id: string }>('POST', '/api/jobs', { kind: 'recommendations.train', payload: {}, key: 'demo:recommendations' });
  await api('PUT', '/api/jobs/schedules/recommendations.nightly', { cron: '30 3 * * *', kind: 'recommendations.train', payload: {} });

  return { created: true, segments, coupons: coupons.size, tiered: review.upgraded, templates: templates.size, journeys: journeys.length, trainingJob: job.id, broadcast };
}
