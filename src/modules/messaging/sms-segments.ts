// SMS length rules: how many billed segments a text takes. GSM-7 texts fit 160 septets in one segment and 153 per
// segment when concatenated; anything else (Chinese included) is UCS-2: 70 characters, or 67 per segment.

// GSM 03.38 basic character set (one septet each) and its extension table (two septets: escape + char).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENDED = new Set('^{}\\[~]|€\f');

export interface SmsLength {
  encoding: 'gsm7' | 'ucs2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2: an emoji counts two). */
  units: number;
  segments: number;
  /** Units per segment at this length (single-segment limit, or the concatenated one). */
  perSegment: number;
}

/**
 * Encoding, length and segment count of an SMS text (signature included: carriers count it).
 * @example smsLength('【思域茶饮】您的验证码是 123456').segments // 1
 */
export function smsLength(text: string): SmsLength {
  let septets = 0;
  let gsm = true;
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENDED.has(ch)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  if (gsm) {
    const segments = septets === 0 ? 0 : septets <= 160 ? 1 : Math.ceil(septets / 153);
    return { encoding: 'gsm7', units: septets, segments, perSegment: segments > 1 ? 153 : 160 };
  }
  const units = text.length; // UTF-16 code units, as UCS-2/UTF-16 SMS count them
  const segments = units === 0 ? 0 : units <= 70 ? 1 : Math.ceil(units / 67);
  return { encoding: 'ucs2', units, segments, perSegment: segments > 1 ? 67 : 70 };
}

/**
 * The text as the handset shows it: `【signature】text`, unless the text already starts with a 【…】 signature.
 * @example withSignature('欢迎回来', '思域茶饮') // '【思域茶饮】欢迎回来'
 */
export function withSignature(text: string, signature: string | undefined): string {
  if (!signature || /^【[^】]+】/.test(text)) return text;
  return `【${signature}】${text}`;
}
