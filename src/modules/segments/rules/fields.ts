// The fields a rule can compare (member columns, custom attributes, traits, CLV predictions) and the operators
// each field type accepts.
import type { CompareOp } from './schema.ts';

/** How a field is compared. `json` = a custom attribute or event property: numeric when the value is a number. */
export type FieldType = 'text' | 'number' | 'date' | 'timestamp' | 'json';

export interface FieldSpec {
  /** SQL column name. */
  column: string;
  type: FieldType;
  /** Value a member without a row has (member_traits counters): lets "order_count < 1" include non-buyers. */
  missingAs?: number;
  /**
   * Sealed personal data (src/core/pii): only exists / not_exists and equality (=, !=, in, not_in) apply, compared
   * through the lookup hash column `<column>_hash`; ranges, substrings and dates cannot see the plaintext.
   */
  pii?: 'phone' | 'email' | 'name';
}

/** Operators a sealed personal-data field accepts. */
export const PII_OPS: ReadonlySet<CompareOp> = new Set(['=', '!=', 'in', 'not_in', 'exists', 'not_exists']);

/** Columns of `members` a rule may name in `attribute`; anything else must be `attributes.<key>`. */
export const MEMBER_FIELDS: Record<string, FieldSpec> = {
  name: { column: 'name', type: 'text', pii: 'name' },
  gender: { column: 'gender', type: 'text' },
  birthday: { column: 'birthday', type: 'date' },
  city: { column: 'city', type: 'text' },
  region: { column: 'region', type: 'text' },
  phone: { column: 'phone', type: 'text', pii: 'phone' },
  email: { column: 'email', type: 'text', pii: 'email' },
  source_channel: { column: 'source_channel', type: 'text' },
  created_at: { column: 'created_at', type: 'timestamp' },
};

/** Prefix of custom attributes (members.attributes JSON, top-level keys). */
export const CUSTOM_PREFIX = 'attributes.';

/** Computed traits (member_traits columns). */
export const TRAIT_FIELDS: Record<string, FieldSpec> = {
  order_count: { column: 'order_count', type: 'number', missingAs: 0 },
  total_spend: { column: 'total_spend', type: 'number', missingAs: 0 },
  avg_spend: { column: 'avg_spend', type: 'number' },
  refund_total: { column: 'refund_total', type: 'number', missingAs: 0 },
  first_order_at: { column: 'first_order_at', type: 'timestamp' },
  last_order_at: { column: 'last_order_at', type: 'timestamp' },
  favourite_category: { column: 'favourite_category', type: 'text' },
  favourite_product: { column: 'favourite_product', type: 'text' },
  preferred_channel: { column: 'preferred_channel', type: 'text' },
  first_seen_at: { column: 'first_seen_at', type: 'timestamp' },
  last_seen_at: { column: 'last_seen_at', type: 'timestamp' },
};

/** Traits that every event moves (so any event can change a rule on them). */
export const EVENT_TRAITS = new Set(['first_seen_at', 'last_seen_at']);

/** CLV predictions (member_clv columns). */
export const CLV_FIELD_SPECS: Record<string, FieldSpec> = {
  p_alive: { column: 'p_alive', type: 'number' },
  expected_purchases: { column: 'expected_purchases', type: 'number' },
  expected_avg_value: { column: 'expected_avg_value', type: 'number' },
  clv: { column: 'clv', type: 'number' },
};

const BASIC: CompareOp[] = ['=', '!=', '<', '<=', '>', '>=', 'in', 'not_in', 'exists', 'not_exists', 'between'];
const RELATIVE: CompareOp[] = ['within_last_days', 'within_next_days', 'more_than_days_ago', 'anniversary_within_days'];

/** Operators per field type. */
export const OPS_BY_TYPE: Record<FieldType, ReadonlySet<CompareOp>> = {
  text: new Set([...BASIC, 'contains']),
  number: new Set(BASIC),
  date: new Set([...BASIC, ...RELATIVE]),
  timestamp: new Set([...BASIC.filter((o) => o !== 'in' && o !== 'not_in'), ...RELATIVE]),
  json: new Set([...BASIC, 'contains']),
};

/** Operators whose value is a count of days. */
export const DAY_OPS: ReadonlySet<CompareOp> = new Set(RELATIVE);
