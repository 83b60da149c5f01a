// Measurement: holdout (control) groups per campaign source, tracked links and open pixels that record receipts
// through messaging, and campaign reports with last-touch conversions and lift against the holdout.
import { randomBytes } from 'node:crypto';
import type { Config } from '../../core/config.ts';
import { SiyuError, invalid, notFound } from '../../core/errors.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { MessagingService } from '../messaging/service.ts';
import type { TemplateService } from '../templates/service.ts';
import type { RenderFacts } from '../templates/engine.ts';
import { holdoutRepo, type Group } from './holdout-repo.ts';
import { MAX_SHARE, newSalt, splitHoldout } from './holdout-split.ts';
import { isTrackableUrl, signLink, verifyLink, type LinkClaims } from './link-token.ts';
import { buildReport, summaryRow, type CampaignReport } from './report.ts';
import { campaignAggregates, campaignKeys } from './report-repo.ts';
import { DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, type GroupsQuery, type ListQuery } from './schema.ts';

export interface MeasurementDeps {
  store: Store;
  config: Pick<Config, 'publicUrl' | 'linkSecret' | 'host' | 'port'>;
  messaging: Pick<MessagingService, 'listSends' | 'recordReceipt'>;
  /** Where the `track` and `open_pixel` filters are registered (absent in tests of the service alone). */
  templates?: Pick<TemplateService, 'registerFilter'>;
  /** The surviving member id of a ref (for the holdout API). */
  resolveMembers?(ws: string, refs: string[]): Promise<(string | null)[]>;
}

export interface HoldoutSpec {
  /** The campaign source: `broadcast:<id>` or `journey:<id>` (its sends may add `:step:…` after it). */
  sourceKey: string;
  /** Share of the audience held back, 0 to 0.9 (0 records everyone as treatment). */
  share: number;
  memberIds: Iterable<string>;
  /** Fixes the split's salt on the source's first assignment (default random); a different salt later is refused. */
  salt?: string;
  /** The holdout's attribution anchor (ISO; default now): when the message would have gone out. */
  at?: string;
}

/** Signing key and public base per workspace, for the process-wide template filters (several apps may share a process). */
const linkContexts = new Map<string, { key: string; base: string }>();
const ROWS_PER_CHUNK = 20_000;
const SOURCE_KEY = /^[^\s]{1,300}$/;

/** The signed click URL of `url` for the message being rendered; the URL itself when it cannot be tracked. */
function trackFilter(input: unknown, _args: unknown[], facts: RenderFacts | null): unknown {
  if (!facts?.source_key || !isTrackableUrl(input)) return input;
  const ctx = linkContexts.get(facts.workspace_id);
  if (!ctx) return input;
  return `${ctx.base}/r/${signLink(ctx.key, { kind: 'click', workspaceId: facts.workspace_id, sourceKey: facts.source_key, memberId: facts.member_id, url: input })}`;
}

/** The open-pixel URL of the message being rendered (empty outside a send: previews do not count opens). */
function openPixelFilter(_input: unknown, _args: unknown[], facts: RenderFacts | null): unknown {
  if (!facts?.source_key) return '';
  const ctx = linkContexts.get(facts.workspace_id);
  if (!ctx) return '';
  return `${ctx.base}/o/${signLink(ctx.key, { kind: 'open', workspaceId: facts.workspace_id, sourceKey: facts.source_key, memberId: facts.member_id })}.gif`;
}

export class MeasurementService {
  private readonly repo;
  private keyPromise: Promise<string> | null = null;
  /** Public base URL of tracked links (no trailing slash). */
  readonly publicBase: string;

  constructor(private readonly deps: MeasurementDeps) {
    this.repo = holdoutRepo(deps.store);
    this.publicBase = (deps.config.publicUrl ?? `http://${deps.config.host}:${deps.config.port}`).replace(/\/+$/, '');
    const prepare = async (ws: string) => {
      linkContexts.set(ws, { key: await this.linkKey(), base: this.publicBase });
    };
    deps.templates?.registerFilter('track', trackFilter, { prepare });
    deps.templates?.registerFilter('open_pixel', openPixelFilter, { prepare });
  }

  /** The HMAC key of links: SIYU_LINK_SECRET, else one generated on first use and kept in the store for every process. */
  linkKey(): Promise<string> {
    if (this.deps.config.linkSecret) return Promise.resolve(this.deps.config.linkSecret);
    this.keyPromise ??= (async () => {
      const existing = await this.repo.secret(this.deps.store, 'links');
      if (existing) return existing;
      await this.repo.ensureSecret(this.deps.store, 'links', randomBytes(32).toString('base64url'), new Date().toISOString());
      const stored = await this.repo.secret(this.deps.store, 'links');
      if (!stored) throw new Error('measurement: the link secret could not be stored');
      return stored;
    })();
    this.keyPromise.catch(() => (this.keyPromise = null)); // a failed load is retried on the next call
    return this.keyPromise;
  }

