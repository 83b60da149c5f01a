// Notifications of alerts: recipients resolved to addresses, one message per recipient and channel through the
// messaging module (at most once per alert event: the source key names the event), outcomes recorded.
import { newId } from '../../core/ids.ts';
import type { Evaluation } from '../../core/alerts/evaluate.ts';
import { periodLabel } from '../../core/alerts/periods.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { RenderedContent } from '../messaging/types.ts';
import { ALERT_SOURCE_PREFIX } from './metrics-repo.ts';
import { metricDef } from './metrics.ts';
import type { AlertRow, MonitorRow, NotificationRow } from './repo.ts';
import type { Recipient } from './schema.ts';

/** A recipient with the addresses channels read (email, phone, WeCom userid). */
export interface Addressee {
  key: string;
  name: string;
  to: Record<string, string>;
  /** Why nobody is sent to (a disabled or deleted user, a user without an email): recorded as `skipped`. */
  skip?: string;
}

/** Staff lookup (the staff module), when it is installed. */
export type StaffLookup = (ws: string, ref: string) => Promise<{ id: string; name: string; userid: string | null; phone: string | null; email: string | null }>;

/** Console user lookup (the access module): a user of the workspace by username or id, or null. */
export type UserLookup = (ws: string, ref: string) => Promise<{ id: string; username: string; display_name: string | null; email: string | null; disabled_at: string | null } | null>;

/** A console user's addressee: their email at send time, or why they are skipped. */
async function userAddressee(ws: string, r: Recipient & { user: string }, users: UserLookup | null): Promise<Addressee> {
  const u = users ? await users(ws, r.user) : null;
  const name = r.name ?? u?.display_name ?? u?.username ?? r.user;
  if (!u) return { key: `user:${r.user}`, name, to: {}, skip: `console user ${r.user} does not exist (deleted?)` };
  const key = `user:${u.id}`;
  if (u.disabled_at) return { key, name, to: {}, skip: `console user ${u.username} is disabled` };
  if (!u.email) return { key, name, to: {}, skip: `console user ${u.username} has no email` };
  return { key, name, to: { email: u.email } };
}

/** Addresses of each recipient; staff by id or WeCom userid, console users by username or id. */
export async function addressees(ws: string, recipients: Recipient[], staff: StaffLookup | null, users: UserLookup | null = null): Promise<Addressee[]> {
  const out: Addressee[] = [];
  for (const r of recipients) {
    if (r.user !== undefined) {
      out.push(await userAddressee(ws, { ...r, user: r.user }, users));
    } else if (r.staff !== undefined) {
      if (!staff) continue;
      const s = await staff(ws, r.staff);
      const to: Record<string, string> = { staff_id: s.id, ...(s.userid ? { wecom_userid: s.userid, staff_userid: s.userid } : {}), ...(s.phone ? { phone: s.phone } : {}), ...(s.email ? { email: s.email } : {}) };
      out.push({ key: `staff:${s.id}`, name: r.name ?? s.name, to });
    } else {
      const to: Record<string, string> = { ...(r.email ? { email: r.email } : {}), ...(r.phone ? { phone: r.phone } : {}), ...(r.wecom_userid ? { wecom_userid: r.wecom_userid, staff_userid: r.wecom_userid } : {}) };
      out.push({ key: `to:${r.email ?? r.phone ?? r.wecom_userid}`, name: r.name!, to });
    }
  }
  return out;
}

export type NotifyReason = 'opened' | 'escalated' | 'reminder' | 'resolved';

const SEVERITY_ZH: Record<string, string> = { info: '提示', warning: '警告', critical: '严重' };

const fmt = (v: number | null, unit: string) => (v === null ? '—' : unit === 'rate' ? `${(v * 100).toFixed(2)}%` : unit === 'money' ? v.toFixed(2) : String(Math.round(v * 100) / 100));

/** The message of one notification (zh first, English after), as every channel type reads it. */
export function alertMessage(m: MonitorRow, a: AlertRow, reason: NotifyReason, e: Evaluation | null): Record<string, unknown> {
  const def = metricDef(m.metric);
  const unit = def?.unit ?? 'count';
  const head = reason === 'resolved' ? '【预警恢复】' : `【危机预警·${SEVERITY_ZH[a.severity] ?? a.severity}】`;
  const value = fmt(e?.value ?? a.value, unit);
  const text = reason === 'resolved'
    ? `${head}${m.name}：${def?.name_zh ?? m.metric}已恢复正常（${periodLabel(a.last_period)} 起告警，共 ${a.occurrences} 次）。`
    : `${head}${m.name}：${def?.name_zh ?? m.metric} ${periodLabel(e?.date ?? a.last_period)} 为 ${value}。${e?.reason ?? ''}`;
  const subject = reason === 'resolved' ? `[Resolved] ${m.name}` : `[${a.severity.toUpperCase()}] ${m.name}: ${def?.name_en ?? m.metric} ${value}`;
  return {
    subject, title: subject, text, body: text,
    data: { alert_id: a.id, monitor_id: m.id, monitor: m.name, metric: m.metric, severity: a.severity, state: a.state, reason, period: e?.date ?? a.last_period, value: e?.value ?? a.value },
  };
}

/**
 * Sends one notification round and returns its rows (not yet stored). `eventId` makes the round at most once:
 * evaluating again after a crash re-sends nothing that was sent. Skipped recipients get a `skipped` row per channel.
 */
export async function sendRound(
  messaging: MessagingService, ws: string, m: MonitorRow, a: AlertRow, eventId: string, reason: NotifyReason, e: Evaluation | null, people: Addressee[],
): Promise<NotificationRow[]> {
  const rows: NotificationRow[] = [];
  const now = () => new Date().toISOString();
  const content = alertMessage(m, a, reason, e);
  const live = people.filter((p) => !p.skip);
  for (const ref of m.channels) {
    const sourceKey = `${ALERT_SOURCE_PREFIX}${a.id}:${eventId}:${ref}`;
    let channelType = 'unknown';
    let channelId = ref;
    try {
      const ch = await messaging.getChannel(ws, ref);
      channelType = ch.type;
      channelId = ch.id;
      const report = live.length ? await messaging.send(ws, ch.id, live.map((p) => ({ memberId: p.key, to: p.to, content: { channel: ch.type, ...content } as unknown as RenderedContent })), sourceKey) : { results: [] };
      for (const r of report.results) {
        const p = live.find((x) => x.key === r.member_id)!;
        const status = r.status === 'skipped' ? r.state : r.status;
        rows.push({ id: newId('anot'), alert_id: a.id, reason, recipient: p.name, recipient_key: p.key, channel_id: ch.id, channel_type: ch.type, status, send_id: r.send_id, error: r.error?.message ?? null, created_at: now() });
      }
    } catch (err) {
      for (const p of live) {
        rows.push({ id: newId('anot'), alert_id: a.id, reason, recipient: p.name, recipient_key: p.key, channel_id: ref, channel_type: channelType, status: 'failed', send_id: null, error: (err as Error).message, created_at: now() });
      }
    }
    for (const p of people) {
      if (p.skip) rows.push({ id: newId('anot'), alert_id: a.id, reason, recipient: p.name, recipient_key: p.key, channel_id: channelId, channel_type: channelType, status: 'skipped', send_id: null, error: p.skip, created_at: now() });
    }
  }
  return rows;
}
