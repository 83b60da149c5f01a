// Shared value normalisation so both adapters return the same JS shapes.

/** bigint → number when it fits, else string (ids never are bigints here; counts and sums are). */
export function bigintToJs(v: bigint): number | string {
  return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString();
}

/** Parses a JSON column value that arrived as text; leaves objects as they are. */
export function parseJsonValue(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
