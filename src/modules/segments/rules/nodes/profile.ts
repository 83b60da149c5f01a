// Nodes on the member's own data: columns and custom attributes, tags, identities, traits, scores, CLV,
// and membership of other segments.
import { comparison, holdsFor, type Clock } from '../compare.ts';
import { CLV_FIELD_SPECS, CUSTOM_PREFIX, MEMBER_FIELDS, TRAIT_FIELDS, type FieldSpec } from '../fields.ts';
import { identityType } from '../identity-types.ts';
import { lookupHashOf } from '../../../pii/member-fields.ts';
import type { AttributeRule, ClvRule, CompareOp, InGroupRule, TraitRule } from '../schema.ts';
import { inSet, outsideSet, type Condition, type Predicate, type SqlBuilder } from '../sql-builder.ts';

/** A member column (`m.city`) or a custom attribute (`attributes.level` → JSON text of key `level`). */
export function attributePredicate(b: SqlBuilder, node: AttributeRule, clock: Clock): Predicate {
  const col = MEMBER_FIELDS[node.attribute];
  if (col?.pii) {
    // Sealed column: equality on the lookup hash of the normalised value (an unusable value matches nobody).
    const kind = col.pii;
    const hash = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? lookupHashOf(kind, String(v)) : null) ?? 'h1:-';
    const value = Array.isArray(node.value) ? node.value.map(hash) : node.value === undefined ? undefined : hash(node.value);
    return comparison(b, `m.${col.column}_hash`, 'text', node.op, value, clock);
  }
  if (col) return comparison(b, `m.${col.column}`, col.type, node.op, node.value, clock);
  const key = node.attribute.slice(CUSTOM_PREFIX.length);
  return comparison(b, b.dialect.jsonText('m.attributes', b.bind(key, 'text')), 'json', node.op, node.value, clock);
}

/**
 * A comparison on a per-member table (member_traits, member_clv). A member without a row has the field's
 * `missingAs` value (or none at all); when the comparison holds for that, the SQL excludes the members whose row
 * fails instead of including those whose row passes.
 */
function rowPredicate(b: SqlBuilder, table: string, spec: FieldSpec, op: CompareOp, value: unknown, clock: Clock): Condition {
  const cmp = comparison(b, `t.${spec.column}`, spec.type, op, value, clock);
  const missingHolds = spec.missingAs !== undefined ? holdsFor(spec.missingAs, op, value) : op === 'not_exists';
  const base = `SELECT t.member_id FROM ${table} t WHERE t.workspace_id = ${b.ws}${b.scope('t.member_id')}`;
  // one row per member (primary key), so the sets are distinct
  if (!missingHolds) return inSet(`${base} AND ${cmp.sql}`, true);
  return outsideSet(`${base} AND NOT ${cmp.nullable ? `COALESCE(${cmp.sql}, FALSE)` : `(${cmp.sql})`}`, true);
}

export const traitPredicate = (b: SqlBuilder, node: TraitRule, clock: Clock): Condition =>
  rowPredicate(b, 'member_traits', TRAIT_FIELDS[node.trait], node.op, node.value, clock);

export const clvPredicate = (b: SqlBuilder, node: ClvRule['clv'], clock: Clock): Condition =>
  rowPredicate(b, 'member_clv', CLV_FIELD_SPECS[node.field], node.op, node.value, clock);

const list = (v: string | readonly string[]) => (typeof v === 'string' ? [v] : [...v]);

/** Members holding any of the tags (each named by id or name). */
export function tagPredicate(b: SqlBuilder, refs: string | readonly string[], has: boolean): Condition {
  const values = list(refs);
  const tagIds = `SELECT tg.id FROM tags tg WHERE tg.workspace_id = ${b.ws}`
    + ` AND (tg.id IN (${b.bindList(values, 'text')}) OR tg.name IN (${b.bindList(values, 'text')}))`;
  const sub = `SELECT mt.member_id FROM member_tags mt WHERE mt.workspace_id = ${b.ws} AND mt.tag_id IN (${tagIds})${b.scope('mt.member_id')}`;
  return has ? inSet(sub, false) : outsideSet(sub, false);
}

export function identityPredicate(b: SqlBuilder, type: string): Condition {
  return inSet(`SELECT i.member_id FROM identities i WHERE i.workspace_id = ${b.ws}`
    + ` AND i.type = ${b.bind(identityType(type) ?? type, 'text')}${b.scope('i.member_id')}`, false);
}

/**
 * Members now in a customer group matching every condition (community_group_members without a leave, in an
 * active group). A group's tags are a JSON array of strings: its text holds the tag as a quoted JSON string.
 */
export function groupPredicate(b: SqlBuilder, g: InGroupRule['in_group']): Condition {
  const where = [`cg.workspace_id = ${b.ws}`, `cg.status = 'active'`];
  if (g.groups) {
    const list = b.bindList(g.groups, 'text');
    where.push(`(cg.id IN (${list}) OR cg.chat_id IN (${list}))`);
  }
  if (g.positioning !== undefined) where.push(`cg.positioning = ${b.bind(g.positioning, 'text')}`);
  if (g.value_tier !== undefined) where.push(`cg.value_tier = ${b.bind(g.value_tier, 'text')}`);
  if (g.owner !== undefined) where.push(`cg.owner_userid = ${b.bind(g.owner, 'text')}`);
  if (g.tag !== undefined) where.push(`strpos(CAST(cg.tags AS TEXT), ${b.bind(JSON.stringify(g.tag), 'text')}) > 0`);
  return inSet(
    `SELECT gm.member_id FROM community_group_members gm JOIN community_groups cg ON cg.workspace_id = gm.workspace_id AND cg.id = gm.group_id`
      + ` WHERE gm.workspace_id = ${b.ws} AND gm.member_type = 2 AND gm.left_at IS NULL AND gm.member_id IS NOT NULL AND ${where.join(' AND ')}${b.scope('gm.member_id')}`,
    false,
  );
}

/** Current members of another segment (segment_members); `segmentIds` maps a name to its id. */
export function segmentPredicate(b: SqlBuilder, ref: string, segmentIds: Record<string, string> | undefined, member: boolean): Condition {
  const id = segmentIds?.[ref] ?? ref;
  const sub = `SELECT sm.member_id FROM segment_members sm WHERE sm.workspace_id = ${b.ws}`
    + ` AND sm.segment_id = ${b.bind(id, 'text')}${b.scope('sm.member_id')}`;
  return member ? inSet(sub, true) : outsideSet(sub, true);
}

/** Current RFM segment, lifecycle stage or value tier (member_rfm / member_lifecycle / member_value_tier). */
export function scorePredicate(b: SqlBuilder, table: 'member_rfm' | 'member_lifecycle' | 'member_value_tier', values: string | readonly string[]): Condition {
  const column = table === 'member_rfm' ? 'segment' : table === 'member_lifecycle' ? 'stage' : 'tier';
  return inSet(`SELECT s.member_id FROM ${table} s WHERE s.workspace_id = ${b.ws}`
    + ` AND s.${column} IN (${b.bindList(list(values), 'text')})${b.scope('s.member_id')}`, true);
}
