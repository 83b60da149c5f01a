// Prometheus metrics: one registry per app instance so several apps (tests) never collide.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  ingestMessages: Counter<'type' | 'outcome'>;
  ingestCommitSeconds: Histogram<string>;
  ingestBatchSize: Histogram<string>;
  /** Seconds from a data change's commit to the commit of the segment entries/exits it caused (realtime). */
  segmentRealtimeLatency: Histogram<string>;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'siyu_' });
  return {
    registry,
    httpRequests: new Counter({ name: 'siyu_http_requests_total', help: 'HTTP requests', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({
      name: 'siyu_http_request_duration_seconds',
      help: 'HTTP request duration',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    ingestMessages: new Counter({ name: 'siyu_ingest_messages_total', help: 'Ingested messages by type and outcome (stored, duplicate, rejected)', labelNames: ['type', 'outcome'], registers: [registry] }),
    ingestCommitSeconds: new Histogram({ name: 'siyu_ingest_commit_seconds', help: 'Time to commit one group of ingest messages', buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2], registers: [registry] }),
    ingestBatchSize: new Histogram({ name: 'siyu_ingest_group_size', help: 'Messages per group commit', buckets: [1, 10, 100, 500, 1000, 5000, 20000], registers: [registry] }),
    segmentRealtimeLatency: new Histogram({
      name: 'siyu_segment_realtime_latency_seconds',
      help: 'From a data change commit to the recorded segment entry or exit, per member',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
      registers: [registry],
    }),
  };
}
