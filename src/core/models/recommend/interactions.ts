// Sparse user × item purchase matrix (CSR both ways) built from string ids, the input every recommender shares.

/** One purchase interaction: who bought what, how strongly (quantity or count) and when (epoch ms). */
export interface Interaction {
  user: string;
  item: string;
  weight: number;
  at: number;
}

/**
 * Compressed sparse rows over users (`userPtr`/`userItems`/`userWeights`) and over items (`itemPtr`/`itemUsers`/
 * `itemWeights`); duplicates of a (user, item) pair are summed, `lastAt` keeps the latest purchase per pair.
 */
export interface InteractionMatrix {
  users: string[];
  items: string[];
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  userPtr: Int32Array;
  userItems: Int32Array;
  userWeights: Float64Array;
  lastAt: Float64Array;
  itemPtr: Int32Array;
  itemUsers: Int32Array;
  itemWeights: Float64Array;
}

/**
 * Builds the matrix; rows of a user are sorted by item index. Items may be given up front (`catalogue`) so ids
 * keep a known order; unknown items are appended.
 * @example buildInteractions([{ user: 'm1', item: 'A', weight: 2, at: 0 }]).userItems // Int32Array [0]
 */
export function buildInteractions(rows: Iterable<Interaction>, catalogue: string[] = []): InteractionMatrix {
  const users: string[] = [];
  const items: string[] = [...catalogue];
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>(items.map((id, i) => [id, i]));
  // Flat growable columns instead of a map per user: 10M pairs of a 1M-member brand stay a few hundred MB.
  let cap = 1024, n = 0;
  let ru = new Int32Array(cap), ri = new Int32Array(cap), rw = new Float64Array(cap), rt = new Float64Array(cap);
  for (const r of rows) {
    if (!(r.weight > 0)) continue;
    let u = userIndex.get(r.user);
    if (u === undefined) {
      u = users.length;
      users.push(r.user);
      userIndex.set(r.user, u);
    }
    let i = itemIndex.get(r.item);
    if (i === undefined) {
      i = items.length;
      items.push(r.item);
      itemIndex.set(r.item, i);
    }
    if (n === cap) {
      cap *= 2;
      ru = grow(ru, cap); ri = grow(ri, cap); rw = grow(rw, cap); rt = grow(rt, cap);
    }
    ru[n] = u; ri[n] = i; rw[n] = r.weight; rt[n] = r.at;
    n++;
  }
  // counting sort by user, then each row sorted by item with duplicates merged
  const start = new Int32Array(users.length + 1);
  for (let k = 0; k < n; k++) start[ru[k]! + 1]!++;
  for (let u = 0; u < users.length; u++) start[u + 1] += start[u]!;
  const fill = start.slice(0, users.length);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[fill[ru[k]!]!++] = k;
  const userPtr = new Int32Array(users.length + 1);
  const userItems = new Int32Array(n);
  const userWeights = new Float64Array(n);
  const lastAt = new Float64Array(n);
  const itemCount = new Int32Array(items.length);
  let p = 0;
  for (let u = 0; u < users.length; u++) {
    const row = Array.from(order.subarray(start[u]!, start[u + 1]!)).sort((a, b) => ri[a]! - ri[b]! || a - b);
    for (const k of row) {
      const i = ri[k]!;
      if (p > userPtr[u]! && userItems[p - 1] === i) {
        userWeights[p - 1] += rw[k]!;
        if (rt[k]! > lastAt[p - 1]!) lastAt[p - 1] = rt[k]!;
        continue;
      }
      userItems[p] = i;
      userWeights[p] = rw[k]!;
      lastAt[p] = rt[k]!;
      itemCount[i]!++;
      p++;
    }
    userPtr[u + 1] = p;
  }
  const t = transpose(users.length, items.length, userPtr, userItems.subarray(0, p), userWeights.subarray(0, p), itemCount);
  return { users, items, userIndex, itemIndex, userPtr, userItems: userItems.slice(0, p), userWeights: userWeights.slice(0, p), lastAt: lastAt.slice(0, p), ...t };
}

function grow<T extends Int32Array | Float64Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a);
  return b;
}

function transpose(nUsers: number, nItems: number, userPtr: Int32Array, userItems: Int32Array, userWeights: Float64Array, itemCount: Int32Array) {
  const itemPtr = new Int32Array(nItems + 1);
  for (let i = 0; i < nItems; i++) itemPtr[i + 1] = itemPtr[i]! + itemCount[i]!;
  const fill = itemPtr.slice(0, nItems);
  const itemUsers = new Int32Array(userItems.length);
  const itemWeights = new Float64Array(userItems.length);
  for (let u = 0; u < nUsers; u++) {
    for (let p = userPtr[u]!; p < userPtr[u + 1]!; p++) {
      const i = userItems[p]!;
      const q = fill[i]!++;
      itemUsers[q] = u;
      itemWeights[q] = userWeights[p]!;
    }
  }
  return { itemPtr, itemUsers, itemWeights };
}

/** Number of distinct items a user bought. */
export const userDegree = (m: InteractionMatrix, u: number): number => m.userPtr[u + 1]! - m.userPtr[u]!;
/** Number of distinct users who bought an item. */
export const itemDegree = (m: InteractionMatrix, i: number): number => m.itemPtr[i + 1]! - m.itemPtr[i]!;
