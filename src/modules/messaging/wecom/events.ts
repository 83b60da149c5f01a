// Pure reading of the callback events Siyu acts on: WeCom customer-contact changes (add → welcome message and a
// contact event; delete → a contact event; 微信客服 message notices) and WeChat official-account pushes (template send
// results, follows, followers' text messages).
import { parseXmlItems } from './xml.ts';

/** A WeCom `change_external_contact` event (self-built app format; third-party suites use InfoType/TimeStamp). */
export interface WecomContactEvent {
  kind: 'contact';
  /** add_external_contact, add_half_external_contact, edit_external_contact, del_external_contact, del_follow_user, … */
  changeType: string;
  corpId: string | null;
  /** The employee (企业服务人员) who added or lost the customer. */
  userId: string;
  externalUserId: string;
  /** The 「联系我」 / channel QR code `state` the customer came through. */
  state: string | null;
  /** Single-use, valid 20 seconds: lets the app send the welcome message. */
  welcomeCode: string | null;
  /** Event time, epoch seconds. */
  createTime: number;
  /** del_follow_user / del_external_contact: the customer deleted the employee (true) or the reverse. */
  source: string | null;
}

/** A WeChat official-account TEMPLATESENDJOBFINISH push: the delivery result of one template message. */
export interface OaTemplateResult {
  kind: 'template_result';
  /** The msgid template/send returned (kept as text: it can exceed 2^53). */
  msgId: string;
  openid: string;
  /** `success`, `failed:user block`, `failed: system failed`, or other `failed:…` reasons. */
  status: string;
  createTime: number;
}

/** A WeChat official-account follow or unfollow. */
export interface OaFollowEvent {
  kind: 'follow' | 'unfollow';
  openid: string;
  /** The parametric QR code scene of a follow (EventKey `qrscene_…`), when there is one. */
  scene: string | null;
  createTime: number;
}

/** A text an official-account follower sent (普通消息, MsgType text): checked for unsubscribe keywords. */
export interface OaTextMessage {
  kind: 'text';
  openid: string;
  content: string;
  /** The platform's 64-bit message id (as text); repeated pushes carry the same one. */
  msgId: string | null;
  createTime: number;
}

/**
 * WeCom 微信客服 `kf_msg_or_event`: customers wrote to a customer-service account; the messages themselves are read
 * with `kf/sync_msg`, passing this event's Token (valid 10 minutes) and the account.
 */
export interface KfMessageEvent {
  kind: 'kf_msg';
  token: string;
  openKfId: string | null;
  createTime: number;
}

export interface IgnoredEvent {
  kind: 'ignored';
  event: string;
}

/**
 * A WeCom `change_external_chat` event (客户群变更): a customer group was created, changed (members joined or left,
 * owner, name or notice changed) or dismissed. The event is a notification only: the group's detail
 * (`groupchat/get`) says who is in it now.
 */
export interface WecomChatEvent {
  kind: 'chat';
  chatId: string;
  /** create, update or dismiss. */
  changeType: string;
  /** update: add_member, del_member, change_owner, change_name, change_notice. */
  updateDetail: string | null;
  /** add_member: 0 invited by a member (directly or by link), 3 scanned the group QR code. */
  joinScene: number | null;
  /** del_member: 0 left by themselves, 1 removed by the owner or an admin. */
  quitScene: number | null;
  memChangeCnt: number | null;
  /** The userids (external_userid for customers) that joined or left, when WeCom lists them. */
  memChangeList: string[];
  lastMemVer: string | null;
  curMemVer: string | null;
  createTime: number;
}

export type CallbackEvent = WecomContactEvent | OaTemplateResult | OaFollowEvent | WecomChatEvent | OaTextMessage | KfMessageEvent | IgnoredEvent;

const text = (v: string | undefined) => (v === undefined || v === '' ? null : v);
const seconds = (v: string | undefined) => {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : Math.floor(Date.now() / 1000);
};

