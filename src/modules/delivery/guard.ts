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
}

/** Admits everyone: the pipeline's guard while no consent module is installed. */
export const OPEN_GUARD: Guard = {
  async admit(_ws, req) {
    return { admitted: [...req.memberIds], skipped: new Map(), deferred: new Map() };
  },
};
