// The standard plays shipped as journey templates: each builds a draft definition from a few params (the
// messaging channel, the message templates, a coupon template, a segment) that the operator then publishes.
import { invalid } from '../../core/errors.ts';

export interface PlayParam {
  name: string;
  description: string;
  required: boolean;
  default?: string | number;
}

type Params = Record<string, string | number | boolean>;

export interface Play {
  id: string;
  name: string;
  name_zh: string;
  description: string;
  params: PlayParam[];
  build(p: Params): Record<string, unknown>;
}

const channel: PlayParam = { name: 'channel', description: 'messaging channel (name or id)', required: true };
const purpose: PlayParam = { name: 'purpose', description: 'marketing or service', required: false, default: 'marketing' };
const send = (p: Params, template: string, next?: string) => ({ type: 'send', channel: p.channel, template, purpose: p.purpose ?? 'marketing', ...(next ? { next } : {}) });

export const PLAYS: Play[] = [
  {
    id: 'welcome_coupon',
    name: 'Welcome with a first-order coupon',
    name_zh: '新客欢迎 + 首单券',
    description: 'A new follower (WeCom contact added) gets a first-order coupon and a welcome message; three days later, no order yet, a reminder. Ends when the member orders (any order: REST, import, POS or tracked).',
    params: [
      channel,
      { name: 'template', description: 'welcome message template (may use {{ coupon.code }})', required: true },
      { name: 'coupon', description: 'coupon template to issue', required: true },
      { name: 'reminder_template', description: 'reminder template sent after 3 days without an order (optional)', required: false },
      { name: 'trigger_event', description: 'entry event', required: false, default: 'WeCom Contact Added' },
      purpose,
    ],
    build: (p) => ({
      trigger: { type: 'event', event: p.trigger_event ?? 'WeCom Contact Added' },
      entry: { reentry: 'once' },
      goal: { order: {} },
      start: 'coupon',
      steps: {
        coupon: { type: 'issue_coupon', name: '发首单券', coupon: p.coupon, next: 'welcome' },
        welcome: { ...send(p, String(p.template)), name: '欢迎语', ...(p.reminder_template ? { next: 'wait' } : {}) },
        ...(p.reminder_template
          ? {
              wait: { type: 'wait', name: '等 3 天', duration: '3d', until_time: '10:00', next: 'no_order' },
              no_order: { type: 'condition', name: '还没下单?', rule: { trait: 'order_count', op: '=', value: 0 }, then: 'remind' },
              remind: { ...send(p, String(p.reminder_template)), name: '提醒用券' },
            }
          : {}),
      },
    }),
  },
  {
    id: 'post_purchase',
    name: 'Post-purchase follow-up',
    name_zh: '购后关怀',
    description: 'After every paid order, however it was written (REST, import, POS or tracked): a care message three days later at 10:00, and optionally a repurchase nudge after two more weeks unless the member orders again.',
    params: [
      channel,
      { name: 'template', description: 'care message template', required: true },
      { name: 'repurchase_template', description: 'repurchase nudge template (optional)', required: false },
      { name: 'delay', description: 'wait before the care message', required: false, default: '3d' },
      purpose,
    ],
    build: (p) => ({
      trigger: { type: 'order' },
      entry: { reentry: 'every_time' },
      // Waiting for a repurchase: a later order ends this follow-up (that order starts its own).
      ...(p.repurchase_template ? { goal: { order: {} } } : {}),
      start: 'wait',
      steps: {
        wait: { type: 'wait', name: '等待签收', duration: p.delay ?? '3d', until_time: '10:00', next: 'care' },
        care: { ...send(p, String(p.template), p.repurchase_template ? 'wait2' : undefined), name: '关怀消息' },
        ...(p.repurchase_template
          ? { wait2: { type: 'wait', duration: '14d', until_time: '10:00', next: 'nudge' }, nudge: { ...send(p, String(p.repurchase_template)), name: '复购提醒' } }
          : {}),
      },
    }),
  },
  {
    id: 'silent_recall',
    name: 'Silent-member recall',
    name_zh: '沉默会员召回',
    description: 'A member entering the silent lifecycle segment gets a recall coupon and message; a week later, still no order, a second message. Ends when the member orders (any order).',
    params: [
      channel,
      { name: 'segment', description: 'segment of silent members, e.g. rule {"lifecycle_stage": "silent"}', required: true },
      { name: 'template', description: 'recall message template', required: true },
      { name: 'coupon', description: 'recall coupon template (optional)', required: false },
      { name: 'second_template', description: 'second message after 7 days (optional)', required: false },
      purpose,
    ],
    build: (p) => ({
      trigger: { type: 'segment', segment: p.segment, on: 'entry' },
      entry: { reentry: 'after_exit' },
      goal: { order: {} },
      start: p.coupon ? 'coupon' : 'recall',
      steps: {
        ...(p.coupon ? { coupon: { type: 'issue_coupon', name: '召回券', coupon: p.coupon, next: 'recall' } } : {}),
        recall: { ...send(p, String(p.template), p.second_template ? 'wait' : undefined), name: '召回消息' },
        ...(p.second_template
          ? {
              wait: { type: 'wait', duration: '7d', until_time: '10:00', next: 'no_order' },
              // The order goal ends the journey on any order; the check stays for orders the goal has not seen
              // yet (the sweep runs each minute): none in the (≤ 8-day) wait.
              no_order: { type: 'condition', name: '还没下单?', rule: { not: { trait: 'last_order_at', op: 'within_last_days', value: 8 } }, then: 'second' },
              second: { ...send(p, String(p.second_template)), name: '二次触达' },
            }
          : {}),
      },
    }),
  },
  {
    id: 'birthday',
    name: 'Birthday',
    name_zh: '生日关怀',
    description: 'On the birthday (or some days before), at 09:00: an optional birthday coupon and points, and a greeting.',
    params: [
      channel,
      { name: 'template', description: 'birthday greeting template', required: true },
      { name: 'coupon', description: 'birthday coupon template (optional)', required: false },
      { name: 'points', description: 'birthday points (optional)', required: false },
      { name: 'days_before', description: 'days before the birthday', required: false, default: 0 },
      purpose,
    ],
    build: (p) => {
      const chain = [
        ...(p.coupon ? [['coupon', { type: 'issue_coupon', name: '生日券', coupon: p.coupon }]] : []),
        ...(p.points ? [['points', { type: 'grant_points', name: '生日积分', points: Number(p.points), reason: 'birthday journey' }]] : []),
        ['greet', { ...send(p, String(p.template)), name: '生日祝福' }],
      ] as [string, Record<string, unknown>][];
      return {
        trigger: { type: 'date', field: 'birthday', days_before: Number(p.days_before ?? 0), at: '09:00' },
        entry: { reentry: 'every_time' },
        start: chain[0][0],
        steps: Object.fromEntries(chain.map(([id, s], i) => [id, i + 1 < chain.length ? { ...s, next: chain[i + 1][0] } : s])),
      };
    },
  },
  {
    id: 'member_day',
    name: 'Member day',
    name_zh: '会员日',
    description: 'Each member day (default the 8th of every month, 10:00) the members of a segment get the member-day message, optionally with a coupon.',
    params: [
      channel,
      { name: 'segment', description: 'segment of members to invite', required: true },
      { name: 'template', description: 'member-day message template', required: true },
      { name: 'coupon', description: 'member-day coupon template (optional)', required: false },
      { name: 'cron', description: 'when (cron, workspace time zone)', required: false, default: '0 10 8 * *' },
      purpose,
    ],
    build: (p) => ({
      trigger: { type: 'schedule', cron: p.cron ?? '0 10 8 * *', segment: p.segment },
      entry: { reentry: 'every_time' },
      start: p.coupon ? 'coupon' : 'invite',
      steps: {
        ...(p.coupon ? { coupon: { type: 'issue_coupon', name: '会员日券', coupon: p.coupon, next: 'invite' } } : {}),
        invite: { ...send(p, String(p.template)), name: '会员日邀请' },
      },
    }),
  },
  {
    id: 'tier_upgrade',
    name: 'Tier upgrade congratulation',
    name_zh: '会员升级祝贺',
    description: 'When a member moves up a tier (the Tier Changed event with change = upgrade): a congratulation, optionally with bonus points.',
    params: [
      channel,
      { name: 'template', description: 'congratulation template (may use {{ loyalty.tier.name }})', required: true },
      { name: 'points', description: 'bonus points (optional)', required: false },
      purpose,
    ],
    build: (p) => ({
      trigger: { type: 'event', event: 'Tier Changed', where: [{ property: 'change', op: 'eq', value: 'upgrade' }] },
      entry: { reentry: 'every_time' },
      start: 'congrats',
      steps: {
        congrats: { ...send(p, String(p.template), p.points ? 'bonus' : undefined), name: '升级祝贺' },
        ...(p.points ? { bonus: { type: 'grant_points', name: '升级奖励积分', points: Number(p.points), reason: 'tier upgrade journey' } } : {}),
      },
    }),
  },
  {
    id: 'abandoned_cart',
    name: 'Abandoned cart',
    name_zh: '购物车挽回',
    description: 'Entry on "Product Added" per cart id; if no "Order Completed" with the same cart_id arrives within 2 hours, a reminder. One instance per cart.',
    params: [
      channel,
      { name: 'template', description: 'reminder template', required: true },
      { name: 'timeout', description: 'how long to wait for the order', required: false, default: '2h' },
      { name: 'key', description: 'cart property shared by both events', required: false, default: 'cart_id' },
      purpose,
    ],
    build: (p) => {
      const key = String(p.key ?? 'cart_id');
      return {
        trigger: { type: 'event', event: 'Product Added', where: [{ property: key, op: 'exists' }] },
        entry: { reentry: 'after_exit', key },
        start: 'wait_order',
        steps: {
          wait_order: { type: 'wait_event', name: '等待下单', event: 'Order Completed', match: [key], timeout: p.timeout ?? '2h', on_event: 'converted', on_timeout: 'remind' },
          remind: { ...send(p, String(p.template)), name: '购物车提醒' },
          converted: { type: 'exit', name: '已下单' },
        },
      };
    },
  },
];

