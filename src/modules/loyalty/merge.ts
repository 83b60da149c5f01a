// Member merges: the merged member's points, lots, order facts, reward redemptions and tier go to the survivor,
// inside the identity merge's transaction. Two entries record the move (`merge_out` on the merged member, `merge_in`
// on the survivor, both listing the lots moved), so each member's balance still equals the sum of their entries.
import type { SqlExecutor, Store } from '../../store/port.ts';

/**
 * Moves `fromId`'s loyalty data to `intoId`; returns how many lots moved. Both accounts are locked (PostgreSQL) in
 * member order first, as ledger batches lock them, so a merge and a batch never deadlock or interleave.
 */
export async function mergeLoyalty(store: Store, tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
  const lock = store.capabilities.skipLocked ? ' FOR UPDATE' : '';
  const accounts = await tx.query(
    `SELECT member_id, balance, pending, debt, earned_total, version FROM points_accounts
     WHERE workspace_id = $1 AND member_id IN ($2, $3) ORDER BY member_id${lock}`,
    [ws, fromId, intoId],
  );
  const from = accounts.find((a) => a.member_id === fromId);
  const lots = await tx.query<{ id: string; remaining: number }>(
    `SELECT id, remaining FROM points_lots WHERE workspace_id = $1 AND member_id = $2 AND remaining > 0 ORDER BY id`,
    [ws, fromId],
  );
  const key = `merge:${fromId}:${intoId}`;
  if (from) {
    let into = accounts.find((a) => a.member_id === intoId);
    if (!into) {
      await tx.exec(`INSERT INTO points_accounts (workspace_id, member_id, updated_at) VALUES ($1, $2, now())`, [ws, intoId]);
      into = { member_id: intoId, balance: 0, pending: 0, debt: 0, earned_total: 0, version: 0 };
    }
    const moved = JSON.stringify(lots.map((l) => ({ lot_id: l.id, points: Number(l.remaining) })));
    const balance = Number(from.balance);
    const [fv, iv] = [Number(from.version) + 1, Number(into.version) + 1];
    if (balance !== 0 || lots.length > 0) {
      await tx.exec(
        `INSERT INTO points_entries (workspace_id, id, member_id, version, line, idempotency_key, kind, points, lot_id, deductions, order_id, reason, operator, created_at, recorded_at)
         VALUES ($1, $2, $3, $4, 0, $5, 'merge_out', $6, NULL, CAST($7 AS JSON), NULL, $8, NULL, now(), now()),
                ($1, $9, $10, $11, 1, $5, 'merge_in', $12, NULL, CAST($7 AS JSON), NULL, $13, NULL, now(), now())`,
        [ws, `${key}#0`, fromId, fv, key, -balance, moved, `merged into ${intoId}`, `${key}#1`, intoId, iv, balance, `merged from ${fromId}`],
      );
    }
    await tx.exec(
      `UPDATE points_accounts SET balance = balance + $3, pending = pending + $4, available = (balance + $3) - (pending + $4),
         debt = debt + $5, earned_total = earned_total + $6, version = $7, updated_at = now() WHERE workspace_id = $1 AND member_id = $2`,
      [ws, intoId, balance, Number(from.pending), Number(from.debt), Number(from.earned_total), iv],
    );
    await tx.exec(
      `UPDATE points_accounts SET balance = 0, pending = 0, available = 0, debt = 0, version = $3, updated_at = now() WHERE workspace_id = $1 AND member_id = $2`,
      [ws, fromId, fv],
    );
    await tx.exec(
      `INSERT INTO points_ops (workspace_id, idempotency_key, kind, member_id, fingerprint, result, created_at, recorded_at)
       VALUES ($1, $2, 'merge', $3, $2, CAST($4 AS JSON), now(), now()) ON CONFLICT (workspace_id, idempotency_key) DO NOTHING`,
      [ws, key, intoId, JSON.stringify({ idempotency_key: key, kind: 'merge', moved_points: balance, moved_lots: lots.length })],
    );
  }
  // Lots (spent ones too, for the history), order facts and redemptions follow the member.
  for (const table of ['points_lots', 'points_orders', 'loyalty_reward_redemptions', 'loyalty_tier_history']) {
    await tx.exec(`UPDATE ${table} SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2`, [ws, fromId, intoId]);
  }
  // The survivor keeps its tier row; it inherits the merged member's only when it has none (the next evaluation
  // or review settles the tier on the combined data).
  const intoTier = await tx.query(`SELECT member_id FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id = $2`, [ws, intoId]);
  if (intoTier.length === 0) {
    // Copy then delete (not an UPDATE of the key column, which DuckDB handles as delete + insert of the same index).
    await tx.exec(
      `INSERT INTO loyalty_member_tiers (workspace_id, member_id, tier, since, manual_tier, manual_reason, manual_operator, manual_assigned_at, manual_expires_at, last_review_at, updated_at)
       SELECT workspace_id, $3, tier, since, manual_tier, manual_reason, manual_operator, manual_assigned_at, manual_expires_at, last_review_at, now()
       FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id = $2`,
      [ws, fromId, intoId],
    );
  }
  await tx.exec(`DELETE FROM loyalty_member_tiers WHERE workspace_id = $1 AND member_id = $2`, [ws, fromId]);
  return lots.length;
}
