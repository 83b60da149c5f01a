// Imports on the server: mapping templates, import runs, and all-or-nothing batches written through other modules.
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { ChangeFeed, DataChange } from '../../core/change-feed.ts';
import type { IdentityInput, IdentityKey, IdentityPort } from '../identity/types.ts';
import { BUILTIN_MAPPINGS } from './builtin-mappings.ts';
import type { ImportKind } from './fields.ts';
import { parseMapping, type Mapping } from './mapping.ts';
import { importsRepo, type ImportRunRow } from './repo.ts';
import { orderIssues, toOrdersInputs, type Buyer, type OrdersInput } from './order-inputs.ts';
import { validateBatch, type ImportRecord, type RecordIssue, type EventRecord, type MemberRecord, type OrderRecord, type RefundRecord } from './schema.ts';

/** The part of the orders service imports write through (structural, so either side can evolve). */
export interface OrdersWriter {
  upsertOrders(tx: SqlExecutor, ws: string, inputs: unknown[], opts?: WriteOpts): Promise<{ accepted: number; members: string[] }>;
  addRefunds(tx: SqlExecutor, ws: string, inputs: unknown[], opts?: WriteOpts): Promise<{ accepted: number; members: string[] }>;
  recomputeTraits(tx: SqlExecutor, ws: string, memberIds: string[]): Promise<void>;
}
type WriteOpts = { memberIds?: (string | null)[]; recomputeTraits?: boolean };

/** What one committed batch wrote. */
export interface BatchResult {
  records: number;
  rows: number;
  members_created: number;
  orders: number;
  refunds: number;
  events_inserted: number;
}

export interface MappingTemplate {
  name: string;
  kind: ImportKind;
  builtin: boolean;
  description: string | null;
  mapping: Mapping;
  created_at: string | null;
}

const BATCH_RETRIES = 3;
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const TRAIT_FIELDS = ['phone', 'email', 'name', 'gender', 'birthday', 'city', 'region'] as const;

/** Identifier fields of a record as identity keys (openid carries its app id). */
function identitiesOf(r: Partial<Record<string, unknown>>): IdentityKey[] {
  const keys: IdentityKey[] = [];
  for (const type of ['phone', 'email', 'unionid', 'wecom_external_userid', 'member_card', 'device_id'] as const) {
    if (typeof r[type] === 'string') keys.push({ type, value: r[type] as string });
  }
  if (typeof r.openid === 'string') keys.push({ type: 'openid', value: r.openid, appId: (r.app_id as string | undefined) ?? null });
  return keys;
}

const hasIdentifier = (r: Partial<Record<string, unknown>>) => typeof r.user_id === 'string' || typeof r.anonymous_id === 'string' || identitiesOf(r).length > 0;

/** A batch error naming every bad record, so the client can report them and resend the rest. */
function recordErrors(code: string, message: string, list: RecordIssue[]): SiyuError {
  return invalid(code, message, list.length ? `rows.${list[0].index}` : 'rows', { invalid: list });
}

export class ImportService {
  private readonly repo;

  constructor(private readonly store: Store, private readonly deps: { identity: IdentityPort; orders: OrdersWriter; changes?: ChangeFeed }) {
    this.repo = importsRepo(store);
  }

  /** Built-in templates followed by the workspace's saved ones. */
  async listMappings(ws: string): Promise<MappingTemplate[]> {
    const builtins = Object.entries(BUILTIN_MAPPINGS).map(([name, m]) => this.template(name, m, true, null));
    const saved = (await this.repo.listMappings(this.store, ws)).map((r) => this.template(r.name, parseMapping(r.mapping), false, r.created_at));
    return [...builtins, ...saved];
  }

