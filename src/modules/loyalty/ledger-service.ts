// The points ledger service: every change is one operation with an external idempotency key, applied through the
// group-commit writer (concurrency safe on both stores); reads of a member's points; the set-based expiry and
// release jobs; the drift check.
import { SiyuError, invalid } from '../../core/errors.ts';
import { canonicalJson } from '../../core/loyalty/index.ts';
import type { Store, TxExecutor } from '../../store/port.ts';
import type { LoyaltyConfig } from './config.ts';
import { type OpOutcome } from './ledger-engine.ts';
import { ledgerRepo } from './ledger-repo.ts';
import { LedgerWriter, type LedgerWriterOptions, type MemberField } from './ledger-writer.ts';
import { type ExpireSummary, expireAllDue, releaseAllDue } from './lot-jobs-sql.ts';
import type { AppliedOp, OpResult, StoreOp } from './ops.ts';
import { type DriftReport, pointsReadRepo } from './points-read-repo.ts';

export interface PointsView {
  member_id: string;
  balance: number;
  available: number;
  pending: number;
  debt: number;
  earned_total: number;
  expiring: { days: number; until: string; points: number };
  lots: Record<string, unknown>[];
  entries: { data: Record<string, unknown>[]; next_cursor: string | null };
}

export type LedgerServiceOptions = Omit<LedgerWriterOptions, 'config'>;

const encodeCursor = (version: number, line: number) => Buffer.from(JSON.stringify([version, line])).toString('base64url');
function decodeCursor(c: string): { version: number; line: number } {
  try {
    const [version, line] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Number.isInteger(version) && Number.isInteger(line)) return { version, line };
  } catch {
    // fall through
  }
  throw invalid('request.invalid_cursor', 'cursor is not one this API returned', 'cursor');
}

export class LedgerService {
  readonly writer: LedgerWriter;
  private readonly repo;

  constructor(private readonly store: Store, config: (ws: string) => Promise<LoyaltyConfig>, opts: LedgerServiceOptions) {
    this.writer = new LedgerWriter(store, { ...opts, config });
    this.repo = ledgerRepo(store);
  }

  /**
   * Applies one operation. A retry with the same key returns the first result (`replayed: true`); the same key with
   * another operation is 409 `ledger.idempotency_conflict`; not enough points is 409 `points.insufficient`.
   * @example await ledger.apply(ws, { kind: 'earn', key: 'signup:u1', member, points: 100, at: new Date().toISOString() })
   */
  async apply(ws: string, op: StoreOp): Promise<AppliedOp> {
    const out = await this.writer.submit(ws, op);
    if (!out.ok) throw out.error;
    return { ...out.result, replayed: out.replayed };
  }

  /**
   * `apply` with member fields given as refs (`user_id:u1`, `phone:…`, `mem_…`), resolved inside the batch with
   * the batch's other refs in one query; an unknown ref is 404 `member.not_found`.
   */
  async applyRefs(ws: string, op: StoreOp, refs: Partial<Record<MemberField, string>>): Promise<AppliedOp> {
    const out = await this.writer.submitWithRefs(ws, op, refs);
    if (!out.ok) throw out.error;
    return { ...out.result, replayed: out.replayed };
  }

  /** Applies operations concurrently (each its own all-or-nothing outcome, batched into few commits). */
  async applyMany(ws: string, ops: StoreOp[], chunk = 20_000): Promise<OpOutcome[]> {
    const out: OpOutcome[] = [];
    for (let i = 0; i < ops.length; i += chunk) out.push(...(await Promise.all(ops.slice(i, i + chunk).map((op) => this.writer.submit(ws, op)))));
    return out;
  }

  /**
   * Expires every lot due at `at` (all members) as one operation keyed `key`; a retry returns the first summary.
   * Runs in the ledger's write order, so it never races a batch of the same workspace in this process.
   */
  async expireAll(ws: string, at: string, key = `expire:${at}`): Promise<ExpireSummary & { idempotency_key: string; replayed: boolean }> {
    if (Number.isNaN(Date.parse(at))) throw invalid('ledger.invalid_op', 'at: not a time', 'at');
    const fingerprint = canonicalJson({ kind: 'expire_all', at });
    return this.writer.run(ws, async (tx) => {
      const seen = (await this.repo.usedKeys(tx, ws, [key])).get(key);
      if (seen) {
        if (seen.fingerprint !== fingerprint) throw new SiyuError('conflict', 'ledger.idempotency_conflict', `key: "${key}" was already used for a different operation`, { field: 'key' });
        return { ...(seen.result.detail as unknown as ExpireSummary), idempotency_key: key, replayed: true };
      }
      const summary = await expireAllDue(this.store, tx, ws, at, key);
      const result: OpResult = { idempotency_key: key, kind: 'expire', entries: [], balances: [], debt_added: 0, forgiven: 0, detail: { ...summary } };
      await this.recordOp(tx, ws, key, 'expire', fingerprint, result, at);
      return { ...summary, idempotency_key: key, replayed: false };
    });
  }

