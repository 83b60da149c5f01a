// Prometheus metrics of the job queue, registered on the app's registry: counters kept by this process's worker,
// and queue depth and lag read from the store at scrape time (so every process reports the whole queue).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Store } from '../../store/port.ts';
import { jobsRepo } from './repo.ts';
import { JOB_STATES } from './types.ts';

export interface JobMetrics {
  claimed: Counter<'kind'>;
  completed: Counter<'kind'>;
  /** outcome: retry (queued again with backoff) or dead. */
  failed: Counter<'kind' | 'outcome'>;
  /** Seconds from a job becoming due to its claim. */
  claimLag: Histogram<'kind'>;
  /** Seconds a handler ran. */
  duration: Histogram<'kind'>;
}

/** Registers the job metrics on `registry`; the gauges query `store` when scraped. */
export function createJobMetrics(registry: Registry, store: Store, now: () => Date = () => new Date()): JobMetrics {
  // A second job service on the same registry (two service sets in one app's registry) shares the first's metrics.
  const existing = registry.getSingleMetric('siyu_jobs_claimed_total');
  if (existing) {
    const get = (name: string) => registry.getSingleMetric(name) as any;
    return { claimed: get('siyu_jobs_claimed_total'), completed: get('siyu_jobs_completed_total'), failed: get('siyu_jobs_failed_total'), claimLag: get('siyu_jobs_claim_lag_seconds'), duration: get('siyu_jobs_duration_seconds') };
  }
  const registers = [registry];
  new Gauge({
    name: 'siyu_jobs_queue_depth',
    help: 'Jobs by kind and state (all workspaces), read from the store at scrape time',
    labelNames: ['kind', 'state'],
    registers,
    async collect() {
      this.reset();
      try {
        const rows = await jobsRepo.counts(store);
        for (const r of rows) if (JOB_STATES.includes(r.state)) this.set({ kind: r.kind, state: r.state }, Number(r.n));
      } catch {
        // a closed or unreachable store leaves the gauge empty rather than failing the whole scrape
      }
    },
  });
  new Gauge({
    name: 'siyu_jobs_lag_seconds',
    help: 'Age of the oldest due queued job per kind (0 when the queue is caught up)',
    labelNames: ['kind'],
    registers,
    async collect() {
      this.reset();
      try {
        const at = now();
        for (const r of await jobsRepo.oldestDue(store, at.toISOString())) this.set({ kind: r.kind }, Math.max(0, (at.getTime() - Date.parse(r.oldest)) / 1000));
      } catch {
        // as above
      }
    },
  });
  return {
    claimed: new Counter({ name: 'siyu_jobs_claimed_total', help: 'Jobs claimed by this process', labelNames: ['kind'], registers }),
    completed: new Counter({ name: 'siyu_jobs_completed_total', help: 'Jobs finished successfully by this process', labelNames: ['kind'], registers }),
    failed: new Counter({ name: 'siyu_jobs_failed_total', help: 'Failed job attempts by outcome (retry, dead)', labelNames: ['kind', 'outcome'], registers }),
    claimLag: new Histogram({
      name: 'siyu_jobs_claim_lag_seconds',
      help: 'From a job becoming due to its claim',
      labelNames: ['kind'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    duration: new Histogram({
      name: 'siyu_jobs_duration_seconds',
      help: 'Handler run time per attempt',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
  };
}
