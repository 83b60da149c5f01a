// Message templates: CRUD with a new immutable version per content change, save-time checks, compiling (parse
// once, cached per version), batch rendering for many members and previews for a chosen real member.
import { newId } from '../../core/ids.ts';
import { invalid, notFound, SiyuError } from '../../core/errors.ts';
import type { Store } from '../../store/port.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { channelsOf, type ChannelContent, type MessagingChannelType, type TemplateContent } from './channels.ts';
import type { CompiledField } from './compile.ts';
import { filterNames, registerOutsideFilter, RENDER_FACTS, type OutsideFilter, type RenderFacts } from './engine.ts';
import { ContextRegistry, type ContextPlan, type ContextProvider } from './context/registry.ts';
import { registerBuiltins, topSellersProvider, type ProviderDeps, type RecommendationProvider } from './context/providers.ts';
import { COUPON_EXTRA } from './context/schemas.ts';
import { RenderFailure, renderChannel, type RenderedContent } from './render.ts';
import { templatesRepo, type TemplateRow } from './repo.ts';
import type { ContentPreviewBody, PreviewBody, TemplateCreate, TemplatePatch } from './schema.ts';
import { checkContent, exampleScope, type CheckedContent } from './validate.ts';
import type { VariableSchema } from './variables.ts';

export type { RenderedContent } from './render.ts';
export type { MessagingChannelType } from './channels.ts';

/** A template parsed for one channel and version, ready for {@link TemplateService.renderMany}. */
export interface CompiledTemplate {
  /** Null for unsaved content (previews). */
  templateId: string | null;
  version: number | null;
  channel: MessagingChannelType;
  content: ChannelContent<MessagingChannelType>;
  fields: CompiledField[];
  /** Context mounts and extras the fields read. */
  plan: ContextPlan;
}

export interface RenderFailureInfo {
  code: string;
  message: string;
  field?: string;
}

/** Rendered messages by member id; members that could not be rendered are in `failed` instead (never sent). */
export type RenderResult = Map<string, RenderedContent> & { failed: Map<string, RenderFailureInfo> };

export interface TemplateView {
  id: string;
  name: string;
  description: string | null;
  /** The current version (or the one asked for). */
  version: number;
  current_version: number;
  channels: MessagingChannelType[];
  content?: TemplateContent;
  /** Variable paths the content reads. */
  variables: string[];
  created_at: string;
  updated_at: string;
  version_created_at?: string;
}

export interface PreviewResult {
  template_id: string | null;
  version: number | null;
  member_id: string;
  rendered: Partial<Record<MessagingChannelType, RenderedContent>>;
  failed: Partial<Record<MessagingChannelType, RenderFailureInfo>>;
  /** Caller-supplied variables (e.g. coupon) filled with example values because the request gave none. */
  examples_used: string[];
}

export interface TemplateDeps extends Omit<ProviderDeps, 'recommendations'> {
  refs: MemberRefs;
}

/** Members whose context loads in one round of queries (the JSON id list is one parameter). */
const LOAD_CHUNK = 2_000;
const COMPILE_CACHE = 500;

export class TemplateService {
  /** Variables and their providers; modules add theirs with registerContext / registerExtra. */
  readonly context = new ContextRegistry();
  private recommender: RecommendationProvider;
  private readonly compiled = new Map<string, CompiledTemplate>();
  /** Set-up of outside filters, run before each renderMany (see registerFilter). */
  private readonly filterPrepares = new Map<string, (ws: string) => Promise<void>>();

  constructor(private readonly deps: TemplateDeps) {
    this.recommender = topSellersProvider(deps.store);
    registerBuiltins(this.context, { ...deps, recommendations: () => this.recommender });
    this.context.registerExtra('coupon', COUPON_EXTRA, 'A coupon issued to the member in the same step (passed in by the caller)');
  }

  /**
   * Adds variables to every template: a root (`loyalty`) or a field of one (`member.rfm`) with its schema and a
   * batch loader. Saved templates are checked against the schema at save time, so register at start-up.
   * @example templates.registerContext('member.points_rank', { variables: { rank: v.number('Rank', 3) }, load: async (ws, ids) => … })
   */
  registerContext(name: string, provider: ContextProvider): void {
    this.context.register(name, provider);
  }

