// 微信客服 messages: a kf_msg_or_event notice carries no message, only a token to read them with `kf/sync_msg` from the
// channel's stored cursor. Customers' texts go to the inbound listeners (consent keywords); the cursor is saved after
// each page, so a message is read once and stored once even when two notices overlap.
import type { Store } from '../../../store/port.ts';
import type { ChannelRow } from '../channel-repo.ts';
import { inboundRepo, type InboundItem } from '../inbound.ts';
import { WecomConfig } from '../providers/wecom.ts';
import { wecomToken, wxCall } from '../providers/wx-api.ts';
import type { MessagingService } from '../service.ts';
import type { AdapterContext } from '../types.ts';
import type { KfMessageEvent } from './events.ts';
import type { KfSyncOutcome } from './types.ts';

/** Pages of `kf/sync_msg` read per 微信客服 notice (1,000 messages each); the rest waits for the next notice. */
const KF_MAX_PAGES = 20;

/** One message of `kf/sync_msg` (origin 3: the customer wrote it; 4: a system event; 5: a servicer). */
interface KfMessage {
  msgid: string;
  open_kfid?: string;
  external_userid?: string;
  send_time?: number;
  origin?: number;
  msgtype?: string;
  text?: { content?: string };
}

/** Reads the messages a notice announced and hands the customers' texts (origin 3) over under their external_userid. */
export async function syncKfMessages(
  deps: { store: Store; messaging: MessagingService },
  ctx: AdapterContext,
  c: ChannelRow,
  e: Pick<KfMessageEvent, 'token' | 'openKfId'>,
): Promise<KfSyncOutcome> {
  const cfg = WecomConfig.parse(c.config);
  const token = wecomToken(ctx, cfg);
  const repo = inboundRepo(deps.store);
  const stream = `kf:${e.openKfId ?? '*'}`;
  let cursor = await repo.cursor(deps.store, c.workspace_id, c.id, stream);
  const out: KfSyncOutcome = { pages: 0, messages: 0, texts: 0, recorded: 0 };
  for (let page = 0; page < KF_MAX_PAGES; page++) {
    const body = { ...(cursor ? { cursor } : {}), token: e.token, limit: 1000, ...(e.openKfId ? { open_kfid: e.openKfId } : {}) };
    const r = await wxCall(ctx, 'wecom', token, { base: cfg.base_url, path: '/cgi-bin/kf/sync_msg', body, method: 'POST', idempotent: true });
    if (!r.ok) {
      out.error = { code: r.error.code, message: r.error.message };
      break;
    }
    out.pages++;
    const list = (Array.isArray(r.json.msg_list) ? r.json.msg_list : []) as KfMessage[];
    out.messages += list.length;
    const texts: InboundItem[] = list
      .filter((m) => m.origin === 3 && m.msgtype === 'text' && m.external_userid && typeof m.text?.content === 'string')
      .map((m) => ({ id: `kf:${m.msgid}`, from: m.external_userid!, text: m.text!.content!, ...(m.send_time ? { at: new Date(m.send_time * 1000).toISOString() } : {}) }));
    out.texts += texts.length;
    if (texts.length) {
      const r2 = await deps.messaging.receiveInbound(c.workspace_id, c.id, texts);
      out.recorded += r2.recorded;
      (out.results ??= []).push(...r2.results);
    }
    const next = typeof r.json.next_cursor === 'string' ? r.json.next_cursor : '';
    if (next && next !== cursor) {
      cursor = next;
      await repo.saveCursor(deps.store, c.workspace_id, c.id, stream, next);
    }
    if (!Number(r.json.has_more) || !next) break;
  }
  return out;
}
