// Small helpers shared by the campaign services: config errors that name the request field, JSON columns, time.
import { SiyuError } from '../../core/errors.ts';

/**
 * Runs a pure parser and re-homes its error under the request field that held the config, so a 400 names
 * `config.groupSize` rather than `groupSize`.
 * @example underField('config', () => parseGroupBuyDeal(body.config))
 */
export function underField<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof SiyuError && e.type === 'invalid_data') {
      const inner = e.field && e.field !== 'config' ? `${field}.${e.field}` : field;
      const message = e.field && e.message.startsWith(`${e.field}:`) ? `${inner}${e.message.slice(e.field.length)}` : `${inner}: ${e.message}`;
      throw new SiyuError('invalid_data', e.code, message, { field: inner, details: e.details });
    }
    throw e;
  }
}

/** A JSON column as an object whichever driver returned it (parsed already, or text). */
export const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

export const DAY_MS = 86_400_000;

/** Instant `at` or now, as ISO. */
export const nowIso = (at?: string) => (at ? new Date(at).toISOString() : new Date().toISOString());
