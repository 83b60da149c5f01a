// Data subject rights (PIPL/GDPR): export everything held on one person as JSON, erase a person (personal data and
// identities removed, events and orders anonymised, pending work cancelled, the member kept as a tombstone), the
// record of every such request, and consent history exports per purpose and channel.
import { invalid } from '../../core/errors.ts';
import { newId } from '../../core/ids.ts';
import type { Store } from '../../store/port.ts';
import type { MembersService } from '../members/service.ts';
import type { StatementRow } from '../consent/repo.ts';
import { historyCsvHeader, historyCsvLines } from '../consent/csv.ts';
import { consentHistoryPage, type ConsentHistoryFilter } from './consent-history.ts';
import { eraseMember, erasedAt, type EraseCounts } from './erase-repo.ts';
import { exportSections } from './export-repo.ts';
import { requestsRepo, type PrivacyRequestRow } from './requests-repo.ts';

/** Who asked (from `actorOf(req)`). */
export type Actor = { type: string; id: string; name: string | null } | null;

export interface PrivacyDeps {
  store: Store;
  members: MembersService;
  /** Drops cached identifier owners once an erase deleted identities. */
  identity: { invalidateCache(): void };
}

/** The export of one person: the profile as the members service shows it, and every section's rows. */
export interface PrivacyExport {
  format: 'siyu.privacy-export.v1';
  exported_at: string;
  request_id: string;
  member_id: string;
  erased_at: string | null;
  profile: unknown;
  [section: string]: unknown;
}

export interface EraseResult {
  request: PrivacyRequestRow;
  /** False when the member had been erased before: nothing was changed. */
  erased: boolean;
}

const HISTORY_PAGE = 10_000;
/** Most statements one consent history export holds. */
export const HISTORY_MAX = 1_000_000;

export class PrivacyService {
  constructor(private readonly deps: PrivacyDeps) {}

  /** Everything held on one person, and a privacy_requests row recording that it was exported. */
  async export(ws: string, ref: string, actor: Actor): Promise<PrivacyExport> {
    const { store, members } = this.deps;
    const memberId = await members.resolve(ws, ref);
    const now = new Date().toISOString();
    const [profile, sections, erased] = await Promise.all([members.get(ws, memberId), exportSections(store, ws, memberId), erasedAt(store, ws, memberId)]);
    const request = this.requestRow('export', memberId, ref, actor, null, now);
    request.counts = Object.fromEntries(Object.entries(sections).map(([k, v]) => [k, v.length]));
    await requestsRepo.insert(store, ws, request);
    return { format: 'siyu.privacy-export.v1', exported_at: now, request_id: request.id, member_id: memberId, erased_at: erased, profile, ...sections };
  }

  /**
   * Erases a person in one transaction (see erase-repo) and records it. A member erased before is left alone and
   * its earlier request returned (`erased: false`).
   */
  async erase(ws: string, ref: string, reason: string, actor: Actor): Promise<EraseResult> {
    const { store, members } = this.deps;
    if (!reason.trim()) throw invalid('privacy.reason_required', 'reason is required: why this person is erased (e.g. the ticket of their request)', 'reason');
    const memberId = await members.resolve(ws, ref);
    const result = await store.transaction(async (tx): Promise<EraseResult> => {
      const now = new Date().toISOString();
      if (await erasedAt(tx, ws, memberId)) {
        const before = await requestsRepo.lastErase(tx, ws, memberId);
        return { erased: false, request: before ?? { ...this.requestRow('erase', memberId, ref, actor, reason, now), status: 'done' } };
      }
      const counts: EraseCounts = await eraseMember(store, tx, ws, memberId, now);
      const request = { ...this.requestRow('erase', memberId, ref, actor, reason, now), counts };
      await requestsRepo.insert(tx, ws, request);
      return { erased: true, request };
    });
    // No change-feed publish on purpose: the tombstone must not trigger journeys or segment entries; its segment
    // rows were removed in the transaction.
    if (result.erased) this.deps.identity.invalidateCache();
    return result;
  }

  /** Export and erase requests, newest first. */
  async requests(ws: string, q: { kind?: 'export' | 'erase'; member?: string; limit: number; cursor?: string }): Promise<{ data: PrivacyRequestRow[]; next_cursor: string | null }> {
    const memberId = q.member ? await this.deps.members.resolve(ws, q.member) : undefined;
    const rows = await requestsRepo.list(this.deps.store, ws, { kind: q.kind, memberId, beforeId: q.cursor, limit: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { data: page, next_cursor: rows.length > q.limit ? page[page.length - 1].id : null };
  }

  /** Consent statements (oldest first by id) filtered by member, purpose, channel and time, up to {@link HISTORY_MAX}. */
  async consentHistory(ws: string, q: Omit<ConsentHistoryFilter, 'memberId'> & { member?: string }): Promise<StatementRow[]> {
    const f: ConsentHistoryFilter = { ...q, memberId: q.member ? await this.deps.members.resolve(ws, q.member) : undefined };
    const out: StatementRow[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await consentHistoryPage(this.deps.store, ws, f, after, HISTORY_PAGE);
      out.push(...page);
      if (page.length < HISTORY_PAGE) return out;
      if (out.length >= HISTORY_MAX) throw invalid('consent.history_too_large', `More than ${HISTORY_MAX} statements match; narrow with member, purpose, channel or since/until`, 'since');
      after = page[page.length - 1].id;
    }
  }

  /** The same statements as CSV (header row, RFC 4180). */
  async consentHistoryCsv(ws: string, q: Omit<ConsentHistoryFilter, 'memberId'> & { member?: string }): Promise<string> {
    return historyCsvHeader() + historyCsvLines(await this.consentHistory(ws, q));
  }

  private requestRow(kind: 'export' | 'erase', memberId: string, ref: string, actor: Actor, reason: string | null, now: string): PrivacyRequestRow {
    return {
      id: newId('prq'), kind, member_id: memberId, member_ref: maskRef(ref), actor_type: actor?.type ?? null, actor_id: actor?.id ?? null,
      actor_name: actor?.name ?? null, reason, status: 'done', counts: null, created_at: now, finished_at: now,
    };
  }
}

/** The ref as recorded: a member id as is, an identifier only by its type (the value may be the erased phone). */
export function maskRef(ref: string): string {
  const r = ref.trim();
  const i = r.indexOf(':');
  return i > 0 && !r.startsWith('mem_') ? `${r.slice(0, i)}:***` : r;
}