  /** A built-in or saved template by name. */
  async getMapping(ws: string, name: string): Promise<MappingTemplate> {
    const builtin = BUILTIN_MAPPINGS[name];
    if (builtin) return this.template(name, builtin, true, null);
    const row = await this.repo.getMapping(this.store, ws, name);
    if (!row) throw notFound('mapping.not_found', `No mapping template ${name} (built-ins: ${Object.keys(BUILTIN_MAPPINGS).join(', ')})`, 'name');
    return this.template(row.name, parseMapping(row.mapping), false, row.created_at);
  }

  /** Saves (creates or replaces) a template after validating it. Built-in names are reserved. */
  async putMapping(ws: string, name: string, body: unknown): Promise<MappingTemplate> {
    if (!NAME_RE.test(name)) throw invalid('mapping.invalid_name', 'A template name is 1-64 letters, digits, ".", "_" or "-"', 'name');
    if (BUILTIN_MAPPINGS[name]) throw new SiyuError('conflict', 'mapping.reserved_name', `${name} is a built-in template; save yours under another name`, { field: 'name' });
    const mapping = parseMapping(body);
    await this.repo.putMapping(this.store, ws, name, mapping.kind, mapping, new Date().toISOString());
    return this.getMapping(ws, name);
  }

  async deleteMapping(ws: string, name: string): Promise<void> {
    if (BUILTIN_MAPPINGS[name]) throw new SiyuError('conflict', 'mapping.reserved_name', `${name} is built in and cannot be deleted`, { field: 'name' });
    if (!(await this.repo.deleteMapping(this.store, ws, name))) throw notFound('mapping.not_found', `No mapping template ${name}`, 'name');
  }

  /** Records the start of an import of one file. */
  async startRun(ws: string, input: { kind: ImportKind; file_name: string; file_sha256: string }): Promise<ImportRunRow> {
    const id = newId('imp');
    await this.repo.insertRun(this.store, ws, { id, ...input, now: new Date().toISOString() });
    return (await this.repo.getRun(this.store, ws, id))!;
  }

  async getRun(ws: string, id: string): Promise<ImportRunRow> {
    const run = await this.repo.getRun(this.store, ws, id);
    if (!run) throw notFound('import.run_not_found', `No import run ${id}`, 'run_id');
    return run;
  }

  listRuns(ws: string, limit: number): Promise<ImportRunRow[]> {
    return this.repo.listRuns(this.store, ws, limit);
  }

  /** Closes a run with the client's final counts; the status says whether rows were rejected or it failed. */
  async finishRun(ws: string, id: string, f: { rows_total: number; rows_rejected: number; failed?: boolean }): Promise<ImportRunRow> {
    const run = await this.getRun(ws, id);
    if (run.status !== 'running') throw new SiyuError('conflict', 'import.run_finished', `Import run ${id} is already ${run.status}`, { field: 'run_id' });
    const status = f.failed ? 'failed' : f.rows_rejected > 0 ? 'completed_with_rejections' : 'completed';
    await this.repo.finishRun(this.store, ws, id, { status, rows_total: f.rows_total, rows_rejected: f.rows_rejected, now: new Date().toISOString() });
    return this.getRun(ws, id);
  }

  /** Every problem the server would refuse a batch for, without writing anything (dry runs). */
  checkBatch(kind: ImportKind, rows: Record<string, unknown>[]): RecordIssue[] {
    let records: ImportRecord[];
    try {
      records = validateBatch(kind, rows);
    } catch (e) {
      if (e instanceof SiyuError && (e.details as { invalid?: RecordIssue[] })?.invalid) return (e.details as { invalid: RecordIssue[] }).invalid;
      throw e;
    }
    return kind === 'orders' ? orderIssues(records as (OrderRecord | RefundRecord)[]) : [];
  }

