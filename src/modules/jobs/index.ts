// The durable job queue and recurring scheduler: what other modules import.
export { JobService, type JobServiceDeps, type ScheduleInput } from './service.ts';
export type { JobView, ScheduleView } from './views.ts';
export { PermanentJobError, type ClaimedJob, type JobContext, type JobHandler, type JobSpec, type JobState, type HandlerOptions, type BackoffOptions } from './types.ts';
export type { WorkerOptions } from './worker-options.ts';
export { jobRoutes } from './routes.ts';
