// What can change a rule's result: which data arrivals need a realtime re-evaluation, and whether the result
// drifts with the clock alone (then a scheduled recompute is needed).
import { DAY_OPS, EVENT_TRAITS } from './fields.ts';
import type { CompareOp, Rule } from './schema.ts';


export interface RuleDeps {
  /** Event names whose arrival can change the result. */
  events: string[];
  /** True when any event can (a rule on last_seen_at / first_seen_at). */
  anyEvent: boolean;
  orders: boolean;
  attributes: boolean;
  tags: boolean;
  identities: boolean;
  /** RFM segment, lifecycle stage, value tier or CLV (written by score runs). */
  scores: boolean;
  /** Members' coupons (issued, claimed, used, voided: published by the coupons module with `coupons: true`). */
  coupons?: boolean;
  /** Customer-group membership or group labels (published by the community module with `groups: true`). */
  groups?: boolean;
  /** Segment ids/names referenced by in_segment / not_in_segment. */
  segments: string[];
  /** The result drifts with the clock (windows, relative dates): needs scheduled recompute. */
  timeRelative: boolean;
}

const isRelative = (op: CompareOp) => DAY_OPS.has(op);

/**
 * The dependencies of a rule.
 * @example ruleDeps({ event: { name: 'Signed In', within_days: 30 } }) // events ['Signed In'], timeRelative true
 */
export function ruleDeps(rule: Rule): RuleDeps {
  const d: RuleDeps = { events: [], anyEvent: false, orders: false, attributes: false, tags: false, identities: false, scores: false, coupons: false, groups: false, segments: [], timeRelative: false };
  const events = new Set<string>();
  const segments = new Set<string>();
  const visit = (n: any): void => {
    if ('and' in n) return n.and.forEach(visit);
    if ('or' in n) return n.or.forEach(visit);
    if ('not' in n) return visit(n.not);
    if ('attribute' in n) {
      d.attributes = true;
      if (isRelative(n.op)) d.timeRelative = true;
    } else if ('trait' in n) {
      if (EVENT_TRAITS.has(n.trait)) d.anyEvent = true;
      else d.orders = true;
      if (isRelative(n.op)) d.timeRelative = true;
    } else if ('has_tag' in n || 'lacks_tag' in n) {
      d.tags = true;
    } else if ('event' in n) {
      events.add(n.event.name);
      if (n.event.within_days !== undefined) d.timeRelative = true;
    } else if ('sequence' in n) {
      for (const s of n.sequence.steps) events.add(s.name);
      if (n.sequence.within_days !== undefined) d.timeRelative = true;
    } else if ('orders' in n) {
      d.orders = true;
      if (n.orders.within_days !== undefined) d.timeRelative = true;
    } else if ('in_segment' in n) {
      segments.add(n.in_segment);
    } else if ('not_in_segment' in n) {
      segments.add(n.not_in_segment);
    } else if ('has_identity' in n) {
      d.identities = true;
    } else if ('in_group' in n) {
      d.groups = true;
    } else if ('tier' in n) {
      d.attributes = true; // tier changes are published as attribute changes
    } else if ('points_balance' in n || 'points_expiring' in n) {
      // Ledger commits are not published (thousands a second): these follow on the scheduled recompute.
      d.timeRelative = true;
    } else if ('coupons' in n) {
      d.coupons = true;
      d.timeRelative = true; // a coupon stops counting when its window ends, with no write to announce it
    } else if ('recommended' in n) {
      d.scores = true; // rewritten by each recommendations training, which recomputes score-dependent segments
    } else if ('rfm_segment' in n || 'lifecycle_stage' in n || 'value_tier' in n || 'clv' in n) {
      d.scores = true;
      if ('clv' in n && isRelative(n.clv.op)) d.timeRelative = true;
    }
  };
  visit(rule);
  d.events = [...events];
  d.segments = [...segments];
  return d;
}
