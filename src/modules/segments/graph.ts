// Pure logic of segments reading segments (in_segment / not_in_segment): resolving refs, cycles, recompute order.

/** A segment as the dependency graph sees it: its refs are the in_segment refs (ids or names) of its rule. */
export interface SegmentNode {
  id: string;
  name: string;
  refs: string[];
}

/**
 * The segment a ref names: an id wins over a name (as everywhere else in the API).
 * @example resolveRef(nodes, 'VIP 复购') // { id: 'seg_…', name: 'VIP 复购', refs: [] }
 */
export function resolveRef<T extends { id: string; name: string }>(nodes: readonly T[], ref: string): T | undefined {
  return nodes.find((n) => n.id === ref) ?? nodes.find((n) => n.name === ref);
}

/** Segment id → ids of the segments it reads (refs that name no segment are left out). */
export function readsOf(nodes: readonly SegmentNode[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of nodes) out.set(n.id, [...new Set(n.refs.map((r) => resolveRef(nodes, r)?.id).filter((id): id is string => !!id))]);
  return out;
}

/**
 * A chain of segment ids from `from` to `to` following what each reads, or null when `to` is not reachable.
 * Saving segment S with a rule reading R creates a cycle exactly when S is reachable from R (or R is S).
 * @example pathTo(reads, 'seg_b', 'seg_a') // ['seg_b', 'seg_c', 'seg_a']
 */
export function pathTo(reads: Map<string, string[]>, from: string, to: string): string[] | null {
  const prev = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === to) {
      const path: string[] = [];
      for (let at: string | null = id; at !== null; at = prev.get(at) ?? null) path.unshift(at);
      return path;
    }
    for (const next of reads.get(id) ?? []) {
      if (prev.has(next)) continue;
      prev.set(next, id);
      queue.push(next);
    }
  }
  return null;
}

/** Ids of every segment that reads any of `ids`, directly or through other segments (the ids themselves excluded). */
export function dependentsOf(reads: Map<string, string[]>, ids: Iterable<string>): Set<string> {
  const readers = new Map<string, string[]>();
  for (const [id, list] of reads) for (const r of list) readers.set(r, [...(readers.get(r) ?? []), id]);
  const start = new Set(ids);
  const out = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    for (const reader of readers.get(queue.shift()!) ?? []) {
      if (out.has(reader) || start.has(reader)) continue;
      out.add(reader);
      queue.push(reader);
    }
  }
  return out;
}

/**
 * Orders `ids` so that every segment comes after the segments it reads (Kahn's algorithm, ties in the given
 * order). Members of a cycle — which saving refuses, so only legacy data could hold one — come last.
 * @example topoOrder(reads, ['seg_reader', 'seg_base']) // ['seg_base', 'seg_reader']
 */
export function topoOrder(reads: Map<string, string[]>, ids: readonly string[]): string[] {
  const wanted = new Set(ids);
  const pending = new Map<string, number>();
  for (const id of ids) pending.set(id, (reads.get(id) ?? []).filter((r) => wanted.has(r) && r !== id).length);
  const out: string[] = [];
  const done = new Set<string>();
  while (out.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && pending.get(id) === 0) ?? ids.find((id) => !done.has(id))!;
    done.add(next);
    out.push(next);
    for (const id of ids) if (!done.has(id) && (reads.get(id) ?? []).includes(next)) pending.set(id, pending.get(id)! - 1);
  }
  return out;
}

const SEGMENT_KEYS = ['in_segment', 'not_in_segment'];

/**
 * JSON paths (`rule.and[1].in_segment`) of the in_segment / not_in_segment nodes of a raw rule that name `ref`, so
 * errors about a referenced segment point at the node.
 */
export function refPaths(raw: unknown, ref: string, path = 'rule'): string[] {
  if (Array.isArray(raw)) return raw.flatMap((v, i) => refPaths(v, ref, `${path}[${i}]`));
  if (typeof raw !== 'object' || raw === null) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (SEGMENT_KEYS.includes(k) && (v === ref || (typeof v === 'object' && v !== null && Object.values(v).includes(ref)))) out.push(`${path}.${k}`);
    else out.push(...refPaths(v, ref, `${path}.${k}`));
  }
  return out;
}

/**
 * Groups items into dependency levels: level 0 reads no other item of the list, level n reads some of level n-1
 * (and maybe lower). Items of one level can be evaluated side by side.
 * @example levels(reads, [b, a], (x) => x.id) // [[a], [b]] when b reads a
 */
export function levels<T>(reads: Map<string, string[]>, items: T[], idOf: (item: T) => string): T[][] {
  const ids = new Set(items.map(idOf));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen: Set<string>): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0; // a cycle (refused on save): break it anywhere
    seen.add(id);
    const d = Math.max(-1, ...(reads.get(id) ?? []).filter((r) => ids.has(r) && r !== id).map((r) => depthOf(r, seen))) + 1;
    depth.set(id, d);
    return d;
  };
  const out: T[][] = [];
  for (const item of items) (out[depthOf(idOf(item), new Set())] ??= []).push(item);
  return out.filter(Boolean);
}
