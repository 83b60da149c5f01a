// The holdout (control group) of a broadcast: drawn by the measurement module when it is installed (it records
// the draw for the lift report), else by a stable hash here. The one place broadcasts call measurement.
import { inHoldout } from './schedule.ts';

/** What the measurement module offers (services.measurement). */
export interface HoldoutAssigner {
  assignHoldout(ws: string, req: { sourceKey: string; share: number; memberIds: string[] }): Promise<unknown>;
}

/** Reads the assigner's answer: a set or list of held-out ids, `{ holdout }` of either, or a member → boolean map. */
function heldOut(answer: unknown): Set<string> {
  if (answer instanceof Set) return answer as Set<string>;
  if (Array.isArray(answer)) return new Set(answer as string[]);
  if (answer instanceof Map) return new Set([...(answer as Map<string, unknown>)].filter(([, v]) => v === true || v === 'holdout' || v === 'control').map(([k]) => k));
  if (answer && typeof answer === 'object') {
    const o = answer as Record<string, unknown>;
    for (const k of ['holdout', 'holdoutIds', 'holdout_ids', 'control']) if (o[k] !== undefined) return heldOut(o[k]);
  }
  throw new Error('measurement.assignHoldout returned an answer broadcasts cannot read');
}

/** The held-out members of `memberIds` (none when share is 0). */
export async function drawHoldout(assigner: HoldoutAssigner | null | undefined, ws: string, sourceKey: string, share: number, memberIds: string[]): Promise<Set<string>> {
  if (share <= 0 || memberIds.length === 0) return new Set();
  if (assigner) return heldOut(await assigner.assignHoldout(ws, { sourceKey, share, memberIds }));
  return new Set(memberIds.filter((id) => inHoldout(sourceKey, id, share)));
}
