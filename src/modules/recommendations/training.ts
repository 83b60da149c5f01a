// Turns the store's net purchases into the interaction matrix and the trained rows to store (pure, no I/O).
import {
  batchTopN, buildInteractions, popularityScores, trainAls, trainItemCf, trendingScores,
  type AlsOptions, type Interaction, type InteractionMatrix, type ItemCfModel, type ItemCfOptions,
} from '../../core/models/recommend/index.ts';
import type { Row } from '../../store/port.ts';
import type { PurchaseRow, RefundLineRow } from './repo.ts';
import type { TrainedAlgorithm } from './schema.ts';
import { csvText, type LineChunk } from './bulk-insert.ts';

/**
 * Net purchases: each (member, product) counts the orders that contained it, minus order lines refunded in full by
 * item refunds (a partial refund of a line keeps the purchase: the member kept some).
 */
export function netInteractions(purchases: PurchaseRow[], refunds: RefundLineRow[], lines: Array<{ order_id: string; product_id: string; quantity: number }>): Interaction[] {
  const refunded = new Map<string, number>();
  const memberOf = new Map<string, string>();
  for (const r of refunds) {
    memberOf.set(r.order_id, r.member_id);
    for (const it of r.items ?? []) {
      if (!it?.product_id) continue;
      const k = `${r.order_id}\u0000${it.product_id}`;
      refunded.set(k, (refunded.get(k) ?? 0) + Number(it.quantity ?? 1));
    }
  }
  const minus = new Map<string, number>();
  for (const l of lines) {
    const back = refunded.get(`${l.order_id}\u0000${l.product_id}`) ?? 0;
    if (back + 1e-9 < l.quantity) continue;
    const k = `${memberOf.get(l.order_id)}\u0000${l.product_id}`;
    minus.set(k, (minus.get(k) ?? 0) + 1);
  }
  const out: Interaction[] = [];
  for (const p of purchases) {
    const w = Number(p.orders) - (minus.get(`${p.member_id}\u0000${p.product_id}`) ?? 0);
    if (w > 0) out.push({ user: p.member_id, item: p.product_id, weight: w, at: Number(p.last_epoch) * 1000 });
  }
  return out;
}

export interface TrainPlan {
  algorithms: TrainedAlgorithm[];
  topN: number;
  neighbours: number;
  excludeBought: boolean;
  trendingHalfLifeDays: number;
  itemCf: Partial<ItemCfOptions>;
  als: Partial<AlsOptions>;
  now: number;
}

export interface TrainedAlgorithmResult {
  algorithm: TrainedAlgorithm;
  params: Record<string, unknown>;
  duration_ms: number;
  metrics: Record<string, unknown>;
  /** Rows for member_recommendations, chunked, sorted by member then rank. */
  rows: () => Iterable<LineChunk>;
}

export interface TrainOutput {
  matrix: InteractionMatrix;
  items: Row[];
  neighbours: (() => Iterable<Row[]>) | null;
  results: TrainedAlgorithmResult[];
}

const ms = (t: number) => Math.round((performance.now() - t) * 10) / 10;

