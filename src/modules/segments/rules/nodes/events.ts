// Event nodes: "performed E (with property filters) N times in a window" and "did A, then B within H hours".
import { comparison, type Clock } from '../compare.ts';
import type { CountOp, EventRule, PropertyFilter, SequenceRule } from '../schema.ts';
import { inSet, outsideSet, type Condition, type SqlBuilder } from '../sql-builder.ts';
import { windowSql } from '../window.ts';
import { countHolds, INVERSE, sqlOp, trivialForPositive } from './counts.ts';

/** ` AND <filter>` for each property filter, on the JSON text of `properties` of events alias `e`. */
function propertyFilters(b: SqlBuilder, alias: string, where: PropertyFilter[] | undefined, clock: Clock): string {
  return (where ?? [])
    .map((f) => ` AND ${comparison(b, b.dialect.jsonText(`${alias}.properties`, b.bind(f.property, 'text')), 'json', f.op, f.value, clock).sql}`)
    .join('');
}

/** The WHERE clause selecting one event name with its window, filters and the member restriction. */
function eventWhere(b: SqlBuilder, alias: string, name: string, where: PropertyFilter[] | undefined, win: string, clock: Clock): string {
  return `${alias}.workspace_id = ${b.ws} AND ${alias}.name = ${b.bind(name, 'text')} AND ${alias}.member_id IS NOT NULL`
    + win + propertyFilters(b, alias, where, clock) + b.scope(`${alias}.member_id`);
}

/**
 * Event count in a window. When zero events satisfy the count ("at most 2", "exactly 0"), members without any
 * matching event must be included, so the SQL excludes the members whose count fails instead (NOT IN).
 */
export function eventPredicate(b: SqlBuilder, node: EventRule['event'], clock: Clock): Condition {
  const count = node.count ?? { op: '>=' as CountOp, value: 1 };
  const where = eventWhere(b, 'e', node.name, node.where, windowSql(b, 'e.ts', node, clock), clock);
  const zeroOk = countHolds(0, count.op, count.value);
  const op = zeroOk ? INVERSE[count.op] : count.op;
  const having = trivialForPositive(op, count.value) ? '' : ` GROUP BY e.member_id HAVING COUNT(*) ${sqlOp(op)} ${b.bind(count.value, 'bigint')}`;
  const sub = `SELECT e.member_id FROM events e WHERE ${where}${having}`;
  const grouped = having !== '';
  return zeroOk ? outsideSet(sub, grouped) : inSet(sub, grouped);
}

/**
 * A sequence of events in order. Each step is matched greedily to the member's earliest qualifying event at or
 * after the previous step (strictly after when both steps name the same event); with `within_hours` every step
 * must come within that many hours of the first step, so each first-step event is tried as an anchor.
 */
export function sequencePredicate(b: SqlBuilder, node: SequenceRule['sequence'], clock: Clock): Condition {
  const steps = node.steps.map((s, i) => {
    const win = windowSql(b, `e${i}.ts`, node, clock);
    return `SELECT e${i}.member_id, e${i}.ts FROM events e${i} WHERE ${eventWhere(b, `e${i}`, s.name, s.where, win, clock)}`;
  });
  let chain = node.within_hours === undefined
    ? `SELECT s.member_id, MIN(s.ts) AS t0, MIN(s.ts) AS t FROM (${steps[0]}) s GROUP BY s.member_id`
    : `SELECT s.member_id, s.ts AS t0, s.ts AS t FROM (${steps[0]}) s GROUP BY s.member_id, s.ts`;
  const limit = node.within_hours === undefined ? '' : b.bind(`${Math.round(node.within_hours * 3600)} seconds`, 'interval');
  for (let i = 1; i < steps.length; i++) {
    const after = node.steps[i].name === node.steps[i - 1].name ? '>' : '>=';
    const within = limit ? ` AND x.ts <= p.t0 + ${limit}` : '';
    chain = `SELECT p.member_id, p.t0, MIN(x.ts) AS t FROM (${chain}) p JOIN (${steps[i]}) x`
      + ` ON x.member_id = p.member_id AND x.ts ${after} p.t${within} GROUP BY p.member_id, p.t0`;
  }
  return inSet(`SELECT q.member_id FROM (${chain}) q`, false);
}
