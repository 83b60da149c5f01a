// Per-step and per-journey counts: from the step log (every step an instance executed, or stood at when a goal or
// an archive ended it) and the instances standing at each step now.
import type { SqlExecutor } from '../../store/port.ts';
import type { Definition } from './schema.ts';

/** Outcomes that end an instance at a step instead of completing it. */
const END_OUTCOMES = new Set(['goal', 'archived']);

export interface StepStats {
  step_id: string;
  type: string;
  name: string | null;
  /** Instances that reached the step (completed it, stand on it, or were ended on it). */
  entered: number;
  /** Instances standing on the step now (waiting, or about to run it). */
  waiting: number;
  completed: number;
  /** Instances a goal ended while they stood on the step. */
  exited_by_goal: number;
  /** Completions by outcome: sent, skipped:no_consent, branch:A, timeout, event, then, else… */
  outcomes: Record<string, number>;
}

export interface JourneyStats {
  journey_id: string;
  version: number | null;
  totals: { entered: number; active: number; completed: number; exited: number; goal: number; holdout: number; failed: number; archived: number };
  steps: StepStats[];
}

export async function journeyStats(db: SqlExecutor, ws: string, journeyId: string, def: Definition | null, version: number | null): Promise<JourneyStats> {
  const v = version === null ? '' : ' AND version = $3';
  const params = version === null ? [ws, journeyId] : [ws, journeyId, version];
  const [logRows, atRows, stateRows] = await Promise.all([
    db.query<{ step_id: string; step_type: string; outcome: string; n: number }>(
      `SELECT step_id, step_type, outcome, count(*) AS n FROM journey_step_log WHERE workspace_id = $1 AND journey_id = $2${v} GROUP BY step_id, step_type, outcome`,
      params,
    ),
    db.query<{ step_id: string; n: number }>(
      `SELECT step_id, count(*) AS n FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2 AND state = 'active'${v} GROUP BY step_id`,
      params,
    ),
    db.query<{ state: string; n: number }>(`SELECT state, count(*) AS n FROM journey_instances WHERE workspace_id = $1 AND journey_id = $2${v} GROUP BY state`, params),
  ]);
  const steps = new Map<string, StepStats>();
  const stat = (id: string, type: string) => {
    let s = steps.get(id);
    if (!s) steps.set(id, (s = { step_id: id, type, name: null, entered: 0, waiting: 0, completed: 0, exited_by_goal: 0, outcomes: {} }));
    return s;
  };
  // The definition's steps first, in its order (steps nobody reached yet show zeros).
  if (def) for (const [id, step] of Object.entries(def.steps)) stat(id, step.type).name = step.name ?? null;
  for (const r of logRows) {
    const n = Number(r.n);
    const s = stat(r.step_id, r.step_type === 'end' ? (steps.get(r.step_id)?.type ?? 'unknown') : r.step_type);
    s.entered += n;
    if (r.outcome === 'goal') s.exited_by_goal += n;
    if (END_OUTCOMES.has(r.outcome) || r.step_type === 'end') continue;
    s.completed += n;
    s.outcomes[r.outcome] = (s.outcomes[r.outcome] ?? 0) + n;
  }
  for (const r of atRows) {
    if (!r.step_id) continue;
    const s = stat(r.step_id, steps.get(r.step_id)?.type ?? 'unknown');
    s.entered += Number(r.n);
    s.waiting += Number(r.n);
  }
  const totals = { entered: 0, active: 0, completed: 0, exited: 0, goal: 0, holdout: 0, failed: 0, archived: 0 };
  for (const r of stateRows) {
    const n = Number(r.n);
    totals.entered += n;
    if (r.state in totals) totals[r.state as keyof typeof totals] += n;
  }
  return { journey_id: journeyId, version, totals, steps: [...steps.values()] };
}
