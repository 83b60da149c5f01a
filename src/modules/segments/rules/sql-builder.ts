// Collects bound parameters while the compiler writes SQL: every value a rule carries becomes `$n`, never text.
import type { SqlParam, Store, StoreCapabilities } from '../../../store/port.ts';

/** The parts of the store port the compiler needs (the store itself satisfies it). */
export type RuleDialect = Pick<Store, 'jsonRows' | 'jsonText' | 'tryDouble'> & { capabilities: Pick<StoreCapabilities, 'subqueryJoins'> };

/** SQL types parameters are cast to (explicit casts keep both engines from guessing). */
export type BindType = 'text' | 'double' | 'bigint' | 'integer' | 'date' | 'timestamptz' | 'interval';
const SQL_TYPES: Record<BindType, string> = {
  text: 'TEXT',
  double: 'DOUBLE PRECISION',
  bigint: 'BIGINT',
  integer: 'INTEGER',
  date: 'DATE',
  timestamptz: 'TIMESTAMPTZ',
  interval: 'INTERVAL',
};

/** A compiled condition over the outer member row `m`; `nullable` when it may be NULL (a leaf on a column). */
export interface Predicate {
  sql: string;
  nullable: boolean;
}

/**
 * A condition given as the set of member ids a subquery selects (`set`, never NULL ids), or — when `negated` —
 * as the members outside it. `distinct` says the subquery yields each id once (it groups by member_id).
 */
export interface MemberSet {
  set: string;
  distinct: boolean;
  negated: boolean;
}

export type Condition = Predicate | MemberSet;
export const isMemberSet = (c: Condition): c is MemberSet => 'set' in c;

/** The members the subquery selects. */
export const inSet = (set: string, distinct: boolean): MemberSet => ({ set, distinct, negated: false });
/** The members the subquery does not select. */
export const outsideSet = (set: string, distinct: boolean): MemberSet => ({ set, distinct, negated: true });

/** Context of one compilation: parameters, the workspace (`$1`), the dialect, the optional member restriction. */
export class SqlBuilder {
  readonly params: SqlParam[] = [];
  private scopeSql: string | null = null;

  constructor(readonly dialect: RuleDialect, workspaceId: string, memberIds?: readonly string[]) {
    this.params.push(workspaceId);
    if (memberIds) {
      const at = this.params.push(JSON.stringify(memberIds.map((id) => ({ id }))));
      this.scopeSql = `SELECT _ids.id FROM ${dialect.jsonRows(at, [{ name: 'id', type: 'text' }], '_ids')}`;
    }
  }

  /** `$1`: the workspace id. */
  get ws(): string {
    return '$1';
  }

  /** Binds `value` and returns `CAST($n AS type)`. */
  bind(value: SqlParam, type: BindType): string {
    const n = this.params.push(value);
    return `CAST($${n} AS ${SQL_TYPES[type]})`;
  }

  /** Binds each value: `CAST($3 AS TEXT), CAST($4 AS TEXT)` for an IN list. */
  bindList(values: readonly SqlParam[], type: BindType): string {
    return values.map((v) => this.bind(v, type)).join(', ');
  }

  /**
   * Restricts every later subquery to the members `sql` selects (one column `id`): the candidates the cheap
   * conditions of a top-level AND leave, so the costly subqueries aggregate only their rows.
   */
  restrictTo(sql: string): void {
    this.scopeSql = sql;
  }

  /** ` AND <col> IN (<the member ids>)` when evaluation is restricted to some members, else ''. */
  scope(column: string): string {
    return this.scopeSql ? ` AND ${column} IN (${this.scopeSql})` : '';
  }
}

