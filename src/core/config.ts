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
  /** Rate limit window: each key (or session, else client IP) gets the budgets below per window. */
  rateLimitWindowMs: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /**
   * On PostgreSQL (several API processes on one database): how often each process adds its rate-limit counts to the
   * shared counters and learns the others'; 0 keeps counters per process. A budget can be overshot by what the other
   * processes admit within one interval.
   */
  rateLimitSyncMs: z.coerce.number().int().min(0).max(60_000).default(250),
  /** Requests per window per key on the ingest routes (/v1/*); 0 turns the limit off. */
  rateLimitIngest: z.coerce.number().int().min(0).max(100_000_000).default(120_000),
  /** Requests per window per key or session on /api/*; 0 turns the limit off. */
  rateLimitApi: z.coerce.number().int().min(0).max(100_000_000).default(30_000),
  /** Longest a request may take to arrive in full (Node's requestTimeout); 0 = none. */
  httpRequestTimeoutMs: z.coerce.number().int().min(0).max(3_600_000).default(300_000),
  /** Idle keep-alive connections are closed after this long (above common load balancers' 60 s). */
  httpKeepAliveTimeoutMs: z.coerce.number().int().min(1).max(3_600_000).default(72_000),
  /**
   * Longest one statement of `siyu serve` / `siyu worker` may run (PostgreSQL statement_timeout, a DuckDB interrupt):
   * a runaway query fails with 503 `store.timeout`; 0 = none. Backups read a snapshot and are exempt.
   */
  statementTimeoutMs: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  /** Password of the initial console user `admin` (created on first start; generated and printed once when unset). */
  adminPassword: z.string().min(8).optional(),
  /** Failed sign-ins in a row that lock a user out, and for how long. */
  loginMaxAttempts: z.coerce.number().int().min(1).max(100).default(5),
  loginLockMinutes: z.coerce.number().min(0.01).max(24 * 60).default(15),
  /** A console session ends after this long without a request, and in any case this long after sign-in. */
  sessionIdleMinutes: z.coerce.number().min(1).max(30 * 24 * 60).default(12 * 60),
  sessionMaxHours: z.coerce.number().min(1).max(365 * 24).default(7 * 24),
  /**
   * Keys sealing personal data (phone, email, name, address): `kid:base64key,…`, 32-byte keys, the first is current
   * and the others still decrypt (rotation). Without it a key file is used (created on first start).
   */
  dataKeys: z.string().min(1).optional(),
  /** Root of the lookup-hash key (base64, 32 bytes); default: derived from the last (oldest) data key. */
  indexKey: z.string().min(1).optional(),
  /** Key file used when dataKeys is not set; default `<db>.keys` next to the DuckDB file, `./data/siyu.keys` on PostgreSQL. */
  dataKeyFile: z.string().min(1).optional(),
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
    rateLimitWindowMs: env.SIYU_RATE_LIMIT_WINDOW_MS,
    rateLimitSyncMs: env.SIYU_RATE_LIMIT_SYNC_MS,
    rateLimitIngest: env.SIYU_RATE_LIMIT_INGEST,
    rateLimitApi: env.SIYU_RATE_LIMIT_API,
    httpRequestTimeoutMs: env.SIYU_HTTP_REQUEST_TIMEOUT_MS,
    httpKeepAliveTimeoutMs: env.SIYU_HTTP_KEEPALIVE_TIMEOUT_MS,
    // SIYU_PG_STATEMENT_TIMEOUT_MS is the name from before the embedded store had a timeout too.
    statementTimeoutMs: env.SIYU_STATEMENT_TIMEOUT_MS ?? env.SIYU_PG_STATEMENT_TIMEOUT_MS,
    adminPassword: env.SIYU_ADMIN_PASSWORD || undefined,
    loginMaxAttempts: env.SIYU_LOGIN_MAX_ATTEMPTS,
    loginLockMinutes: env.SIYU_LOGIN_LOCK_MINUTES,
    sessionIdleMinutes: env.SIYU_SESSION_IDLE_MINUTES,
    sessionMaxHours: env.SIYU_SESSION_MAX_HOURS,
    dataKeys: env.SIYU_DATA_KEYS || undefined,
    indexKey: env.SIYU_INDEX_KEY || undefined,
    dataKeyFile: env.SIYU_DATA_KEY_FILE || undefined,
  };
  const merged: Record<string, unknown> = {};
  for (const [k, v] of Object.entries({ ...fromEnv, ...overrides })) if (v !== undefined) merged[k] = v;
  return ConfigSchema.parse(merged);
}
