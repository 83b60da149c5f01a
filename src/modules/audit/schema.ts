// Request validation for the audit routes (zod, strict): filters, paging and export format.
import { z } from 'zod';
import { pageLimit } from '../../core/pagination.ts';

const iso = z.string().datetime({ offset: true });

const filters = {
  /** `user:<id>`, `key:<id>`, a bare id or an actor name. */
  actor: z.string().trim().min(1).max(300).optional(),
  /** Prefix of the action (`POST`, `PUT /api/consent/guard`) or of the route (`/api/loyalty`). */
  action: z.string().trim().min(1).max(300).optional(),
  /** A resource id (from the route parameters) or a route prefix. */
  resource: z.string().trim().min(1).max(300).optional(),
  from: iso.optional(),
  to: iso.optional(),
};

export const AuditListQuery = z
  .object({ ...filters, limit: pageLimit(50, 500), cursor: z.string().min(1).max(100).optional() })
  .strict();

export const AuditExportQuery = z.object({ ...filters, format: z.enum(['csv', 'json']).default('csv') }).strict();

// ---- responses (documented in the OpenAPI document; the console's types are generated from them) ---------------

/** What an `ingest_summary` row sums up: one key's ingest requests in one minute. */
const IngestSummary = z.object({
  minute: z.string(),
  requests: z.number(),
  messages: z.number(),
  failed: z.number(),
  routes: z.record(z.string(), z.number()),
});

/** One audit row as the API returns it: snapshots (secrets redacted) and details parsed. */
export const AuditRowView = z.object({
  seq: z.number().int(),
  id: z.string(),
  kind: z.enum(['request', 'ingest_summary']),
  occurred_at: z.string(),
  /** `user:<id>` or `key:<id>`; null for the system. */
  actor: z.string().nullable(),
  actor_type: z.string().nullable(),
  actor_id: z.string().nullable(),
  actor_name: z.string().nullable(),
  /** `METHOD /route/pattern`, e.g. `PUT /api/consent/guard`. */
  action: z.string(),
  route: z.string().nullable(),
  resource_id: z.string().nullable(),
  status: z.number().int().nullable(),
  ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  request_id: z.string().nullable(),
  before: z.unknown(),
  after: z.unknown(),
  detail: IngestSummary.partial().nullable(),
  hash: z.string(),
});
export type AuditView = z.infer<typeof AuditRowView>;

export const AuditPage = z.object({ data: z.array(AuditRowView), next_cursor: z.string().nullable() });

export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  rows: z.number().int(),
  last_seq: z.number().int(),
  last_hash: z.string(),
  /** The first row whose chain does not hold, and why. */
  broken: z.object({ seq: z.number().int(), reason: z.enum(['seq_gap', 'prev_hash_mismatch', 'hash_mismatch']) }).nullable(),
});
export type AuditVerify = z.infer<typeof AuditVerifyResult>;
