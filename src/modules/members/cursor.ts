// Opaque keyset cursors: base64url JSON of the last row's sort key, so pages never skip or repeat rows.
import { invalid } from '../../core/errors.ts';

/** Timeline entries sort by (ts, kind, id) descending; `ts` is the engine's own text form of the timestamp. */
export interface TimelineKey {
  ts: string;
  kind: string;
  id: string;
}

const TIMELINE_KINDS = new Set(['event', 'order', 'refund', 'message', 'points']);

/**
 * Encodes the sort key of the last entry of a page.
 * @example encodeTimelineCursor({ ts: '2024-01-01 08:00:00.123456+00', kind: 'order', id: 'o1' })
 */
export function encodeTimelineCursor(k: TimelineKey): string {
  return Buffer.from(JSON.stringify([k.ts, k.kind, k.id]), 'utf8').toString('base64url');
}

/** Decodes a timeline cursor; 400 `timeline.invalid_cursor` when it was not made by {@link encodeTimelineCursor}. */
export function decodeTimelineCursor(cursor: string): TimelineKey {
  const bad = () => invalid('timeline.invalid_cursor', 'cursor is not a timeline cursor returned by this API', 'cursor');
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'string')) throw bad();
  const [ts, kind, id] = v as string[];
  // The timestamp goes back to SQL as a parameter cast to TIMESTAMPTZ: accept only a timestamp-shaped string.
  if (!TIMELINE_KINDS.has(kind) || !/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([+-]\d{2}(:?\d{2})?|Z)?$/.test(ts)) throw bad();
  return { ts, kind, id };
}

/** Member lists page by member id (descending: ids sort by creation time, newest first). */
export function encodeIdCursor(id: string): string {
  return Buffer.from(JSON.stringify({ id }), 'utf8').toString('base64url');
}

/** Decodes a member list cursor; 400 `member.invalid_cursor` otherwise. */
export function decodeIdCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v.id === 'string' && v.id.length > 0) return v.id;
  } catch {
    // fall through to the typed error
  }
  throw invalid('member.invalid_cursor', 'cursor is not a member list cursor returned by this API', 'cursor');
}
