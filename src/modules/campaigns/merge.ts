// Member merges: the merged member's campaign data goes to the survivor inside the identity merge's transaction,
// without breaking the one-per-person rules the campaign tables' keys enforce. The rule everywhere: a row moves
// to the survivor unless the survivor already holds that slot (an invite code, an attribution as invitee, a seat in
// the deal, a session or a help in the campaign); then the survivor's row stays the live one, the merged member's
// row stays under the merged-away id as history, a live duplicate is closed (seat released, session expired,
// waiting attribution refused), and the duplicate is recorded in campaign_refusals so the reports show it. A pair
// where one invited or helped the other becomes one person: it is marked self-invite / self-help. Rewards already
// given stay given (the loyalty ledger and coupons keep them; claw them back by an adjustment if wanted).
import type { SqlExecutor } from '../../store/port.ts';
import { recordRefusal } from './facts.ts';
import type { AttributionRow } from './referral-repo.ts';
import { json } from './shared.ts';

const GIVEN: ReadonlySet<string> = new Set(['rewarding', 'rewarded']);

/**
 * Moves `fromId`'s referral codes and attributions, group-buy seats and assist/bargain sessions and helps to
 * `intoId`; returns how many rows moved (recorded in the merge history).
 */
export async function mergeCampaigns(tx: SqlExecutor, ws: string, fromId: string, intoId: string): Promise<number> {
  // Most merges (anonymous visitors, duplicate profiles) touch no campaign data: one cheap look first.
  const [probe] = await tx.query<{ n: number }>(
    `SELECT (SELECT COUNT(*) FROM referral_codes WHERE workspace_id = $1 AND member_id = $2)
          + (SELECT COUNT(*) FROM referral_attributions WHERE workspace_id = $1 AND (invitee_id = $2 OR inviter_id = $2))
          + (SELECT COUNT(*) FROM group_buy_members WHERE workspace_id = $1 AND member_id = $2)
          + (SELECT COUNT(*) FROM help_sessions WHERE workspace_id = $1 AND initiator_id = $2)
          + (SELECT COUNT(*) FROM help_records WHERE workspace_id = $1 AND helper_id = $2)
          + (SELECT COUNT(*) FROM campaign_refusals WHERE workspace_id = $1 AND (subject_id = $2 OR other_id = $2)) AS n`,
    [ws, fromId],
  );
  if (Number(probe?.n ?? 0) === 0) return 0;
  const at = new Date().toISOString();
  const c = { tx, ws, from: fromId, into: intoId, at };
  // Refusals recorded before the merge name the survivor from now on (the merge's own records name it already).
  await tx.exec(`UPDATE campaign_refusals SET subject_id = $3 WHERE workspace_id = $1 AND subject_id = $2`, [ws, fromId, intoId]);
  await tx.exec(`UPDATE campaign_refusals SET other_id = $3 WHERE workspace_id = $1 AND other_id = $2`, [ws, fromId, intoId]);
  return (await mergeReferral(c)) + (await mergeGroupBuy(c)) + (await mergeHelp(c));
}

interface Ctx { tx: SqlExecutor; ws: string; from: string; into: string; at: string }

// ── referral ──