/** Trains the requested algorithms and prepares the rows to store. */
export function trainAll(interactions: Interaction[], catalogue: Map<string, { name: string | null; category: string | null }>, plan: TrainPlan, chunk: number): TrainOutput {
  // Rows come in whatever order the engine returns them; sorting makes indices, ties and results engine-independent.
  // The store returns them sorted already; checking is one pass, sorting millions of string pairs is not.
  const cmp = (a: Interaction, b: Interaction) => (a.user < b.user ? -1 : a.user > b.user ? 1 : a.item < b.item ? -1 : a.item > b.item ? 1 : 0);
  let inOrder = true;
  for (let k = 1; k < interactions.length && inOrder; k++) inOrder = cmp(interactions[k - 1]!, interactions[k]!) <= 0;
  const matrix = buildInteractions(inOrder ? interactions : [...interactions].sort(cmp));
  const pop = popularityScores(matrix);
  const trend = trendingScores(matrix, plan.now, plan.trendingHalfLifeDays * 86_400_000);
  const items = matrix.items.map((id, i) => ({
    product_id: id, name: catalogue.get(id)?.name ?? null, category: catalogue.get(id)?.category ?? null, buyers: pop[i], trending: Math.round(trend[i]! * 1e6) / 1e6,
  }));
  const results: TrainedAlgorithmResult[] = [];
  let neighbours: TrainOutput['neighbours'] = null;
  const base = { members: matrix.users.length, items: matrix.items.length, interactions: matrix.userItems.length };
  for (const algorithm of plan.algorithms) {
    const started = performance.now();
    const heapBefore = process.memoryUsage().heapUsed;
    const model = algorithm === 'als' ? trainAls(matrix, plan.als) : trainItemCf(matrix, plan.itemCf);
    const trainMs = ms(started);
    const t2 = performance.now();
    const top = batchTopN(matrix, model, plan.topN, plan.excludeBought);
    const scoreMs = ms(t2);
    const covered = new Set<number>();
    let listed = 0;
    for (let u = 0; u < matrix.users.length; u++) {
      listed += top.count[u]! > 0 ? 1 : 0;
      for (let k = 0; k < top.count[u]!; k++) covered.add(top.items[u * top.n + k]!);
    }
    const metrics: Record<string, unknown> = {
      ...base, train_ms: trainMs, score_ms: scoreMs, members_with_list: listed, catalogue_coverage: matrix.items.length ? covered.size / matrix.items.length : 0,
      heap_delta_mb: Math.round((process.memoryUsage().heapUsed - heapBefore) / 1048576),
    };
    if (model.kind === 'als') metrics.loss = model.loss.map((l) => Math.round(l * 1000) / 1000);
    if (model.kind === 'item_cf') {
      metrics.neighbour_pairs = model.items.length;
      neighbours = () => neighbourRows(matrix, model, plan.neighbours, chunk);
    }
    results.push({ algorithm, params: { ...model.options, top_n: plan.topN, exclude_bought: plan.excludeBought }, duration_ms: ms(started), metrics, rows: () => recommendationRows(matrix, algorithm, top, chunk) });
  }
  return { matrix, items, neighbours, results };
}

/**
 * member_recommendations rows (member_id, algorithm, rank, product_id, score) as {@link LineChunk}s of about `chunk`
 * rows, members sorted by id so a member's rows sit together on disk (DuckDB zone maps). Ids are quoted once each.
 */
function* recommendationRows(m: InteractionMatrix, algorithm: string, top: ReturnType<typeof batchTopN>, chunk: number): Iterable<LineChunk> {
  const order = m.users.map((_, u) => u).sort((a, b) => (m.users[a]! < m.users[b]! ? -1 : m.users[a]! > m.users[b]! ? 1 : 0));
  const items = m.items.map(csvText);
  const algo = csvText(algorithm);
  const score = (u: number, k: number) => Math.round(top.scores[u * top.n + k]! * 1e6) / 1e6;
  for (let from = 0; from < order.length; ) {
    let to = from, length = 0;
    while (to < order.length && (length === 0 || length + top.count[order[to]!]! <= chunk)) length += top.count[order[to++]!]!;
    const members = order.slice(from, to);
    from = to;
    yield {
      length,
      csv() {
        const lines: string[] = [];
        for (const u of members) {
          const head = csvText(m.users[u]!) + ',' + algo + ',';
          for (let k = 0; k < top.count[u]!; k++) lines.push(head + (k + 1) + ',' + items[top.items[u * top.n + k]!] + ',' + score(u, k));
        }
        return lines.join('\n') + '\n';
      },
      rows() {
        const rows: Row[] = [];
        for (const u of members) {
          for (let k = 0; k < top.count[u]!; k++) rows.push({ member_id: m.users[u], algorithm, rank: k + 1, product_id: m.items[top.items[u * top.n + k]!], score: score(u, k) });
        }
        return rows;
      },
    };
  }
}

function* neighbourRows(m: InteractionMatrix, model: ItemCfModel, n: number, chunk: number): Iterable<Row[]> {
  let rows: Row[] = [];
  for (let i = 0; i < m.items.length; i++) {
    const end = Math.min(model.ptr[i + 1]!, model.ptr[i]! + n);
    for (let p = model.ptr[i]!; p < end; p++) {
      rows.push({ product_id: m.items[i], rank: p - model.ptr[i]! + 1, neighbour_id: m.items[model.items[p]!], score: Math.round(model.sims[p]! * 1e6) / 1e6, buyers_both: model.counts[p] });
    }
    if (rows.length >= chunk) {
      yield rows;
      rows = [];
    }
  }
  if (rows.length) yield rows;
}
