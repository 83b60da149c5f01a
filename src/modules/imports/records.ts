// Turns one mapped row into a member or event record, or an order line, checking what a single row can check.
import { IDENTIFIER_FIELDS } from './fields.ts';
import type { CompiledMapping, RowProblem } from './mapping.ts';
import type { EventRecord, MemberRecord } from './schema.ts';

/** A row the import will not write, as it appears in the report. */
export interface Rejection {
  row: number;
  column: string;
  value: unknown;
  reason: string;
}

const GENDER: Record<string, 'male' | 'female' | 'unknown'> = {
  m: 'male', male: 'male', man: 'male', '男': 'male', '1': 'male',
  f: 'female', female: 'female', woman: 'female', '女': 'female', '2': 'female',
  u: 'unknown', unknown: 'unknown', '未知': 'unknown', '0': 'unknown',
};

/** Column shown in the report for a target field (its source column, else the field name). */
export function columnOf(mapping: CompiledMapping, field: string): string {
  return mapping.fields.find((f) => f.field === field)?.column ?? field;
}

/** Checks and normalises identifier values in place; returns problems for malformed ones. */
function checkIdentifiers(v: Record<string, unknown>, mapping: CompiledMapping, prefix = ''): RowProblem[] {
  const problems: RowProblem[] = [];
  const phoneKey = prefix + 'phone';
  if (typeof v[phoneKey] === 'string') {
    const p = (v[phoneKey] as string).replace(/[\s()-]/g, '');
    if (/^\+?\d{5,20}$/.test(p)) v[phoneKey] = p;
    else problems.push({ column: columnOf(mapping, phoneKey), value: v[phoneKey], reason: 'phone: expected digits, optionally with a leading +' });
  }
  const emailKey = prefix + 'email';
  if (typeof v[emailKey] === 'string') {
    const e = (v[emailKey] as string).toLowerCase();
    if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e) && e.length <= 320) v[emailKey] = e;
    else problems.push({ column: columnOf(mapping, emailKey), value: v[emailKey], reason: 'email: not an email address' });
  }
  const genderKey = prefix + 'gender';
  if (v[genderKey] !== undefined) {
    const g = GENDER[String(v[genderKey]).trim().toLowerCase()];
    if (g) v[genderKey] = g;
    else problems.push({ column: columnOf(mapping, genderKey), value: v[genderKey], reason: 'gender: expected male/female/unknown (男/女/未知)' });
  }
  return problems;
}

/** Values under `prefix` (e.g. `attributes.`) as an object, or undefined when there are none. */
function collect(v: Record<string, unknown>, prefix: string): Record<string, unknown> | undefined {
  let out: Record<string, unknown> | undefined;
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith(prefix)) (out ??= {})[k.slice(prefix.length)] = val;
  }
  return out;
}

const toRejections = (row: number, problems: RowProblem[]): Rejection[] => problems.map((p) => ({ row, ...p }));

/** A member upsert record from one row, or its rejections. */
export function memberRecord(v: Record<string, unknown>, row: number, mapping: CompiledMapping, cellProblems: RowProblem[] = []): { record?: MemberRecord; rejected?: Rejection[] } {
  const problems = [...cellProblems, ...checkIdentifiers(v, mapping)];
  if (!IDENTIFIER_FIELDS.some((f) => v[f] !== undefined)) {
    problems.push({ column: '(identifiers)', value: '', reason: `no identifier: a member row needs one of ${IDENTIFIER_FIELDS.join(', ')}` });
  }
  if (problems.length) return { rejected: toRejections(row, problems) };
  const record: MemberRecord = { row };
  for (const [k, val] of Object.entries(v)) if (!k.includes('.')) (record as Record<string, unknown>)[k] = val;
  const attributes = collect(v, 'attributes.');
  if (attributes) record.attributes = attributes;
  return { record };
}

const EVENT_TYPES = new Set(['track', 'page', 'screen']);

/**
 * A track/page/screen event from one row, or its rejections. Without a message_id column the id is derived from
 * the file's sha256 and the row number, so importing the same file again stores nothing twice.
 */
export function eventRecord(v: Record<string, unknown>, row: number, mapping: CompiledMapping, fileSha256: string, cellProblems: RowProblem[] = []): { record?: EventRecord; rejected?: Rejection[] } {
  const problems: RowProblem[] = [...cellProblems];
  const failed = new Set(cellProblems.map((p) => p.reason.split(':')[0]));
  const type = v.type === undefined ? 'track' : String(v.type).toLowerCase();
  if (!EVENT_TYPES.has(type) && !failed.has('type')) problems.push({ column: columnOf(mapping, 'type'), value: v.type, reason: 'type: expected track, page or screen' });
  if (type === 'track' && v.event === undefined && !failed.has('event')) problems.push({ column: columnOf(mapping, 'event'), value: '', reason: 'event: a track event needs an event name' });
  if (v.user_id === undefined && v.anonymous_id === undefined && !failed.has('user_id') && !failed.has('anonymous_id')) {
    problems.push({ column: columnOf(mapping, 'user_id'), value: '', reason: 'user_id: needs user_id or anonymous_id' });
  }
  if (v.timestamp === undefined && !failed.has('timestamp')) problems.push({ column: columnOf(mapping, 'timestamp'), value: '', reason: 'timestamp: required' });
  if (problems.length) return { rejected: toRejections(row, problems) };
  const record: EventRecord = {
    row,
    message_id: (v.message_id as string | undefined) ?? `imp-${fileSha256.slice(0, 24)}-${row}`,
    type: type as EventRecord['type'],
    timestamp: v.timestamp as string,
  };
  for (const k of ['event', 'user_id', 'anonymous_id', 'channel'] as const) if (v[k] !== undefined) record[k] = v[k] as string;
  const properties = collect(v, 'properties.');
  if (properties) record.properties = properties;
  const context = collect(v, 'context.');
  if (context) record.context = context;
  return { record };
}

/** One order row after single-row checks: the order's fields plus this row's line. */
export interface OrderLine {
  row: number;
  values: Record<string, unknown>;
  /** Problems of this row; a group holding any is rejected whole. */
  problems: RowProblem[];
}

/** Order-row checks that need only the row itself (identifiers, gender of the member traits). */
export function orderLine(v: Record<string, unknown>, row: number, problems: RowProblem[], mapping: CompiledMapping): OrderLine {
  const all = [...problems, ...checkIdentifiers(v, mapping), ...checkIdentifiers(v, mapping, 'member.')];
  if (v.paid_at === undefined && !problems.some((p) => p.reason.startsWith('paid_at'))) {
    all.push({ column: columnOf(mapping, 'paid_at'), value: '', reason: 'paid_at: required' });
  }
  return { row, values: v, problems: all };
}