async function mergeReferral({ tx, ws, from, into, at }: Ctx): Promise<number> {
  let moved = 0;
  // Invite code: the survivor keeps its own; the merged member's moves over when the survivor has none, else it
  // stays where it is and leads to the survivor through members.merged_into (links already shared keep working).
  const codes = await tx.query<{ member_id: string }>(`SELECT member_id FROM referral_codes WHERE workspace_id = $1 AND member_id IN ($2, $3)`, [ws, from, into]);
  if (codes.some((r) => r.member_id === from) && !codes.some((r) => r.member_id === into)) {
    moved += await tx.execCount(`UPDATE referral_codes SET member_id = $3 WHERE workspace_id = $1 AND member_id = $2`, [ws, from, into]);
  }

  const rows = await tx.query<AttributionRow>(
    `SELECT invitee_id, inviter_id, status, refusals FROM referral_attributions
     WHERE workspace_id = $1 AND (invitee_id IN ($2, $3) OR inviter_id = $2)`,
    [ws, from, into],
  );
  const mark = async (invitee: string, reasons: string[], refuse: boolean) => {
    const row = rows.find((r) => r.invitee_id === invitee)!;
    const all = [...new Set([...(json<string[] | null>(row.refusals) ?? []), ...reasons])];
    await tx.exec(
      `UPDATE referral_attributions SET refusals = $3, status = CASE WHEN CAST($4 AS BOOLEAN) THEN 'refused' ELSE status END, updated_at = CAST($5 AS TIMESTAMPTZ)
       WHERE workspace_id = $1 AND invitee_id = $2`,
      [ws, invitee, JSON.stringify(all), refuse, at],
    );
    row.refusals = all;
    if (refuse) row.status = 'refused';
    await recordRefusal(tx, ws, { kind: 'referral', subjectId: into, otherId: into, reasons, at });
  };

  // One of the pair invited the other: it was one person inviting themselves. Not yet rewarded: refused; already
  // rewarded: kept, with the reason on the row.
  for (const r of rows.filter((x) => (x.invitee_id === from && x.inviter_id === into) || (x.invitee_id === into && x.inviter_id === from))) {
    if (r.status !== 'refused' || !(json<string[] | null>(r.refusals) ?? []).includes('self_invite')) await mark(r.invitee_id, ['self_invite'], r.status === 'attributed');
  }
  // Invites the merged member sent are the survivor's (their count holds against maxRewardsPerInviter).
  moved += await tx.execCount(`UPDATE referral_attributions SET inviter_id = $3 WHERE workspace_id = $1 AND inviter_id = $2`, [ws, from, into]);

  // The merged member's own attribution as invitee: one per person, ever.
  const f = rows.find((r) => r.invitee_id === from);
  const i = rows.find((r) => r.invitee_id === into);
  if (f && !i) {
    // reward_key keeps the rewards' keys, so a reward in flight is never given again under a new key.
    moved += await tx.execCount(`UPDATE referral_attributions SET invitee_id = $3, updated_at = CAST($4 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND invitee_id = $2`, [ws, from, into, at]);
  } else if (f && i) {
    // The survivor's stays the person's attribution; the merged member's stays under its id as history.
    if (f.status === 'attributed') await mark(from, ['invitee_already_attributed'], true);
    else if (GIVEN.has(f.status) && i.status === 'attributed') await mark(into, ['invitee_already_rewarded'], true);
    else if (GIVEN.has(f.status) && GIVEN.has(i.status)) await mark(from, ['invitee_already_rewarded'], false);
  }
  return moved;
}

// ── group-buy ──

interface SeatRow { group_id: string; deal_id: string; member_id: string; role: string; status: string }
interface GroupRow { id: string; leader_id: string; status: string }

