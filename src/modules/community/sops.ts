// Scheduled SOP content per group: each SOP is a jobs schedule (`community-sop:<id>`, kind community.sop_run) whose
// ticks post the content to the SOP's groups through a WeCom channel (add_msg_template, chat_type group, sent by the
// group owner). The send ledger keys each post on (`sop:<id>:<tick>`, group id): a tick posts at most once per group
// however often its job runs.
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { JobService } from '../jobs/service.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { TemplateService } from '../templates/service.ts';
import { communityRepo, type GroupRow } from './repo.ts';
import type { SopCreate, SopPatch, Targets } from './schema.ts';
import { checkSopContent, renderForGroup, type SopContent } from './sop-render.ts';

export const SOP_JOB = 'community.sop_run';
export const sopSchedule = (id: string) => `community-sop:${id}`;
export const sopSourceKey = (id: string, tick: string) => `sop:${id}:${tick}`;

export interface SopRow {
  id: string;
  name: string;
  cron: string;
  timezone: string;
  channel: string;
  content: SopContent | null;
  template: string | null;
  targets: Targets;
  enabled: boolean;
  last_tick: string | null;
  created_at: string;
  updated_at: string;
}

const COLS = 'id, name, cron, timezone, channel, content, template, targets, enabled, last_tick, created_at, updated_at';
const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const row = (r: any): SopRow => ({ ...r, content: json(r.content) ?? null, targets: json(r.targets) ?? {} });

interface Deps {
  store: Store;
  jobs: JobService;
  messaging: MessagingService;
  templates: TemplateService;
  timezoneOf(ws: string): Promise<string>;
}

export class CommunitySops {
  private readonly repo;

  constructor(private readonly deps: Deps) {
    this.repo = communityRepo(deps.store);
    deps.jobs.register(SOP_JOB, async (job) => {
      const id = (job.payload as { sop_id?: unknown } | null)?.sop_id;
      if (typeof id !== 'string') throw invalid('sop.payload_invalid', 'payload.sop_id names the SOP', 'payload.sop_id');
      await this.run(job.workspaceId, id, job.runAt);
    }, { concurrency: 2, leaseMs: 120_000 });
  }

  private async row(ws: string, ref: string): Promise<SopRow> {
    const [r] = await this.deps.store.query(`SELECT ${COLS} FROM community_sops WHERE workspace_id = $1 AND (id = $2 OR name = $2) LIMIT 1`, [ws, ref]);
    if (!r) throw notFound('sop.not_found', `No SOP ${ref}`, 'ref');
    return row(r);
  }

  /** The content of an SOP: its own, or its template's wecom part. */
  private async contentOf(ws: string, s: Pick<SopRow, 'content' | 'template'>): Promise<SopContent> {
    if (s.content) return s.content;
    const t = await this.deps.templates.get(ws, s.template!);
    const w = (t.content as { wecom?: SopContent } | undefined)?.wecom;
    if (!w || (!w.text && !w.attachments?.length)) throw invalid('sop.template_without_wecom', `Template ${t.name} has no wecom content`, 'template');
    return { text: w.text, attachments: w.attachments };
  }

  private async schedule(ws: string, s: SopRow): Promise<void> {
    await this.deps.jobs.schedule(ws, { name: sopSchedule(s.id), cron: s.cron, timezone: s.timezone, kind: SOP_JOB, payload: { sop_id: s.id }, enabled: s.enabled });
  }

  async create(ws: string, b: SopCreate): Promise<SopRow> {
    const [dup] = await this.deps.store.query('SELECT id FROM community_sops WHERE workspace_id = $1 AND name = $2', [ws, b.name]);
    if (dup) throw new SiyuError('duplicate', 'sop.name_taken', `An SOP named ${b.name} exists`, { field: 'name' });
    checkSopContent(await this.contentOf(ws, { content: b.content ?? null, template: b.template ?? null }));
    const channel = await this.deps.messaging.getChannel(ws, b.channel);
    if (channel.type !== 'wecom') throw invalid('sop.channel_not_wecom', `Channel ${channel.name} is ${channel.type}; group posts need a wecom channel`, 'channel');
    const id = newId('sop');
    const now = new Date().toISOString();
    const s: SopRow = { id, name: b.name, cron: b.cron, timezone: b.timezone ?? (await this.deps.timezoneOf(ws)), channel: channel.id, content: b.content ?? null, template: b.template ?? null, targets: b.targets, enabled: b.enabled, last_tick: null, created_at: now, updated_at: now };
    // The schedule first: it validates cron and time zone, and a failed insert below leaves only a harmless schedule.
    await this.schedule(ws, s);
    await this.deps.store.exec(
      `INSERT INTO community_sops (workspace_id, id, name, cron, timezone, channel, content, template, targets, enabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::JSON, $8, $9::JSON, $10, $11::TIMESTAMPTZ, $11::TIMESTAMPTZ)`,
      [ws, id, s.name, s.cron, s.timezone, s.channel, s.content ? JSON.stringify(s.content) : null, s.template, JSON.stringify(s.targets), s.enabled, now],
    );
    return this.row(ws, id);
  }

