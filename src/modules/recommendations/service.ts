// Recommendations service: trains item-CF and ALS on the store's net purchases (on demand or nightly), stores the
// per-member lists and item neighbours, and serves them with live filters and popularity/recency fallbacks.
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import { evaluateSplit, type EvaluationReport } from '../../core/models/recommend/index.ts';
import type { Row, Store } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import type { JobService } from '../jobs/service.ts';
import type { RecommendationProvider, RecommendedProduct } from '../templates/index.ts';
import { topSellersProvider } from '../templates/context/providers.ts';
import { CSV_WRITE_CHUNK, recommendationsRepo, WRITE_CHUNK, type ModelRow, type ServingFilters } from './repo.ts';
import {
  AlsoBoughtQuery, DEFAULT_ALGORITHM, EvaluateBody, MemberRecommendationsQuery, TrainBody,
  type EvaluateInput, type MemberRecommendationsInput, type TrainInput,
} from './schema.ts';
import { netInteractions, trainAll } from './training.ts';
import { alsOptionsOf, itemCfOptionsOf } from './params.ts';

/** Job kind of a training run and the name of the nightly schedule each workspace gets with its first training. */
export const TRAIN_JOB = 'recommendations.train';
export const NIGHTLY_SCHEDULE = 'recommendations.nightly';
export const NIGHTLY_CRON = '30 3 * * *';

export interface RecommendedItem {
  product_id: string;
  name: string | null;
  category: string | null;
  score: number;
  rank: number;
  algorithm: string;
  /** Why it is listed: `similar_members` (ALS), `bought_together` (item-CF), `trending` or `popular` (fallbacks). */
  reason: string;
  fallback: boolean;
}

export interface ModelView extends Omit<ModelRow, 'members' | 'items' | 'interactions'> {
  members: number;
  items: number;
  interactions: number;
}

const REASON: Record<string, string> = { als: 'similar_members', item_cf: 'bought_together', trending: 'trending', popularity: 'popular' };

export interface RecommendationsDeps {
  store: Store;
  refs: MemberRefs;
  identity: IdentityPort;
  jobs: JobService;
  now?: () => Date;
}

export class RecommendationsService {
  private readonly repo;
  private readonly running = new Set<string>();
  private readonly listeners = new Set<(e: { workspaceId: string }) => void>();
  private readonly now: () => Date;
  private readonly topSellers;

  constructor(private readonly deps: RecommendationsDeps) {
    this.repo = recommendationsRepo(deps.store);
    this.topSellers = topSellersProvider(deps.store);
    this.now = deps.now ?? (() => new Date());
    deps.identity.onMerge('recommendations', async (tx, ws, fromId) => {
      await this.repo.deleteMember(tx, ws, fromId);
      return 0;
    });
    // The nightly run: a workspace without purchases yet has nothing to train, which is not a failure.
    deps.jobs.register(TRAIN_JOB, async (job) => {
      try {
        await this.train(job.workspaceId, (job.payload ?? {}) as TrainInput, { schedule: false });
      } catch (e) {
        if (e instanceof SiyuError && (e.code === 'recommend.no_purchases' || e.code === 'recommend.training_running')) return;
        throw e;
      }
    }, { concurrency: 1, leaseMs: 3_600_000 });
  }