  /** Declares a variable callers pass per member to renderMany (`extras`), such as `coupon`. */
  registerExtra(name: string, variables: VariableSchema, description?: string): void {
    this.context.registerExtra(name, variables, description);
  }

  /**
   * Adds a Liquid filter for every template (register at start-up). The filter gets the render's facts (workspace,
   * member, the caller's source key; null in previews). `prepare` runs before each renderMany, for what a
   * synchronous filter needs loaded first (e.g. a signing key).
   * @example templates.registerFilter('track', (url, _args, facts) => facts ? trackedUrl(facts, url) : url)
   */
  registerFilter(name: string, fn: OutsideFilter, opts: { prepare?: (ws: string) => Promise<void> } = {}): void {
    registerOutsideFilter(name, fn);
    if (opts.prepare) this.filterPrepares.set(name, opts.prepare);
  }

  /** Replaces the provider of the `recommendations` slot (default: top sellers over 90 days). */
  setRecommendationProvider(p: RecommendationProvider): void {
    this.recommender = p;
  }

  /** The variable schema templates are checked against, the filters they may use, and where variables come from. */
  variables() {
    return { variables: this.context.schema(), sources: this.context.describe(), extras: this.context.extraNames(), filters: filterNames() };
  }

  // ---- CRUD ----

  async create(ws: string, body: TemplateCreate): Promise<TemplateView> {
    const checked = checkContent(body.content, this.context.schema());
    const id = newId('mtpl');
    const at = new Date().toISOString();
    await this.deps.store.transaction(async (tx) => {
      if (await templatesRepo.nameOwner(tx, ws, body.name)) throw duplicate(body.name);
      await templatesRepo.insert(tx, ws, { id, name: body.name, description: body.description ?? null, at });
      await templatesRepo.insertVersion(tx, ws, { templateId: id, version: 1, content: checked.content, variables: checked.variables, at });
    });
    return this.get(ws, id);
  }

  /** Renames, re-describes, and — when `content` is given — saves a new version (the old ones stay). */
  async update(ws: string, ref: string, patch: TemplatePatch): Promise<TemplateView> {
    const checked = patch.content !== undefined ? checkContent(patch.content, this.context.schema()) : null;
    const id = await this.deps.store.transaction(async (tx) => {
      const t = await templatesRepo.find(tx, ws, ref);
      if (!t) throw missing(ref);
      const name = patch.name ?? t.name;
      if (name !== t.name) {
        if (await templatesRepo.nameOwner(tx, ws, name)) throw duplicate(name);
        await templatesRepo.rename(tx, ws, t.id, t.name, name);
      }
      const at = new Date().toISOString();
      let version = t.current_version;
      if (checked) {
        const current = await templatesRepo.version(tx, ws, t.id, t.current_version);
        // Saving the same content again is not a change: no new version for senders to tell apart.
        if (!current || JSON.stringify(current.content) !== JSON.stringify(checked.content)) {
          version += 1;
          await templatesRepo.insertVersion(tx, ws, { templateId: t.id, version, content: checked.content, variables: checked.variables, at });
        }
      }
      const description = patch.description === undefined ? t.description : patch.description;
      await templatesRepo.update(tx, ws, t.id, { name, description, currentVersion: version, at });
      return t.id;
    });
    return this.get(ws, id);
  }

  /** A template by id or name with the content of its current version (or of `version`). */
  async get(ws: string, ref: string, version?: number): Promise<TemplateView> {
    const t = await templatesRepo.find(this.deps.store, ws, ref);
    if (!t) throw missing(ref);
    const v = await templatesRepo.version(this.deps.store, ws, t.id, version ?? t.current_version);
    if (!v) throw notFound('template.version_not_found', `Template ${t.name} has no version ${version} / 模板没有该版本`, 'version');
    return view(t, v.version, v.content as TemplateContent, v.variables ?? [], v.created_at);
  }

