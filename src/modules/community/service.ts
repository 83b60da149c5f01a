// Community (社群): WeCom customer groups synced from groupchat/list + groupchat/get (a job, and each
// change_external_chat callback), customers' joins and leaves recorded on their profiles as "Group Joined" / "Group
// Left" events (through ingest: identities link them to existing profiles, segments and journeys follow), joins
// through group QR codes attributed to the code, Siyu's own group facts (positioning, value tier, tags), SOP posts,
// groups as broadcast audiences, and the per-group report.
import { invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { ChangeFeed } from '../../core/change-feed.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { IngestService } from '../ingest/service.ts';
import type { JobService } from '../jobs/service.ts';
import type { MessagingService } from '../messaging/service.ts';
import { internalContext } from '../messaging/wecom/ingest-messages.ts';
import type { WecomChatEvent } from '../messaging/wecom/events.ts';
import type { WecomApi, WecomService } from '../messaging/wecom/service.ts';
import type { QrCodeService, StaffService } from '../staff/index.ts';
import type { TemplateService } from '../templates/service.ts';
import { diffMembers, joinMessages, leaveMessage, readGroupDetail, type WecomGroupDetail } from './membership.ts';
import { groupReport } from './report-repo.ts';
import { communityRepo, type GroupRow } from './repo.ts';
import type { GroupListQuery, GroupPatch, ReportQuery, SyncBody, Targets } from './schema.ts';
import { CommunitySops } from './sops.ts';
import { mergeCommunityData } from './merge.ts';

export const SYNC_JOB = 'community.sync';

export interface CommunityDeps {
  store: Store;
  jobs: JobService;
  ingest: IngestService;
  identity: IdentityPort;
  messaging: MessagingService;
  wecom: WecomService;
  templates: TemplateService;
  staff: StaffService;
  qrcodes: QrCodeService;
  timezoneOf(ws: string): Promise<string>;
  /** Committed changes of group membership are published here (`groups: true`) so segments follow them. */
  changes?: ChangeFeed;
  log?: (err: unknown, msg: string) => void;
}

export interface GroupSyncResult {
  group_id: string | null;
  chat_id: string;
  joined: number;
  left: number;
  dismissed: boolean;
}

export class CommunityService {
  private readonly repo;
  private readonly log: (err: unknown, msg: string) => void;
  readonly sops: CommunitySops;

  constructor(private readonly deps: CommunityDeps) {
    this.repo = communityRepo(deps.store);
    this.log = deps.log ?? ((err, msg) => console.error(msg, err));
    this.sops = new CommunitySops(deps);
    deps.wecom.onChatEvent(({ workspaceId, channel, event }) => this.onChatEvent(workspaceId, channel.id, event));
    deps.identity.onMerge('community', (tx, ws, from, into) => mergeCommunityData(tx, ws, from, into));
    deps.jobs.register(SYNC_JOB, async (job) => {
      const p = (job.payload ?? {}) as { channel?: unknown; groups?: unknown };
      if (typeof p.channel !== 'string') throw invalid('community.sync_channel_missing', 'payload.channel names the WeCom channel', 'payload.channel');
      await this.sync(job.workspaceId, { channel: p.channel, groups: Array.isArray(p.groups) ? p.groups.map(String) : undefined });
    }, { concurrency: 1, leaseMs: 600_000 });
    // 继承: the leaver's customer groups go to the first taker (groupchat/transfer, then the owner here).
    deps.staff.onHandover({
      name: 'community_groups',
      run: async ({ workspaceId, from, takers, api }) => {
        const to = takers.find((t) => t.userid);
        if (!from.userid || !to) return { transferred: 0 };
        const owned = (await this.repo.list(deps.store, workspaceId, { owner: from.userid, status: 'active' })).map((g) => g.chat_id);
        const done: string[] = [];
        const failed: { chat_id: string; errcode: number }[] = [];
        for (let i = 0; i < owned.length; i += 100) {
          const batch = owned.slice(i, i + 100);
          if (api) {
            const r = await api.call('/cgi-bin/externalcontact/groupchat/transfer', { chat_id_list: batch, new_owner: to.userid });
            if (!r.ok) throw new Error(`groupchat/transfer: ${r.error.code} ${r.error.message}`);
            const bad = new Set<string>(((r.json.failed_chat_list ?? []) as { chat_id: string; errcode: number }[]).map((f) => (failed.push(f), f.chat_id)));
            done.push(...batch.filter((c) => !bad.has(c)));
          } else done.push(...batch);
        }
        await this.repo.setOwner(deps.store, workspaceId, done, to.userid!, new Date().toISOString());
        return { transferred: done.length, failed, new_owner: to.userid };
      },
    });
  }

  // ---- groups ----------------------------------------------------------------------------------------------

  private async group(ws: string, ref: string): Promise<GroupRow> {
    const g = await this.repo.group(this.deps.store, ws, ref);
    if (!g) throw notFound('community.group_not_found', `No customer group ${ref}`, 'ref');
    return g;
  }

  getGroup(ws: string, ref: string): Promise<GroupRow> {
    return this.group(ws, ref);
  }

  listGroups(ws: string, q: GroupListQuery): Promise<GroupRow[]> {
    return this.repo.list(this.deps.store, ws, q);
  }

  /** Sets Siyu's facts about a group (WeCom has none of these): positioning, value tier, tags. */
  private publish(ws: string, memberIds: string[]): void {
    if (memberIds.length) this.deps.changes?.publish({ workspaceId: ws, memberIds: [...new Set(memberIds)], events: [], groups: true, committedAt: Date.now() });
  }

  async patchGroup(ws: string, ref: string, p: GroupPatch): Promise<GroupRow> {
    const g = await this.group(ws, ref);
    await this.repo.setFields(this.deps.store, ws, g.id, {
      positioning: p.positioning === undefined ? g.positioning : p.positioning,
      value_tier: p.value_tier === undefined ? g.value_tier : p.value_tier,
      tags: p.tags === undefined ? g.tags : [...new Set(p.tags)],
    }, new Date().toISOString());
    this.publish(ws, await this.repo.memberIdsOf(this.deps.store, ws, [g.id]));
    return this.group(ws, g.id);
  }

  async members(ws: string, ref: string, q: { active: 'true' | 'false'; limit: number; cursor?: string }) {
    const g = await this.group(ws, ref);
    const rows = await this.repo.members(this.deps.store, ws, g.id, q.active === 'true', q.limit + 1, q.cursor ?? null);
    const page = rows.slice(0, q.limit);
    return { group_id: g.id, data: page, next_cursor: rows.length > q.limit ? page[page.length - 1].userid : null };
  }

  /** A group's chat_id from its id or chat_id (QR codes name groups either way). */
  async chatIdOf(ws: string, ref: string): Promise<string> {
    const g = await this.repo.group(this.deps.store, ws, ref);
    return g?.chat_id ?? ref;
  }

  // ---- sync ------------------------------------------------------------------------------------------------

  /** Reads every group (groupchat/list, 1000 per page) or the given ones and syncs each (groupchat/get). */
  async sync(ws: string, b: SyncBody) {
    const api = await this.deps.wecom.apiFor(ws, b.channel);
    let chatIds: string[];
    const full = !b.groups?.length;
    if (full) {
      chatIds = [];
      let cursor = '';
      do {
        const r = await api.call('/cgi-bin/externalcontact/groupchat/list', { status_filter: 0, limit: 1000, ...(cursor ? { cursor } : {}) }, { idempotent: true });
        if (!r.ok) throw invalid('community.wecom_failed', `WeCom groupchat/list failed: ${r.error.code} ${r.error.message}`, 'channel');
        chatIds.push(...((r.json.group_chat_list ?? []) as { chat_id: string }[]).map((x) => x.chat_id));
        cursor = typeof r.json.next_cursor === 'string' ? r.json.next_cursor : '';
      } while (cursor);
    } else chatIds = await Promise.all(b.groups!.map((g) => this.chatIdOf(ws, g)));
    const results: GroupSyncResult[] = [];
    const errors: { chat_id: string; error: string }[] = [];
    for (const chatId of [...new Set(chatIds)]) {
      try {
        results.push(await this.syncGroup(ws, api, chatId, { at: new Date().toISOString(), quitScene: null }));
      } catch (err) {
        errors.push({ chat_id: chatId, error: String((err as Error)?.message ?? err) });
      }
    }
    // A full list no longer naming a group we hold as active: it was dismissed while no callback reached us.
    if (full) {
      const listed = new Set(chatIds);
      for (const g of await this.repo.list(this.deps.store, ws, { status: 'active' })) {
        if (g.channel_id === api.channelId && !listed.has(g.chat_id)) results.push(await this.dismiss(ws, g, new Date().toISOString()));
      }
    }
    return {
      groups: results.length, joined: results.reduce((a, r) => a + r.joined, 0), left: results.reduce((a, r) => a + r.left, 0),
      dismissed: results.filter((r) => r.dismissed).length, errors,
    };
  }

  /** A change_external_chat callback: dismiss, or read the group's detail and record what changed. */
  private async onChatEvent(ws: string, channelId: string, e: WecomChatEvent): Promise<GroupSyncResult> {
    const at = new Date(e.createTime * 1000).toISOString();
    if (e.changeType === 'dismiss') {
      const g = await this.repo.group(this.deps.store, ws, e.chatId);
      return g ? this.dismiss(ws, g, at) : { group_id: null, chat_id: e.chatId, joined: 0, left: 0, dismissed: true };
    }
    return this.syncGroup(ws, await this.deps.wecom.apiFor(ws, channelId), e.chatId, { at, quitScene: e.updateDetail === 'del_member' ? e.quitScene : null });
  }

  /**
   * One group: its detail from groupchat/get, stored; customers who joined (in WeCom's list, not present here) and
   * left (present here, gone from the list) recorded as stints and as events on their profiles.
   */
  private async syncGroup(ws: string, api: WecomApi, chatId: string, ctx: { at: string; quitScene: number | null }): Promise<GroupSyncResult> {
    const r = await api.call('/cgi-bin/externalcontact/groupchat/get', { chat_id: chatId, need_name: 1 }, { idempotent: true });
    if (!r.ok) {
      const g = await this.repo.group(this.deps.store, ws, chatId);
      // 40050: the chat does not exist (any more).
      if (r.error.code === 'wecom_40050' && g) return this.dismiss(ws, g, ctx.at);
      throw invalid('community.wecom_failed', `WeCom groupchat/get ${chatId} failed: ${r.error.code} ${r.error.message}`, 'channel');
    }
    const d: WecomGroupDetail = readGroupDetail(r.json);
    const now = new Date().toISOString();
    const groupId = await this.repo.upsertFromWecom(this.deps.store, ws, {
      id: newId('grp'), chat_id: chatId, channel_id: api.channelId, name: d.name, owner_userid: d.owner, notice: d.notice, member_count: d.members.length,
      member_version: d.member_version, wecom_created_at: d.create_time ? new Date(d.create_time * 1000).toISOString() : null,
    }, now);
    const g = await this.group(ws, groupId);
    const { joined, left } = diffMembers(await this.repo.activeMembers(this.deps.store, ws, groupId), d.members);
    const rc = internalContext();
    const customersJoined = joined.filter((m) => m.type === 2);
    const customersLeft = left.filter((p) => p.member_type === 2);
    const messages = [
      ...customersJoined.flatMap((m) => joinMessages(g, m, rc)),
      ...customersLeft.map((p) => leaveMessage(g, p, ctx.at, { quit_scene: ctx.quitScene, reason: 'left' }, rc)),
    ];
    // Events first (idempotent by id): a crash before the stints are written only means the next sync writes them.
    if (messages.length) await this.deps.ingest.ingest(ws, messages);
    const memberOf = new Map<string, string>();
    for (const m of customersJoined) {
      const id = await this.deps.identity.findMember(this.deps.store, ws, `wecom_external_userid:${m.userid}`);
      if (id) memberOf.set(m.userid, id);
    }
    await this.deps.store.transaction(async (tx) => {
      await this.repo.insertJoins(tx, ws, joined.map((m) => ({
        group_id: groupId, userid: m.userid, joined_at: new Date(m.join_time * 1000).toISOString(), member_type: m.type, member_id: memberOf.get(m.userid) ?? null,
        unionid: m.unionid, name: m.name, join_scene: m.join_scene, invitor: m.invitor, state: m.state,
      })));
      await this.repo.closeStints(tx, ws, groupId, left.map((p) => p.userid), ctx.at, ctx.quitScene);
    });
    // The events went through ingest before the stints were written: tell segments again, now that they are.
    this.publish(ws, [...memberOf.values(), ...customersLeft.map((p) => p.member_id).filter((id): id is string => !!id)]);
    for (const m of customersJoined) {
      const memberId = memberOf.get(m.userid);
      if (m.state && memberId) {
        await this.deps.qrcodes.groupJoined(ws, { state: m.state, chatId, memberId, externalUserid: m.userid, at: new Date(m.join_time * 1000).toISOString() })
          .catch((err) => this.log(err, 'community: group join not attributed to its code'));
      }
    }
    for (const p of customersLeft) await this.deps.qrcodes.groupLeft(ws, chatId, p.userid, ctx.at);
    return { group_id: groupId, chat_id: chatId, joined: customersJoined.length, left: customersLeft.length, dismissed: false };
  }

  private async dismiss(ws: string, g: GroupRow, at: string): Promise<GroupSyncResult> {
    const present = (await this.repo.activeMembers(this.deps.store, ws, g.id)).filter((p) => p.member_type === 2);
    const rc = internalContext();
    if (present.length) await this.deps.ingest.ingest(ws, present.map((p) => leaveMessage(g, p, at, { quit_scene: null, reason: 'dismissed' }, rc)));
    await this.deps.store.transaction(async (tx) => {
      await this.repo.closeStints(tx, ws, g.id, (await this.repo.activeMembers(tx, ws, g.id)).map((p) => p.userid), at, null);
      await this.repo.dismiss(tx, ws, g.id, at);
    });
    this.publish(ws, present.map((p) => p.member_id).filter((id): id is string => !!id));
    for (const p of present) await this.deps.qrcodes.groupLeft(ws, g.chat_id, p.userid, at);
    return { group_id: g.id, chat_id: g.chat_id, joined: 0, left: present.length, dismissed: true };
  }

  // ---- audiences -------------------------------------------------------------------------------------------

  /**
   * Broadcast audience: the member ids of the customers now in the matching groups (linked to a profile).
   * @example const { member_ids } = await community.audience(ws, { positioning: '新品尝鲜' })
   */
  async audience(ws: string, t: Targets) {
    const groups = await this.repo.list(this.deps.store, ws, { ...t, status: 'active' });
    const memberIds = await this.repo.memberIdsOf(this.deps.store, ws, groups.map((g) => g.id));
    return { groups: groups.length, members: memberIds.length, member_ids: memberIds };
  }

  /** Group mass-send targets: chat ids with their owners (the sender WeCom requires) of the matching active groups. */
  async chatTargets(ws: string, t: Targets) {
    const groups = await this.repo.list(this.deps.store, ws, { ...t, status: 'active' });
    return groups.map((g) => ({ group_id: g.id, chat_id: g.chat_id, owner_userid: g.owner_userid, channel_id: g.channel_id, name: g.name }));
  }

  // ---- report ----------------------------------------------------------------------------------------------

  async report(ws: string, q: Pick<ReportQuery, 'from' | 'to' | 'window_days'>, groupRef?: string) {
    if (q.from > q.to) throw invalid('report.period_invalid', 'from must not be after to', 'from');
    const timezone = await this.deps.timezoneOf(ws);
    const groupId = groupRef ? (await this.group(ws, groupRef)).id : null;
    const data = await groupReport(this.deps.store, ws, { from: q.from, to: q.to, timezone, windowDays: q.window_days, groupId });
    return { period: { from: q.from, to: q.to, timezone }, window_days: q.window_days, data };
  }
}