/** A play's draft definition from params (defaults filled in; a missing required param is refused). */
export function buildPlay(id: string, params: Params = {}): { play: Play; definition: Record<string, unknown> } {
  const play = PLAYS.find((p) => p.id === id);
  if (!play) throw invalid('journey.template_unknown', `No journey template ${id}; templates are ${PLAYS.map((p) => p.id).join(', ')}`, 'template');
  const known = new Set(play.params.map((p) => p.name));
  for (const k of Object.keys(params)) if (!known.has(k)) throw invalid('journey.template_param_unknown', `params.${k}: the ${id} template takes ${[...known].join(', ')}`, `params.${k}`);
  const filled: Params = {};
  for (const p of play.params) {
    const v = params[p.name] ?? p.default;
    if (v === undefined || v === '') {
      if (p.required) throw invalid('journey.template_param_missing', `params.${p.name}: the ${id} template needs ${p.description}`, `params.${p.name}`);
      continue;
    }
    filled[p.name] = v;
  }
  return { play, definition: play.build(filled) };
}

/** Templates as the API lists them (with an example definition built from placeholder params). */
export function playViews() {
  return PLAYS.map((p) => {
    const example = Object.fromEntries(p.params.filter((x) => x.required).map((x) => [x.name, `<${x.name}>`]));
    return { id: p.id, name: p.name, name_zh: p.name_zh, description: p.description, params: p.params, example: buildPlay(p.id, example).definition };
  });
}