  async update(ws: string, ref: string, p: SopPatch): Promise<SopRow> {
    const s = await this.row(ws, ref);
    const next: SopRow = { ...s, ...Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)) } as SopRow;
    if (p.content) next.template = null;
    if (p.template) next.content = null;
    checkSopContent(await this.contentOf(ws, next));
    if (p.channel) {
      const c = await this.deps.messaging.getChannel(ws, p.channel);
      if (c.type !== 'wecom') throw invalid('sop.channel_not_wecom', `Channel ${c.name} is ${c.type}; group posts need a wecom channel`, 'channel');
      next.channel = c.id;
    }
    await this.schedule(ws, next);
    await this.deps.store.exec(
      `UPDATE community_sops SET cron = $3, timezone = $4, channel = $5, content = $6::JSON, template = $7, targets = $8::JSON, enabled = $9, updated_at = now()
       WHERE workspace_id = $1 AND id = $2`,
      [ws, s.id, next.cron, next.timezone, next.channel, next.content ? JSON.stringify(next.content) : null, next.template, JSON.stringify(next.targets), next.enabled],
    );
    return this.row(ws, s.id);
  }

  get(ws: string, ref: string): Promise<SopRow> {
    return this.row(ws, ref);
  }

  async list(ws: string): Promise<SopRow[]> {
    return (await this.deps.store.query(`SELECT ${COLS} FROM community_sops WHERE workspace_id = $1 ORDER BY name`, [ws])).map(row);
  }

  async delete(ws: string, ref: string): Promise<void> {
    const s = await this.row(ws, ref);
    await this.deps.jobs.deleteSchedule(ws, sopSchedule(s.id)).catch(() => undefined);
    await this.deps.store.exec('DELETE FROM community_sops WHERE workspace_id = $1 AND id = $2', [ws, s.id]);
  }

  /**
   * Posts the SOP's content for `tick` (the schedule tick, ISO) to each of its active groups — at most once per
   * (SOP, tick, group) through the send ledger, so a job that runs again (a retry, a second worker) posts nothing
   * twice. Groups with no owner cannot be posted to (WeCom needs the owner as sender) and are skipped.
   */
  async run(ws: string, ref: string, tick: string) {
    const s = await this.row(ws, ref);
    const tickIso = new Date(tick).toISOString();
    const sourceKey = sopSourceKey(s.id, tickIso);
    if (!s.enabled) return { sop_id: s.id, tick: tickIso, source_key: sourceKey, groups: 0, sent: 0, failed: 0, skipped: 0, in_flight: 0, disabled: true };
    const groups = (await this.repo.list(this.deps.store, ws, { ...s.targets, status: 'active' })).filter((g) => g.owner_userid);
    const content = await this.contentOf(ws, s);
    const tickDate = new Intl.DateTimeFormat('en-CA', { timeZone: s.timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(tickIso));
    const msgs = groups.map((g: GroupRow) => ({ memberId: g.id, to: { wecom_chat_id: g.chat_id, wecom_sender: g.owner_userid! }, content: renderForGroup(content, g, s, tickDate) }));
    const report = msgs.length ? await this.deps.messaging.send(ws, s.channel, msgs, sourceKey) : { sent: 0, failed: 0, skipped: 0, in_flight: 0, results: [] };
    await this.deps.store.exec('UPDATE community_sops SET last_tick = $3::TIMESTAMPTZ WHERE workspace_id = $1 AND id = $2', [ws, s.id, tickIso]);
    return { sop_id: s.id, tick: tickIso, source_key: sourceKey, groups: groups.length, sent: report.sent, failed: report.failed, skipped: report.skipped, in_flight: report.in_flight };
  }
}
