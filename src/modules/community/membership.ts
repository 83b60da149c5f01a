// Pure: reading a groupchat/get answer, the difference between who is in a group now and who Siyu had as present
// (WeCom's advice: callbacks may be lost or reordered, so diff the detail rather than trust increments), and the
// ingest messages that record a customer's join or leave — with ids derived from the stint, so a join or leave seen
// twice (callback and sync) is stored once.
import { normaliseMessage, type RequestContext } from '../ingest/normalise.ts';
import type { IngestMessage } from '../ingest/schema.ts';
import type { GroupMemberRow } from './repo.ts';

/** Track events recorded on members' profiles. */
export const GROUP_JOINED = 'Group Joined';
export const GROUP_LEFT = 'Group Left';

export interface WecomGroupMember {
  userid: string;
  /** 1 employee, 2 external contact (customer). */
  type: number;
  unionid: string | null;
  join_time: number;
  join_scene: number | null;
  invitor: string | null;
  name: string | null;
  state: string | null;
}

export interface WecomGroupDetail {
  chat_id: string;
  name: string;
  owner: string;
  create_time: number | null;
  notice: string;
  member_version: string | null;
  members: WecomGroupMember[];
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
const int = (v: unknown) => (v === undefined || v === null || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

/** The `group_chat` of a groupchat/get answer. */
export function readGroupDetail(json: any): WecomGroupDetail {
  const g = json?.group_chat ?? {};
  const members: WecomGroupMember[] = (Array.isArray(g.member_list) ? g.member_list : [])
    .filter((m: any) => typeof m?.userid === 'string' && m.userid)
    .map((m: any) => ({
      userid: m.userid,
      type: Number(m.type) || 2,
      unionid: str(m.unionid),
      join_time: int(m.join_time) ?? Math.floor(Date.now() / 1000),
      join_scene: int(m.join_scene),
      invitor: str(m.invitor?.userid),
      name: str(m.name) ?? str(m.group_nickname),
      state: str(m.state),
    }));
  return { chat_id: String(g.chat_id ?? ''), name: String(g.name ?? ''), owner: String(g.owner ?? ''), create_time: int(g.create_time), notice: String(g.notice ?? ''), member_version: str(g.member_version), members };
}

/** Who joined (in WeCom's list, not present in Siyu) and who left (present in Siyu, gone from WeCom's list). */
export function diffMembers(present: readonly Pick<GroupMemberRow, 'userid' | 'joined_at' | 'member_type' | 'member_id'>[], now: readonly WecomGroupMember[]) {
  const have = new Set(present.map((p) => p.userid));
  const seen = new Set(now.map((m) => m.userid));
  return { joined: now.filter((m) => !have.has(m.userid)), left: present.filter((p) => !seen.has(p.userid)) };
}

const iso = (sec: number) => new Date(sec * 1000).toISOString();

/**
 * The messages of a customer joining: an identify (external_userid, and unionid when WeCom gives it, which links a
 * mini-program or official-account profile with the same unionid) and the `Group Joined` track event.
 */
export function joinMessages(g: { id: string; chat_id: string; name: string | null; owner_userid: string | null }, m: WecomGroupMember, rc: RequestContext): IngestMessage[] {
  const anonymousId = `wecom:${m.userid}`;
  const timestamp = iso(m.join_time);
  const base = `community:${g.chat_id}:${m.userid}:join:${m.join_time}`;
  const traits = { wecom_external_userid: m.userid, ...(m.unionid ? { unionid: m.unionid } : {}) };
  const context = { channel: 'wecom', traits };
  const properties = {
    group_id: g.id, chat_id: g.chat_id, group_name: g.name, owner_userid: g.owner_userid, external_userid: m.userid,
    join_scene: m.join_scene, invitor: m.invitor, state: m.state,
  };
  return [
    normaliseMessage('identify', { messageId: `${base}:identify`, anonymousId, timestamp, context, traits }, 'wecom', rc),
    normaliseMessage('track', { messageId: base, anonymousId, timestamp, context, event: GROUP_JOINED, properties }, 'wecom', rc),
  ];
}

/** The `Group Left` event of one stint (its id names the stint, whoever notices the leave first). */
export function leaveMessage(g: { id: string; chat_id: string; name: string | null }, p: Pick<GroupMemberRow, 'userid' | 'joined_at'>, at: string, extra: { quit_scene: number | null; reason: string }, rc: RequestContext): IngestMessage {
  const joined = Math.floor(Date.parse(p.joined_at) / 1000);
  return normaliseMessage(
    'track',
    {
      messageId: `community:${g.chat_id}:${p.userid}:leave:${joined}`,
      anonymousId: `wecom:${p.userid}`,
      timestamp: at,
      context: { channel: 'wecom', traits: { wecom_external_userid: p.userid } },
      event: GROUP_LEFT,
      properties: { group_id: g.id, chat_id: g.chat_id, group_name: g.name, external_userid: p.userid, joined_at: p.joined_at, quit_scene: extra.quit_scene, reason: extra.reason },
    },
    'wecom',
    rc,
  );
}
