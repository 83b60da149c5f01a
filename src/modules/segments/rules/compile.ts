// Compiles a rule into one parameterised SELECT of member ids that runs on both engines. A condition on another
// table is a set of member ids from one grouped subquery (`SELECT member_id … GROUP BY member_id HAVING …`): a
// positive top-level one becomes `m.id IN (set)` (a semi join); a negated one or one under OR/NOT becomes
// `[NOT] m.id IN (set)` where the engine runs that as a hash join (DuckDB), else a `LEFT JOIN set` whose match is
// tested (PostgreSQL, whose SubPlans turn into nested loops on large sets). Hash joins over column scans on both
// engines, never a per-member subquery.
import { invalid } from '../../../core/errors.ts';
import type { Clock } from './compare.ts';
import { attributePredicate, clvPredicate, groupPredicate, identityPredicate, scorePredicate, segmentPredicate, tagPredicate, traitPredicate } from './nodes/profile.ts';
import { eventPredicate, sequencePredicate } from './nodes/events.ts';
import { ordersPredicate } from './nodes/orders.ts';
import { pointsBalancePredicate, pointsExpiringPredicate, tierPredicate } from './nodes/loyalty.ts';
import { couponsPredicate } from './nodes/coupons.ts';
import { recommendedPredicate } from './nodes/recommended.ts';
import type { Rule } from './schema.ts';
import { isMemberSet, SqlBuilder, type Condition, type Predicate, type RuleDialect } from './sql-builder.ts';
import type { SqlParam } from '../../../store/port.ts';
import { localDate } from './time.ts';

export interface CompileOptions {
  workspaceId: string;
  /** ISO instant that "now", "last 30 days" etc. are relative to. */
  now: string;
  /** Workspace IANA zone for calendar dates (birthdays, "today", `between` dates). */
  timezone: string;
  /** Restrict evaluation to these members (realtime re-evaluation); pushed into every subquery. */
  memberIds?: string[];
  /** Maps a segment ref (id or name) from in_segment / not_in_segment to its id. */
  segmentIds?: Record<string, string>;
}

/** A complete SELECT returning one column `member_id` (distinct, live members of the workspace), and its params. */
export interface CompiledRule {
  sql: string;
  params: SqlParam[];
}

/** What one SELECT over members collects while its conditions compile: the LEFT JOINs of set conditions. */
interface Scope {
  b: SqlBuilder;
  clock: Clock;
  opts: CompileOptions;
  joins: string[];
}

/**
 * Compiles a validated rule (see parseRule). Count with `SELECT count(*) FROM (${sql}) q`.
 * @example compileRule(store, { has_tag: 'VIP' }, { workspaceId: 'ws_1', now: new Date().toISOString(), timezone: 'Asia/Shanghai' })
 */
