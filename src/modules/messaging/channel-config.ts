// Pure handling of channel configs: validation through the type's adapter, keeping stored secrets when a client
// sends them back masked, and the public (secret-free) view the API returns.
import type { ZodError } from 'zod';
import { invalid } from '../../core/errors.ts';
import type { ChannelRow } from './channel-repo.ts';
import { ChannelOptionsSchema } from './schema.ts';
import type { ChannelOptions, ProviderAdapter } from './types.ts';

/** What the API shows in place of a stored secret. */
export const MASK = '***';

function firstIssue(e: ZodError, prefix: string) {
  const issue = e.issues[0];
  const path = issue?.path.length ? `${prefix}.${issue.path.join('.')}` : prefix;
  return { path, message: issue ? `${path}: ${issue.message}` : `${prefix} is invalid` };
}

/**
 * Validates a config for `adapter`, filling defaults. Secret fields that are missing or `"***"` keep the value of
 * `previous` (so a client can send back what GET returned); 400 `messaging.config_invalid` names the bad field.
 */
export function resolveConfig(adapter: ProviderAdapter, config: Record<string, unknown>, previous?: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...config };
  for (const f of adapter.secretFields) {
    if (merged[f] === MASK || merged[f] === undefined) {
      if (previous?.[f] !== undefined) merged[f] = previous[f];
      else delete merged[f];
    }
  }
  const parsed = adapter.configSchema.safeParse(merged);
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error, 'config');
    throw invalid('messaging.config_invalid', `Invalid ${adapter.type} channel config: ${message}`, path);
  }
  return parsed.data as Record<string, unknown>;
}

/** Options with defaults for what is not given (and the previous values, on an update). */
export function resolveOptions(options: Partial<ChannelOptions> | undefined, previous?: ChannelOptions): ChannelOptions {
  const parsed = ChannelOptionsSchema.safeParse({ ...(previous ?? {}), ...(options ?? {}) });
  if (!parsed.success) {
    const { path, message } = firstIssue(parsed.error, 'options');
    throw invalid('messaging.options_invalid', `Invalid channel options: ${message}`, path);
  }
  if (parsed.data.max_backoff_ms < parsed.data.backoff_ms) throw invalid('messaging.options_invalid', 'options.max_backoff_ms must be at least options.backoff_ms', 'options.max_backoff_ms');
  return parsed.data;
}

/** A channel as the API returns it: secrets masked, `has_secret` telling whether any is stored. */
export function publicChannel(c: ChannelRow, secretFields: string[]) {
  const config: Record<string, unknown> = { ...c.config };
  let hasSecret = false;
  for (const f of secretFields) {
    if (config[f] !== undefined && config[f] !== null) {
      config[f] = MASK;
      hasSecret = true;
    }
  }
  return {
    id: c.id,
    name: c.name,
    type: c.type,
    enabled: c.enabled,
    config,
    has_secret: hasSecret,
    secret_fields: secretFields,
    options: c.options,
    receipts_url: `/api/messaging/receipts/${c.id}`,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}
export type PublicChannel = ReturnType<typeof publicChannel>;
