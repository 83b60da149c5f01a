// The ingest module: Segment-compatible tracking API with group commit.
export { IngestService, type TrackHandler, type TrackItem } from './service.ts';
export { ingestRoutes } from './routes.ts';
export type { IngestMessage, MessageType } from './schema.ts';
