// Channel QR codes (渠道活码): created in WeCom with a state naming the code, rotated across staff after each new
// customer, consulted for the welcome message of customers who scanned them, and the effects of an arrival (tags,
// acquisition attributes) applied after the arrival commits — with a sweep for arrivals a crash left unfinished.
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { MembersService } from '../members/service.ts';
import type { RenderedContent } from '../messaging/types.ts';
import type { WecomApi, WecomService } from '../messaging/wecom/service.ts';
import type { TagsService } from '../tags/service.ts';
import type { TemplateService } from '../templates/service.ts';
import { assignmentRepo } from './assignment-repo.ts';
import { directoryRepo, type StaffRow } from './directory-repo.ts';
import { qrcodeRepo, type ArrivalRow, type QrCodeRow } from './qrcode-repo.ts';
import { qrcodeReport } from './qrcode-report.ts';
import type { QrCodeCreate, QrCodePatch, QrReportQuery } from './qrcode-schema.ts';
import * as wx from './qrcode-wecom.ts';
import { newState, nextStaff } from './rotation.ts';

export interface QrCodeDeps {
  store: Store;
  wecom: WecomService;
  templates: TemplateService;
  tags: TagsService;
  members: MembersService;
  timezoneOf(ws: string): Promise<string>;
  /** A customer group's chat_id from a group id or chat_id (the community module); default: the ref itself. */
  chatIdOf?: (ws: string, ref: string) => Promise<string>;
  log?: (err: unknown, msg: string) => void;
}

/** A code as the API shows it. */
export type QrCodeView = Omit<QrCodeRow, 'chat_ids'> & { groups: string[] };

const view = (q: QrCodeRow): QrCodeView => {
  const { chat_ids, ...rest } = q;
  return { ...rest, groups: chat_ids };
};

