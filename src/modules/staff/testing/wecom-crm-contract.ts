// The WeCom customer-contact APIs staff and community use, as a local contract for tests and demos (plugged into
// src/modules/messaging/testing/wechat-server.ts through its `handlers` option, behind its token check):
// 联系我 (add/get/update/del_contact_way), 加入群聊 (groupchat add/get/update/del_join_way), customer groups
// (groupchat/list with cursors, groupchat/get with member_version and each member's join state), 入群欢迎语素材
// (group_welcome_template add/edit/del), and 离职继承 (resigned/transfer_customer, groupchat/transfer).
import type { WechatRequest } from '../../messaging/testing/wechat-server.ts';

export interface ContactWayRecord {
  config_id: string;
  type: number;
  scene: number;
  state: string;
  user: string[];
  remark?: string;
  skip_verify: boolean;
  qr_code: string;
}

export interface JoinWayRecord {
  config_id: string;
  scene: number;
  state: string;
  chat_id_list: string[];
  remark?: string;
  auto_create_room: number;
  qr_code: string;
}

export interface GroupMemberRecord {
  userid: string;
  /** 1 employee, 2 external contact. */
  type: 1 | 2;
  unionid?: string;
  join_time: number;
  join_scene: number;
  invitor?: string;
  name?: string;
  /** The 加入群聊 state the member joined through. */
  state?: string;
}

export interface GroupRecord {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number;
  notice: string;
  members: GroupMemberRecord[];
  admins: string[];
  /** 0 normal, 1 owner resigned, 2 inheriting, 3 inherited. */
  status: number;
  version: number;
}

export interface CrmContract {
  contactWays: Map<string, ContactWayRecord>;
  joinWays: Map<string, JoinWayRecord>;
  groups: Map<string, GroupRecord>;
  welcomeTemplates: Map<string, any>;
  transfers: { handover_userid: string; takeover_userid: string; external_userid: string[] }[];
  groupTransfers: { chat_id_list: string[]; new_owner: string }[];
  /** The API routes, for startWechatServer({ handlers }). */
  handlers: Record<string, (r: WechatRequest) => { status?: number; body: unknown }>;
  addGroup(g: { chat_id: string; name: string; owner: string; notice?: string; members?: Omit<GroupMemberRecord, 'join_time' | 'join_scene'>[]; create_time?: number }): GroupRecord;
  /** A customer joins a group (by QR code, scene 3, with the join way's state when given). */
  join(chatId: string, m: Omit<GroupMemberRecord, 'join_time' | 'join_scene'> & { join_time?: number; join_scene?: number }): void;
  leave(chatId: string, userid: string): void;
  dismiss(chatId: string): void;
}

const ok = (extra: Record<string, unknown> = {}) => ({ body: { errcode: 0, errmsg: 'ok', ...extra } });
const fail = (errcode: number, errmsg: string) => ({ body: { errcode, errmsg } });
const now = () => Math.floor(Date.now() / 1000);

