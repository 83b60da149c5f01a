// Delivery receipts of WeCom mass-send tasks, by polling: `get_groupmsg_task` tells which employees sent their share
// of a task, `get_groupmsg_send_result` what happened to each customer or group of that employee (1 sent, 2 not a
// contact, 3 already received a mass message). Both page with `cursor` and take at most 1,000 rows per call.
import type { ReceiptEvent } from '../schema.ts';
import type { AdapterContext } from '../types.ts';
import { taskMessageId, type WecomConfig } from './wecom.ts';
import { wecomToken, wxCall } from './wx-api.ts';

/** Rows per page of both APIs (their documented maximum). */
export const GROUPMSG_PAGE = 1000;

/** One employee's share of a task: 0 not sent, 1 confirmed, 2 sent. */
export interface GroupMsgTask {
  userid: string;
  status: number;
  send_time?: number;
}

/** One customer's (or group's) result: 0 not sent, 1 sent, 2 not a contact, 3 already received a mass message. */
export interface GroupMsgSendResult {
  external_userid?: string;
  chat_id?: string;
  userid: string;
  status: number;
  send_time?: number;
}

export interface PollOutcome {
  msgid: string;
  /** Employees whose share was sent (or confirmed) and whose results were read. */
  senders_done: string[];
  /** Employees who have not sent their share yet. */
  senders_pending: string[];
  receipts: ReceiptEvent[];
  error?: { code: string; message: string };
}

/** A customer result as a receipt (none while it is unsent). Ids are stable, so polling again stores nothing twice. */
export function sendResultReceipt(msgid: string, r: GroupMsgSendResult): ReceiptEvent | null {
  const target = r.external_userid || r.chat_id;
  if (!target || !r.status) return null;
  const base = {
    id: `wecom:${msgid}:${target}:${r.status}`,
    provider_message_id: taskMessageId(msgid, target),
    ...(r.send_time ? { time: new Date(r.send_time * 1000).toISOString() } : {}),
  };
  if (r.status === 1) return { ...base, type: 'delivered' };
  if (r.status === 2) return { ...base, type: 'failed', error: { code: 'wecom.not_contact', message: 'the customer is not a contact of the employee' } };
  if (r.status === 3) return { ...base, type: 'failed', error: { code: 'wecom.already_received', message: 'the customer already received a mass message in this period (WeCom limit)' } };
  return { ...base, type: 'failed', error: { code: `wecom.send_status_${r.status}`, message: `send status ${r.status}` } };
}

async function pages<T>(fetchPage: (cursor: string) => Promise<{ ok: true; list: T[]; next: string } | { ok: false; code: string; message: string }>) {
  const all: T[] = [];
  let cursor = '';
  for (let i = 0; i < 10_000; i++) {
    const p = await fetchPage(cursor);
    if (!p.ok) return { ok: false as const, code: p.code, message: p.message, list: all };
    all.push(...p.list);
    if (!p.next || p.next === cursor) break;
    cursor = p.next;
  }
  return { ok: true as const, list: all };
}

/**
 * Reads the results of mass-send tasks as receipts (the job layer calls this on a schedule, see
 * WecomService.pollGroupMessages). Reads are idempotent, so they are retried on transient errors.
 */
export async function pollGroupMessages(cfg: WecomConfig, ctx: AdapterContext, msgids: string[]): Promise<PollOutcome[]> {
  const token = wecomToken(ctx, cfg);
  const call = (path: string, body: Record<string, unknown>) => wxCall(ctx, 'wecom', token, { base: cfg.base_url, path, body, idempotent: true });
  const out: PollOutcome[] = [];
  for (const msgid of msgids) {
    const tasks = await pages<GroupMsgTask>(async (cursor) => {
      const r = await call('/cgi-bin/externalcontact/get_groupmsg_task', { msgid, limit: GROUPMSG_PAGE, ...(cursor ? { cursor } : {}) });
      return r.ok ? { ok: true, list: (r.json.task_list ?? []) as GroupMsgTask[], next: String(r.json.next_cursor ?? '') } : { ok: false, code: r.error.code, message: r.error.message };
    });
    const outcome: PollOutcome = { msgid, senders_done: [], senders_pending: [], receipts: [] };
    out.push(outcome);
    if (!tasks.ok) {
      outcome.error = { code: tasks.code, message: tasks.message };
      continue;
    }
    for (const t of tasks.list) {
      if (!t.status) {
        outcome.senders_pending.push(t.userid);
        continue;
      }
      const results = await pages<GroupMsgSendResult>(async (cursor) => {
        const r = await call('/cgi-bin/externalcontact/get_groupmsg_send_result', { msgid, userid: t.userid, limit: GROUPMSG_PAGE, ...(cursor ? { cursor } : {}) });
        return r.ok ? { ok: true, list: (r.json.send_list ?? []) as GroupMsgSendResult[], next: String(r.json.next_cursor ?? '') } : { ok: false, code: r.error.code, message: r.error.message };
      });
      for (const r of results.list) {
        const receipt = sendResultReceipt(msgid, r);
        if (receipt) outcome.receipts.push(receipt);
      }
      if (!results.ok) outcome.error = { code: results.code, message: results.message };
      else outcome.senders_done.push(t.userid);
    }
  }
  return out;
}
