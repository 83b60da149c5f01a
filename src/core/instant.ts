// An ISO instant request field within the years every engine and date routine here handles (1900–2199): year 9999
// passes ISO checks, but adding a grace period or a year to it leaves DuckDB's date range and fails a statement.
import { z } from 'zod';

const MIN = Date.UTC(1900, 0, 1);
const MAX = Date.UTC(2200, 0, 1);

/** `2026-03-10T04:00:00Z` / `…+08:00` between 1900 and 2199, else 400 naming the field. */
export const boundedInstant = () =>
  z.iso.datetime({ offset: true }).refine((s) => {
    const ms = Date.parse(s);
    return ms >= MIN && ms < MAX;
  }, 'must be a time between 1900 and 2199');