/**
 * What a decrypted callback document means for Siyu.
 * `xml` (the decrypted document) is read for nested lists (a group event's MemChangeList).
 * @example readCallbackEvent({ MsgType: 'event', Event: 'change_external_contact', ChangeType: 'add_external_contact', … })
 */
export function readCallbackEvent(f: Record<string, string>, xml?: string): CallbackEvent {
  const event = f.Event ?? f.InfoType ?? f.MsgType ?? '';
  if (event === 'change_external_contact') {
    if (!f.UserID || !f.ExternalUserID) return { kind: 'ignored', event: `${event}:${f.ChangeType ?? ''}` };
    return {
      kind: 'contact',
      changeType: f.ChangeType ?? '',
      corpId: text(f.ToUserName ?? f.AuthCorpId),
      userId: f.UserID,
      externalUserId: f.ExternalUserID,
      state: text(f.State),
      welcomeCode: text(f.WelcomeCode),
      createTime: seconds(f.CreateTime ?? f.TimeStamp),
      source: text(f.Source),
    };
  }
  if (event === 'change_external_chat' && f.ChatId) {
    const int = (v: string | undefined) => (v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));
    return {
      kind: 'chat',
      chatId: f.ChatId,
      changeType: f.ChangeType ?? '',
      updateDetail: text(f.UpdateDetail),
      joinScene: int(f.JoinScene),
      quitScene: int(f.QuitScene),
      memChangeCnt: int(f.MemChangeCnt),
      memChangeList: xml ? parseXmlItems(xml, 'MemChangeList') : [],
      lastMemVer: text(f.LastMemVer),
      curMemVer: text(f.CurMemVer),
      createTime: seconds(f.CreateTime ?? f.TimeStamp),
    };
  }
  if (event === 'TEMPLATESENDJOBFINISH') {
    const msgId = f.MsgID ?? f.MsgId;
    if (!msgId || !f.FromUserName) return { kind: 'ignored', event };
    return { kind: 'template_result', msgId, openid: f.FromUserName, status: (f.Status ?? '').trim(), createTime: seconds(f.CreateTime) };
  }
  if ((event === 'subscribe' || event === 'unsubscribe') && f.FromUserName) {
    const key = text(f.EventKey);
    return { kind: event === 'subscribe' ? 'follow' : 'unfollow', openid: f.FromUserName, scene: key?.startsWith('qrscene_') ? key.slice(8) : null, createTime: seconds(f.CreateTime) };
  }
  if (event === 'kf_msg_or_event' && f.Token) {
    return { kind: 'kf_msg', token: f.Token, openKfId: text(f.OpenKfId), createTime: seconds(f.CreateTime) };
  }
  if (f.MsgType === 'text' && f.FromUserName && f.Content !== undefined) {
    return { kind: 'text', openid: f.FromUserName, content: f.Content, msgId: text(f.MsgId), createTime: seconds(f.CreateTime) };
  }
  return { kind: 'ignored', event };
}

/** Contact changes that carry a welcome code and mean "a new customer": the welcome message goes out for these. */
export const ADD_CHANGE_TYPES: ReadonlySet<string> = new Set(['add_external_contact', 'add_half_external_contact']);
/** Contact changes that end a relationship. */
export const DELETE_CHANGE_TYPES: ReadonlySet<string> = new Set(['del_external_contact', 'del_follow_user']);

/** A template-send status as a receipt: delivered, or failed with a stable code. */
export function templateResultReceipt(status: string): { type: 'delivered' } | { type: 'failed'; code: string; message: string } {
  if (status === 'success') return { type: 'delivered' };
  const reason = status.replace(/^failed:\s*/, '').trim();
  const code = reason === 'user block' ? 'user_block' : reason === 'system failed' ? 'system_failed' : reason.replace(/\W+/g, '_').toLowerCase() || 'failed';
  return { type: 'failed', code: `wechat_oa.${code}`, message: status };
}