  /** Makes pending lots whose lock has passed at `at` available (status and account columns). */
  releaseAll(ws: string, at: string): Promise<{ lots: number; points: number }> {
    return this.writer.run(ws, (tx) => releaseAllDue(this.store, tx, ws, at));
  }

  /** A member's balances, lots with points left, and one page of entries (newest first). */
  async points(ws: string, member: string, opts: { limit: number; cursor?: string; expiringDays: number }, now = new Date()): Promise<PointsView> {
    const before = opts.cursor ? decodeCursor(opts.cursor) : null;
    const until = new Date(now.getTime() + opts.expiringDays * 86_400_000).toISOString();
    const [account, lots, rows, expiring] = await Promise.all([
      pointsReadRepo.account(this.store, ws, member),
      pointsReadRepo.lots(this.store, ws, member),
      pointsReadRepo.entries(this.store, ws, member, opts.limit + 1, before),
      pointsReadRepo.expiringSoon(this.store, ws, [member], now.toISOString(), until),
    ]);
    const page = rows.slice(0, opts.limit);
    const last = page[page.length - 1];
    // Spendable now: not pending by time and not past expiry (the expiry job may not have run yet).
    const t = now.getTime();
    const spendable = lots.reduce((s, l) => {
      const ok = (!l.available_at || Date.parse(l.available_at) <= t) && (!l.expires_at || Date.parse(l.expires_at) > t);
      return ok ? s + Number(l.remaining) : s;
    }, 0);
    const pending = lots.reduce((s, l) => (l.available_at && Date.parse(l.available_at) > t ? s + Number(l.remaining) : s), 0);
    return {
      member_id: member,
      balance: Number(account?.balance ?? 0),
      available: spendable,
      pending,
      debt: Number(account?.debt ?? 0),
      earned_total: Number(account?.earned_total ?? 0),
      expiring: { days: opts.expiringDays, until, points: expiring.get(member) ?? 0 },
      lots,
      entries: { data: page, next_cursor: rows.length > opts.limit && last ? encodeCursor(Number(last.version), Number(last.line)) : null },
    };
  }

  /** Balance, points expiring before `until`, for a few members (member 360, lists). */
  async balances(ws: string, members: string[], now: Date, until: Date): Promise<Map<string, { balance: number; debt: number; expiring: number }>> {
    const out = new Map<string, { balance: number; debt: number; expiring: number }>();
    if (members.length === 0) return out;
    const list = members.map((_, i) => `$${2 + i}`).join(', ');
    const [rows, expiring] = await Promise.all([
      this.store.query(`SELECT member_id, balance, debt FROM points_accounts WHERE workspace_id = $1 AND member_id IN (${list})`, [ws, ...members]),
      pointsReadRepo.expiringSoon(this.store, ws, members, now.toISOString(), until.toISOString()),
    ]);
    for (const r of rows) out.set(r.member_id, { balance: Number(r.balance), debt: Number(r.debt), expiring: expiring.get(r.member_id) ?? 0 });
    return out;
  }

  /** Ledger-wide check that balances equal the sums of entries and lots (0 mismatched = no drift). */
  drift(ws: string): Promise<DriftReport> {
    return pointsReadRepo.drift(this.store, ws);
  }

  close(): Promise<void> {
    return this.writer.close();
  }

  private async recordOp(tx: TxExecutor, ws: string, key: string, kind: string, fingerprint: string, result: OpResult, at: string): Promise<void> {
    await tx.exec(
      `INSERT INTO points_ops (workspace_id, idempotency_key, kind, member_id, fingerprint, result, created_at, recorded_at)
       VALUES ($1, $2, $3, NULL, $4, CAST($5 AS JSON), CAST($6 AS TIMESTAMPTZ), now())`,
      [ws, key, kind, fingerprint, JSON.stringify(result), at],
    );
  }
}
