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
