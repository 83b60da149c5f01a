// Migration 26: recommendation models (metadata per training run), the catalogue snapshot with the fallback scores,
// per-member top-N per algorithm and per-item neighbours ("members who bought X also bought").
import type { DialectTypes } from '../port.ts';

export const version = 26;
export const name = 'recommendations';

/**
 * recommendation_models keeps every training run (history); the other three tables hold the latest run only (a
 * training replaces the workspace's rows in one transaction), so segment rules and the API read them directly.
 * recommendation_items is the catalogue as trained (name, category, buyers, recency-weighted buyers): the fallbacks
 * and the category filter read it instead of scanning order_items. member_recommendations rows are written sorted
 * by member so DuckDB's zone maps find one member's rows without an index.
 */
export function up(t: DialectTypes): string[] {
  const plain = t.storage?.plain ?? '';
  const dict = t.storage?.dictionary ?? '';
  return [
    `CREATE TABLE recommendation_models (
      workspace_id VARCHAR NOT NULL,
      id VARCHAR NOT NULL,
      algorithm VARCHAR NOT NULL,
      params ${t.json} NOT NULL,
      status VARCHAR NOT NULL,
      trained_at TIMESTAMPTZ NOT NULL,
      duration_ms ${t.double},
      members BIGINT NOT NULL,
      items BIGINT NOT NULL,
      interactions BIGINT NOT NULL,
      metrics ${t.json},
      PRIMARY KEY (workspace_id, id)
    )`,
    `CREATE TABLE recommendation_items (
      workspace_id VARCHAR${dict} NOT NULL,
      product_id VARCHAR NOT NULL,
      name VARCHAR,
      category VARCHAR,
      buyers BIGINT NOT NULL,
      trending ${t.double} NOT NULL
    )`,
    `CREATE TABLE member_recommendations (
      workspace_id VARCHAR${dict} NOT NULL,
      member_id VARCHAR${plain} NOT NULL,
      algorithm VARCHAR${dict} NOT NULL,
      rank INTEGER NOT NULL,
      product_id VARCHAR${dict} NOT NULL,
      score ${t.double} NOT NULL
    )`,
    `CREATE TABLE item_neighbours (
      workspace_id VARCHAR${dict} NOT NULL,
      product_id VARCHAR NOT NULL,
      rank INTEGER NOT NULL,
      neighbour_id VARCHAR NOT NULL,
      score ${t.double} NOT NULL,
      buyers_both BIGINT NOT NULL
    )`,
    ...(t.secondaryIndexes
      ? [
          'CREATE INDEX recommendation_models_trained ON recommendation_models (workspace_id, algorithm, trained_at)',
          'CREATE INDEX recommendation_items_product ON recommendation_items (workspace_id, product_id)',
          'CREATE INDEX member_recommendations_member ON member_recommendations (workspace_id, member_id, algorithm, rank)',
          'CREATE INDEX member_recommendations_rank ON member_recommendations (workspace_id, algorithm, rank)',
          'CREATE INDEX item_neighbours_product ON item_neighbours (workspace_id, product_id, rank)',
        ]
      : []),
  ];
}
