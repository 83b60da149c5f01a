// Identity resolution on the store: one member per person across channels, deterministic merges with history.
import { newId } from '../../core/ids.ts';
import { invalid } from '../../core/errors.ts';
import { isTx, type SqlExecutor, type Store } from '../../store/port.ts';
import { extractKeys, keyId, parseRef } from './identity-keys.ts';
import { aliasCandidates, planResolution, type KnownOwner } from './resolution-plan.ts';
import { identityRepo, type MemberAttrRow, type OwnerRow } from './repo.ts';
import { OwnerCache } from './owner-cache.ts';
import { mergeExtra, traitsToPatch, type AttributePatch } from './traits.ts';
import { HASHED_IDENTITY_TYPES, identityLookupValue, sealPii } from '../pii/member-fields.ts';
import { addressText } from './traits.ts';
import { seal } from '../../core/pii/index.ts';
import { STRONG_TYPES, type IdentityInput, type IdentityKey, type IdentityPort, type MergeHook, type ResolveResult } from './types.ts';

const TOUCH_AFTER_MS = 60 * 60 * 1000; // last_seen_at is kept to the hour: cheaper than a write per message

/** A retryable error: another transaction claimed an identifier first; resolving again sees its owner. */
class ConcurrentClaim extends Error {
  readonly retryable = true;
  constructor() {
    super('identity claimed concurrently; retrying');
  }
}

export class IdentityService implements IdentityPort {
  private readonly repo;
  private readonly hooks = new Map<string, MergeHook>();
  private lastMs = 0;
  /** Owners of strong identifiers, cached only where this process is the database's only writer. */
  private readonly cache: OwnerCache;

  constructor(store: Store) {
    this.repo = identityRepo(store);
    this.cache = new OwnerCache(!store.capabilities.multiProcess);
  }

  /** Drops cached identifier owners (after identities were deleted or rewritten outside this service). */
  invalidateCache(): void {
    this.cache.clear();
  }

  onMerge(name: string, hook: MergeHook): void {
    this.hooks.set(name, hook);
  }

  /** Member ids that sort by creation order even within one millisecond, so "oldest survives" is deterministic. */
  private nextMemberId(): string {
    this.lastMs = Math.max(Date.now(), this.lastMs + 1);
    return newId('mem', this.lastMs);
  }

  async resolve(tx: SqlExecutor, ws: string, inputs: IdentityInput[]): Promise<ResolveResult> {
    // Phone and email identities are stored (and cached, and merged on) as their lookup hash; the plaintext is
    // kept here only to seal the display value of newly attached ones.
    const plainOf = new Map<string, string>();
    const keyLists = inputs.map((input) => extractKeys(input).map((k) => {
      if (!HASHED_IDENTITY_TYPES.has(k.type)) return k;
      const hashed = { ...k, value: identityLookupValue(k.type, k.value) };
      plainOf.set(keyId(hashed), k.value);
      return hashed;
    }));
    const keys = new Map<string, IdentityKey>();
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      for (const k of keyLists[i]) keys.set(keyId(k), k);
      if (input.previousId) for (const k of aliasCandidates(input.previousId)) keys.set(keyId(k), k);
    }
    const ownerRows: OwnerRow[] = [];
    const misses: IdentityKey[] = [];
    for (const k of keys.values()) {
      const hit = STRONG_TYPES.has(k.type) ? this.cache.get(ws, k.type, k.value) : undefined;
      if (hit) ownerRows.push({ type: k.type, value: k.value, member_id: hit.memberId, last_seen_at: hit.lastSeenAt });
      else misses.push(k);
    }
    const snapshot = isTx(tx) ? this.cache.snapshot() : null;
    const fetched = await this.repo.owners(tx, ws, misses);
    ownerRows.push(...fetched);
    if (snapshot !== null && isTx(tx)) {
      // Only once committed: the read may include this transaction's own, not yet durable, identities.
      const strongRows = fetched.filter((r) => STRONG_TYPES.has(r.type as any));
      tx.afterEnd((committed) => committed && this.cache.fill(snapshot, ws, strongRows));
    }
    const strongOwners = new Set(ownerRows.filter((r) => STRONG_TYPES.has(r.type as any)).map((r) => r.member_id));
    const unknown = [...new Set(ownerRows.map((r) => r.member_id).filter((m) => !strongOwners.has(m)))];
    for (const m of await this.repo.strongMembers(tx, ws, unknown)) strongOwners.add(m);
    const owners = new Map<string, KnownOwner>();
    for (const r of ownerRows) owners.set(keyId(r), { memberId: r.member_id, ownerIsStrong: strongOwners.has(r.member_id) });

