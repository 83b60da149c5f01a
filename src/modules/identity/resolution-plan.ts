// Pure identity resolution for a batch: which member each input belongs to, which members to create, which
// identifiers to attach and which members to merge. No I/O: the service feeds it what the store knows.
import { extractKeys, keyId, normaliseValue } from './identity-keys.ts';
import { STRONG_TYPES, type IdentityInput, type IdentityKey } from './types.ts';

export interface KnownOwner {
  memberId: string;
  /** The owning member holds at least one strong identifier. */
  ownerIsStrong: boolean;
}

export interface PlanMerge {
  from: string;
  into: string;
  reason: string;
  identity?: IdentityKey;
}

export interface ResolutionPlan {
  /** Final (surviving) member per input; null when the input had no usable identifier. */
  memberIds: (string | null)[];
  /** New members: id, first input index (for channel and time). */
  created: { id: string; input: number }[];
  /** Identifiers to attach: key → surviving member, with the input that brought it. */
  attach: { key: IdentityKey; memberId: string; input: number }[];
  /** Merges to carry out, `into` already the final survivor. */
  merges: PlanMerge[];
}

/**
 * Plans resolution. `owners` maps keyId(type,value) → current owner for every key the batch mentions (alias
 * candidates included). `newMemberId` mints ids; ids sort by creation time, so the smallest id is the oldest member
 * and survives merges (deterministic). `keyLists` are the inputs' extracted keys when the caller has them.
 */
export function planResolution(
  inputs: IdentityInput[],
  owners: Map<string, KnownOwner>,
  newMemberId: () => string,
  keyLists: IdentityKey[][] = inputs.map(extractKeys),
): ResolutionPlan {
  const parent = new Map<string, string>();
  const find = (m: string): string => {
    let r = m;
    while (parent.has(r)) r = parent.get(r)!;
    return r;
  };
  const strong = new Map<string, boolean>();
  for (const o of owners.values()) strong.set(o.memberId, (strong.get(o.memberId) ?? false) || o.ownerIsStrong);
  const isStrong = (m: string) => strong.get(find(m)) ?? false;

  const owner = new Map<string, string>();
  for (const [k, o] of owners) owner.set(k, o.memberId);
  const ownerOf = (k: IdentityKey) => {
    const m = owner.get(keyId(k));
    return m === undefined ? undefined : find(m);
  };

  const merges: PlanMerge[] = [];
  const merge = (a: string, b: string, reason: string, identity?: IdentityKey): string => {
    const [ra, rb] = [find(a), find(b)];
    if (ra === rb) return ra;
    const [into, from] = ra < rb ? [ra, rb] : [rb, ra];
    parent.set(from, into);
    strong.set(into, (strong.get(into) ?? false) || (strong.get(from) ?? false));
    merges.push({ from, into, reason, identity });
    return into;
  };

  const created: { id: string; input: number }[] = [];
  const attach: { key: IdentityKey; memberId: string; input: number }[] = [];
  const memberIds: (string | null)[] = [];

  inputs.forEach((input, i) => {
    const keys = keyLists[i];
    const strongKeys = keys.filter((k) => STRONG_TYPES.has(k.type));
    const weakKeys = keys.filter((k) => !STRONG_TYPES.has(k.type));
    const prev = input.previousId ? aliasCandidates(input.previousId) : [];
    if (keys.length === 0 && prev.length === 0) {
      memberIds.push(null);
      return;
    }

    let target: string | undefined;
    // Strong identifiers: everyone who owns one of them is the same person.
    for (const k of strongKeys) {
      const o = ownerOf(k);
      if (o === undefined) continue;
      target = target === undefined ? o : merge(target, o, `shared_${k.type}`, k);
    }
    // Weak identifiers (anonymous id, device id) claim anonymous profiles but never fuse two known people.
    for (const k of weakKeys) {
      const o = ownerOf(k);
      if (o === undefined) continue;
      if (target === undefined) {
        if (strongKeys.length === 0 || !isStrong(o)) target = o;
      } else if (find(o) !== find(target) && !isStrong(o)) {
        target = merge(target, o, `anonymous_${k.type}`, k);
      }
    }
    if (target === undefined) {
      target = newMemberId();
      created.push({ id: target, input: i });
    }
    if (strongKeys.length > 0) strong.set(find(target), true);

    for (const k of keys) {
      if (ownerOf(k) !== undefined) continue;
      owner.set(keyId(k), find(target));
      attach.push({ key: k, memberId: target, input: i });
    }
    // alias: an explicit request to fold the earlier identity's member into this one.
    if (prev.length > 0) {
      const found = prev.map((k) => ownerOf(k)).find((o) => o !== undefined);
      if (found !== undefined) target = merge(target, found, 'alias', prev[0]);
      else {
        const anon = prev.find((k) => k.type === 'anonymous_id')!;
        owner.set(keyId(anon), find(target));
        attach.push({ key: anon, memberId: target, input: i });
      }
    }
    memberIds.push(find(target));
  });

  return {
    memberIds: memberIds.map((m) => (m === null ? null : find(m))),
    created,
    attach: attach.map((a) => ({ ...a, memberId: find(a.memberId) })),
    merges: merges.map((m) => ({ ...m, into: find(m.into) })),
  };
}

/** The keys an alias previousId may refer to: an earlier user id or an anonymous id. */
export function aliasCandidates(previousId: string): IdentityKey[] {
  const out: IdentityKey[] = [];
  const u = normaliseValue('user_id', previousId);
  if (u !== null) out.push({ type: 'user_id', value: u });
  const a = normaliseValue('anonymous_id', previousId);
  if (a !== null) out.push({ type: 'anonymous_id', value: a });
  return out;
}
