// The audit log's hash chain and secret redaction (pure): each row's hash covers its content and the previous hash,
// so removing, reordering or editing any stored row breaks every hash after it.
import { createHash } from 'node:crypto';

/** The fields of a row that its hash covers (timestamps as epoch milliseconds: both engines round-trip them). */
export interface ChainedFields {
  seq: number;
  id: string;
  kind: string;
  occurred_at: string;
  actor_type: string | null;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  route: string | null;
  resource_id: string | null;
  status: number | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  before_json: string | null;
  after_json: string | null;
  detail_json: string | null;
}

/** Hash of the first row's predecessor. */
export const GENESIS = '0'.repeat(64);

/**
 * SHA-256 over the previous hash and the row's fields in a fixed order.
 * @example rowHash(GENESIS, row) // '3f1c…'
 */
export function rowHash(prevHash: string, r: ChainedFields): string {
  const parts = [
    prevHash, r.seq, r.id, r.kind, Date.parse(r.occurred_at), r.actor_type, r.actor_id, r.actor_name, r.action, r.route,
    r.resource_id, r.status, r.ip, r.user_agent, r.request_id, r.before_json, r.after_json, r.detail_json,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A break in the chain: the first row whose hash or link does not match. */
export interface ChainBreak {
  seq: number;
  reason: 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch';
}

/**
 * Checks consecutive rows (ordered by seq) continuing from `prev` (the hash and seq before the first row).
 * Returns the first break, or null; also the hash and seq to continue from with the next page.
 */
export function verifyRows(
  prev: { hash: string; seq: number },
  rows: (ChainedFields & { prev_hash: string; hash: string })[],
): { broken: ChainBreak | null; last: { hash: string; seq: number } } {
  let last = prev;
  for (const r of rows) {
    const seq = Number(r.seq);
    if (seq !== last.seq + 1) return { broken: { seq, reason: 'seq_gap' }, last };
    if (r.prev_hash !== last.hash) return { broken: { seq, reason: 'prev_hash_mismatch' }, last };
    if (rowHash(r.prev_hash, { ...r, seq }) !== r.hash) return { broken: { seq, reason: 'hash_mismatch' }, last };
    last = { hash: r.hash, seq };
  }
  return { broken: null, last };
}

const SECRET_KEY = /(secret|password|passwd|token|api[_-]?key|access[_-]?key|app[_-]?key|sign[_-]?key|private|credential|signature|encoding[_-]?aes|^key$|authorization|cookie)/i;

/** Placeholder a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/**
 * A deep copy of `v` with the values of secret-looking keys (secret, password, token, api_key, …) replaced.
 * @example redact({ config: { app_secret: 'x', url: 'u' } }) // { config: { app_secret: '[redacted]', url: 'u' } }
 */
export function redact(v: unknown, depth = 0): unknown {
  if (depth > 20 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => redact(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) && x !== null && x !== undefined && x !== '' && typeof x !== 'object' ? REDACTED : redact(x, depth + 1);
  }
  return out;
}

/** JSON text of a snapshot (redacted, capped at 64 KiB so one huge config cannot bloat the log), or null. */
export function snapshotJson(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const text = JSON.stringify(redact(v));
  if (text === undefined) return null;
  return text.length > 65_536 ? JSON.stringify({ truncated: true, length: text.length, head: text.slice(0, 4096) }) : text;
}
