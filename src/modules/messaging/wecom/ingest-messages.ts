// Pure building of the ingest messages callbacks publish: WeCom contact changes (an identify giving the member the
// external_userid identity and the employee, plus a track event) and WeChat follows. Message ids derive from the
// event, so a push the platform repeats (or a send retried) is stored once.
import { normaliseMessage, type RequestContext } from '../../ingest/normalise.ts';
import type { IngestMessage } from '../../ingest/schema.ts';
import { ADD_CHANGE_TYPES, type WecomContactEvent } from './events.ts';

/** A request context for messages Siyu itself produces (no write key, sizes known to be small). */
export function internalContext(now = Date.now()): RequestContext {
  return { receivedAt: now, receivedAtIso: new Date(now).toISOString(), keyChannel: null, checkSize: false };
}

/**
 * The messages of a contact change: for an add, an identify (`wecom_external_userid`, `wecom_staff_userid`); always
 * a track event `eventName` with userid, external_userid, state, change_type and channel_id.
 * @example contactMessages('mch_1', 'WeCom Contact Added', event, internalContext())
 */
export function contactMessages(channelId: string, eventName: string, e: WecomContactEvent, rc: RequestContext): IngestMessage[] {
  const anonymousId = `wecom:${e.externalUserId}`;
  const timestamp = new Date(e.createTime * 1000).toISOString();
  const base = `wecom:${channelId}:${e.changeType}:${e.userId}:${e.externalUserId}:${e.createTime}`;
  const context = { channel: 'wecom', traits: { wecom_external_userid: e.externalUserId } };
  const added = ADD_CHANGE_TYPES.has(e.changeType);
  const messages: IngestMessage[] = [];
  if (added) {
    const traits = { wecom_external_userid: e.externalUserId, wecom_staff_userid: e.userId };
    messages.push(normaliseMessage('identify', { messageId: `${base}:identify`, anonymousId, timestamp, context, traits }, 'wecom', rc));
  }
  const properties = {
    userid: e.userId,
    external_userid: e.externalUserId,
    state: e.state,
    change_type: e.changeType,
    channel_id: channelId,
    ...(e.corpId ? { corp_id: e.corpId } : {}),
    ...(e.source ? { source: e.source } : {}),
    ...(added ? { welcome_code: Boolean(e.welcomeCode) } : {}),
  };
  messages.push(normaliseMessage('track', { messageId: base, anonymousId, timestamp, context, event: eventName, properties }, 'wecom', rc));
  return messages;
}

/** A follow or unfollow of an official account as a track event on the member with that openid. */
export function followMessage(
  a: { appId: string; eventName: string; kind: 'follow' | 'unfollow'; openid: string; at: number; properties: Record<string, unknown>; messageId?: string },
  rc: RequestContext,
): IngestMessage {
  return normaliseMessage(
    'track',
    {
      messageId: a.messageId ?? `wechat:${a.appId}:${a.kind}:${a.openid}:${a.at}`,
      anonymousId: `wechat:${a.appId}:${a.openid}`,
      timestamp: new Date(a.at).toISOString(),
      context: { channel: 'wechat_oa', traits: { openid: a.openid, appid: a.appId } },
      event: a.eventName,
      properties: { openid: a.openid, app_id: a.appId, ...a.properties },
    },
    'wechat',
    rc,
  );
}
