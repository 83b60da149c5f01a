// Request validation for the privacy routes (zod, strict): export and erase bodies, request lists, consent history.
import { z } from 'zod';
import { CONSENT_CHANNELS, PURPOSES } from '../consent/schema.ts';
import { pageLimit } from '../../core/pagination.ts';

const ref = z.string().trim().min(1).max(600);
const iso = z.string().datetime({ offset: true });

export const ExportBody = z.object({ member: ref }).strict();

export const EraseBody = z
  .object({
    member: ref,
    /** Why: the ticket or request this erase answers (kept in privacy_requests). */
    reason: z.string().trim().min(1).max(1000),
  })
  .strict();

export const RequestsQuery = z
  .object({
    kind: z.enum(['export', 'erase']).optional(),
    member: ref.optional(),
    limit: pageLimit(50, 500),
    cursor: z.string().min(1).max(100).optional(),
  })
  .strict();

export const ConsentHistoryQuery = z
  .object({
    member: ref.optional(),
    purpose: z.enum(PURPOSES).optional(),
    channel: z.enum(CONSENT_CHANNELS).optional(),
    since: iso.optional(),
    until: iso.optional(),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

// ---- responses (documented in the OpenAPI document; the console's types are generated from them) ---------------

/** One export or erase: who asked, why, and what it changed (`counts` per table for an erase). */
export const PrivacyRequestView = z.object({
  id: z.string(),
  kind: z.enum(['export', 'erase']),
  member_id: z.string(),
  /** The ref as given: a member id as is, an identifier only by its type (its value may be the erased phone). */
  member_ref: z.string().nullable(),
  actor_type: z.string().nullable(),
  actor_id: z.string().nullable(),
  actor_name: z.string().nullable(),
  reason: z.string().nullable(),
  status: z.string(),
  counts: z.record(z.string(), z.number()).nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export type PrivacyRequestRow = z.infer<typeof PrivacyRequestView>;

export const PrivacyRequestsPage = z.object({ data: z.array(PrivacyRequestView), next_cursor: z.string().nullable() });

export const EraseAnswer = z.object({
  request: PrivacyRequestView,
  /** False when the member had been erased before: nothing was changed. */
  erased: z.boolean(),
});
