// The durable job queue and recurring scheduler: what other modules import.
export { JobService, type JobServiceDeps, type ScheduleInput, type JobView, type ScheduleView } from './service.ts';
export { PermanentJobError, type ClaimedJob, type JobContext, type JobHandler, type JobSpec, type JobState, type HandlerOptions, type BackoffOptions } from './types.ts';
export type { WorkerOptions } from './worker.ts';
export { jobRoutes } from './routes.ts';
