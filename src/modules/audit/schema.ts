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