  async list(ws: string, q: { limit: number; cursor?: string; q?: string }): Promise<{ data: TemplateView[]; next_cursor: string | null }> {
    const rows = await templatesRepo.list(this.deps.store, ws, { limit: q.limit, after: q.cursor, search: q.q });
    const page = rows.slice(0, q.limit);
    const versions = await templatesRepo.currentVersions(this.deps.store, ws, page);
    const data = page.map((t) => {
      const v = versions.get(t.id);
      const { content: _c, ...rest } = view(t, t.current_version, (v?.content ?? {}) as TemplateContent, v?.variables ?? []);
      return rest;
    });
    return { data, next_cursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  async versions(ws: string, ref: string) {
    const t = await templatesRepo.find(this.deps.store, ws, ref);
    if (!t) throw missing(ref);
    return { template_id: t.id, current_version: t.current_version, data: await templatesRepo.versions(this.deps.store, ws, t.id) };
  }

  /** Deletes a template: it leaves lists and lookups by name; its versions stay for the sends that used them. */
  async delete(ws: string, ref: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const t = await templatesRepo.find(tx, ws, ref);
      if (!t) throw missing(ref);
      await templatesRepo.softDelete(tx, ws, t.id, t.name, new Date().toISOString());
    });
  }

  // ---- compile and render ----

  /**
   * Parses a saved template for one channel (the only one when it has one) at a version (default: current).
   * Versions never change, so the result is cached; deleted templates still compile by id for in-flight sends.
   */
  async compile(ws: string, templateId: string, opts: { channel?: MessagingChannelType; version?: number } = {}): Promise<CompiledTemplate> {
    const t = (await templatesRepo.find(this.deps.store, ws, templateId)) ?? (await templatesRepo.byId(this.deps.store, ws, templateId));
    if (!t) throw missing(templateId);
    const version = opts.version ?? t.current_version;
    const key = `${ws}\u0000${t.id}\u0000${version}\u0000${opts.channel ?? ''}`;
    const hit = this.compiled.get(key);
    if (hit) return hit;
    const v = await templatesRepo.version(this.deps.store, ws, t.id, version);
    if (!v) throw notFound('template.version_not_found', `Template ${t.name} has no version ${version} / 模板没有该版本`, 'version');
    const c = this.compileContent(v.content, opts.channel, { templateId: t.id, version });
    if (this.compiled.size >= COMPILE_CACHE) this.compiled.delete(this.compiled.keys().next().value!);
    this.compiled.set(key, c);
    return c;
  }

  /** Checks and compiles content for one channel (saved templates' content, or unsaved content for previews). */
  compileContent(raw: unknown, channel?: MessagingChannelType, ids: { templateId: string | null; version: number | null } = { templateId: null, version: null }): CompiledTemplate {
    return this.pick(checkContent(raw, this.context.schema()), channel, ids);
  }

  /** One channel of checked content as a compiled template. */
  private pick(checked: CheckedContent, channel: MessagingChannelType | undefined, ids: { templateId: string | null; version: number | null }): CompiledTemplate {
    const available = channelsOf(checked.content);
    const ch = channel ?? (available.length === 1 ? available[0] : undefined);
    if (!ch) throw invalid('template.channel_required', `The template has several channels (${available.join(', ')}); name one`, 'channel');
    const compiled = checked.channels.get(ch);
    if (!compiled) throw invalid('template.channel_missing', `The template has no ${ch} content (it has ${available.join(', ')}) / 模板没有该渠道内容`, 'channel');
    return { ...ids, channel: ch, content: checked.content[ch]!, fields: compiled.fields, plan: this.context.plan(compiled.paths) };
  }

