// Migration 8: what loyalty and campaigns needed after 5 and 7 shipped — the watermarks of the catch-up sweeps
// (tracked events → points), a fixed reward key on referral attributions, and (PostgreSQL) an index for sweeping
// events by arrival time.
import type { DialectTypes } from '../port.ts';

export const version = 8;
export const name = 'loyalty-sweeps';

export function up(t: DialectTypes): string[] {
  return [
    // How far each catch-up sweep got (e.g. tracked events → points: everything received before swept_at, less a
    // safety overlap, has been looked at), so a sweep after a crash or a long stop starts where the last one did.
    `CREATE TABLE loyalty_sweeps (
      workspace_id VARCHAR NOT NULL,
      name VARCHAR NOT NULL,
      swept_at TIMESTAMPTZ NOT NULL,
      updated_at TIMESTAMPTZ NOT NULL,
      PRIMARY KEY (workspace_id, name)
    )`,
    // The prefix of a referral's reward idempotency keys, fixed at attribution so a member merge that re-homes the
    // row never changes them (null on rows from before: their keys derive from the invitee id, which is unchanged).
    `ALTER TABLE referral_attributions ADD COLUMN reward_key VARCHAR`,
    ...(t.secondaryIndexes ? ['CREATE INDEX events_received ON events (workspace_id, received_at)'] : []),
  ];
}