  /**
   * Validates a batch of mapped records and writes all of it in ONE transaction, or nothing. Bad records fail the
   * batch with `import.invalid_record` and `details.invalid` listing each (index, row, field, reason).
   */
  async applyBatch(ws: string, kind: ImportKind, body: { run_id: string; rows: Record<string, unknown>[] }): Promise<BatchResult> {
    const run = await this.getRun(ws, body.run_id);
    if (run.kind !== kind) throw invalid('import.kind_mismatch', `Import run ${run.id} imports ${run.kind}, not ${kind}`, 'run_id');
    if (run.status !== 'running') throw new SiyuError('conflict', 'import.run_finished', `Import run ${run.id} is already ${run.status}`, { field: 'run_id' });
    const records = validateBatch(kind, body.rows);
    if (kind === 'orders') {
      const issues = orderIssues(records as (OrderRecord | RefundRecord)[]);
      if (issues.length) throw recordErrors('import.invalid_record', `${issues.length} order(s) or refund(s) refused: ${issues[0].reason}`, issues);
    }
    for (let attempt = 1; ; attempt++) {
      try {
        // What changed, published once the batch commits (orders publish their own change through the orders service).
        let change: Omit<DataChange, 'committedAt'> | null = null;
        const batch = await this.store.transaction(async (tx) => {
          const result: BatchResult = { records: records.length, rows: 0, members_created: 0, orders: 0, refunds: 0, events_inserted: 0 };
          if (kind === 'members') {
            const ids = await this.writeMembers(tx, ws, records as MemberRecord[], result);
            change = { workspaceId: ws, memberIds: [...new Set(ids)], events: [], attributes: true, identities: true };
          } else if (kind === 'orders') await this.writeOrders(tx, ws, records as (OrderRecord | RefundRecord)[], result);
          else {
            const ids = await this.writeEvents(tx, ws, records as EventRecord[], result);
            const events = [...new Set((records as EventRecord[]).flatMap((r) => ((r.type ?? 'track') === 'track' && r.event ? [r.event] : [])))];
            change = { workspaceId: ws, memberIds: [...new Set(ids)], events, identities: true };
          }
          for (const r of records) result.rows += (r as { row_count?: number }).row_count ?? 1;
          await this.repo.addImported(tx, ws, run.id, result.rows);
          return result;
        });
        if (change) this.deps.changes?.publish({ ...(change as Omit<DataChange, 'committedAt'>), committedAt: Date.now() });
        return batch;
      } catch (e) {
        // A concurrent writer (ingest, another import) claimed an identifier or stored a refund first: the
        // transaction rolled back, and running it again sees the winner's rows.
        if ((e as { retryable?: boolean })?.retryable && attempt < BATCH_RETRIES) continue;
        throw e;
      }
    }
  }

  private template(name: string, mapping: Mapping, builtin: boolean, createdAt: string | null): MappingTemplate {
    return { name, kind: mapping.kind, builtin, description: mapping.description ?? null, mapping, created_at: createdAt };
  }

  /** Resolves members; a record whose identifiers are all unusable (blocked values like "0") fails the batch. */
  private async resolve(tx: SqlExecutor, ws: string, inputs: IdentityInput[], rowsOf: { index: number; row?: number }[], result: BatchResult) {
    const res = await this.deps.identity.resolve(tx, ws, inputs);
    const bad = res.memberIds.flatMap((m, i) => (m ? [] : [{ ...rowsOf[i], field: 'user_id', reason: 'no usable identifier (blocked or malformed value such as "0", "null", "anonymous")' }]));
    if (bad.length) throw recordErrors('import.unusable_identifier', `${bad.length} record(s) have no usable identifier`, bad);
    result.members_created += res.created.length;
    return res.memberIds as string[];
  }

  private async writeMembers(tx: SqlExecutor, ws: string, records: MemberRecord[], result: BatchResult): Promise<string[]> {
    const now = new Date().toISOString();
    const inputs = records.map((r): IdentityInput => {
      const traits: Record<string, unknown> = { ...(r.attributes ?? {}) };
      for (const f of TRAIT_FIELDS) if (r[f] !== undefined) traits[f] = r[f];
      return {
        userId: r.user_id ?? null,
        anonymousId: r.anonymous_id ?? null,
        identities: identitiesOf(r),
        traits,
        channel: r.source_channel ?? null,
        ts: r.created_at ?? now,
        applyTraits: true,
      };
    });
    return this.resolve(tx, ws, inputs, records.map((r, index) => ({ index, row: r.row })), result);
  }

