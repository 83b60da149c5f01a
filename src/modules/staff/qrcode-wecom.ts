// The WeCom calls behind channel QR codes, as documented: 联系我 (externalcontact/add_contact_way → config_id,
// qr_code; update_contact_way to move the code to another employee; del_contact_way), 加入群聊
// (groupchat/add_join_way → config_id, then get_join_way for the qr_code; update/del_join_way) and 入群欢迎语素材
// (group_welcome_template/add|edit|del). Every call carries the code's state; failures become SiyuErrors.
import { SiyuError } from '../../core/errors.ts';
import type { WecomApi } from '../messaging/wecom/service.ts';
import type { WxOutcome } from '../messaging/providers/wx-api.ts';

/** WeCom limits the 联系我 remark to 30 characters. */
const remark = (name: string) => [...name].slice(0, 30).join('');

function answer(what: string, out: WxOutcome): any {
  if (out.ok) return out.json;
  throw new SiyuError(out.error.retryable ? 'unavailable' : 'invalid_data', 'qrcode.wecom_failed', `WeCom ${what} failed: ${out.error.code} ${out.error.message}`, {
    field: 'channel',
    details: { provider_code: out.error.code, retryable: out.error.retryable },
  });
}

/** 联系我, single employee (type 1), as a QR code (scene 2), carrying `state`. */
export async function addContactWay(api: WecomApi, a: { state: string; userid: string; name: string; skipVerify: boolean }): Promise<{ config_id: string; qr_code: string | null }> {
  // Not idempotent: a repeated call after a timeout would create a second way (WeCom keeps at most 500,000).
  const j = answer('add_contact_way', await api.call('/cgi-bin/externalcontact/add_contact_way', { type: 1, scene: 2, remark: remark(a.name), skip_verify: a.skipVerify, state: a.state, user: [a.userid] }));
  if (typeof j.config_id !== 'string' || !j.config_id) throw new SiyuError('unavailable', 'qrcode.wecom_failed', 'WeCom add_contact_way answered without config_id', { field: 'channel' });
  return { config_id: j.config_id, qr_code: typeof j.qr_code === 'string' && j.qr_code ? j.qr_code : null };
}

/** Moves a 联系我 code to another employee (the QR image stays the same: that is the 活码). */
export async function moveContactWay(api: WecomApi, configId: string, userid: string): Promise<void> {
  answer('update_contact_way', await api.call('/cgi-bin/externalcontact/update_contact_way', { config_id: configId, user: [userid] }, { idempotent: true }));
}

export async function deleteContactWay(api: WecomApi, configId: string): Promise<void> {
  answer('del_contact_way', await api.call('/cgi-bin/externalcontact/del_contact_way', { config_id: configId }, { idempotent: true }));
}

/** 加入群聊 as a QR code (scene 2) for 1–5 groups, carrying `state`; the QR code comes from get_join_way. */
export async function addJoinWay(api: WecomApi, a: { state: string; chatIds: string[]; name: string }): Promise<{ config_id: string; qr_code: string | null }> {
  const j = answer('groupchat/add_join_way', await api.call('/cgi-bin/externalcontact/groupchat/add_join_way', { scene: 2, remark: remark(a.name), auto_create_room: 0, chat_id_list: a.chatIds, state: a.state }));
  if (typeof j.config_id !== 'string' || !j.config_id) throw new SiyuError('unavailable', 'qrcode.wecom_failed', 'WeCom add_join_way answered without config_id', { field: 'channel' });
  const got = answer('groupchat/get_join_way', await api.call('/cgi-bin/externalcontact/groupchat/get_join_way', { config_id: j.config_id }, { idempotent: true }));
  const qr = got?.join_way?.qr_code;
  return { config_id: j.config_id, qr_code: typeof qr === 'string' && qr ? qr : null };
}

export async function updateJoinWay(api: WecomApi, a: { configId: string; state: string; chatIds: string[]; name: string }): Promise<void> {
  answer('groupchat/update_join_way', await api.call('/cgi-bin/externalcontact/groupchat/update_join_way', { config_id: a.configId, scene: 2, remark: remark(a.name), auto_create_room: 0, chat_id_list: a.chatIds, state: a.state }, { idempotent: true }));
}

export async function deleteJoinWay(api: WecomApi, configId: string): Promise<void> {
  answer('groupchat/del_join_way', await api.call('/cgi-bin/externalcontact/groupchat/del_join_way', { config_id: configId }, { idempotent: true }));
}

/** 入群欢迎语素材: the group welcome text as material the group owner picks in WeCom (at most 100 per corp). */
export async function addGroupWelcome(api: WecomApi, text: string): Promise<string> {
  const j = answer('group_welcome_template/add', await api.call('/cgi-bin/externalcontact/group_welcome_template/add', { text: { content: text } }));
  return String(j.template_id);
}

export async function editGroupWelcome(api: WecomApi, templateId: string, text: string): Promise<void> {
  answer('group_welcome_template/edit', await api.call('/cgi-bin/externalcontact/group_welcome_template/edit', { template_id: templateId, text: { content: text } }, { idempotent: true }));
}

export async function deleteGroupWelcome(api: WecomApi, templateId: string): Promise<void> {
  answer('group_welcome_template/del', await api.call('/cgi-bin/externalcontact/group_welcome_template/del', { template_id: templateId }, { idempotent: true }));
}