  /**
   * Renders a compiled template for many members: each context provider the template reads is loaded once per
   * chunk of members (not per member), then every member renders from memory. `extras` carries per-member values
   * of caller-supplied variables (e.g. `coupon`); a member the template needs an extra for but has none fails.
   * `opts.sourceKey` is the send's source key: filters such as `track` (tracked links) sign it into their output.
   * `opts.loadChunk` (default 2,000) is how many members one round of context queries loads: callers that render
   * large batches (broadcasts) pass more, since on DuckDB each round scans the member tables whatever its size.
   */
  async renderMany(ws: string, compiled: CompiledTemplate, memberIds: string[], extras?: Map<string, Record<string, unknown>>, opts: { sourceKey?: string; loadChunk?: number } = {}): Promise<RenderResult> {
    const out = Object.assign(new Map<string, RenderedContent>(), { failed: new Map<string, RenderFailureInfo>() }) as RenderResult;
    await Promise.all([...this.filterPrepares.values()].map((prepare) => prepare(ws)));
    const ids = [...new Set(memberIds)];
    const now = new Date();
    const chunks: string[][] = [];
    const size = Math.max(1, opts.loadChunk ?? LOAD_CHUNK);
    for (let i = 0; i < ids.length; i += size) chunks.push(ids.slice(i, i + size));
    const memos = new Map<string, Promise<unknown>>();
    // Load the next chunk while this one renders (queries wait on the database, rendering on the CPU).
    const load = (c: number) => {
      const p = this.context.load(ws, chunks[c], compiled.plan, now, memos);
      p.catch(() => undefined); // awaited in turn; a failure must not surface as unhandled while an earlier chunk renders
      return p;
    };
    let pending = chunks.length > 0 ? load(0) : null;
    for (let c = 0; c < chunks.length; c++) {
      const loaded = await pending!;
      pending = c + 1 < chunks.length ? load(c + 1) : null;
      for (const id of chunks[c]) {
        if (loaded.missing.has(id)) {
          out.failed.set(id, { code: 'member.not_found', message: `No member ${id} (unknown or merged away)` });
          continue;
        }
        const scope = loaded.scopes.get(id)!;
        const lacking = compiled.plan.extras.find((name) => {
          const value = extras?.get(id)?.[name];
          if (value === undefined || value === null) return true;
          scope[name] = value;
          return false;
        });
        if (lacking) {
          out.failed.set(id, { code: 'template.extra_missing', message: `The template reads ${lacking}, and none was passed for member ${id}`, field: lacking });
          continue;
        }
        scope[RENDER_FACTS] = { workspace_id: ws, member_id: id, source_key: opts.sourceKey ?? null } satisfies RenderFacts;
        try {
          out.set(id, renderChannel(compiled, scope));
        } catch (e) {
          if (!(e instanceof RenderFailure)) throw e;
          out.failed.set(id, { code: e.code, message: e.message, field: e.field });
        }
      }
    }
    return out;
  }

  // ---- preview ----

  /** Renders a saved template (every channel, or one) for a real member; extras not given use example values. */
  async preview(ws: string, ref: string, body: Omit<PreviewBody, 'member'> & { member: string }): Promise<PreviewResult> {
    const t = await this.get(ws, ref, body.version);
    return this.previewFor(ws, t.content!, body, { templateId: t.id, version: t.version });
  }

  /** Checks unsaved content like a save would, then renders it for a real member. */
  async previewContent(ws: string, body: ContentPreviewBody): Promise<PreviewResult> {
    return this.previewFor(ws, body.content, body, { templateId: null, version: null });
  }

  private async previewFor(ws: string, content: unknown, body: { member: string; channel?: MessagingChannelType; extras?: Record<string, Record<string, unknown>> }, ids: { templateId: string | null; version: number | null }): Promise<PreviewResult> {
    const checked = checkContent(content, this.context.schema());
    const channels = body.channel ? [body.channel] : channelsOf(checked.content);
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, body.member);
    const examples = exampleScope(this.context.schema());
    const result: PreviewResult = { template_id: ids.templateId, version: ids.version, member_id: memberId, rendered: {}, failed: {}, examples_used: [] };
    for (const ch of channels) {
      const compiled = this.pick(checked, ch, ids);
      const given: Record<string, unknown> = {};
      for (const name of compiled.plan.extras) {
        if (body.extras?.[name]) given[name] = body.extras[name];
        else {
          given[name] = examples[name];
          if (!result.examples_used.includes(name)) result.examples_used.push(name);
        }
      }
      const r = await this.renderMany(ws, compiled, [memberId], new Map([[memberId, given]]));
      const ok = r.get(memberId);
      if (ok) result.rendered[ch] = ok;
      else result.failed[ch] = r.failed.get(memberId);
    }
    return result;
  }
}

function view(t: TemplateRow, version: number, content: TemplateContent, variables: string[], versionAt?: string): TemplateView {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    version,
    current_version: t.current_version,
    channels: channelsOf(content),
    content,
    variables,
    created_at: t.created_at,
    updated_at: t.updated_at,
    ...(versionAt ? { version_created_at: versionAt } : {}),
  };
}

const missing = (ref: string) => notFound('template.not_found', `No template ${ref} / 未找到该模板`, 'ref');
const duplicate = (name: string) => new SiyuError('duplicate', 'template.duplicate', `A template named ${name} already exists / 模板名称已存在`, { field: 'name' });
