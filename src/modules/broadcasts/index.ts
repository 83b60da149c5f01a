// Broadcasts: one message to a segment, scheduled, throttled, cancellable, with live progress.
export { BroadcastService, type BroadcastDeps } from './service.ts';
export { CHUNK_KIND, START_KIND, sourceKeyOf, pipelineTimings } from './runner.ts';
export type { BroadcastProgress } from './progress.ts';
export type { Schedule } from './schedule.ts';