export function crmContract(): CrmContract {
  let seq = 0;
  const c = {
    contactWays: new Map<string, ContactWayRecord>(),
    joinWays: new Map<string, JoinWayRecord>(),
    groups: new Map<string, GroupRecord>(),
    welcomeTemplates: new Map<string, any>(),
    transfers: [] as CrmContract['transfers'],
    groupTransfers: [] as CrmContract['groupTransfers'],
  };
  const id = (p: string) => `${p}${(++seq).toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10)}`;
  const stateOk = (s: unknown) => s === undefined || (typeof s === 'string' && s.length <= 30);

  const handlers: CrmContract['handlers'] = {
    'POST /cgi-bin/externalcontact/add_contact_way': (r) => {
      const b = r.json ?? {};
      if (b.type !== 1 && b.type !== 2) return fail(41037, 'missing contact way type');
      if (b.scene !== 1 && b.scene !== 2) return fail(41038, 'missing contact way scene');
      const user = Array.isArray(b.user) ? b.user.map(String) : [];
      if (b.type === 1 && user.length !== 1) return fail(40058, 'type 1 needs exactly one user');
      if (!stateOk(b.state)) return fail(40058, 'state exceeds 30 characters');
      if (typeof b.remark === 'string' && b.remark.length > 30) return fail(40058, 'remark exceeds 30 characters');
      const config_id = id('cw');
      const qr_code = b.scene === 2 ? `https://wework.qpic.cn/wwpic/${config_id}/0` : '';
      c.contactWays.set(config_id, { config_id, type: b.type, scene: b.scene, state: b.state ?? '', user, remark: b.remark, skip_verify: b.skip_verify ?? true, qr_code });
      return ok({ config_id, ...(qr_code ? { qr_code } : {}) });
    },
    'POST /cgi-bin/externalcontact/get_contact_way': (r) => {
      const w = c.contactWays.get(r.json?.config_id);
      return w ? ok({ contact_way: w }) : fail(41044, 'invalid config_id');
    },
    'POST /cgi-bin/externalcontact/update_contact_way': (r) => {
      const b = r.json ?? {};
      const w = c.contactWays.get(b.config_id);
      if (!w) return fail(41044, 'invalid config_id');
      if (!stateOk(b.state)) return fail(40058, 'state exceeds 30 characters');
      if (Array.isArray(b.user)) {
        if (w.type === 1 && b.user.length !== 1) return fail(40058, 'type 1 needs exactly one user');
        w.user = b.user.map(String);
      }
      if (b.state !== undefined) w.state = b.state;
      if (b.remark !== undefined) w.remark = b.remark;
      if (b.skip_verify !== undefined) w.skip_verify = b.skip_verify;
      return ok();
    },
    'POST /cgi-bin/externalcontact/del_contact_way': (r) => (c.contactWays.delete(r.json?.config_id) ? ok() : fail(41044, 'invalid config_id')),

    'POST /cgi-bin/externalcontact/groupchat/add_join_way': (r) => {
      const b = r.json ?? {};
      if (b.scene !== 1 && b.scene !== 2) return fail(40058, 'invalid scene');
      const chats = Array.isArray(b.chat_id_list) ? b.chat_id_list.map(String) : [];
      if (chats.length < 1 || chats.length > 5) return fail(40058, 'chat_id_list needs 1 to 5 groups');
      if (chats.some((x: string) => !c.groups.has(x))) return fail(40050, 'chat_id not exist');
      if (!stateOk(b.state)) return fail(40058, 'state exceeds 30 characters');
      const config_id = id('jw');
      c.joinWays.set(config_id, { config_id, scene: b.scene, state: b.state ?? '', chat_id_list: chats, remark: b.remark, auto_create_room: b.auto_create_room ?? 1, qr_code: b.scene === 2 ? `https://wework.qpic.cn/wwpic/${config_id}/0` : '' });
      // The documented answer carries only config_id: the QR code comes from get_join_way.
      return ok({ config_id });
    },
    'POST /cgi-bin/externalcontact/groupchat/get_join_way': (r) => {
      const w = c.joinWays.get(r.json?.config_id);
      return w ? ok({ join_way: w }) : fail(41044, 'invalid config_id');
    },
    'POST /cgi-bin/externalcontact/groupchat/update_join_way': (r) => {
      const b = r.json ?? {};
      const w = c.joinWays.get(b.config_id);
      if (!w) return fail(41044, 'invalid config_id');
      if (Array.isArray(b.chat_id_list)) {
        if (b.chat_id_list.length < 1 || b.chat_id_list.length > 5) return fail(40058, 'chat_id_list needs 1 to 5 groups');
        w.chat_id_list = b.chat_id_list.map(String);
      }
      if (b.state !== undefined) w.state = b.state;
      return ok();
    },
    'POST /cgi-bin/externalcontact/groupchat/del_join_way': (r) => (c.joinWays.delete(r.json?.config_id) ? ok() : fail(41044, 'invalid config_id')),

    'POST /cgi-bin/externalcontact/groupchat/list': (r) => {
      const b = r.json ?? {};
      const limit = Number(b.limit);
      if (!(limit >= 1 && limit <= 1000)) return fail(40058, 'limit must be 1 to 1000');
      const owners: string[] | null = Array.isArray(b.owner_filter?.userid_list) ? b.owner_filter.userid_list : null;
      const all = [...c.groups.values()].filter((g) => (!owners || owners.includes(g.owner)) && (!b.status_filter || g.status === b.status_filter));
      const start = Number(b.cursor) || 0;
      const page = all.slice(start, start + limit);
      return ok({ group_chat_list: page.map((g) => ({ chat_id: g.chat_id, status: g.status })), next_cursor: start + limit < all.length ? String(start + limit) : '' });
    },
    'POST /cgi-bin/externalcontact/groupchat/get': (r) => {
      const g = c.groups.get(r.json?.chat_id);
      if (!g) return fail(40050, 'chat_id not exist');
      const needName = r.json?.need_name === 1;
      return ok({
        group_chat: {
          chat_id: g.chat_id,
          name: g.name,
          owner: g.owner,
          create_time: g.create_time,
          notice: g.notice,
          member_list: g.members.map((m) => ({
            userid: m.userid,
            type: m.type,
            ...(m.unionid ? { unionid: m.unionid } : {}),
            join_time: m.join_time,
            join_scene: m.join_scene,
            ...(m.invitor ? { invitor: { userid: m.invitor } } : {}),
            group_nickname: '',
            ...(needName ? { name: m.name ?? m.userid } : {}),
            ...(m.state ? { state: m.state } : {}),
          })),
          admin_list: g.admins.map((userid) => ({ userid })),
          member_version: `v${g.version}`,
        },
      });
    },

    'POST /cgi-bin/externalcontact/group_welcome_template/add': (r) => {
      const b = r.json ?? {};
      if (!b.text?.content && !b.image && !b.link && !b.miniprogram && !b.file && !b.video) return fail(41048, 'content is empty');
      const template_id = id('msg');
      c.welcomeTemplates.set(template_id, b);
      return ok({ template_id });
    },
    'POST /cgi-bin/externalcontact/group_welcome_template/edit': (r) => {
      const b = r.json ?? {};
      if (!c.welcomeTemplates.has(b.template_id)) return fail(41050, 'invalid template_id');
      c.welcomeTemplates.set(b.template_id, b);
      return ok();
    },
    'POST /cgi-bin/externalcontact/group_welcome_template/del': (r) => (c.welcomeTemplates.delete(r.json?.template_id) ? ok() : fail(41050, 'invalid template_id')),

    'POST /cgi-bin/externalcontact/resigned/transfer_customer': (r) => {
      const b = r.json ?? {};
      const ids: string[] = Array.isArray(b.external_userid) ? b.external_userid.map(String) : [];
      if (!b.handover_userid || !b.takeover_userid) return fail(40058, 'handover_userid and takeover_userid are required');
      if (ids.length < 1 || ids.length > 100) return fail(40058, 'external_userid takes 1 to 100 customers');
      c.transfers.push({ handover_userid: b.handover_userid, takeover_userid: b.takeover_userid, external_userid: ids });
      return ok({ customer: ids.map((external_userid) => ({ external_userid, errcode: 0 })) });
    },
    'POST /cgi-bin/externalcontact/transfer_customer': (r) => {
      // On-the-job transfer (在职继承): the same shape as the resigned one.
      const b = r.json ?? {};
      const ids: string[] = Array.isArray(b.external_userid) ? b.external_userid.map(String) : [];
      if (!b.handover_userid || !b.takeover_userid || ids.length < 1 || ids.length > 100) return fail(40058, 'handover_userid, takeover_userid and 1 to 100 external_userid are required');
      c.transfers.push({ handover_userid: b.handover_userid, takeover_userid: b.takeover_userid, external_userid: ids });
      return ok({ customer: ids.map((external_userid) => ({ external_userid, errcode: 0 })) });
    },
    'POST /cgi-bin/externalcontact/groupchat/transfer': (r) => {
      const b = r.json ?? {};
      const ids: string[] = Array.isArray(b.chat_id_list) ? b.chat_id_list.map(String) : [];
      if (!b.new_owner || ids.length < 1 || ids.length > 100) return fail(40058, 'chat_id_list (1 to 100) and new_owner are required');
      c.groupTransfers.push({ chat_id_list: ids, new_owner: b.new_owner });
      const failed = ids.filter((x) => !c.groups.has(x)).map((chat_id) => ({ chat_id, errcode: 90501, errmsg: 'chat is not external group chat' }));
      for (const x of ids) {
        const g = c.groups.get(x);
        if (g) g.owner = b.new_owner;
      }
      return ok({ failed_chat_list: failed });
    },
  };

  return Object.assign(c, {
    handlers,
    addGroup(g: Parameters<CrmContract['addGroup']>[0]) {
      const created = g.create_time ?? now();
      const rec: GroupRecord = {
        chat_id: g.chat_id,
        name: g.name,
        owner: g.owner,
        create_time: created,
        notice: g.notice ?? '',
        members: [{ userid: g.owner, type: 1, join_time: created, join_scene: 1 }, ...(g.members ?? []).map((m) => ({ ...m, join_time: created, join_scene: 1 }))],
        admins: [],
        status: 0,
        version: 1,
      };
      c.groups.set(g.chat_id, rec);
      return rec;
    },
    join(chatId: string, m: Parameters<CrmContract['join']>[1]) {
      const g = c.groups.get(chatId)!;
      g.members.push({ ...m, join_time: m.join_time ?? now(), join_scene: m.join_scene ?? 3 });
      g.version++;
    },
    leave(chatId: string, userid: string) {
      const g = c.groups.get(chatId)!;
      g.members = g.members.filter((m) => m.userid !== userid);
      g.version++;
    },
    dismiss(chatId: string) {
      c.groups.delete(chatId);
    },
  });
}