  /** Called after each committed training (segments with `recommended` rules recompute). Returns an unsubscribe. */
  onTrained(fn: (e: { workspaceId: string }) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Trains the algorithms on every net purchase and replaces the stored lists, neighbours and catalogue in one
   * transaction. The first training of a workspace also creates the nightly schedule (unless `schedule: false`).
   * Throws 400 `recommend.no_purchases` without purchases and 409 `recommend.training_running` while one runs.
   */
  async train(ws: string, input: TrainInput = {}, opts: { schedule?: boolean } = {}): Promise<ModelView[]> {
    const body = TrainBody.parse(input);
    if (this.running.has(ws)) throw new SiyuError('conflict', 'recommend.training_running', 'a training of this workspace is running', { field: 'workspace' });
    this.running.add(ws);
    try {
      const store = this.deps.store;
      const started = performance.now();
      const [purchases, refunds, catalogue] = await Promise.all([this.repo.purchases(store, ws), this.repo.refundLines(store, ws), this.repo.catalogue(store, ws)]);
      const lines = await this.repo.orderLines(store, ws, [...new Set(refunds.map((r) => r.order_id))]);
      const interactions = netInteractions(purchases, refunds, lines);
      if (interactions.length === 0) throw invalid('recommend.no_purchases', 'no member has bought a product with a product_id yet: nothing to train on', 'workspace');
      const readMs = performance.now() - started;
      const out = trainAll(interactions, new Map(catalogue.map((c) => [c.product_id, c])), {
        algorithms: body.algorithms, topN: body.top_n, neighbours: body.neighbours, excludeBought: body.exclude_bought,
        trendingHalfLifeDays: body.trending_half_life_days, itemCf: itemCfOptionsOf(body.item_cf), als: alsOptionsOf(body.als), now: this.now().getTime(),
      }, store.capabilities.localCsvLoad ? CSV_WRITE_CHUNK : WRITE_CHUNK);
      const trainedAt = this.now().toISOString();
      const models: ModelRow[] = out.results.map((r) => ({
        id: newId('rmod'), algorithm: r.algorithm, params: r.params, status: 'ready', trained_at: trainedAt, duration_ms: r.duration_ms,
        members: out.matrix.users.length, items: out.matrix.items.length, interactions: out.matrix.userItems.length,
        metrics: { ...r.metrics, read_ms: Math.round(readMs) },
      }));
      const writeStarted = performance.now();
      await store.transaction(async (tx) => {
        await this.repo.replaceItems(tx, ws, out.items);
        for (const r of out.results) await this.repo.replaceRecommendations(tx, ws, r.algorithm, r.rows());
        if (out.neighbours) await this.repo.replaceNeighbours(tx, ws, out.neighbours());
        const writeMs = Math.round(performance.now() - writeStarted);
        for (const m of models) await this.repo.insertModel(tx, ws, { ...m, metrics: { ...m.metrics, write_ms: writeMs } });
      });
      for (const fn of this.listeners) fn({ workspaceId: ws });
      if (opts.schedule !== false) await this.ensureSchedule(ws);
      return (await this.repo.models(store, ws, models.length + 1)).filter((m) => models.some((x) => x.id === m.id)).map(view);
    } finally {
      this.running.delete(ws);
    }
  }

  /** Creates the nightly training schedule when the workspace has none (operators edit it under /api/jobs/schedules). */
  async ensureSchedule(ws: string): Promise<void> {
    try {
      await this.deps.jobs.getSchedule(ws, NIGHTLY_SCHEDULE);
    } catch (e) {
      if (!(e instanceof SiyuError && e.code === 'schedule.not_found')) throw e;
      await this.deps.jobs.schedule(ws, { name: NIGHTLY_SCHEDULE, cron: NIGHTLY_CRON, kind: TRAIN_JOB, payload: {} });
    }
  }

  /** Training runs and evaluations, newest first. */
  async models(ws: string, limit = 20): Promise<ModelView[]> {
    return (await this.repo.models(this.deps.store, ws, limit)).map(view);
  }

  /**
   * A member's top-n: the stored list of the algorithm, filtered live, filled up with fallbacks (trending, then
   * popular) not bought by the member; `popularity` / `trending` serve the fallback ranking alone.
   */
  async forMember(ws: string, ref: string, query: Partial<MemberRecommendationsInput> = {}) {
    const q = MemberRecommendationsQuery.parse(query);
    const store = this.deps.store;
    const memberId = await this.deps.refs.resolveOne(store, ws, ref);
    const filters: ServingFilters = { category: q.category, channel: q.channel, excludeRecentDays: q.exclude_recent_days, now: this.now().toISOString() };
    const trained = q.algorithm === 'als' || q.algorithm === 'item_cf';
    const model = trained ? await this.repo.latest(store, ws, q.algorithm) : null;
    const items: RecommendedItem[] = [];
    if (model) {
      for (const r of await this.repo.stored(store, ws, memberId, q.algorithm, filters, q.n)) items.push(item(r, items.length + 1, q.algorithm, false));
    }
    if (items.length < q.n) {
      const order = q.algorithm === 'popularity' ? 'popularity' : 'trending';
      const more = await this.repo.fallback(store, ws, memberId, order, filters, items.map((i) => i.product_id), q.n - items.length);
      for (const r of more) items.push(item(r, items.length + 1, order, trained));
    }
    return { member_id: memberId, algorithm: q.algorithm, model_id: model?.id ?? null, trained_at: model?.trained_at ?? null, items };
  }

  /** "Members who bought X also bought": the item-CF neighbours of a product, with how many bought both. */
  async alsoBought(ws: string, productId: string, query: Partial<{ n: number; category: string; channel: string }> = {}) {
    const q = AlsoBoughtQuery.parse(query);
    const store = this.deps.store;
    const known = await this.repo.item(store, ws, productId);
    if (!known && !(await this.repo.productExists(store, ws, productId))) throw notFound('product.not_found', `No product ${productId}`, 'id');
    const model = await this.repo.latest(store, ws, 'item_cf');
    const rows = model ? await this.repo.neighbours(store, ws, productId, { category: q.category, channel: q.channel, now: this.now().toISOString() }, q.n) : [];
    return {
      product_id: productId, name: known?.name ?? null, buyers: known ? Number(known.buyers) : 0, model_id: model?.id ?? null, trained_at: model?.trained_at ?? null,
      items: rows.map((r) => ({ product_id: r.product_id, name: r.name, category: r.category, score: r.score, rank: r.rank, buyers_both: Number(r.buyers_both) })),
    };
  }

  /**
   * Offline evaluation on the store's purchases: time split at the local date (UTC midnight), see evaluateSplit.
   * The report is kept as a model row of algorithm `evaluation` so the console shows the latest one.
   */
  async evaluate(ws: string, input: EvaluateInput): Promise<EvaluationReport> {
    const body = EvaluateBody.parse(input);
    const events = await this.repo.purchaseEvents(this.deps.store, ws);
    if (events.length === 0) throw invalid('recommend.no_purchases', 'no member has bought a product with a product_id yet: nothing to evaluate', 'workspace');
    const started = performance.now();
    const rows = events.map((e) => ({ user: e.member_id, item: e.product_id, weight: 1, at: Date.parse(e.paid_at) }));
    rows.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : a.item < b.item ? -1 : a.item > b.item ? 1 : a.at - b.at));
    const report = evaluateSplit(rows, {
      splitAt: Date.parse(`${body.split_date}T00:00:00Z`), k: body.k, excludeBought: body.exclude_bought,
      itemCf: itemCfOptionsOf(body.item_cf), als: alsOptionsOf(body.als),
    });
    if (report.test_members === 0) throw invalid('recommend.split_empty', `no member bought both before and after ${body.split_date}`, 'split_date');
    await this.repo.insertModel(this.deps.store, ws, {
      id: newId('rmod'), algorithm: 'evaluation', params: body, status: 'ready', trained_at: this.now().toISOString(), duration_ms: Math.round(performance.now() - started),
      members: report.test_members, items: report.catalogue, interactions: report.train_interactions, metrics: report as unknown as Record<string, unknown>,
    });
    return report;
  }

  /** The templates' `recommendations` slot: each member's stored list (default algorithm), trending for the rest. */
  templateProvider(): RecommendationProvider {
    return {
      name: `recommendations_${DEFAULT_ALGORITHM}`,
      scope: 'member',
      recommend: async (ws, memberIds, { limit, now }) => {
        const out = new Map<string, RecommendedProduct[]>();
        if (memberIds.length === 0) return out;
        for (const r of await this.repo.storedMany(this.deps.store, ws, memberIds, DEFAULT_ALGORITHM, limit)) {
          const list = out.get(r.member_id) ?? [];
          list.push(product(r));
          out.set(r.member_id, list);
        }
        const missing = memberIds.filter((id) => !out.has(id));
        if (missing.length) {
          let common = (await this.repo.fallback(this.deps.store, ws, null, 'trending', { now: this.now().toISOString() }, [], limit)).map(product);
          // Before the first training there is no catalogue snapshot: the templates' own default (90-day top sellers).
          if (common.length === 0) common = (await this.topSellers.recommend(ws, missing, { limit, now })) as RecommendedProduct[];
          for (const id of missing) out.set(id, common);
        }
        return out;
      },
    };
  }
}

const item = (r: Row, rank: number, algorithm: string, fallback: boolean): RecommendedItem => ({
  product_id: r.product_id, name: r.name ?? null, category: r.category ?? null, score: Number(r.score), rank, algorithm, reason: REASON[algorithm] ?? algorithm, fallback,
});

const product = (r: Row): RecommendedProduct => ({
  id: r.product_id, name: r.name ?? null, category: r.category ?? null, price: r.price === null || r.price === undefined ? null : Number(r.price), attributes: r.attributes ?? {},
});

const view = (m: ModelRow): ModelView => ({ ...m, members: Number(m.members), items: Number(m.items), interactions: Number(m.interactions) });