export function compileRule(dialect: RuleDialect, rule: Rule, opts: CompileOptions): CompiledRule {
  if (Number.isNaN(Date.parse(opts.now))) throw invalid('segment.now_invalid', `now: not an instant: ${opts.now}`, 'now');
  localDate(opts.now, opts.timezone); // fails early with segment.timezone_invalid on an unknown zone
  const b = new SqlBuilder(dialect, opts.workspaceId, opts.memberIds);
  const clock: Clock = { now: opts.now, timezone: opts.timezone };
  // Erased members (privacy tombstones) keep their orders for aggregates but are in no segment.
  const live = `m.workspace_id = ${b.ws} AND m.merged_into IS NULL AND m.erased_at IS NULL`;
  const conjuncts = 'and' in rule ? rule.and : [rule];
  const cheap = conjuncts.filter(isCheap);
  const costly = conjuncts.filter((c) => !isCheap(c));
  if (cheap.length === 0 || costly.length === 0) {
    return { sql: select(b, clock, opts, 'members m', [live + b.scope('m.id')], conjuncts), params: b.params };
  }
  // Candidates first: the member-column and small-table conditions (a city, a tag) usually leave few members, and
  // the costly event/order subqueries then aggregate only their rows instead of every member's (hashing 10⁵–10⁶
  // member ids is most of the time of a segment count). Sound because every condition is ANDed with them.
  const candidates = select(b, clock, opts, 'members m', [live + b.scope('m.id')], cheap, 'id');
  const ctes = [`_cand AS MATERIALIZED (${candidates})`];
  b.restrictTo('SELECT _cand.id FROM _cand');
  // Then the costly conditions that are plain member sets narrow the candidates one after another, cheapest table
  // first: each set aggregates only the members every earlier one kept (an event count over the few members with
  // the right orders instead of over all candidates).
  const chained: { name: string; ids: string }[] = [];
  const rest: (Rule | Condition)[] = [];
  for (const r of [...costly].sort((x, y) => costRank(x) - costRank(y))) {
    // Leaf nodes only: their compilation adds no joins to the scope, so it can be used in the outer select as is.
    const c = costRank(r) < NOT_CHAINED ? condition({ b, clock, opts, joins: [] }, r) : null;
    if (!c || !isMemberSet(c) || c.negated) {
      rest.push(c ?? r);
      continue;
    }
    const name = `_c${ctes.length}`;
    const ids = `SELECT ${c.distinct ? '' : 'DISTINCT '}_s.member_id AS id FROM (${c.set}) _s`;
    chained.push({ name, ids });
    ctes.push(`${name} AS MATERIALIZED (${ids})`);
    b.restrictTo(`SELECT ${name}.id FROM ${name}`);
  }
  const last = chained.at(-1);
  if (last && rest.length === 0) {
    // The last set is the answer: no need to store it first.
    ctes.pop();
    return { sql: `WITH ${ctes.join(', ')} SELECT q.id AS member_id FROM (${last.ids}) q`, params: b.params };
  }
  // When the remaining conditions only test m.id, the last narrowed set gives the outer rows itself.
  const outer = rest.some((r) => isRule(r) && readsMemberRow(r))
    ? select(b, clock, opts, 'members m', [live + b.scope('m.id')], rest)
    : select(b, clock, opts, `${last?.name ?? '_cand'} m`, [], rest);
  return { sql: `WITH ${ctes.join(', ')} ${outer}`, params: b.params };
}

const NOT_CHAINED = 9;
/** Order in which costly conditions narrow the candidates: smaller tables first; composite rules not chained. */
function costRank(rule: Rule): number {
  if ('coupons' in rule || 'points_expiring' in rule || 'recommended' in rule) return 1;
  if ('orders' in rule) return 2;
  if ('event' in rule) return 3;
  if ('sequence' in rule) return 4;
  return NOT_CHAINED;
}

/** A rule node, as opposed to a condition already compiled from one. */
const isRule = (x: Rule | Condition): x is Rule => !('set' in x) && !('sql' in x);

/** `SELECT m.id AS <as> FROM <from> [LEFT JOIN …] WHERE <base> AND <each conjunct>`. */
function select(b: SqlBuilder, clock: Clock, opts: CompileOptions, from: string, base: string[], conjuncts: (Rule | Condition)[], as = 'member_id'): string {
  const scope: Scope = { b, clock, opts, joins: [] };
  // Top-level conjuncts stay separate so the planner sees a flat AND; positive sets become semi joins.
  const where = [...base, ...conjuncts.map((r) => {
    const c = isRule(r) ? condition(scope, r) : r;
    return isMemberSet(c) && !c.negated ? `m.id IN (${c.set})` : predicate(scope, c).sql;
  })];
  const joins = scope.joins.map((j) => ` ${j}`).join('');
  return `SELECT m.id AS ${as} FROM ${from}${joins} WHERE ${where.length ? where.join(' AND ') : 'TRUE'}`;
}

/** A condition as a boolean expression: a member set turns into a LEFT JOIN and a test of its match. */
function predicate(scope: Scope, c: Condition): Predicate {
  if (!isMemberSet(c)) return c;
  // no set yields a NULL member_id (NOT NULL columns or an explicit filter), so IN / NOT IN are never NULL
  if (scope.b.dialect.capabilities.subqueryJoins) return { sql: `m.id ${c.negated ? 'NOT IN' : 'IN'} (${c.set})`, nullable: false };
  const alias = `_s${scope.joins.length}`;
  const set = c.distinct ? c.set : `SELECT DISTINCT _d.member_id FROM (${c.set}) _d`;
  scope.joins.push(`LEFT JOIN (${set}) ${alias} ON ${alias}.member_id = m.id`);
  return { sql: `${alias}.member_id IS ${c.negated ? '' : 'NOT '}NULL`, nullable: false };
}

