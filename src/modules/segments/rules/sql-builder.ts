// Collects bound parameters while the compiler writes SQL: every value a rule carries becomes `$n`, never text.
import type { SqlParam, Store } from '../../../store/port.ts';

/** The parts of the store port the compiler needs (the store itself satisfies it). */
export type RuleDialect = Pick<Store, 'jsonRows' | 'jsonText' | 'tryDouble'>;

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

/** `m.id IN (sub)`: the member has a row in the subquery (which never yields NULL member ids). */
export const inSub = (sub: string): Predicate => ({ sql: `m.id IN (${sub})`, nullable: false });
/** `m.id NOT IN (sub)`: safe because every subquery filters `member_id IS NOT NULL`. */
export const notInSub = (sub: string): Predicate => ({ sql: `m.id NOT IN (${sub})`, nullable: false });
