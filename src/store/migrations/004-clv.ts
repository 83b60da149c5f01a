// Migration 4: fitted CLV models (BG/NBD + Gamma-Gamma parameters per fit) and per-member predictions.
import type { DialectTypes } from '../port.ts';

export const version = 4;
export const name = 'clv';

/**
 * clv_fits keeps every fit (history); member_clv holds the predictions of the latest fit only (a fit replaces
 * the workspace's rows), so segment rules read p_alive, expected_purchases, expected_avg_value and clv directly.
 * frequency / recency / t are x, t_x and T in the fit's time unit; monetary_value is zbar (mean repeat value).
 * member_clv has its primary key only where secondary indexes are built (PostgreSQL): on DuckDB the ART index made
 * replacing 1M rows in one transaction (delete + insert of the same keys) take minutes instead of ~2 s. The CLV
 * writer keeps one row per member (the summary is grouped by member; merges delete the merged-away row).
 */
export function up(t: DialectTypes): string[] {
  const plain = t.storage?.plain ?? '';
  const dict = t.storage?.dictionary ?? '';
  const dbl = `${t.double}${plain}`;
  return [
    `CREATE TABLE clv_fits (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      calibration_end DATE NOT NULL,
      time_unit VARCHAR NOT NULL,
      timezone VARCHAR NOT NULL,
      horizon ${t.double} NOT NULL,
      discount_rate ${t.double} NOT NULL,
      period_length ${t.double} NOT NULL,
      margin ${t.double} NOT NULL,
      bgnbd ${t.json} NOT NULL,
      gamma_gamma ${t.json},
      members BIGINT NOT NULL,
      repeaters BIGINT NOT NULL,
      fit_ms ${t.double},
      timings ${t.json},
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    // Rewritten whole by every fit: storage hints spare DuckDB's compression analysis (a third of the write).
    `CREATE TABLE member_clv (
      workspace_id VARCHAR${dict} NOT NULL,
      member_id VARCHAR${plain} NOT NULL,
      fit_id VARCHAR${dict} NOT NULL,
      frequency ${dbl} NOT NULL,
      recency ${dbl} NOT NULL,
      t ${dbl} NOT NULL,
      monetary_value ${dbl} NOT NULL,
      p_alive ${dbl} NOT NULL,
      expected_purchases ${dbl} NOT NULL,
      expected_avg_value ${dbl},
      clv ${dbl}${t.secondaryIndexes ? ',\n      PRIMARY KEY (workspace_id, member_id)' : ''}
    )`,
    ...(t.secondaryIndexes ? ['CREATE INDEX clv_fits_created ON clv_fits (workspace_id, created_at)'] : []),
  ];
}
