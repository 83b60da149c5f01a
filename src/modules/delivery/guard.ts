// The guard rails as the delivery pipeline sees them: one batch call that admits members, skips them with a reason
// (no consent, frequency cap, duplicate across campaigns…) or defers them (quiet hours → retry at a time). The
// consent module implements it; this file is the one place the pipeline calls it.
import type { Purpose } from './types.ts';

export interface GuardRequest {
  sourceKey: string;
  channelId: string;
  channelType: string;
  purpose: Purpose;
  memberIds: string[];
  now: Date;
}

export interface GuardDecision {
  admitted: string[];
  /** Member → reason (`no_consent`, `frequency_cap`, `duplicate`…). */
  skipped: Map<string, string>;
  /** Member → when to try again (ISO), e.g. the end of quiet hours. */
  deferred: Map<string, { retryAt: string; reason: string }>;
}

export interface Guard {
  admit(ws: string, req: GuardRequest): Promise<GuardDecision>;
  /**
   * Gives back what `admit` reserved (frequency-cap slots, dedupe claims) for members that will not get this
   * message after all: unreachable, not renderable, or failed for good.
   */
  release?(ws: string, sourceKey: string, memberIds: string[]): Promise<number>;
}

/** Admits everyone: the pipeline's guard while no consent module is installed. */
export const OPEN_GUARD: Guard = {
  async admit(_ws, req) {
    return { admitted: [...req.memberIds], skipped: new Map(), deferred: new Map() };
  },
};

/**
 * The consent module's guard on the app's services (`services.consent`), or null while none is installed. The
 * only place the pipeline looks for it.
 */
export function guardOf(services: unknown): Guard | null {
  const consent = (services as { consent?: Partial<Guard> & { guard?: Guard } } | undefined)?.consent;
  const g = consent?.guard ?? consent;
  if (!g || typeof g.admit !== 'function') return null;
  return { admit: (ws, req) => g.admit!(ws, req), ...(typeof g.release === 'function' ? { release: (ws, key, ids) => g.release!(ws, key, ids) } : {}) };
}
