// Column mappings: which source column feeds which target field, with simple transforms; compiled once per file.
import { basename } from 'node:path';
import { z } from 'zod';
import { invalid } from '../../core/errors.ts';
import { DATE_FORMATS, isValidTimezone, type DateFormat } from './dates.ts';
import { coerce, fieldType, IMPORT_KINDS, normaliseHeader, selfMappedField, type ImportKind } from './fields.ts';

/** Value transforms, applied in order before the field's type conversion. */
export const TransformSchema = z.union([
  z.enum(['trim', 'lower', 'upper', 'number', 'integer', 'strip_decimal_zero', 'strip_leading_zeros', 'empty_to_null', 'negate', 'abs']),
  z.object({ date: z.enum(DATE_FORMATS) }).strict(),
  z.object({ replace: z.tuple([z.string(), z.string()]) }).strict(),
  z.object({ map: z.record(z.string(), z.union([z.string(), z.number(), z.null()])) }).strict(),
  z.object({ default: z.union([z.string(), z.number(), z.boolean()]) }).strict(),
]);
export type Transform = z.infer<typeof TransformSchema>;

/**
 * Where a field's value comes from: a column name, or an object with a column (or the first present of several),
 * a constant `value`, or a `template` such as `cdnow-{file}-{row}` ({file}, {row} and {column name} placeholders).
 */
export const FieldSpecSchema = z.union([
  z.string().min(1).max(200),
  z
    .object({
      column: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
      value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
      template: z.string().min(1).max(500).optional(),
      transform: z.array(TransformSchema).max(20).optional(),
    })
    .strict()
    .refine((s) => [s.column, s.value, s.template].filter((x) => x !== undefined).length === 1, {
      message: 'give exactly one of column, value or template',
    }),
]);
export type FieldSpec = z.infer<typeof FieldSpecSchema>;

export const FormatSchema = z
  .object({
    /** csv delimiter (default `,`); `whitespace` splits on runs of spaces/tabs (CDNOW .txt). */
    delimiter: z.string().min(1).max(10).optional(),
    /** Whether the first row is a header; `auto` = a first row with no numeric cell is a header. */
    header: z.union([z.boolean(), z.literal('auto')]).optional(),
    /** Column names for files without a header, by number of columns (e.g. {"4": [...], "5": [...]}). */
    columns: z.record(z.string(), z.array(z.string().min(1))).optional(),
    /** xlsx: worksheet name (default the first). */
    sheet: z.string().optional(),
  })
  .strict();

export const MappingSchema = z
  .object({
    kind: z.enum(IMPORT_KINDS),
    description: z.string().max(2000).optional(),
    format: FormatSchema.optional(),
    /** Zone for date-times without an offset: `+08:00`, `UTC` or an IANA name (default UTC). */
    timezone: z.string().refine(isValidTimezone, 'unknown time zone').optional(),
    fields: z.record(z.string(), FieldSpecSchema),
    /** Also map columns named like target fields that `fields` does not mention. */
    autoMap: z.boolean().optional(),
    /** orders: order ids starting with this prefix are refunds (online-retail `C…` cancellations). */
    refundPrefix: z.string().min(1).max(20).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const f of Object.keys(m.fields)) {
      if (!fieldType(m.kind, f)) ctx.addIssue({ code: 'custom', path: ['fields', f], message: `${m.kind} imports have no field ${f}` });
    }
  });
export type Mapping = z.infer<typeof MappingSchema>;

/** Where one target field's value came from, for the validation report. */
export interface CompiledField {
  field: string;
  /** Source column name shown in the report (or the field name for constants and templates). */
  column: string;
  read: (cells: unknown[], row: number) => unknown;
  transforms: Transform[];
  dateFormat?: DateFormat;
}

export interface RowProblem {
  column: string;
  value: unknown;
  reason: string;
}

export interface CompiledMapping {
  kind: ImportKind;
  fields: CompiledField[];
  /** Header cells no field reads. */
  unusedColumns: string[];
  refundPrefix?: string;
  /** Maps one row's cells to typed target fields, collecting a problem per bad cell. */
  apply(cells: unknown[], row: number): { values: Record<string, unknown>; problems: RowProblem[] };
}

function applyTransform(v: unknown, t: Transform): unknown {
  if (typeof t === 'object') {
    if ('date' in t) return v;
    if ('replace' in t) return typeof v === 'string' ? v.split(t.replace[0]).join(t.replace[1]) : v;
    if ('map' in t) {
      const key = v === null || v === undefined ? '' : String(v).trim();
      return Object.prototype.hasOwnProperty.call(t.map, key) ? t.map[key] : v;
    }
    return v === undefined || v === null || v === '' ? t.default : v;
  }
  if (v === undefined || v === null) return v;
  switch (t) {
    case 'trim':
      return typeof v === 'string' ? v.trim() : v;
    case 'lower':
      return typeof v === 'string' ? v.toLowerCase() : v;
    case 'upper':
      return typeof v === 'string' ? v.toUpperCase() : v;
    case 'empty_to_null':
      return typeof v === 'string' && v.trim() === '' ? null : v;
    case 'strip_decimal_zero':
      // Exports that went through a float column write ids as `17850.0`.
      return typeof v === 'string' ? v.trim().replace(/^(-?\d+)\.0+$/, '$1') : v;
    case 'strip_leading_zeros':
      return typeof v === 'string' ? v.trim().replace(/^0+(?=\d)/, '') : v;
    case 'number':
    case 'integer': {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (String(v).trim() === '' || !Number.isFinite(n)) return v; // left for the type check to report
      return t === 'integer' ? Math.trunc(n) : n;
    }
    case 'negate':
    case 'abs': {
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      if (String(v).trim() === '' || !Number.isFinite(n)) return v;
      return t === 'negate' ? -n : Math.abs(n);
    }
  }
}

