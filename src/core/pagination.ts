// The one page-size field every list route uses: a default and a hard cap, over the cap is a 400 naming `limit`.
import { z } from 'zod';

/** No list route pages more rows than this at once (exports and bulk reads stream or run as jobs instead). */
export const MAX_PAGE_LIMIT = 50_000;

/**
 * Query `limit` of a list route: an integer from 1 to `max` (never above MAX_PAGE_LIMIT), `def` when absent.
 * Values above the cap are refused (400 `request.invalid`, field `querystring.limit`), never silently clamped.
 * @example const ListQuery = z.object({ limit: pageLimit(50, 1000), cursor: z.string().optional() }).strict();
 */
export function pageLimit(def: number, max = 1000) {
  const cap = Math.min(max, MAX_PAGE_LIMIT);
  return z.coerce
    .number()
    .int('limit must be a whole number')
    .min(1, 'limit must be at least 1')
    .max(cap, `limit must be at most ${cap}`)
    .default(def)
    .describe(`Page size, 1 to ${cap} (default ${def})`);
}
