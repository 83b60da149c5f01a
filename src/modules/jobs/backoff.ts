// Retry delays: exponential backoff with "equal jitter" (half fixed, half random), so retries of many jobs that
// failed together (a provider outage) spread out instead of returning in one wave.
import type { BackoffOptions } from './types.ts';

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 1000, maxMs: 3_600_000 };

/**
 * Milliseconds to wait before the next attempt after attempt number `attempt` (1-based) failed.
 * The exponential step is min(maxMs, baseMs · 2^(attempt-1)); the result is uniform in [step/2, step].
 * @example backoffDelay(3, { baseMs: 1000 }, () => 1) // 4000
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const max = opts.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const step = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  return Math.round(step / 2 + (step / 2) * random());
}