function findColumn(header: string[], wanted: string): number {
  const exact = header.indexOf(wanted);
  if (exact >= 0) return exact;
  const n = normaliseHeader(wanted);
  return header.findIndex((h) => normaliseHeader(h) === n);
}

/**
 * Compiles a mapping against a file's header. Throws `import.column_missing` when a mapped column is absent.
 * Without explicit fields (or with `autoMap`), columns named like target fields map themselves.
 */
export function compileMapping(mapping: Mapping, header: string[], ctx: { fileName: string }): CompiledMapping {
  const tz = mapping.timezone ?? 'UTC';
  const file = basename(ctx.fileName).replace(/(\.csv)?(\.gz)?$|\.(txt|xlsx|tsv)$/i, '');
  const used = new Set<number>();
  const fields: CompiledField[] = [];
  for (const [field, spec] of Object.entries(mapping.fields)) {
    const s = typeof spec === 'string' ? { column: spec } : spec;
    const transforms = s.transform ?? [];
    const dateT = transforms.find((t): t is { date: DateFormat } => typeof t === 'object' && 'date' in t);
    const base = { field, transforms, dateFormat: dateT?.date };
    if (s.column !== undefined) {
      const names = Array.isArray(s.column) ? s.column : [s.column];
      const idx = names.map((c) => findColumn(header, c)).find((i) => i >= 0);
      if (idx === undefined) {
        throw invalid('import.column_missing', `Mapping needs column ${names.join(' or ')} for ${field}; the file has: ${header.join(', ')}`, `fields.${field}`);
      }
      used.add(idx);
      fields.push({ ...base, column: header[idx], read: (cells) => cells[idx] });
    } else if (s.template !== undefined) {
      const parts = s.template.split(/(\{[^}]+\})/).map((p) => {
        if (!/^\{.+\}$/.test(p)) return () => p;
        const name = p.slice(1, -1);
        if (name === 'file') return () => file;
        if (name === 'row') return (_c: unknown[], row: number) => String(row);
        const idx = findColumn(header, name);
        if (idx < 0) throw invalid('import.column_missing', `Template of ${field} names column ${name}, which the file lacks`, `fields.${field}`);
        used.add(idx);
        return (cells: unknown[]) => String(cells[idx] ?? '').trim();
      });
      fields.push({ ...base, column: field, read: (cells, row) => parts.map((p) => p(cells, row)).join('') });
    } else {
      const constant = s.value;
      fields.push({ ...base, column: field, read: () => constant });
    }
  }
  if (Object.keys(mapping.fields).length === 0 || mapping.autoMap) {
    const taken = new Set(fields.map((f) => f.field));
    header.forEach((h, idx) => {
      const field = selfMappedField(mapping.kind, h);
      if (!field || taken.has(field) || used.has(idx)) return;
      taken.add(field);
      used.add(idx);
      fields.push({ field, column: h, read: (cells) => cells[idx], transforms: [] });
    });
  }
  const unusedColumns = header.filter((_h, i) => !used.has(i));
  const types = fields.map((f) => fieldType(mapping.kind, f.field)!);
  return {
    kind: mapping.kind,
    fields,
    unusedColumns,
    refundPrefix: mapping.refundPrefix,
    apply(cells, row) {
      const values: Record<string, unknown> = {};
      const problems: RowProblem[] = [];
      for (let i = 0; i < fields.length; i++) {
        const f = fields[i];
        const raw = f.read(cells, row);
        let v = raw;
        for (const t of f.transforms) v = applyTransform(v, t);
        const c = coerce(types[i], v, { dateFormat: f.dateFormat, timezone: tz });
        if (c.ok) {
          if (c.value !== undefined) values[f.field] = c.value;
        } else problems.push({ column: f.column, value: raw, reason: `${f.field}: ${c.reason}` });
      }
      return { values, problems };
    },
  };
}

/** Parses and validates a mapping document (from a template, a file or the API). */
export function parseMapping(input: unknown): Mapping {
  const r = MappingSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.join('.');
    throw invalid('mapping.invalid', `Invalid mapping${path ? ` at ${path}` : ''}: ${issue.message}`, path || 'mapping', r.error.issues);
  }
  return r.data;
}

/** The mapping used without --mapping: every column named like a target field maps itself. */
export function autoMapping(kind: ImportKind): Mapping {
  return { kind, fields: {}, autoMap: true };
}
