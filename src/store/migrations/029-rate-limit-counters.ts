// Migration 29: rate-limit counters shared by every API process on one database. Each process counts locally and
// adds its counts here a few times a second; the answer tells it what all processes have counted in the window.
export const version = 29;
export const name = 'rate-limit-counters';

export function up(): string[] {
  return [
    `CREATE TABLE rate_limit_counters (
      bucket_key VARCHAR NOT NULL,
      window_start BIGINT NOT NULL,
      hits BIGINT NOT NULL,
      PRIMARY KEY (bucket_key, window_start)
    )`,
  ];
}
