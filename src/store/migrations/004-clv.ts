// Migration 4: fitted CLV models (BG/NBD + Gamma-Gamma parameters per fit) and per-member predictions.
import type { DialectTypes } from '../port.ts';

export const version = 4;
export const name = 'clv';

export function up(t: DialectTypes): string[] {
  return [
    `CREATE TABLE clv_fits (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      calibration_end DATE NOT NULL,
      time_unit VARCHAR NOT NULL,
      horizon ${t.double} NOT NULL,
      discount_rate ${t.double},
      bgnbd ${t.json} NOT NULL,
      gamma_gamma ${t.json},
      members BIGINT NOT NULL,
      fit_ms ${t.double},
      created_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE member_clv (
      workspace_id VARCHAR NOT NULL,
      member_id VARCHAR NOT NULL,
      fit_id VARCHAR NOT NULL,
      frequency ${t.double} NOT NULL,
      recency ${t.double} NOT NULL,
      t ${t.double} NOT NULL,
      p_alive ${t.double} NOT NULL,
      expected_purchases ${t.double} NOT NULL,
      expected_avg_value ${t.double},
      clv ${t.double},
      PRIMARY KEY (workspace_id, member_id)
    )`,
  ];
}