function condition(scope: Scope, rule: Rule): Condition {
  const { b, clock, opts } = scope;
  const r = rule as any;
  if ('and' in r || 'or' in r) {
    const children = (r.and ?? r.or).map((c: Rule) => condition(scope, c)) as Condition[];
    if (children.length === 1) return children[0];
    const parts = children.map((c) => predicate(scope, c));
    return { sql: `(${parts.map((p) => p.sql).join('and' in r ? ' AND ' : ' OR ')})`, nullable: parts.some((p) => p.nullable) };
  }
  if ('not' in r) {
    const c = condition(scope, r.not);
    if (isMemberSet(c)) return { ...c, negated: !c.negated };
    // a NULL leaf (no value) counts as false, so NOT of it is true: two-valued logic
    return { sql: c.nullable ? `NOT COALESCE(${c.sql}, FALSE)` : `NOT (${c.sql})`, nullable: false };
  }
  if ('attribute' in r) return wrap(attributePredicate(b, r, clock));
  if ('trait' in r) return traitPredicate(b, r, clock);
  if ('has_tag' in r) return tagPredicate(b, r.has_tag, true);
  if ('lacks_tag' in r) return tagPredicate(b, r.lacks_tag, false);
  if ('event' in r) return eventPredicate(b, r.event, clock);
  if ('sequence' in r) return sequencePredicate(b, r.sequence, clock);
  if ('orders' in r) return ordersPredicate(b, r.orders, clock);
  if ('in_segment' in r) return segmentPredicate(b, r.in_segment, opts.segmentIds, true);
  if ('not_in_segment' in r) return segmentPredicate(b, r.not_in_segment, opts.segmentIds, false);
  if ('has_identity' in r) return identityPredicate(b, r.has_identity);
  if ('in_group' in r) return groupPredicate(b, r.in_group);
  if ('rfm_segment' in r) return scorePredicate(b, 'member_rfm', r.rfm_segment);
  if ('lifecycle_stage' in r) return scorePredicate(b, 'member_lifecycle', r.lifecycle_stage);
  if ('value_tier' in r) return scorePredicate(b, 'member_value_tier', r.value_tier);
  if ('clv' in r) return clvPredicate(b, r.clv, clock);
  if ('points_balance' in r) return pointsBalancePredicate(b, r.points_balance);
  if ('tier' in r) return tierPredicate(b, r.tier);
  if ('points_expiring' in r) return pointsExpiringPredicate(b, r.points_expiring, clock);
  if ('coupons' in r) return couponsPredicate(b, r.coupons, clock);
  if ('recommended' in r) return recommendedPredicate(b, r.recommended);
  throw new Error(`unknown rule node: ${Object.keys(r).join(', ')}`);
}

const wrap = (p: Predicate): Predicate => ({ ...p, sql: p.sql.startsWith('(') ? p.sql : `(${p.sql})` });

const CHEAP_KINDS = ['attribute', 'trait', 'has_tag', 'lacks_tag', 'has_identity', 'in_group', 'in_segment', 'not_in_segment', 'rfm_segment', 'lifecycle_stage', 'value_tier', 'clv', 'points_balance', 'tier'];
/** A condition on the member row or a table with at most one row per member (or a few, as tags): cheap to test. */
function isCheap(rule: Rule): boolean {
  if ('and' in rule) return rule.and.every(isCheap);
  if ('or' in rule) return rule.or.every(isCheap);
  if ('not' in rule) return isCheap(rule.not);
  return CHEAP_KINDS.some((k) => k in rule);
}

/** True when the rule reads a column of the member row (an `attribute` node), not only its id. */
function readsMemberRow(rule: Rule): boolean {
  if ('and' in rule) return rule.and.some(readsMemberRow);
  if ('or' in rule) return rule.or.some(readsMemberRow);
  if ('not' in rule) return readsMemberRow(rule.not);
  return 'attribute' in rule;
}
