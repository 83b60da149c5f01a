// Coupons in segment rules (the coupons module's member_coupons): how many unused coupons a member holds. Unused is
// what the coupons module calls unused: issued or claimed, not used or voided, and not past valid_to at the rule's
// "now" (a coupon waiting to be claimed with an after-claim window has no end yet). Members without such coupons
// hold 0, so "at most N" and "exactly 0" include them.
import type { Clock } from '../compare.ts';
import type { CouponsRule } from '../schema.ts';
import { inSet, outsideSet, type Condition, type SqlBuilder } from '../sql-builder.ts';
import { countHolds, INVERSE, sqlOp, trivialForPositive } from './counts.ts';

/**
 * `coupons`: the count of the member's unused coupons (of the templates named by id or name, expiring within
 * `expiring_within_days` × 24 h from now when given) compared with a number.
 */
export function couponsPredicate(b: SqlBuilder, node: CouponsRule['coupons'], clock: Clock): Condition {
  const now = b.bind(clock.now, 'timestamptz');
  const where = [`c.workspace_id = ${b.ws}`, 'c.member_id IS NOT NULL', `c.status IN ('issued', 'claimed')`];
  if (node.expiring_within_days !== undefined) {
    const until = new Date(Date.parse(clock.now) + node.expiring_within_days * 86_400_000).toISOString();
    where.push(`c.valid_to > ${now}`, `c.valid_to <= ${b.bind(until, 'timestamptz')}`);
  } else {
    where.push(`(c.valid_to IS NULL OR c.valid_to > ${now})`);
  }
  if (node.templates !== undefined) {
    const refs = b.bindList(typeof node.templates === 'string' ? [node.templates] : node.templates, 'text');
    // A template is named by id or by name; an unknown one names nothing (so "at least 1" matches nobody).
    where.push(`c.template_id IN (SELECT t.id FROM coupon_templates t WHERE t.workspace_id = ${b.ws} AND (t.id IN (${refs}) OR t.name IN (${refs})))`);
  }
  // When 0 satisfies the test, a member without coupons does too: take everyone outside the failing set.
  const zeroOk = countHolds(0, node.op, node.value);
  const op = zeroOk ? INVERSE[node.op] : node.op;
  const from = `SELECT c.member_id FROM member_coupons c WHERE ${where.join(' AND ')}${b.scope('c.member_id')}`;
  const sub = trivialForPositive(op, node.value) ? from : `${from} GROUP BY c.member_id HAVING COUNT(*) ${sqlOp(op)} ${b.bind(node.value, 'bigint')}`;
  const distinct = sub !== from;
  return zeroOk ? outsideSet(sub, distinct) : inSet(sub, distinct);
}
