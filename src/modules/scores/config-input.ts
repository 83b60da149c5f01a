// Request configs to pure model configs: errors re-labelled with the request's field names.
import { SiyuError, invalid } from '../../core/errors.ts';

/**
 * Re-throws a pure config error with the request's field names: asOf → as_of, windowDays → window_days, anything
 * else under config (e.g. `config.scoring.r.2`).
 */
export function parseConfig<T>(parse: (raw: unknown) => T, raw: unknown): T {
  try {
    return parse(raw);
  } catch (e) {
    if (!(e instanceof SiyuError) || !e.field) throw e;
    const field = e.field === 'asOf' ? 'as_of' : e.field === 'windowDays' ? 'window_days' : `config.${e.field}`;
    const message = e.message.startsWith(`${e.field}:`) ? `${field}${e.message.slice(e.field.length)}` : e.message;
    throw new SiyuError(e.type, e.code, message, { field, details: e.details });
  }
}

/** Refuses the run-level keys inside `config`: they are top-level request fields. */
export function checkConfigKeys(prefix: string, config: Record<string, unknown> | undefined, keys: Record<string, string>) {
  for (const [k, top] of Object.entries(keys)) {
    if (config && k in config) throw invalid(`${prefix}.invalid_config`, `config.${k}: give it as ${top} at the top level of the request`, `config.${k}`);
  }
}

