// One validated configuration, read from environment variables and overridden by CLI flags.
import { z } from 'zod';

export const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(7300),
  host: z.string().default('127.0.0.1'),
  dbPath: z.string().default('./data/siyu.duckdb'),
  databaseUrl: z.string().url().optional(),
  adminKey: z.string().min(16).optional(),
  writeKey: z.string().min(8).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Group commit: how long the ingest writer waits to gather more messages before committing. */
  ingestMaxDelayMs: z.coerce.number().int().min(0).max(1000).default(5),
  /** Group commit: the most messages one commit may hold. */
  ingestMaxBatch: z.coerce.number().int().min(1).max(100_000).default(20_000),
  /** Group commits in flight at once: two overlap request parsing with committing. */
  ingestConcurrency: z.coerce.number().int().min(1).max(8).default(2),
  /** Cron of scheduled segment recomputes for time-relative rules without their own schedule (server only). */
  segmentSchedule: z.string().min(1).default('*/15 * * * *'),
  /** Public base URL of this server as members' devices reach it (tracked links, open pixels); default http://host:port. */
  publicUrl: z.string().url().optional(),
  /** HMAC key of tracked links and open pixels; without it a random key is generated once and kept in the store. */
  linkSecret: z.string().min(16).optional(),
  /** Lease of broadcast chunk jobs and their claimed messages: how soon another worker takes over a dead worker's chunk. */
  broadcastLeaseMs: z.coerce.number().int().min(200).max(3_600_000).default(30_000),
  /**
   * Members per broadcast chunk job (one second's worth under a rate limit). Default by engine: 50,000 on the
   * embedded store (one process; each chunk's statements scan the member tables), 20,000 where several worker
   * processes share the chunks.
   */
  broadcastChunkSize: z.coerce.number().int().min(100).max(200_000).optional(),
  /** Broadcast chunk jobs one process runs at once. */
  broadcastConcurrency: z.coerce.number().int().min(1).max(16).default(2),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Reads SIYU_* environment variables, then applies explicit overrides (CLI flags win). */
export function loadConfig(overrides: Partial<Record<keyof Config, unknown>> = {}, env = process.env): Config {
  const fromEnv = {
    port: env.SIYU_PORT ?? env.PORT,
    host: env.SIYU_HOST,
    dbPath: env.SIYU_DB_PATH,
    databaseUrl: env.SIYU_DATABASE_URL || undefined,
    adminKey: env.SIYU_ADMIN_KEY || undefined,
    writeKey: env.SIYU_WRITE_KEY || undefined,
    logLevel: env.SIYU_LOG_LEVEL,
    ingestMaxDelayMs: env.SIYU_INGEST_MAX_DELAY_MS,
    ingestMaxBatch: env.SIYU_INGEST_MAX_BATCH,
    ingestConcurrency: env.SIYU_INGEST_CONCURRENCY,
    segmentSchedule: env.SIYU_SEGMENT_SCHEDULE,
    publicUrl: env.SIYU_PUBLIC_URL || undefined,
    linkSecret: env.SIYU_LINK_SECRET || undefined,
    broadcastLeaseMs: env.SIYU_BROADCAST_LEASE_MS,
    broadcastChunkSize: env.SIYU_BROADCAST_CHUNK_SIZE,
    broadcastConcurrency: env.SIYU_BROADCAST_CONCURRENCY,
  };
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...fromEnv, ...overrides })) if (v !== undefined) merged[k] = v;
  return ConfigSchema.parse(merged);
}