export class QrCodeService {
  private readonly dir;
  private readonly assignments;
  /** One rotation at a time per code in this process (the optimistic update covers other processes). */
  private readonly rotating = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: QrCodeDeps) {
    this.dir = directoryRepo(deps.store);
    this.assignments = assignmentRepo(deps.store);
    deps.wecom.addWelcomeResolver(({ workspaceId, event, memberId }) => (event.state ? this.welcomeFor(workspaceId, event.state, memberId) : Promise.resolve(null)));
  }

  private async code(ws: string, ref: string): Promise<QrCodeRow> {
    const q = await qrcodeRepo.get(this.deps.store, ws, ref);
    if (!q) throw notFound('qrcode.not_found', `No QR code ${ref}`, 'ref');
    return q;
  }

  /** Staff refs → rows that can serve a contact code (active, with a WeCom userid). */
  private async staffOf(ws: string, refs: string[]): Promise<StaffRow[]> {
    const out: StaffRow[] = [];
    for (const ref of [...new Set(refs)]) {
      const s = await this.dir.staff(this.deps.store, ws, ref);
      if (!s) throw notFound('staff.not_found', `No staff member ${ref}`, 'staff');
      if (!s.userid) throw invalid('qrcode.staff_not_wecom', `Staff member ${s.name} has no WeCom userid; a contact code needs WeCom employees`, 'staff');
      if (!s.active) throw invalid('qrcode.staff_inactive', `Staff member ${s.name} is inactive`, 'staff');
      if (!out.some((x) => x.id === s.id)) out.push(s);
    }
    return out;
  }

  private async storeId(ws: string, ref: string | null | undefined): Promise<string | null> {
    if (!ref) return null;
    const s = await this.dir.store(this.deps.store, ws, ref);
    if (!s) throw notFound('store.not_found', `No store ${ref}`, 'store');
    return s.id;
  }

  private async checkTemplate(ws: string, ref: string | null | undefined): Promise<void> {
    if (ref) await this.deps.templates.compile(ws, (await this.deps.templates.get(ws, ref)).id, { channel: 'wecom' });
  }

  private async chatIds(ws: string, refs: string[]): Promise<string[]> {
    const of = this.deps.chatIdOf ?? (async (_ws: string, r: string) => r);
    return [...new Set(await Promise.all(refs.map((r) => of(ws, r))))];
  }

  /** The first staff member of a new code: the first listed (round-robin) or the least loaded. */
  private async firstStaff(ws: string, mode: QrCodeRow['rotation'], staff: StaffRow[]): Promise<StaffRow> {
    const ids = staff.map((s) => s.id);
    const pick = mode === 'least_loaded' ? nextStaff(mode, ids, null, await this.assignments.loads(this.deps.store, ws, ids)) : ids[0];
    return staff.find((s) => s.id === pick)!;
  }

  /** Creates the code in WeCom (联系我 or 加入群聊, with its state), then stores it. */
  async create(ws: string, body: QrCodeCreate): Promise<QrCodeView> {
    const state = body.state ?? newState();
    if (await qrcodeRepo.byState(this.deps.store, ws, state)) throw new SiyuError('duplicate', 'qrcode.state_taken', `State ${state} is used by another code`, { field: 'state' });
    const storeId = await this.storeId(ws, body.store);
    await this.checkTemplate(ws, body.welcome_template);
    const api = await this.deps.wecom.apiFor(ws, body.channel);
    const base = {
      id: newId('qrc'), name: body.name, kind: body.kind, state, channel_id: api.channelId, acquisition_channel: body.acquisition_channel ?? null, store_id: storeId,
      campaign: body.campaign ?? null, rotation: body.rotation, rotation_seq: 0, welcome_template: body.welcome_template ?? null, welcome_text: body.welcome_text ?? null,
      tags: [...new Set(body.tags)], skip_verify: body.skip_verify, active: true, group_welcome_template_id: null as string | null,
    };
    let row: Omit<QrCodeRow, 'created_at' | 'updated_at'>;
    let undo: () => Promise<void>;
    if (body.kind === 'contact') {
      const staff = await this.staffOf(ws, body.staff);
      const first = await this.firstStaff(ws, body.rotation, staff);
      const way = await wx.addContactWay(api, { state, userid: first.userid!, name: body.name, skipVerify: body.skip_verify });
      row = { ...base, staff_ids: staff.map((s) => s.id), current_staff_id: first.id, chat_ids: [], config_id: way.config_id, qr_code: way.qr_code };
      undo = () => wx.deleteContactWay(api, way.config_id);
    } else {
      const chatIds = await this.chatIds(ws, body.groups);
      const way = await wx.addJoinWay(api, { state, chatIds, name: body.name });
      const welcomeId = body.welcome_text ? await wx.addGroupWelcome(api, body.welcome_text) : null;
      row = { ...base, staff_ids: [], current_staff_id: null, chat_ids: chatIds, config_id: way.config_id, qr_code: way.qr_code, group_welcome_template_id: welcomeId };
      undo = async () => {
        await wx.deleteJoinWay(api, way.config_id);
        if (welcomeId) await wx.deleteGroupWelcome(api, welcomeId);
      };
    }
    try {
      await this.deps.store.transaction((tx) => qrcodeRepo.insert(tx, ws, row, new Date().toISOString()));
    } catch (e) {
      // Not stored: remove the WeCom way again so no code exists that Siyu cannot attribute.
      await undo().catch((err) => this.deps.log?.(err, 'qrcode: WeCom way of an unsaved code not deleted'));
      throw e;
    }
    return view(await this.code(ws, row.id));
  }

  async get(ws: string, ref: string): Promise<QrCodeView> {
    return view(await this.code(ws, ref));
  }

  async list(ws: string, q: { active?: boolean; kind?: string } = {}): Promise<QrCodeView[]> {
    return (await qrcodeRepo.list(this.deps.store, ws, q)).map(view);
  }

  /** Changes a code; staff and group changes are made in WeCom first. */
  async update(ws: string, ref: string, p: QrCodePatch): Promise<QrCodeView> {
    const q = await this.code(ws, ref);
    if (!q.active) throw new SiyuError('conflict', 'qrcode.inactive', `QR code ${q.name} was deleted`, { field: 'ref' });
    if (p.welcome_template) await this.checkTemplate(ws, p.welcome_template);
    const next: QrCodeRow = { ...q };
    if (p.name !== undefined) next.name = p.name;
    if (p.acquisition_channel !== undefined) next.acquisition_channel = p.acquisition_channel;
    if (p.store !== undefined) next.store_id = await this.storeId(ws, p.store);
    if (p.campaign !== undefined) next.campaign = p.campaign;
    if (p.rotation !== undefined) next.rotation = p.rotation;
    if (p.welcome_template !== undefined) next.welcome_template = p.welcome_template;
    if (p.welcome_text !== undefined) next.welcome_text = p.welcome_text;
    if (p.tags !== undefined) next.tags = [...new Set(p.tags)];
    const api = await this.deps.wecom.apiFor(ws, q.channel_id);
    if (p.staff !== undefined) {
      if (q.kind !== 'contact') throw invalid('qrcode.kind_mismatch', 'staff applies to contact codes', 'staff');
      const staff = await this.staffOf(ws, p.staff);
      next.staff_ids = staff.map((s) => s.id);
      if (!next.current_staff_id || !next.staff_ids.includes(next.current_staff_id)) {
        const first = await this.firstStaff(ws, next.rotation, staff);
        await wx.moveContactWay(api, q.config_id!, first.userid!);
        next.current_staff_id = first.id;
      }
    }
    if (p.groups !== undefined) {
      if (q.kind !== 'group') throw invalid('qrcode.kind_mismatch', 'groups apply to group codes', 'groups');
      next.chat_ids = await this.chatIds(ws, p.groups);
      await wx.updateJoinWay(api, { configId: q.config_id!, state: q.state, chatIds: next.chat_ids, name: next.name });
    }
    if (q.kind === 'group' && p.welcome_text !== undefined) {
      if (p.welcome_text && q.group_welcome_template_id) await wx.editGroupWelcome(api, q.group_welcome_template_id, p.welcome_text);
      else if (p.welcome_text) next.group_welcome_template_id = await wx.addGroupWelcome(api, p.welcome_text);
      else if (q.group_welcome_template_id) {
        await wx.deleteGroupWelcome(api, q.group_welcome_template_id);
        next.group_welcome_template_id = null;
      }
    }
    await this.deps.store.transaction((tx) => qrcodeRepo.update(tx, ws, next, new Date().toISOString()));
    return this.get(ws, q.id);
  }

  /** Deletes the WeCom way (the printed code stops working) and keeps the code, inactive, for its reports. */
  async delete(ws: string, ref: string): Promise<QrCodeView> {
    const q = await this.code(ws, ref);
    if (!q.active) return view(q);
    const api = await this.deps.wecom.apiFor(ws, q.channel_id);
    if (q.config_id) await (q.kind === 'contact' ? wx.deleteContactWay(api, q.config_id) : wx.deleteJoinWay(api, q.config_id));
    if (q.group_welcome_template_id) await wx.deleteGroupWelcome(api, q.group_welcome_template_id).catch((err) => this.deps.log?.(err, 'qrcode: group welcome material not deleted'));
    await this.deps.store.transaction((tx) => qrcodeRepo.update(tx, ws, { ...q, active: false }, new Date().toISOString()));
    return this.get(ws, q.id);
  }

  /**
   * Moves a contact code to its next staff member now (round-robin: the next listed; least-loaded: whoever has the
   * fewest members). Also runs after every new customer through the code. Returns the code.
   */
  rotate(ws: string, ref: string): Promise<QrCodeView> {
    return this.serialised(ref, async () => {
      const q = await this.code(ws, ref);
      if (q.kind !== 'contact' || !q.active) throw invalid('qrcode.not_rotatable', `QR code ${q.name} is not an active contact code`, 'ref');
      await this.rotateRow(ws, q, await this.deps.wecom.apiFor(ws, q.channel_id));
      return this.get(ws, q.id);
    });
  }

  private serialised<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.rotating.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.rotating.set(key, tail);
    void tail.then(() => this.rotating.get(key) === tail && this.rotating.delete(key));
    return run;
  }

  private async rotateRow(ws: string, q: QrCodeRow, api: WecomApi): Promise<boolean> {
    const staff = (await this.dir.staffByIds(this.deps.store, ws, q.staff_ids)).filter((s) => s.active && s.userid);
    const order = q.staff_ids.filter((id) => staff.some((s) => s.id === id));
    const loads = q.rotation === 'least_loaded' ? await this.assignments.loads(this.deps.store, ws, order) : new Map<string, number>();
    const nextId = nextStaff(q.rotation, order, q.current_staff_id, loads);
    if (!nextId || nextId === q.current_staff_id) return false;
    const next = staff.find((s) => s.id === nextId)!;
    await wx.moveContactWay(api, q.config_id!, next.userid!);
    return qrcodeRepo.rotate(this.deps.store, ws, q.id, q.rotation_seq, next.id, new Date().toISOString());
  }

  /** The welcome message of a customer who came through the code with `state`: its template, else its text. */
  async welcomeFor(ws: string, state: string, memberId: string | null): Promise<RenderedContent | null> {
    const q = await qrcodeRepo.byState(this.deps.store, ws, state);
    if (!q || q.kind !== 'contact' || (!q.welcome_template && !q.welcome_text)) return null;
    if (q.welcome_template && memberId) {
      try {
        const t = await this.deps.templates.get(ws, q.welcome_template);
        const compiled = await this.deps.templates.compile(ws, t.id, { channel: 'wecom' });
        const rendered = (await this.deps.templates.renderMany(ws, compiled, [memberId])).get(memberId);
        if (rendered) return rendered;
      } catch (err) {
        this.deps.log?.(err, `qrcode: welcome template of ${q.name} not rendered; using its text`);
      }
    }
    return q.welcome_text ? { channel: 'wecom', text: q.welcome_text } : null;
  }

  /**
   * After an arrival committed: tags and acquisition attributes (first touch wins), then — for a new customer of a
   * rotating contact code — the code moves on to the next staff member. Failures are logged; the sweep retries.
   */
  async afterArrival(ws: string, a: Pick<ArrivalRow, 'qrcode_id' | 'member_id' | 'external_userid'>, rotate: boolean): Promise<void> {
    const q = await qrcodeRepo.get(this.deps.store, ws, a.qrcode_id);
    if (!q) return;
    await this.applyEffects(ws, q, a);
    if (rotate && q.kind === 'contact' && q.active && q.staff_ids.length > 1) {
      await this.serialised(q.id, async () => {
        const fresh = await this.code(ws, q.id);
        await this.rotateRow(ws, fresh, await this.deps.wecom.apiFor(ws, fresh.channel_id));
      }).catch((err) => this.deps.log?.(err, `qrcode: ${q.name} not rotated`));
    }
  }

  private async applyEffects(ws: string, q: QrCodeRow, a: Pick<ArrivalRow, 'member_id' | 'external_userid'>): Promise<void> {
    if (q.tags.length) await this.deps.tags.addToMember(ws, a.member_id, { tags: q.tags, source: `qrcode:${q.id}`, create_missing_tag: true });
    const m = await this.deps.members.get(ws, a.member_id).catch(() => null);
    if (m && a.external_userid && m.attributes?.acquisition_qrcode === undefined) {
      const attributes: Record<string, unknown> = { acquisition_qrcode: q.id, acquisition_source: `qrcode:${q.name}` };
      if (q.acquisition_channel) attributes.acquisition_channel = q.acquisition_channel;
      if (q.campaign) attributes.acquisition_campaign = q.campaign;
      await this.deps.members.upsert(ws, { wecom_external_userid: a.external_userid, attributes });
    }
    await qrcodeRepo.markEffectsDone(this.deps.store, ws, q.id, a.member_id);
  }

  /**
   * A customer joined a group through the group code with `state` (groupchat/get reports the state of each member):
   * recorded as an arrival of that code, with its tags and acquisition attributes. Returns whether a code matched.
   */
  async groupJoined(ws: string, a: { state: string; chatId: string; memberId: string; externalUserid: string; at: string }): Promise<boolean> {
    const q = await qrcodeRepo.byState(this.deps.store, ws, a.state);
    if (!q || q.kind !== 'group') return false;
    await this.deps.store.transaction((tx) =>
      qrcodeRepo.arrive(tx, ws, { qrcode_id: q.id, member_id: a.memberId, external_userid: a.externalUserid, staff_userid: null, chat_id: a.chatId, arrived_at: a.at }),
    );
    await this.afterArrival(ws, { qrcode_id: q.id, member_id: a.memberId, external_userid: a.externalUserid }, false);
    return true;
  }

  /** A customer left a group: arrivals through that group's codes count as gone. */
  async groupLeft(ws: string, chatId: string, externalUserid: string, at: string): Promise<void> {
    await this.deps.store.transaction((tx) => qrcodeRepo.groupLeft(tx, ws, chatId, externalUserid, at));
  }

  /** Applies the effects of arrivals older than a minute that never got them (run by the staff.sync job). */
  async finishPending(ws: string): Promise<number> {
    const rows = await qrcodeRepo.pendingEffects(this.deps.store, ws, new Date(Date.now() - 60_000).toISOString(), 1000);
    for (const r of rows) await this.afterArrival(ws, r, false).catch((err) => this.deps.log?.(err, 'qrcode: arrival effects failed'));
    return rows.length;
  }

  async arrivals(ws: string, ref: string, q: { limit: number; cursor?: string }) {
    const code = await this.code(ws, ref);
    const rows = await qrcodeRepo.arrivals(this.deps.store, ws, code.id, q.limit + 1, q.cursor ?? null);
    const page = rows.slice(0, q.limit);
    return { qrcode_id: code.id, data: page, next_cursor: rows.length > q.limit ? page[page.length - 1].member_id : null };
  }

  async report(ws: string, q: Pick<QrReportQuery, 'from' | 'to' | 'window_days'>) {
    if (q.from > q.to) throw invalid('report.period_invalid', 'from must not be after to', 'from');
    const timezone = await this.deps.timezoneOf(ws);
    const data = await qrcodeReport(this.deps.store, ws, { from: q.from, to: q.to, windowDays: q.window_days, timezone });
    return { period: { from: q.from, to: q.to, timezone }, window_days: q.window_days, data };
  }
}