  private async writeOrders(tx: SqlExecutor, ws: string, records: (OrderRecord | RefundRecord)[], result: BatchResult) {
    // Buyers are resolved here in one call (with the member traits an order row carries, e.g. Country → region),
    // then handed to the orders service, which skips its own resolution.
    const named = records.map((r, index) => ({ r, index })).filter(({ r }) => hasIdentifier(r));
    const inputs = named.map(({ r }): IdentityInput => ({
      userId: r.user_id ?? null,
      anonymousId: r.anonymous_id ?? null,
      identities: identitiesOf(r),
      traits: r.member ?? null,
      channel: r.channel ?? null,
      ts: r.type === 'order' ? r.paid_at : r.refunded_at,
      applyTraits: !!r.member,
    }));
    const ids = await this.resolve(tx, ws, inputs, named.map(({ r, index }) => ({ index, row: r.row })), result);
    const memberOf = new Map(named.map(({ index }, i) => [index, ids[i]]));
    const buyer = (index: number): Buyer => (memberOf.has(index) ? { member_id: memberOf.get(index)! } : { guest: true });

    const { orders, refunds } = toOrdersInputs(records, buyer);
    // Orders and refunds skip their own trait recomputation; the batch's members are recomputed once at the end,
    // still inside the transaction, so traits are current the moment the batch commits.
    const touched = new Set<string>();
    const write = async (list: OrdersInput[], fn: OrdersWriter['upsertOrders']) => {
      if (!list.length) return 0;
      try {
        const memberIds = list.map((o) => memberOf.get(o.index) ?? null);
        const res = await fn.call(this.deps.orders, tx, ws, list.map((o) => o.input), { memberIds, recomputeTraits: false });
        for (const m of res.members) touched.add(m);
        return res.accepted;
      } catch (e) {
        const at = (e as SiyuError)?.details as { index?: number } | undefined;
        if (e instanceof SiyuError && e.type === 'invalid_data' && at && typeof at.index === 'number' && list[at.index]) {
          const index = list[at.index].index;
          throw recordErrors(e.code, e.message, [{ index, row: records[index].row, field: e.field ?? '', reason: e.message }]);
        }
        throw e;
      }
    };
    result.orders += await write(orders, this.deps.orders.upsertOrders);
    result.refunds += await write(refunds, this.deps.orders.addRefunds);
    if (touched.size) await this.deps.orders.recomputeTraits(tx, ws, [...touched]);
  }

  private async writeEvents(tx: SqlExecutor, ws: string, records: EventRecord[], result: BatchResult): Promise<string[]> {
    const seen = new Set<string>();
    const unique = records.map((r, index) => ({ r, index })).filter(({ r }) => !seen.has(r.message_id) && !!seen.add(r.message_id));
    const inputs = unique.map(({ r }): IdentityInput => ({ userId: r.user_id ?? null, anonymousId: r.anonymous_id ?? null, channel: r.channel ?? null, ts: r.timestamp }));
    const ids = await this.resolve(tx, ws, inputs, unique.map(({ r, index }) => ({ index, row: r.row })), result);
    const rows = unique.map(({ r }, i) => ({
      message_id: r.message_id,
      member_id: ids[i],
      user_id: r.user_id ?? null,
      anonymous_id: r.anonymous_id ?? null,
      type: r.type ?? 'track',
      name: r.event ?? null,
      channel: r.channel ?? null,
      properties: r.properties ?? null,
      context: r.context ?? null,
      ts: r.timestamp,
    }));
    result.events_inserted += await this.repo.insertEvents(tx, ws, rows, new Date().toISOString());
    return ids;
  }
}
