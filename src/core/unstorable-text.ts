// Text neither store can hold: PostgreSQL text and jsonb refuse NUL, jsonb and DuckDB's JSON refuse lone UTF-16
// surrogates. Input carrying them is refused up front (400 naming the field) instead of failing a statement (500).

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** JSON text can only carry NUL or a lone surrogate as a `\u` escape: without one, the parsed value needs no walk. */
export const RISKY_JSON_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;

/** True for a string holding NUL or a lone surrogate. */
export const isUnstorable = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s);

/**
 * The path (`base.a.b[2]`) of the first string or key holding NUL or a lone surrogate in `root`, or null. Iterative,
 * so a value nested thousands of levels deep cannot overflow the stack.
 */
export function findUnstorableText(root: unknown, base: string): string | null {
  const stack: Array<[unknown, string]> = [[root, base]];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (isUnstorable(v)) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (typeof v === 'object' && v !== null) {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, x] = entries[i];
        const at = path ? `${path}.${k.replace(/[\u0000\ud800-\udfff]/g, '?')}` : k.replace(/[\u0000\ud800-\udfff]/g, '?');
        if (isUnstorable(k)) return at;
        stack.push([x, at]);
      }
    }
  }
  return null;
}