    const plan = planResolution(inputs, owners, () => this.nextMemberId(), keyLists);

    await this.repo.insertMembers(
      tx,
      ws,
      plan.created.map((c) => ({ id: c.id, source_channel: inputs[c.input].channel ?? null, ts: inputs[c.input].ts })),
    );
    const toAttach = plan.attach.map((a) => ({
      type: a.key.type,
      value: a.key.value,
      member_id: a.memberId,
      source_channel: inputs[a.input].channel ?? null,
      app_id: a.key.appId ?? null,
      ts: inputs[a.input].ts,
      value_enc: plainOf.has(keyId(a.key)) ? seal(plainOf.get(keyId(a.key))!) : null,
    }));
    const inserted = await this.repo.insertIdentities(tx, ws, toAttach);
    if (inserted.size !== new Set(toAttach.map(keyId)).size) throw new ConcurrentClaim();

    if (plan.merges.length > 0) {
      const mergeEnded = this.cache.mergeStarted();
      if (isTx(tx)) tx.afterEnd(mergeEnded);
      try {
        for (const m of plan.merges) await this.mergeMembers(tx, ws, m.from, m.into, m.reason, m.identity);
      } finally {
        if (!isTx(tx)) mergeEnded(true);
      }
    }

    await this.touchSeen(tx, ws, inputs, keyLists, plan.memberIds, ownerRows);
    await this.applyTraits(tx, ws, inputs, plan.memberIds);
    return { memberIds: plan.memberIds, created: plan.created.map((c) => c.id), merges: plan.merges.map(({ from, into, reason }) => ({ from, into, reason })) };
  }

  /** Folds `from` into `into`: identifiers, events and every module's rows move; attributes fill gaps; history kept. */
  private async mergeMembers(tx: SqlExecutor, ws: string, from: string, into: string, reason: string, identity?: IdentityKey) {
    const moved = await this.repo.mergeCore(tx, ws, from, into);
    for (const [name, hook] of this.hooks) moved[name] = await hook(tx, ws, from, into);
    const attrs = await this.repo.memberAttrs(tx, ws, [from, into]);
    const a = attrs.find((r) => r.id === into);
    const b = attrs.find((r) => r.id === from);
    if (a && b) {
      const filled: MemberAttrRow = {
        id: into,
        // sealed values move with their lookup hashes
        ...(a.name ? { name: a.name, name_hash: a.name_hash } : { name: b.name, name_hash: b.name_hash }),
        gender: a.gender && a.gender !== 'unknown' ? a.gender : (b.gender ?? a.gender),
        birthday: a.birthday ?? b.birthday,
        city: a.city ?? b.city,
        region: a.region ?? b.region,
        ...(a.phone ? { phone: a.phone, phone_hash: a.phone_hash } : { phone: b.phone, phone_hash: b.phone_hash }),
        ...(a.email ? { email: a.email, email_hash: a.email_hash } : { email: b.email, email_hash: b.email_hash }),
        address: a.address ?? b.address,
        attributes: mergeExtra(b.attributes, [a.attributes ?? {}]),
      };
      await this.repo.writeMemberAttrs(tx, ws, [{ ...filled, ts: new Date().toISOString() }]);
    }
    await this.repo.recordMerge(tx, ws, {
      id: newId('mrg'),
      from,
      into,
      reason,
      type: identity?.type ?? null,
      value: identity?.value ?? null,
      moved,
      ts: new Date().toISOString(),
    });
  }

  private async touchSeen(tx: SqlExecutor, ws: string, inputs: IdentityInput[], keyLists: IdentityKey[][], memberIds: (string | null)[], owners: { type: string; value: string; last_seen_at: string }[]) {
    const seen = new Map<string, string>();
    inputs.forEach((input, i) => {
      if (memberIds[i] === null) return;
      for (const k of keyLists[i]) {
        const id = keyId(k);
        if (!seen.has(id) || seen.get(id)! < input.ts) seen.set(id, input.ts);
      }
    });
    const stale = owners
      .filter((o) => {
        const ts = seen.get(keyId(o));
        return ts !== undefined && Date.parse(ts) - Date.parse(o.last_seen_at) > TOUCH_AFTER_MS;
      })
      .map((o) => ({ type: o.type, value: o.value, ts: seen.get(keyId(o))! }));
    await this.repo.touchIdentities(tx, ws, stale);
    if (stale.length > 0 && isTx(tx)) tx.afterEnd((committed) => committed && this.cache.touched(ws, stale));
  }

  private async applyTraits(tx: SqlExecutor, ws: string, inputs: IdentityInput[], memberIds: (string | null)[]) {
    const patches = new Map<string, { patches: AttributePatch[]; ts: string }>();
    inputs.forEach((input, i) => {
      const m = memberIds[i];
      if (!input.applyTraits || m === null || !input.traits) return;
      const entry = patches.get(m) ?? { patches: [], ts: input.ts };
      entry.patches.push(traitsToPatch(input.traits));
      if (input.ts > entry.ts) entry.ts = input.ts;
      patches.set(m, entry);
    });
    if (patches.size === 0) return;
    const current = await this.repo.memberAttrs(tx, ws, [...patches.keys()]);
    const rows = current.map((row) => {
      const { patches: ps, ts } = patches.get(row.id)!;
      const next: MemberAttrRow = { ...row };
      const plain: { name?: string; phone?: string; email?: string; address?: string } = {};
      for (const p of ps) {
        for (const f of ['gender', 'birthday', 'city', 'region'] as const) if (p[f] !== undefined) next[f] = p[f]!;
        for (const f of ['name', 'phone', 'email'] as const) if (p[f] !== undefined) plain[f] = p[f]!;
        if (p.address !== undefined) plain.address = addressText(p.address);
      }
      // Only the personal fields this batch sets are sealed again (with their hashes); the rest stay as stored.
      const sealed = sealPii({ name: plain.name ?? null, phone: plain.phone ?? null, email: plain.email ?? null, address: plain.address ?? null });
      if (plain.name !== undefined) Object.assign(next, { name: sealed.name, name_hash: sealed.name_hash });
      if (plain.phone !== undefined) Object.assign(next, { phone: sealed.phone, phone_hash: sealed.phone_hash });
      if (plain.email !== undefined) Object.assign(next, { email: sealed.email, email_hash: sealed.email_hash });
      if (plain.address !== undefined) next.address = sealed.address;
      next.attributes = mergeExtra(row.attributes, ps.map((p) => p.extra));
      return { ...next, ts };
    });
    await this.repo.writeMemberAttrs(tx, ws, rows);
  }

  async findMember(db: SqlExecutor, ws: string, ref: string): Promise<string | null> {
    if (ref.startsWith('mem_')) {
      let id: string | null = ref;
      for (let hops = 0; id && hops < 32; hops++) {
        const row = await this.repo.memberById(db, ws, id);
        if (!row) return null;
        if (!row.merged_into) return row.id;
        id = row.merged_into;
      }
      return null;
    }
    const parsed = parseRef(ref);
    if (!parsed) {
      throw invalid('member.invalid_ref', `"${ref}" is not a member id (mem_…) or type:value with a known type (user_id, phone, email, unionid, openid, wecom_external_userid, member_card, anonymous_id, device_id)`, 'ref');
    }
    return (await this.repo.ownerOf(db, ws, parsed.type, identityLookupValue(parsed.type, parsed.value))) ?? null;
  }

  /** Merge history of a member (as survivor or as the merged one), oldest first. */
  mergeHistory(db: SqlExecutor, ws: string, memberId: string) {
    return this.repo.mergeHistory(db, ws, memberId);
  }
}