async function mergeGroupBuy({ tx, ws, from, into, at }: Ctx): Promise<number> {
  const rows = await tx.query<SeatRow>(`SELECT group_id, deal_id, member_id, role, status FROM group_buy_members WHERE workspace_id = $1 AND member_id IN ($2, $3)`, [ws, from, into]);
  const mine = rows.filter((r) => r.member_id === from);
  if (mine.length === 0) return 0;
  const groupIds = [...new Set(rows.map((r) => r.group_id))];
  const groups = new Map(
    (await tx.query<GroupRow>(`SELECT id, leader_id, status FROM group_buy_groups WHERE workspace_id = $1 AND id IN (${groupIds.map((_, k) => `$${k + 2}`).join(', ')})`, [ws, ...groupIds]))
      .map((g) => [g.id, g]),
  );
  // Live seats (one per member per deal): deal → group, for both members, kept current as seats move.
  const seats = await tx.query<{ deal_id: string; member_id: string; group_id: string }>(`SELECT deal_id, member_id, group_id FROM group_buy_seats WHERE workspace_id = $1 AND member_id IN ($2, $3)`, [ws, from, into]);
  const seatOf = (member: string, deal: string) => seats.find((s) => s.member_id === member && s.deal_id === deal);
  const dropSeat = async (member: string, deal: string) => {
    await tx.exec(`DELETE FROM group_buy_seats WHERE workspace_id = $1 AND deal_id = $2 AND member_id = $3`, [ws, deal, member]);
    const k = seats.findIndex((s) => s.member_id === member && s.deal_id === deal);
    if (k >= 0) seats.splice(k, 1);
  };
  const flag = (groupId: string) => recordRefusal(tx, ws, { kind: 'group_buy', campaignId: groupId, subjectId: into, reasons: ['already_joined'], at });

  /** Frees `member`'s seat in open group `g` as leaving does: a leader leaving fails the group and frees every seat. */
  const leave = async (g: GroupRow, member: string, deal: string) => {
    if (g.leader_id === member) {
      await tx.exec(`UPDATE group_buy_groups SET status = 'failed', closed_at = CAST($3 AS TIMESTAMPTZ), close_reason = 'leader_left', updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [ws, g.id, at]);
      await tx.exec(`DELETE FROM group_buy_seats WHERE workspace_id = $1 AND group_id = $2`, [ws, g.id]);
      await tx.exec(`UPDATE group_buy_members SET status = 'released', updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND group_id = $2 AND status = 'joined'`, [ws, g.id, at]);
      for (let k = seats.length - 1; k >= 0; k--) if (seats[k].group_id === g.id) seats.splice(k, 1);
      g.status = 'failed';
    } else {
      await tx.exec(`UPDATE group_buy_groups SET seats_taken = seats_taken - 1, updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [ws, g.id, at]);
      await tx.exec(`UPDATE group_buy_members SET status = 'released', updated_at = CAST($4 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`, [ws, g.id, member, at]);
      if (seatOf(member, deal)?.group_id === g.id) await dropSeat(member, deal);
    }
  };

  let moved = 0;
  for (const r of mine) {
    const g = groups.get(r.group_id)!;
    const together = rows.find((x) => x.member_id === into && x.group_id === r.group_id);
    if (together) {
      // Both accounts sat in one group: one person took two seats. The survivor's seat stays; the merged one is
      // freed if the group is still open (a full or failed group is history), and leadership passes over.
      if (r.status === 'joined' && g.status === 'open') {
        await tx.exec(`UPDATE group_buy_groups SET seats_taken = seats_taken - 1, updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2`, [ws, g.id, at]);
        await tx.exec(`UPDATE group_buy_members SET status = 'released', updated_at = CAST($4 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`, [ws, g.id, from, at]);
      }
      if (seatOf(from, r.deal_id)?.group_id === g.id) await dropSeat(from, r.deal_id);
      if (g.leader_id === from) {
        await tx.exec(`UPDATE group_buy_groups SET leader_id = $3 WHERE workspace_id = $1 AND id = $2`, [ws, g.id, into]);
        await tx.exec(`UPDATE group_buy_members SET role = 'leader' WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`, [ws, g.id, into]);
        g.leader_id = into;
      }
      if (r.status !== 'released' && together.status !== 'released') await flag(g.id);
      continue;
    }
    const mySeat = seatOf(from, r.deal_id);
    const theirs = seatOf(into, r.deal_id);
    if (mySeat?.group_id === g.id && theirs) {
      // Both hold a live seat in this deal (one group per person per deal): keep the one further along (a full
      // group over an open one; the survivor's on a tie) and free the other if its group is still open.
      const other = groups.get(theirs.group_id)!;
      const keepMine = g.status === 'success' && other.status === 'open';
      if (keepMine) await leave(other, into, r.deal_id);
      else if (g.status === 'open') await leave(g, from, r.deal_id);
      if (seatOf(from, r.deal_id)) {
        if (seatOf(into, r.deal_id)) await dropSeat(from, r.deal_id); // both groups full: both keep their history
        else {
          await tx.exec(`UPDATE group_buy_seats SET member_id = $4 WHERE workspace_id = $1 AND deal_id = $2 AND member_id = $3`, [ws, r.deal_id, from, into]);
          seatOf(from, r.deal_id)!.member_id = into;
        }
      }
      await flag(g.id);
    } else if (mySeat?.group_id === g.id) {
      await tx.exec(`UPDATE group_buy_seats SET member_id = $4 WHERE workspace_id = $1 AND deal_id = $2 AND member_id = $3`, [ws, r.deal_id, from, into]);
      mySeat.member_id = into;
    }
    moved += await tx.execCount(`UPDATE group_buy_members SET member_id = $4 WHERE workspace_id = $1 AND group_id = $2 AND member_id = $3`, [ws, g.id, from, into]);
    if (g.leader_id === from) {
      await tx.exec(`UPDATE group_buy_groups SET leader_id = $3 WHERE workspace_id = $1 AND id = $2`, [ws, g.id, into]);
      g.leader_id = into;
    }
  }
  return moved;
}