  // ---- holdouts ----------------------------------------------------------------------------------------------

  /**
   * Splits an audience into treatment and holdout and records every member's group (both groups: the lift compares
   * them). Random across members, reproducible: a hash of the source's stored salt, the source and the member.
   * Members assigned before keep their group, so calling again (a retried batch, a journey's next entrants) gives
   * the same answer. Returns the members of `memberIds` in the holdout: do not message them.
   * @example const held = await measurement.assignHoldout(ws, { sourceKey: 'broadcast:brd_1', share: 0.1, memberIds })
   */
  async assignHoldout(ws: string, spec: HoldoutSpec, tx?: SqlExecutor): Promise<Set<string>> {
    const db = tx ?? this.deps.store;
    if (!SOURCE_KEY.test(spec.sourceKey)) throw invalid('measurement.source_key_invalid', 'source_key must be 1 to 300 characters without spaces', 'source_key');
    if (!(spec.share >= 0 && spec.share <= MAX_SHARE)) throw invalid('measurement.share_invalid', `share must be between 0 and ${MAX_SHARE}`, 'share');
    if (spec.salt !== undefined && (spec.salt.length < 8 || spec.salt.length > 200)) throw invalid('measurement.salt_invalid', 'salt must be 8 to 200 characters', 'salt');
    const at = spec.at ? isoOf(spec.at, 'at') : new Date().toISOString();
    const now = new Date().toISOString();
    let source = await this.repo.source(db, ws, spec.sourceKey);
    if (!source) {
      await this.repo.ensureSource(db, ws, spec.sourceKey, spec.salt ?? newSalt(), spec.share, now);
      source = await this.repo.source(db, ws, spec.sourceKey);
      if (!source) throw new Error('measurement: the holdout source could not be stored');
    }
    if (spec.salt !== undefined && spec.salt !== source.salt) {
      throw new SiyuError('conflict', 'measurement.salt_mismatch', `Source ${spec.sourceKey} was split with another salt; leave salt out to reuse it`, { field: 'salt' });
    }
    if (source.share !== spec.share) await this.repo.setShare(db, ws, spec.sourceKey, spec.share, now);

    const ids = [...new Set(spec.memberIds)];
    const held = new Set<string>();
    for (let i = 0; i < ids.length; i += ROWS_PER_CHUNK) {
      const chunk = ids.slice(i, i + ROWS_PER_CHUNK);
      const split = splitHoldout(source.salt, spec.sourceKey, chunk, spec.share);
      const rows = [
        ...split.treatment.map((member_id) => ({ member_id, group_name: 'treatment' as Group })),
        ...split.holdout.map((member_id) => ({ member_id, group_name: 'holdout' as Group })),
      ];
      const inserted = await this.repo.insertAssignments(db, ws, spec.sourceKey, at, rows);
      // All new: the split just recorded is the answer. Otherwise earlier rows win (a share changed since): read them.
      const answer = inserted === chunk.length ? split.holdout : await this.repo.holdoutAmong(db, ws, spec.sourceKey, chunk);
      for (const m of answer) held.add(m);
    }
    return held;
  }

