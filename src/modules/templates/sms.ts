// SMS length and segment counting (pure): GSM 03.38 7-bit text fits 160 septets in one message and 153 per part
// of a long one; anything else (Chinese included) goes as UCS-2, 70 characters alone and 67 per part.

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters of the GSM extension table: each takes an escape plus itself, two septets. */
const GSM_EXTENDED = '^{}\\[~]|€\f';
const BASIC = new Set(GSM_BASIC);
const EXTENDED = new Set(GSM_EXTENDED);

export interface SmsCount {
  encoding: 'gsm7' | 'ucs2';
  /** Length in the encoding's units: septets for GSM-7, UTF-16 code units for UCS-2. */
  units: number;
  /** Characters as a reader counts them (code points). */
  characters: number;
  segments: number;
  /** Units per segment at this length: 160/153 (GSM-7) or 70/67 (UCS-2). */
  per_segment: number;
}

/**
 * Counts the segments `text` takes. Long messages carry a header in each part (153 septets or 67 UCS-2 units
 * left); an escaped GSM character or a surrogate pair is never split across parts, so parts are packed greedily.
 * @example countSms('您好,会员日快乐').segments // 1 (8 characters, UCS-2)
 */
export function countSms(text: string): SmsCount {
  const chars = [...text];
  const gsm = chars.every((c) => BASIC.has(c) || EXTENDED.has(c));
  const widths = chars.map((c) => (gsm ? (EXTENDED.has(c) ? 2 : 1) : c.length));
  const units = widths.reduce((a, b) => a + b, 0);
  const single = gsm ? 160 : 70;
  const part = gsm ? 153 : 67;
  if (units <= single) return { encoding: gsm ? 'gsm7' : 'ucs2', units, characters: chars.length, segments: units === 0 ? 0 : 1, per_segment: single };
  let segments = 1;
  let used = 0;
  for (const w of widths) {
    if (used + w > part) {
      segments++;
      used = 0;
    }
    used += w;
  }
  return { encoding: gsm ? 'gsm7' : 'ucs2', units, characters: chars.length, segments, per_segment: part };
}
