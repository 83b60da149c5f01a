// Loyalty facts in segment rules (tables of the loyalty module): points balance, tier, and points expiring within
// the next N days. Members without a points account have balance 0; members without a tier row hold the program's
// lowest tier.
import type { Clock } from '../compare.ts';
import type { PointsBalanceRule, PointsExpiringRule } from '../schema.ts';
import { inSet, outsideSet, type Condition, type SqlBuilder } from '../sql-builder.ts';
import { countHolds, INVERSE, sqlOp } from './counts.ts';

/** `points_balance`: the balance (sum of the member's ledger entries) compared with a number. */
export function pointsBalancePredicate(b: SqlBuilder, node: PointsBalanceRule['points_balance']): Condition {
  // A member without an account has 0 points: when 0 satisfies the test, take everyone outside the failing set.
  const zeroOk = countHolds(0, node.op, node.value);
  const op = sqlOp(zeroOk ? INVERSE[node.op] : node.op);
  const sub = `SELECT a.member_id FROM points_accounts a WHERE a.workspace_id = ${b.ws} AND a.balance ${op} ${b.bind(node.value, 'bigint')}${b.scope('a.member_id')}`;
  return zeroOk ? outsideSet(sub, true) : inSet(sub, true);
}

/**
 * `tier`: the member's tier is one of the codes. A member the program never evaluated (no tier row) holds the
 * program's first, lowest tier, read from the stored program.
 */
export function tierPredicate(b: SqlBuilder, tiers: string | readonly string[]): Condition {
  const codes = b.bindList(typeof tiers === 'string' ? [tiers] : tiers, 'text');
  const lowest = `(SELECT p.program -> 'tiers' -> 0 ->> 'code' FROM loyalty_programs p WHERE p.workspace_id = ${b.ws})`;
  return inSet(
    `SELECT t.member_id FROM loyalty_member_tiers t WHERE t.workspace_id = ${b.ws} AND t.tier IN (${codes})${b.scope('t.member_id')}`
    + ` UNION SELECT m2.id AS member_id FROM members m2 WHERE m2.workspace_id = ${b.ws} AND m2.merged_into IS NULL${b.scope('m2.id')}`
    + ` AND ${lowest} IN (${codes})`
    + ` AND NOT EXISTS (SELECT 1 FROM loyalty_member_tiers t2 WHERE t2.workspace_id = ${b.ws} AND t2.member_id = m2.id)`,
    true,
  );
}

/** `points_expiring`: points of lots expiring from now to `within_days` × 24 h later, compared with a number. */
export function pointsExpiringPredicate(b: SqlBuilder, node: PointsExpiringRule['points_expiring'], clock: Clock): Condition {
  const now = Date.parse(clock.now);
  const until = new Date(now + node.within_days * 86_400_000).toISOString();
  const zeroOk = countHolds(0, node.op, node.value);
  const op = sqlOp(zeroOk ? INVERSE[node.op] : node.op);
  const sub = `SELECT l.member_id FROM points_lots l WHERE l.workspace_id = ${b.ws} AND l.remaining > 0`
    + ` AND l.expires_at >= ${b.bind(clock.now, 'timestamptz')} AND l.expires_at < ${b.bind(until, 'timestamptz')}${b.scope('l.member_id')}`
    + ` GROUP BY l.member_id HAVING SUM(l.remaining) ${op} ${b.bind(node.value, 'bigint')}`;
  return zeroOk ? outsideSet(sub, true) : inSet(sub, true);
}
