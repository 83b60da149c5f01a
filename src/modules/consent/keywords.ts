// Unsubscribe keywords in member replies (pure): 退订, TD, T, STOP… matched on the normalised text — full-width
// forms folded (ＴＤ → TD), case and surrounding whitespace or punctuation ignored.

/** Text as keywords are compared: NFKC, upper case, no surrounding whitespace or punctuation. */
export function normaliseReply(text: string): string {
  return text.normalize('NFKC').toUpperCase().replace(/^[\s\p{P}\p{S}]+|[\s\p{P}\p{S}]+$/gu, '');
}

/**
 * The keyword a reply matches: the whole reply equals an `exact` keyword, or contains a `contains` keyword; null
 * when none (so "T恤还有吗" is not an unsubscribe, but "T" and "退订谢谢" are).
 * @example matchKeyword(' td。', { exact: ['TD'], contains: ['退订'] }) // 'TD'
 */
export function matchKeyword(text: string, keywords: { exact: string[]; contains: string[] }): string | null {
  const t = normaliseReply(text);
  if (!t) return null;
  for (const k of keywords.exact) if (t === normaliseReply(k)) return k;
  for (const k of keywords.contains) {
    const n = normaliseReply(k);
    if (n && t.includes(n)) return k;
  }
  return null;
}
