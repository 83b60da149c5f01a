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
  // Merge duplicates per (user, item) through one map keyed by user * 2^21 + item is unsafe for big catalogues;
  // a per-user map keeps memory proportional to the distinct pairs.
  const perUser: Array<Map<number, { w: number; at: number }>> = [];
  for (const r of rows) {
    if (!(r.weight > 0)) continue;
    let u = userIndex.get(r.user);
    if (u === undefined) {
      u = users.length;
      users.push(r.user);
      userIndex.set(r.user, u);
      perUser.push(new Map());
    }
    let i = itemIndex.get(r.item);
    if (i === undefined) {
      i = items.length;
      items.push(r.item);
      itemIndex.set(r.item, i);
    }
    const cell = perUser[u]!.get(i);
    if (cell) {
      cell.w += r.weight;
      if (r.at > cell.at) cell.at = r.at;
    } else perUser[u]!.set(i, { w: r.weight, at: r.at });
  }
  let nnz = 0;
  for (const m of perUser) nnz += m.size;
  const userPtr = new Int32Array(users.length + 1);
  const userItems = new Int32Array(nnz);
  const userWeights = new Float64Array(nnz);
  const lastAt = new Float64Array(nnz);
  const itemCount = new Int32Array(items.length);
  let p = 0;
  for (let u = 0; u < users.length; u++) {
    const keys = [...perUser[u]!.keys()].sort((a, b) => a - b);
    for (const i of keys) {
      const c = perUser[u]!.get(i)!;
      userItems[p] = i;
      userWeights[p] = c.w;
      lastAt[p] = c.at;
      itemCount[i]!++;
      p++;
    }
    userPtr[u + 1] = p;
  }
  const t = transpose(users.length, items.length, userPtr, userItems, userWeights, itemCount);
  return { users, items, userIndex, itemIndex, userPtr, userItems, userWeights, lastAt, ...t };
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
