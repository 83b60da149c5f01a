// The journey steps' side effects wired to the modules that own them: sends through the delivery pipeline, coupons,
// loyalty points, tags, member attributes, and segment rules compiled for a batch of members.
import type { ChangeFeed } from '../../core/change-feed.ts';
import { isSiyuError } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import type { DeliveryService } from '../delivery/service.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { TemplateService } from '../templates/service.ts';
import type { MessagingChannelType } from '../templates/channels.ts';
import { compileRule, parseRule, ruleDeps, type Rule } from '../segments/rules/index.ts';
import type { Effects, SendRequest, StaffTaskSpec } from './effects.ts';
import { memberData } from './member-data.ts';

export interface ModuleEffectsDeps {
  store: Store;
  changes?: ChangeFeed;
  delivery: Pick<DeliveryService, 'deliver'>;
  messaging: Pick<MessagingService, 'getChannel'>;
  templates: Pick<TemplateService, 'compile'>;
  coupons: { issueToMember(ws: string, template: string, member: string, o: { idempotencyKey?: string; source?: string }): Promise<{ coupon: object }> };
  loyalty: { earn(ws: string, input: { member: string; idempotency_key: string; points?: number; reason?: string }): Promise<unknown> };
  tags: {
    addMembers(ws: string, tag: string, body: { members: string[]; source?: string; create_missing_tag?: boolean }): Promise<unknown>;
    removeMembers(ws: string, tag: string, body: { members: string[] }): Promise<unknown>;
  };
  /** The staff module (导购 tasks), looked up late: it is built after journeys. */
  staff?: () => { createTasks(ws: string, specs: StaffTaskSpec[]): Promise<{ tasks: { task_id: string }[] }> } | null | undefined;
  segmentId(ws: string, ref: string): Promise<string>;
  timezoneOf(ws: string): Promise<string>;
  now(): Date;
}

const CHANNEL_TTL_MS = 30_000;
/** The coupon fields templates read as `coupon` (COUPON_EXTRA in the templates module). */
const COUPON_FIELDS = ['id', 'code', 'template', 'status', 'claim_code', 'valid_from', 'valid_to', 'discount', 'issued_at'];

export class ModuleEffects implements Effects {
  private readonly channels = new Map<string, { at: number; ch: Promise<{ id: string; type: string }> }>();
  private readonly rules = new Map<string, { rule: Rule; segments: string[] }>();
  private readonly templates = new Map<string, ReturnType<TemplateService['compile']>>();

  constructor(private readonly d: ModuleEffectsDeps) {}

  async send(ws: string, req: SendRequest) {
    const channel = await this.channel(ws, req.channel);
    const type = channel.type as MessagingChannelType;
    const template = await this.compiled(ws, req.template, type, req.templateVersion);
    return this.d.delivery.deliver(ws, {
      sourceKey: req.sourceKey, channel: { id: channel.id, type }, template, purpose: req.purpose, memberIds: req.memberIds,
      ...(req.extras && req.extras.size > 0 ? { extras: req.extras } : {}),
    });
  }

  async issueCoupon(ws: string, couponTemplate: string, memberId: string, key: string): Promise<Record<string, unknown>> {
    const r = await this.d.coupons.issueToMember(ws, couponTemplate, memberId, { idempotencyKey: key, source: 'journey' });
    const c = r.coupon as Record<string, unknown>;
    return Object.fromEntries(COUPON_FIELDS.map((f) => [f, c[f] ?? null]));
  }

  async grantPoints(ws: string, memberId: string, points: number, key: string, reason: string): Promise<void> {
    await this.d.loyalty.earn(ws, { member: memberId, idempotency_key: key, points, reason });
  }

  async tag(ws: string, tag: string, memberIds: string[], add: boolean): Promise<void> {
    for (let i = 0; i < memberIds.length; i += 1000) {
      const members = memberIds.slice(i, i + 1000);
      if (add) await this.d.tags.addMembers(ws, tag, { members, source: 'journey', create_missing_tag: true });
      else {
        try {
          await this.d.tags.removeMembers(ws, tag, { members });
        } catch (e) {
          if (!(isSiyuError(e) && e.code === 'tag.not_found')) throw e; // nobody holds a tag that does not exist
        }
      }
    }
  }

  async staffTasks(ws: string, specs: StaffTaskSpec[]): Promise<string[] | null> {
    const staff = this.d.staff?.();
    if (!staff) return null;
    const r = await staff.createTasks(ws, specs);
    return r.tasks.map((t) => t.task_id);
  }

  async setAttribute(ws: string, memberIds: string[], key: string, value: unknown): Promise<void> {
    const t = this.d.now().toISOString();
    const changed = await this.d.store.transaction((tx) => memberData.setAttribute(this.d.store, tx, ws, memberIds, key, value, t));
    if (changed.length > 0) this.d.changes?.publish({ workspaceId: ws, memberIds: changed, events: [], attributes: true, committedAt: Date.now() });
  }

  async ruleMembers(ws: string, raw: unknown, memberIds: string[], now: Date): Promise<Set<string>> {
    if (memberIds.length === 0) return new Set();
    const k = JSON.stringify(raw);
    let parsed = this.rules.get(k);
    if (!parsed) {
      const rule = parseRule(raw, 'rule');
      parsed = { rule, segments: ruleDeps(rule).segments };
      if (this.rules.size > 1000) this.rules.clear();
      this.rules.set(k, parsed);
    }
    const segmentIds: Record<string, string> = {};
    for (const ref of parsed.segments) segmentIds[ref] = await this.d.segmentId(ws, ref);
    const out = new Set<string>();
    const timezone = await this.d.timezoneOf(ws);
    for (let i = 0; i < memberIds.length; i += 5000) {
      const c = compileRule(this.d.store, parsed.rule, { workspaceId: ws, now: now.toISOString(), timezone, memberIds: memberIds.slice(i, i + 5000), segmentIds });
      for (const r of await this.d.store.query<{ member_id: string }>(c.sql, c.params)) out.add(r.member_id);
    }
    return out;
  }

  /** A pinned (id, version) compiles to the same template forever: cached here without the templates module's look-up. */
  private compiled(ws: string, template: string, channel: MessagingChannelType, version: number | undefined) {
    if (version === undefined) return this.d.templates.compile(ws, template, { channel });
    const k = `${ws}|${template}|${version}|${channel}`;
    let hit = this.templates.get(k);
    if (!hit) {
      hit = this.d.templates.compile(ws, template, { channel, version });
      hit.catch(() => this.templates.delete(k));
      if (this.templates.size > 1000) this.templates.delete(this.templates.keys().next().value!);
      this.templates.set(k, hit);
    }
    return hit;
  }

  private channel(ws: string, ref: string): Promise<{ id: string; type: string }> {
    const k = `${ws}|${ref}`;
    const hit = this.channels.get(k);
    if (hit && Date.now() - hit.at < CHANNEL_TTL_MS) return hit.ch;
    const ch = this.d.messaging.getChannel(ws, ref).then((c) => ({ id: c.id, type: c.type }));
    ch.catch(() => this.channels.delete(k));
    this.channels.set(k, { at: Date.now(), ch });
    return ch;
  }
}