  /** The recorded groups of a source: its salt-free settings, counts and a page of members. */
  async holdout(ws: string, sourceKey: string, q: GroupsQuery) {
    const source = await this.repo.source(this.deps.store, ws, sourceKey);
    if (!source) throw notFound('measurement.holdout_not_found', `No holdout was assigned for ${sourceKey}`, 'source_key');
    const counts = await this.repo.counts(this.deps.store, ws, sourceKey);
    const rows = await this.repo.page(this.deps.store, ws, sourceKey, { group: q.group, after: q.cursor, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return {
      source_key: sourceKey,
      share: source.share,
      treatment_size: counts.treatment,
      holdout_size: counts.holdout,
      created_at: source.created_at,
      data: page.map((r) => ({ member_id: r.member_id, group: r.group_name, assigned_at: r.assigned_at })),
      next_cursor: rows.length > q.limit ? page[page.length - 1].member_id : null,
    };
  }

  /** The holdout API: member refs resolved (unknown refs reported, not assigned), then {@link assignHoldout}. */
  async assignRefs(ws: string, sourceKey: string, body: { share: number; members: string[]; salt?: string; at?: string }) {
    if (!this.deps.resolveMembers) throw new Error('measurement: no member resolver');
    const ids = await this.deps.resolveMembers(ws, body.members);
    const unknown = body.members.filter((_, i) => !ids[i]);
    const known = ids.filter((id): id is string => !!id);
    const held = await this.assignHoldout(ws, { sourceKey, share: body.share, memberIds: known, salt: body.salt, at: body.at });
    const distinct = new Set(known);
    return { source_key: sourceKey, assigned: distinct.size, treatment: distinct.size - held.size, holdout: [...held].sort(), unknown };
  }

  // ---- tracked links and opens -------------------------------------------------------------------------------

  /** A tracked URL outside a template (e.g. a WeCom link attachment built in code). */
  async trackedUrl(ws: string, sourceKey: string, memberId: string, url: string): Promise<string> {
    if (!isTrackableUrl(url)) throw invalid('measurement.url_invalid', 'Only absolute http(s) URLs can be tracked', 'url');
    return `${this.publicBase}/r/${signLink(await this.linkKey(), { kind: 'click', workspaceId: ws, sourceKey, memberId, url })}`;
  }

  /** The open-pixel URL of one member's message (an `<img>` of 1×1 in email html). */
  async openPixelUrl(ws: string, sourceKey: string, memberId: string): Promise<string> {
    return `${this.publicBase}/o/${signLink(await this.linkKey(), { kind: 'open', workspaceId: ws, sourceKey, memberId })}.gif`;
  }

  /**
   * A click on a tracked link: records a `clicked` receipt on the member's send of that source (through messaging,
   * so the send's state and clicked_at move too) and returns where to redirect. Null for a tampered token.
   */
  async click(token: string): Promise<{ url: string; recorded: boolean } | null> {
    const claims = verifyLink(await this.linkKey(), token, 'click');
    if (!claims) return null;
    return { url: claims.url!, recorded: await this.receipt(claims, 'clicked') };
  }

  /** An email open (the pixel was fetched): records an `opened` receipt. Null for a tampered token. */
  async open(token: string): Promise<{ recorded: boolean } | null> {
    const claims = verifyLink(await this.linkKey(), token, 'open');
    if (!claims) return null;
    return { recorded: await this.receipt(claims, 'opened') };
  }

  /** Records a receipt on the send a token names; false when there is no such send (a preview, a deleted member). */
  private async receipt(c: LinkClaims, type: 'clicked' | 'opened'): Promise<boolean> {
    let send: { id: string; channel_id: string } | undefined;
    try {
      const page = await this.deps.messaging.listSends(c.workspaceId, { source_key: c.sourceKey, member: c.memberId, limit: 1 });
      send = page.data[0] as { id: string; channel_id: string } | undefined;
    } catch (e) {
      if (e instanceof SiyuError && (e.type === 'not_found' || e.type === 'invalid_data')) return false;
      throw e;
    }
    if (!send) return false;
    await this.deps.messaging.recordReceipt(c.workspaceId, send.channel_id, [
      { type, send_id: send.id, time: new Date().toISOString(), ...(c.url ? { url: c.url } : {}) },
    ]);
    return true;
  }

  // ---- reports -----------------------------------------------------------------------------------------------

  /**
   * The campaign report of a source: audience, groups, funnel, conversions (last touch within the window), revenue,
   * and lift against the holdout with 95% intervals. See report-repo.ts for the attribution rules.
   */
  async report(ws: string, sourceKey: string, opts: { windowDays?: number; now?: Date } = {}): Promise<CampaignReport> {
    const windowDays = opts.windowDays ?? DEFAULT_WINDOW_DAYS;
    if (!Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
      throw invalid('measurement.window_invalid', `window_days must be a whole number from 1 to ${MAX_WINDOW_DAYS}`, 'window_days');
    }
    const [aggregates, source] = await Promise.all([campaignAggregates(this.deps.store, ws, sourceKey, windowDays), this.repo.source(this.deps.store, ws, sourceKey)]);
    if (aggregates.length === 0 && !source) throw notFound('measurement.campaign_not_found', `No sends or holdout for ${sourceKey}`, 'source_key');
    return buildReport({ sourceKey, windowDays, share: source?.share ?? null, now: opts.now ?? new Date(), aggregates });
  }

  /** One summary row per campaign source with activity, newest first (a report per source). */
  async list(ws: string, q: ListQuery) {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const keys = await campaignKeys(this.deps.store, ws, { prefix: q.prefix, after, limit: q.limit + 1 });
    const page = keys.slice(0, q.limit);
    const now = new Date();
    const data = [];
    for (const k of page) {
      const r = await this.report(ws, k.source_key, { windowDays: q.window_days, now });
      data.push({ ...summaryRow(r), last_activity_at: k.last_activity_at });
    }
    const last = page[page.length - 1];
    return { data, next_cursor: keys.length > q.limit ? encodeCursor(last.last_activity_at, last.source_key) : null };
  }
}

function isoOf(v: string, field: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw invalid('measurement.time_invalid', `${field} must be an ISO 8601 time`, field);
  return d.toISOString();
}

function encodeCursor(at: string, key: string): string {
  return Buffer.from(JSON.stringify({ at, key }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): { at: string; key: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (v && typeof v.at === 'string' && typeof v.key === 'string' && !Number.isNaN(new Date(v.at).getTime())) return v;
  } catch {
    // fall through to the typed error
  }
  throw invalid('measurement.invalid_cursor', 'cursor is not a campaigns cursor returned by this API', 'cursor');
}