// ── share-assist and bargain ──

interface SessionRow { id: string; campaign_id: string; initiator_id: string; kind: string; status: string }

async function mergeHelp({ tx, ws, from, into, at }: Ctx): Promise<number> {
  let moved = 0;
  const sessions = await tx.query<SessionRow>(`SELECT id, campaign_id, initiator_id, kind, status FROM help_sessions WHERE workspace_id = $1 AND initiator_id IN ($2, $3)`, [ws, from, into]);
  const expire = (id: string) =>
    tx.exec(`UPDATE help_sessions SET status = 'expired', updated_at = CAST($3 AS TIMESTAMPTZ) WHERE workspace_id = $1 AND id = $2 AND status = 'open'`, [ws, id, at]);
  for (const s of sessions.filter((x) => x.initiator_id === from)) {
    const theirs = sessions.find((x) => x.initiator_id === into && x.campaign_id === s.campaign_id);
    if (!theirs) {
      moved += await tx.execCount(`UPDATE help_sessions SET initiator_id = $4 WHERE workspace_id = $1 AND campaign_id = $2 AND initiator_id = $3`, [ws, s.campaign_id, from, into]);
      continue;
    }
    // One session per person per campaign: the survivor's stays; an open duplicate closes. When only the merged
    // member's session was completed, the person already had their reward or price: the survivor's open one closes.
    if (s.status === 'open') await expire(s.id);
    else if (s.status === 'done' && theirs.status === 'open') await expire(theirs.id);
    await recordRefusal(tx, ws, { kind: s.kind, campaignId: s.campaign_id, subjectId: into, otherId: into, reasons: ['duplicate_session'], at });
  }

  // Helps: the session's initiator after the merge (sessions moved above) tells a self-help.
  const helps = await tx.query<{ campaign_id: string; helper_id: string; initiator_id: string; kind: string }>(
    `SELECT r.campaign_id, r.helper_id, s.initiator_id, s.kind FROM help_records r
       JOIN help_sessions s ON s.workspace_id = r.workspace_id AND s.id = r.session_id
     WHERE r.workspace_id = $1 AND (r.helper_id IN ($2, $3) OR s.initiator_id IN ($2, $3))`,
    [ws, from, into],
  );
  const person = (id: string) => id === from || id === into;
  for (const h of helps.filter((x) => person(x.helper_id) && person(x.initiator_id))) {
    // One of the pair helped the other: a self-help. The help stands (a bargain's cuts are fixed by their order),
    // and is reported.
    await recordRefusal(tx, ws, { kind: h.kind, campaignId: h.campaign_id, subjectId: into, otherId: into, reasons: ['self'], at });
  }
  for (const h of helps.filter((x) => x.helper_id === from)) {
    if (helps.some((x) => x.helper_id === into && x.campaign_id === h.campaign_id)) {
      // Both accounts helped in one campaign (one help per person per campaign): both helps stand, reported.
      await recordRefusal(tx, ws, { kind: h.kind, campaignId: h.campaign_id, subjectId: into, reasons: ['already_helped'], at });
    } else {
      moved += await tx.execCount(`UPDATE help_records SET helper_id = $4 WHERE workspace_id = $1 AND campaign_id = $2 AND helper_id = $3`, [ws, h.campaign_id, from, into]);
    }
  }
  return moved;
}
