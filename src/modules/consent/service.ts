// ConsentService: members' consent per channel and purpose (statements, history, import, export), unsubscribe links
// and keywords, the guard settings, the member 360 section, and the guard rails themselves (`guard`).
import type { Registry } from 'prom-client';
import { invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { SqlExecutor, Store } from '../../store/port.ts';
import type { IdentityPort } from '../identity/types.ts';
import type { MemberRefs } from '../members/member-refs.ts';
import { historyCsvHeader, historyCsvLines, normaliseStatus } from './csv.ts';
import { GuardService, type AdmitRequest } from './guard.ts';
import { senderOf } from './inbound.ts';
import { matchKeyword } from './keywords.ts';
import { decideConsent, policyOf } from './policy.ts';
import { consentRepo, type CurrentRow, type StatementRow } from './repo.ts';
import {
  CHANNEL_TYPES, ConsentInput, ImportRow, PURPOSES,
  type ChannelType, type ConsentChannel, type ConsentSource, type ConsentStatus, type GuardConfig, type GuardConfigPatch, type InboundBody, type Purpose,
} from './schema.ts';
import { ConsentSettings } from './settings.ts';
import { unsubscribeContext, type LinkMaker } from './template-context.ts';
import { readToken, signToken, verifyToken, type UnsubscribeClaim } from './unsubscribe-token.ts';

export interface ConsentDeps {
  store: Store;
  refs: MemberRefs;
  identity: IdentityPort;
  timezoneOf(ws: string): Promise<string>;
  /** Origin of links when the workspace sets no `unsubscribe.base_url` (the server's own address). */
  publicUrl: string;
  registry?: Registry;
}

/** One statement to record (already resolved to a member). */
export interface ConsentChange {
  memberId: string;
  channel: ConsentChannel;
  purpose: Purpose;
  status: ConsentStatus;
  source: ConsentSource;
  sourceDetail?: string | null;
  operator?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** When the member said so (ISO; default now). */
  at?: string;
}

/** Who made an API call, recorded with its statements. */
export interface RequestContext {
  ip?: string | null;
  userAgent?: string | null;
}

/** Per purpose and channel type: may a message go, and why. */
export type EffectiveConsent = Record<Purpose, Record<ChannelType, { allowed: boolean; basis: 'granted' | 'revoked' | 'default' }>>;

export interface MemberConsents {
  member_id: string;
  consents: CurrentRow[];
  effective: EffectiveConsent;
}

/** Most history rows an export reads per statement. */
const EXPORT_PAGE = 20_000;

export class ConsentService {
  readonly settings: ConsentSettings;
  readonly guard: GuardService;
  private readonly repo;

  constructor(private readonly deps: ConsentDeps) {
    this.settings = new ConsentSettings(deps.store);
    this.guard = new GuardService({ store: deps.store, settings: this.settings, timezoneOf: deps.timezoneOf, registry: deps.registry });
    this.repo = consentRepo(deps.store);
    // A merged member's statements follow it; the latest statement of the two wins.
    deps.identity.onMerge('consents', (tx, ws, from, into) => this.repo.moveOnMerge(tx, ws, from, into));
  }

  // ---- statements --------------------------------------------------------------------------------------------

  /**
   * Records statements: each is appended to the history; the current state per (member, channel, purpose) takes
   * the latest by `at` (an older statement arriving late changes only the history). Runs in `db` when given (the
   * ingest transaction), else in its own transaction. Returns how many were recorded.
   */
  async record(ws: string, changes: ConsentChange[], db?: SqlExecutor): Promise<number> {
    if (changes.length === 0) return 0;
    const now = new Date().toISOString();
    const history = changes.map((c) => ({
      id: newId('cns'),
      member_id: c.memberId,
      channel: c.channel,
      purpose: c.purpose,
      status: c.status,
      source: c.source,
      source_detail: c.sourceDetail ?? null,
      operator: c.operator ?? null,
      ip: c.ip ?? null,
      user_agent: c.userAgent ?? null,
      occurred_at: c.at ? new Date(c.at).toISOString() : now,
    }));
    // The current table takes one row per key: the latest (the last given on a tie).
    const latest = new Map<string, (typeof history)[number]>();
    for (const h of history) {
      const key = `${h.member_id}\u0000${h.channel}\u0000${h.purpose}`;
      const prev = latest.get(key);
      if (!prev || prev.occurred_at <= h.occurred_at) latest.set(key, h);
    }
    const current = [...latest.values()].map((h) => ({
      member_id: h.member_id, channel: h.channel, purpose: h.purpose, status: h.status, source: h.source,
      source_detail: h.source_detail, operator: h.operator, changed_at: h.occurred_at,
    }));
    const write = async (tx: SqlExecutor) => {
      await this.repo.appendHistory(tx, ws, history, now);
      await this.repo.upsertCurrent(tx, ws, current, now);
    };
    if (db) await write(db);
    else await this.deps.store.transaction(write);
    return history.length;
  }

  /** A member's current statements and what they allow per purpose and channel type. */
  async memberConsents(ws: string, ref: string): Promise<MemberConsents> {
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, ref);
    const [rows, { config }] = await Promise.all([this.repo.current(this.deps.store, ws, memberId), this.settings.get(ws)]);
    return { member_id: memberId, consents: rows, effective: effectiveOf(rows, config) };
  }

  /** Records the given statements for one member (API / operator) and returns the member's consents after. */
  async setMemberConsents(ws: string, ref: string, inputs: ConsentInput[], ctx: RequestContext & { source?: ConsentSource } = {}): Promise<MemberConsents> {
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, ref);
    await this.record(ws, inputs.map((i) => this.changeOf(memberId, i, ctx.source ?? 'api', ctx)));
    return this.memberConsents(ws, memberId);
  }

  /** A member's statements, oldest first. */
  async memberHistory(ws: string, ref: string, q: { since?: string; until?: string } = {}): Promise<{ member_id: string; data: StatementRow[] }> {
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, ref);
    return { member_id: memberId, data: await this.repo.history(this.deps.store, ws, memberId, q.since, q.until) };
  }

  /** The history as CSV: one member's, or the workspace's recorded within [since, until). */
  async historyCsv(ws: string, q: { since?: string; until?: string; member?: string } = {}): Promise<string> {
    const memberId = q.member ? await this.deps.refs.resolveOne(this.deps.store, ws, q.member) : undefined;
    let out = historyCsvHeader();
    let afterId: string | undefined;
    for (;;) {
      const rows = await this.repo.exportPage(this.deps.store, ws, { since: q.since, until: q.until, memberId, afterId, limit: EXPORT_PAGE });
      out += historyCsvLines(rows);
      if (rows.length < EXPORT_PAGE) return out;
      afterId = rows[rows.length - 1].id;
    }
  }

  /**
   * Bulk import: every row is validated first (400 naming `rows[i].field`), refs are resolved in one query, rows of
   * unknown members are skipped and listed; the rest are recorded in one transaction.
   */
  async import(ws: string, raw: Record<string, unknown>[], opts: RequestContext & { source?: ConsentSource } = {}) {
    const rows: ImportRow[] = raw.map((r, i) => {
      const parsed = ImportRow.safeParse(normaliseStatus(r));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = `rows[${i}]${issue.path.length ? '.' + issue.path.join('.') : ''}`;
        throw invalid('consent.import_row_invalid', `${field}: ${issue.message}`, field);
      }
      return parsed.data;
    });
    const ids = await this.deps.refs.resolveMany(this.deps.store, ws, rows.map((r) => r.member));
    const changes: ConsentChange[] = [];
    const notFoundRows: { row: number; member: string }[] = [];
    rows.forEach((r, i) => {
      const id = ids[i];
      if (!id) notFoundRows.push({ row: i, member: r.member });
      else changes.push(this.changeOf(id, r, opts.source ?? 'import', opts));
    });
    const recorded = await this.record(ws, changes);
    return { received: rows.length, recorded, not_found: notFoundRows };
  }

  private changeOf(memberId: string, i: ConsentInput, defaultSource: ConsentSource, ctx: RequestContext): ConsentChange {
    return {
      memberId, channel: i.channel, purpose: i.purpose, status: i.status, source: i.source ?? defaultSource,
      sourceDetail: i.source_detail ?? null, operator: i.operator ?? null, ip: i.ip ?? ctx.ip ?? null, userAgent: i.user_agent ?? ctx.userAgent ?? null, at: i.at,
    };
  }

  /**
   * Everything consent holds about one member (by id), for a data-subject export: current statements, the full
   * history, and the guard state (frequency counters, dedupe claims, reservations). Guard state is operational and may
   * be deleted with the member; the history is the record that consent was given or withdrawn.
   */
  async memberRecord(ws: string, memberId: string) {
    const [consents, history, guard] = await Promise.all([
      this.repo.current(this.deps.store, ws, memberId),
      this.repo.history(this.deps.store, ws, memberId),
      this.deps.store.query<{ state: string; updated_at: string }>('SELECT state, updated_at FROM guard_state WHERE workspace_id = $1 AND member_id = $2', [ws, memberId]),
    ]);
    return { member_id: memberId, consents, history, guard_state: guard[0] ? { ...JSON.parse(guard[0].state), updated_at: guard[0].updated_at } : null };
  }

  /** The member 360 `consents` section. */
  async profileSection(ws: string, memberId: string): Promise<{ records: CurrentRow[]; effective: EffectiveConsent }> {
    const [rows, { config }] = await Promise.all([this.repo.current(this.deps.store, ws, memberId), this.settings.get(ws)]);
    return { records: rows, effective: effectiveOf(rows, config) };
  }

  // ---- unsubscribe -------------------------------------------------------------------------------------------

  /**
   * The link maker of a workspace (its secret and public base URL) for `purpose` (default the workspace's
   * unsubscribe purpose, marketing), for templates and the API.
   */
  async linkMaker(ws: string, purpose?: Purpose): Promise<LinkMaker> {
    const { config, secret } = await this.settings.get(ws);
    const base = (config.unsubscribe.base_url ?? this.deps.publicUrl).replace(/\/+$/, '');
    const p = purpose ?? config.unsubscribe.purpose;
    const issuedAt = Math.floor(Date.now() / 1000);
    return (memberId, channel) => `${base}/unsubscribe?t=${signToken(secret, { workspaceId: ws, memberId, channel, purpose: p, issuedAt })}`;
  }

  /** A member's signed unsubscribe link for a channel (`all`: every channel) and purpose. */
  async unsubscribeLink(ws: string, ref: string, channel: ConsentChannel, purpose: Purpose): Promise<{ member_id: string; channel: ConsentChannel; purpose: Purpose; url: string }> {
    const memberId = await this.deps.refs.resolveOne(this.deps.store, ws, ref);
    const make = await this.linkMaker(ws, purpose);
    return { member_id: memberId, channel, purpose, url: make(memberId, channel) };
  }

  /** The claim of a genuine token (signed with its workspace's secret), or null. */
  async verifyUnsubscribeToken(token: string): Promise<UnsubscribeClaim | null> {
    const claim = readToken(token);
    if (!claim) return null;
    const [ws] = await this.deps.store.query<{ unsubscribe_secret: string }>('SELECT unsubscribe_secret FROM consent_settings WHERE workspace_id = $1', [claim.workspaceId]);
    if (!ws || !verifyToken(ws.unsubscribe_secret, token)) return null;
    return claim;
  }

  /** Revokes what a verified link names (the member as the link was made; merged members follow their survivor). */
  async unsubscribeByLink(claim: UnsubscribeClaim, ctx: RequestContext): Promise<void> {
    const memberId = (await this.deps.identity.findMember(this.deps.store, claim.workspaceId, claim.memberId)) ?? claim.memberId;
    await this.record(claim.workspaceId, [{
      memberId, channel: claim.channel, purpose: claim.purpose, status: 'revoked', source: 'unsubscribe_link',
      sourceDetail: `link issued ${new Date(claim.issuedAt * 1000).toISOString()}`, ip: ctx.ip ?? null, userAgent: ctx.userAgent ?? null,
    }]);
  }

  /**
   * A message a member sent (SMS reply, WeCom or official-account chat): when it is an unsubscribe keyword, revokes
   * the workspace's unsubscribe purpose (marketing) on that channel. Unknown senders are reported, not an error.
   */
  async inbound(ws: string, body: InboundBody): Promise<{ matched: boolean; keyword: string | null; member_id: string | null; revoked: { channel: ChannelType; purpose: Purpose } | null }> {
    const { config } = await this.settings.get(ws);
    const keyword = matchKeyword(body.text, config.keywords);
    if (!keyword) return { matched: false, keyword: null, member_id: null, revoked: null };
    const memberId = await senderOf(this.deps.store, this.deps.identity, ws, body);
    if (!memberId) return { matched: true, keyword, member_id: null, revoked: null };
    const purpose = config.unsubscribe.purpose;
    await this.record(ws, [{ memberId, channel: body.channel, purpose, status: 'revoked', source: 'keyword', sourceDetail: `keyword ${keyword}: ${body.text.slice(0, 200)}`, at: body.at }]);
    return { matched: true, keyword, member_id: memberId, revoked: { channel: body.channel, purpose } };
  }

  /**
   * Unsubscribes reported by a provider (a messaging receipt of type `unsubscribed`, e.g. an email list-unsubscribe):
   * revokes the workspace's unsubscribe purpose on the channel type for each member. For the messaging module.
   * @example await consent.recordUnsubscribes(ws, [{ memberId, channelType: 'email', detail: 'receipt mev_…' }])
   */
  async recordUnsubscribes(ws: string, items: { memberId: string; channelType: ChannelType; at?: string; detail?: string }[]): Promise<number> {
    if (items.length === 0) return 0;
    const { config } = await this.settings.get(ws);
    return this.record(ws, items.map((i) => ({ memberId: i.memberId, channel: i.channelType, purpose: config.unsubscribe.purpose, status: 'revoked' as const, source: 'receipt' as const, sourceDetail: i.detail ?? null, at: i.at })));
  }

  /** Dry run of the guard for member refs: each ref's decision now (nothing is reserved). */
  async check(ws: string, q: Omit<AdmitRequest, 'memberIds'> & { members: string[] }) {
    const ids = await this.deps.refs.resolveMany(this.deps.store, ws, q.members);
    const { members, ...req } = q;
    const r = await this.guard.admit(ws, { ...req, memberIds: ids.filter((id): id is string => id !== null) }, { dryRun: true });
    return members.map((ref, i) => {
      const id = ids[i];
      if (!id) return { member: ref, member_id: null, ok: false, reason: 'member_not_found' };
      const a = r.get(id)!;
      return a.ok ? { member: ref, member_id: id, ok: true } : { member: ref, member_id: id, ...a };
    });
  }

  // ---- guard settings and template context -------------------------------------------------------------------

  async guardConfig(ws: string): Promise<GuardConfig> {
    return (await this.settings.get(ws)).config;
  }

  async updateGuardConfig(ws: string, patch: GuardConfigPatch): Promise<GuardConfig> {
    return (await this.settings.update(ws, patch)).config;
  }

  /** The `unsubscribe_url` template variable's provider (registered with the templates module at start-up). */
  templateContext() {
    return unsubscribeContext((ws) => this.linkMaker(ws));
  }
}

/** What the current statements allow, per purpose and channel type (statements for `all` included). */
export function effectiveOf(rows: CurrentRow[], config: GuardConfig): EffectiveConsent {
  const at = (r: CurrentRow | undefined) => (r ? { status: r.status, at: Date.parse(r.changed_at) } : null);
  const out = {} as EffectiveConsent;
  for (const purpose of PURPOSES) {
    out[purpose] = {} as EffectiveConsent[Purpose];
    const all = rows.find((r) => r.purpose === purpose && r.channel === 'all');
    for (const ch of CHANNEL_TYPES) {
      const specific = rows.find((r) => r.purpose === purpose && r.channel === ch);
      const d = decideConsent(at(specific), at(all), policyOf(config, purpose, ch));
      out[purpose][ch] = { allowed: d.allowed, basis: d.basis };
    }
  }
  return out;
}
