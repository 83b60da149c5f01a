// The job kinds that keep journeys running in whichever processes run workers (`siyu serve`, `siyu worker`):
//  - journeys.pump  one per workspace (key `pump`), a continuation: runs what is due, then comes back at the next
//                   wake time (at most PUMP_IDLE_MS later); stops when the workspace has no live journey.
//  - journeys.run   helpers: other workers join a large batch; a short wait is woken on time.
//  - journeys.sweep every minute per workspace: the trigger catch-up sweep, and restarts the pump if it died.
//  - journeys.tick  a journey's date or schedule trigger (its own schedule `journey-<id>`).
import type { JobService } from '../jobs/service.ts';
import type { JourneyService } from './service.ts';

export const SWEEP_SCHEDULE = 'journeys-sweep';
export const scheduleName = (journeyId: string) => `journey-${journeyId}`;
/** Longest the pump sleeps while a workspace has live journeys (waits longer than this are woken late by at most this). */
export const PUMP_IDLE_MS = 5_000;

export function registerJourneyJobs(jobs: JobService, s: JourneyService): void {
  jobs.register(
    'journeys.pump',
    async (job, ctx) => {
      const ws = job.workspaceId;
      await s.engine.runDue(ws, { signal: ctx.signal });
      if ((await s.engine.live.get(ws)).journeys.length === 0) return; // nothing live: publish or resume starts it again
      const now = s.now().getTime();
      const next = await s.engine.nextWake(ws);
      const at = Math.max(now + 1000, Math.min(next ? Date.parse(next) : Infinity, now + PUMP_IDLE_MS));
      return { retryAt: new Date(at).toISOString() };
    },
    { concurrency: 2, leaseMs: 120_000 },
  );
  jobs.register('journeys.run', async (job, ctx) => void (await s.engine.runDue(job.workspaceId, { signal: ctx.signal })), { concurrency: 2, leaseMs: 120_000 });
  jobs.register(
    'journeys.sweep',
    async (job) => {
      await s.triggers.sweep(job.workspaceId);
      if ((await s.engine.live.get(job.workspaceId)).journeys.length > 0) await jobs.enqueue(job.workspaceId, { kind: 'journeys.pump', key: 'pump', payload: {} });
    },
    { concurrency: 1, leaseMs: 300_000 },
  );
  jobs.register(
    'journeys.tick',
    async (job) => void (await s.triggers.tick(job.workspaceId, String(job.payload?.journeyId ?? ''), job.runAt)),
    { concurrency: 1, leaseMs: 300_000 },
  );
}
