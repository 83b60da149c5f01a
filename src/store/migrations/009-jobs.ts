// Migration 9: the durable job queue (jobs) and recurring schedules (job_schedules) of src/modules/jobs.
import type { DialectTypes } from '../port.ts';

export const version = 9;
export const name = 'jobs';

export function up(t: DialectTypes): string[] {
  const tables = [
    // One row per job. `live_key` equals `job_key` while the job is queued or running and is NULL once it has
    // finished: the UNIQUE constraint makes enqueue idempotent per (workspace, kind, key) only while unfinished
    // (NULLs never collide), which both engines enforce without partial indexes.
    `CREATE TABLE jobs (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      payload ${t.json},
      job_key VARCHAR,
      live_key VARCHAR,
      state VARCHAR NOT NULL,
      priority INTEGER NOT NULL DEFAULT 0,
      run_at TIMESTAMPTZ NOT NULL,
      attempt INTEGER NOT NULL DEFAULT 0,
      max_attempts INTEGER NOT NULL,
      locked_by VARCHAR,
      lease_until TIMESTAMPTZ,
      last_error VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      started_at TIMESTAMPTZ,
      finished_at TIMESTAMPTZ,
      PRIMARY KEY (id),
      UNIQUE (workspace_id, kind, live_key)
    )`,
    // Recurring work: each tick (croner pattern in a time zone) enqueues one job of `kind`. `next_run_at` is the
    // compare-and-set guard that lets only one of several worker processes fire a given tick.
    `CREATE TABLE job_schedules (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      cron VARCHAR NOT NULL,
      timezone VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      payload ${t.json},
      enabled BOOLEAN NOT NULL DEFAULT true,
      next_run_at TIMESTAMPTZ,
      last_run_at TIMESTAMPTZ,
      last_job_id VARCHAR,
      created_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id),
      UNIQUE (workspace_id, name)
    )`,
  ];
  const indexes = [
    // Claiming: due queued jobs of one kind, highest priority first.
    `CREATE INDEX jobs_due ON jobs (kind, priority DESC, run_at) WHERE state = 'queued'`,
    // Lease recovery: running jobs whose worker stopped renewing.
    `CREATE INDEX jobs_leases ON jobs (lease_until) WHERE state = 'running'`,
    // Listing a workspace's jobs newest first, optionally by state.
    'CREATE INDEX jobs_workspace ON jobs (workspace_id, id)',
    // Retention sweep of finished jobs.
    `CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL`,
    'CREATE INDEX job_schedules_due ON job_schedules (next_run_at) WHERE enabled',
  ];
  return t.secondaryIndexes ? [...tables, ...indexes] : tables;
}
